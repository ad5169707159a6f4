"""The video and two-image benchmarks read from their official files and scored through the
shipped task specs, with the numbers worked out by hand (CIDEr-D by hand as in
tests/test_more_sources.py: a prediction token-identical to one of an example's references and
sharing no token with the others scores 10 x 1 / references, x 100)."""

import pytest

from pgeval.errors import InputError
from pgeval.scoring.examples import load_examples
from pgeval.scoring.score import score_file
from pgeval.tasks import get_task
from tests.video_data import dump, marvl_line, nlvr2_line


def predictions(tmp_path, by_id):
    return dump(tmp_path / "predictions.jsonl", [{"id": k, "prediction": v} for k, v in by_id.items()],
                lines=True)


# --- MSR-VTT captions -------------------------------------------------------------------------

MSRVTT = {  # video -> captions
    "video7010": ["a man is driving a red car", "someone steers a vehicle down the road"],
    "video7011": ["a dog runs through tall grass", "a puppy plays outside",
                  "an animal sprints across a field"],
    "video7012": ["a woman sings on a stage", "a singer performs a song"],
}


def write_msrvtt(root):
    dump(root / "test_videodatainfo.json", {
        "info": {"year": "2016", "version": "1.0", "description": "test", "contributor": "x",
                 "data_created": "2016-04-01"},
        "videos": [{"category": 9, "url": f"https://www.youtube.com/watch?v={v}", "video_id": v,
                    "start time": 10.0, "end time": 20.5, "split": "test", "id": int(v[5:])}
                   for v in MSRVTT],
        "sentences": [{"caption": c, "video_id": v, "sen_id": 100 * int(v[5:]) + k}
                      for v, caps in reversed(MSRVTT.items()) for k, c in enumerate(caps)]})


def test_msrvtt_official_file(tmp_path):
    write_msrvtt(tmp_path / "msrvtt_cap")
    spec = get_task("msrvtt_cap")
    assert (spec.video.frames, spec.video.stride, spec.max_decode_len) == (16, 9, 32)
    examples = load_examples(spec, tmp_path)
    assert [e.id for e in examples] == list(MSRVTT)
    assert examples[1].images == ("TestVideo/video7011.mp4",)
    assert examples[1].references == tuple(MSRVTT["video7011"])
    preds = predictions(tmp_path, {"video7010": "A man is driving a red car.",  # 1 of 2: 500
                                   "video7011": "a puppy plays outside",  # 1 of 3: 1000 / 3
                                   "video7012": "nothing at all"})  # 0
    result = score_file(spec, preds, tmp_path)
    assert result.per_example == pytest.approx([500.0, 1000 / 3, 0.0])
    assert result.metrics["cider"] == pytest.approx(2500 / 9)


def test_msrvtt_validate_split_and_caption_lists(tmp_path):
    root = tmp_path / "msrvtt_cap"
    dump(root / "train_val_videodatainfo.json", {
        "videos": [{"video_id": "video1", "split": "train"}, {"video_id": "video6513", "split": "validate"}],
        "sentences": [{"video_id": "video1", "caption": "a train caption", "sen_id": 0},
                      {"video_id": "video6513", "caption": "a cat sleeps", "sen_id": 1}]})
    examples = load_examples(get_task("msrvtt_cap"), tmp_path, "val")
    assert [(e.id, e.references, e.images) for e in examples] == [
        ("video6513", ("a cat sleeps",), ("TrainValVideo/video6513.mp4",))]
    # The caption lists of retrieval codebases: LAVIS' JSON list and ClipBERT's JSON Lines.
    spec = get_task("msrvtt_cap")
    split = {"annotations": "MSRVTT_test.json", "images": "videos/{video_id}.mp4"}
    custom = type(spec)(**{**spec.__dict__, "source_args": {"splits": {"test": split}}})
    dump(root / "MSRVTT_test.json", [{"video": "video9770.mp4", "caption": "a person connects a cable"},
                                     {"video": "video9771.mp4", "caption": ["a girl", "a gymnast"]},
                                     {"video": "video9770.mp4", "caption": "cables"}])
    examples = load_examples(custom, tmp_path)
    assert [(e.id, e.references) for e in examples] == [
        ("video9770", ("a person connects a cable", "cables")), ("video9771", ("a girl", "a gymnast"))]
    split["annotations"] = "test.jsonl"
    dump(root / "test.jsonl", [{"caption": "a girl does gymnastics", "clip_name": "video9771",
                                "retrieval_key": "ret1"}], lines=True)
    assert [(e.id, e.images) for e in load_examples(custom, tmp_path)] == [
        ("video9771", ("videos/video9771.mp4",))]
    dump(root / "test.jsonl", [{"clip_name": "video9771"}], lines=True)
    with pytest.raises(InputError, match=r"needs a video key .* and a caption key") as e:
        load_examples(custom, tmp_path)
    assert "test.jsonl:1" in str(e.value)


# --- Video QA: MSRVTT-QA, MSVD-QA, ActivityNet-QA ---------------------------------------------

def test_msrvtt_qa_exact_match_is_case_and_space_sensitive(tmp_path):
    dump(tmp_path / "msrvtt_qa" / "test_qa.json", [
        {"answer": "man", "category_id": 9, "id": 0, "question": "who is talking?", "video_id": 7010},
        {"answer": "man", "category_id": 9, "id": 1, "question": "who drives?", "video_id": 7010},
        {"answer": "couch", "category_id": 2, "id": 2, "question": "what are they on?", "video_id": 7011},
        {"answer": "dog", "category_id": 2, "id": 3, "question": "what runs?", "video_id": 7012}])
    spec = get_task("msrvtt_qa")
    examples = load_examples(spec, tmp_path)
    assert examples[2].images == ("TestVideo/video7011.mp4",)
    assert examples[2].fields == {"question": "what are they on?"}
    preds = predictions(tmp_path, {"0": "man", "1": "Man", "2": "couch ", "3": "dog"})
    result = score_file(spec, preds, tmp_path)
    assert result.per_example == [100.0, 0.0, 0.0, 100.0]  # big_vision compares the raw strings
    assert result.metrics["accuracy"] == 50.0


def test_msvd_qa_maps_video_ids_to_clips(tmp_path):
    root = tmp_path / "msvd_qa"
    (root / "youtube_mapping.txt").parent.mkdir(parents=True)
    (root / "youtube_mapping.txt").write_text("-4wsuPCjDBc_5_15 vid1\n-7KMZQEsJW4_205_208 vid2\n\n")
    dump(root / "test_qa.json", [
        {"answer": "animal", "id": 0, "question": "what is chewing on a nut?", "video_id": 2},
        {"answer": "man", "id": 1, "question": "who is slicing a tomato?", "video_id": 1},
        {"answer": "tomato", "id": 2, "question": "what is sliced?", "video_id": 1}])
    spec = get_task("msvd_qa")
    assert (spec.video.frames, spec.video.stride) == (8, 26)
    examples = load_examples(spec, tmp_path)
    first, second = "YouTubeClips/-7KMZQEsJW4_205_208.avi", "YouTubeClips/-4wsuPCjDBc_5_15.avi"
    assert [e.images for e in examples] == [(first,), (second,), (second,)]
    preds = predictions(tmp_path, {"0": "animal", "1": "woman", "2": "tomato"})
    assert score_file(spec, preds, tmp_path).metrics["accuracy"] == pytest.approx(200 / 3)
    dump(root / "test_qa.json", [{"answer": "x", "id": 0, "question": "q", "video_id": 3}])
    with pytest.raises(InputError, match="vid3 is not in the mapping file"):
        load_examples(spec, tmp_path)
    (root / "youtube_mapping.txt").write_text("clip_without_id\n")
    with pytest.raises(InputError, match=r"youtube_mapping\.txt:1: expected '<clip name> vid<N>'"):
        load_examples(spec, tmp_path)


def test_activitynet_qa_joins_answers_and_slices_by_type(tmp_path):
    root = tmp_path / "activitynet_qa"
    questions = [("1QIUV7WYKXg", "is the athlete wearing trousers", "v_1QIUV7WYKXg_3"),
                 ("9eniCub7u60", "does the girl have long hair", "v_9eniCub7u60_2"),
                 ("_jV5sAOOHLk", "what is the man doing", "v__jV5sAOOHLk_7")]
    dump(root / "test_q.json", [{"video_name": v, "question": q, "question_id": i} for v, q, i in questions])
    dump(root / "test_a.json", [{"answer": "dance", "type": 0, "question_id": "v__jV5sAOOHLk_7"},
                                {"answer": "no", "type": 3, "question_id": "v_1QIUV7WYKXg_3"},
                                {"answer": "yes", "type": 3, "question_id": "v_9eniCub7u60_2"}])
    spec = get_task("activitynet_qa")
    examples = load_examples(spec, tmp_path)
    assert [(e.id, e.references, e.slice) for e in examples] == [
        ("v_1QIUV7WYKXg_3", ("no",), "yes_no"), ("v_9eniCub7u60_2", ("yes",), "yes_no"),
        ("v__jV5sAOOHLk_7", ("dance",), "motion")]
    assert examples[2].images == ("videos/v__jV5sAOOHLk.*",)
    # the official submission format: [{question_id, answer}]
    preds = dump(tmp_path / "preds.json", [{"question_id": "v_1QIUV7WYKXg_3", "answer": "no"},
                                           {"question_id": "v_9eniCub7u60_2", "answer": "no"},
                                           {"question_id": "v__jV5sAOOHLk_7", "answer": "dance"}])
    metrics = score_file(spec, preds, tmp_path).metrics
    assert metrics["accuracy"] == pytest.approx(200 / 3)
    assert metrics["accuracy:yes_no"] == 50.0 and metrics["accuracy:motion"] == 100.0


# --- VATEX and ActivityNet Captions -----------------------------------------------------------

def test_vatex_english_captions(tmp_path):
    dump(tmp_path / "vatex" / "vatex_public_test_english_v1.1.json", [
        {"videoID": "Ptf_2VRj-V0_000122_000132", "enCap": ["A man is playing a guitar.",
                                                           "Someone sits on a bench outside."]},
        {"videoID": "-abc_DEF123_000010_000020", "enCap": ["A dog runs across a yard.",
                                                           "Children laugh near a pool."],
         "chCap": ["一只狗跑过院子。", "孩子们在泳池边笑。"]}])
    spec = get_task("vatex")
    examples = load_examples(spec, tmp_path)
    assert [e.images for e in examples] == [("videos/Ptf_2VRj-V0_000122_000132.*",),
                                            ("videos/-abc_DEF123_000010_000020.*",)]
    preds = predictions(tmp_path, {"Ptf_2VRj-V0_000122_000132": "a man is playing a guitar",
                                   "-abc_DEF123_000010_000020": "a dog runs across a yard"})
    assert score_file(spec, preds, tmp_path).metrics["cider"] == pytest.approx(500.0)


def test_activitynet_captions_one_example_per_segment(tmp_path):
    dump(tmp_path / "activitynet_cap" / "val_1.json", {
        "v_QOlSCBRmfWY": {"duration": 82.73, "timestamps": [[0.83, 19.86], [17.37, 90.0]],
                          "sentences": ["A young woman stands in a room.", " The girl dances around."]},
        "v_uqiMw7tQ1Cc": {"duration": 55.15, "timestamps": [[0.28, 55.15]],
                          "sentences": ["A weight lifting tutorial is given."]}})
    spec = get_task("activitynet_cap")
    assert (spec.video.frames, spec.video.stride) == (16, 30)
    examples = load_examples(spec, tmp_path)
    assert [(e.id, e.segment, e.references) for e in examples] == [
        ("v_QOlSCBRmfWY#0", (0.83, 19.86), ("A young woman stands in a room.",)),
        ("v_QOlSCBRmfWY#1", (17.37, 82.73), ("The girl dances around.",)),  # end clamped
        ("v_uqiMw7tQ1Cc#0", (0.28, 55.15), ("A weight lifting tutorial is given.",))]
    assert examples[0].images == ("videos/v_QOlSCBRmfWY.*",)
    preds = predictions(tmp_path, {"v_QOlSCBRmfWY#0": "a young woman stands in a room",
                                   "v_QOlSCBRmfWY#1": "one cat", "v_uqiMw7tQ1Cc#0": "one cat"})
    assert score_file(spec, preds, tmp_path).per_example == pytest.approx([1000.0, 0.0, 0.0])
    # a segment past the video's end is clamped away and left out
    dump(tmp_path / "activitynet_cap" / "val_1.json", {
        "v_x": {"duration": 5.0, "timestamps": [[6.0, 9.0], [-1.0, 2.0]], "sentences": ["a", "b"]}})
    assert [(e.id, e.segment) for e in load_examples(spec, tmp_path)] == [("v_x#1", (0.0, 2.0))]
    for entry, message in [({"duration": 5.0, "timestamps": [[1.0]], "sentences": ["a"]},
                            "a segment must be"),
                           ({"duration": 5.0, "timestamps": [[1.0, 2.0]], "sentences": []},
                            "as many timestamps as sentences"),
                           ({"duration": 5.0, "timestamps": [[1.0, 2.0]], "sentences": [7]},
                            "captions must be non-empty strings")]:
        dump(tmp_path / "activitynet_cap" / "val_1.json", {"v_x": entry})
        with pytest.raises(InputError, match=message) as e:
            load_examples(spec, tmp_path)
        assert "val_1.json, entry 0, id 'v_x'" in str(e.value)


# --- NLVR2 and MaRVL --------------------------------------------------------------------------

def test_nlvr2_pairs_and_labels(tmp_path):
    dump(tmp_path / "nlvr2" / "test1.json", [
        nlvr2_line("test1-0-1-0", "There are two bottles in total.", "True"),
        nlvr2_line("test1-0-1-1", "The left image shows a dog.", "False"),
        nlvr2_line("test1-7-0-3", "One image shows a bus.", "True"),
        nlvr2_line("test1-7-2-0", "Both images show water.", "False")], lines=True)
    spec = get_task("nlvr2")
    examples = load_examples(spec, tmp_path)
    assert examples[1].images == ("test1/test1-0-1-img0.png", "test1/test1-0-1-img1.png")
    assert [e.references for e in examples] == [("True",), ("False",), ("True",), ("False",)]
    assert examples[2].fields == {"sentence": "One image shows a bus."}
    preds = predictions(tmp_path, {"test1-0-1-0": "True", "test1-0-1-1": "True",
                                   "test1-7-0-3": "true", "test1-7-2-0": "False"})
    assert score_file(spec, preds, tmp_path).per_example == [100.0, 0.0, 0.0, 100.0]
    dump(tmp_path / "nlvr2" / "test1.json", [nlvr2_line("test1-0-1-0", "s", "maybe")], lines=True)
    with pytest.raises(InputError, match=r"test1\.json:1: label must be True or False"):
        load_examples(spec, tmp_path)


def test_marvl_mean_over_languages(tmp_path):
    root = tmp_path / "marvl" / "marvl-annotations"
    answers = {  # language -> (label, prediction) per example
        "id": [(True, "True"), (False, "True")],  # 50
        "sw": [(True, "True")],  # 100
        "ta": [(False, "False"), (False, "False"), (True, "False")],  # 200 / 3
        "tr": [(True, "False")],  # 0
        "zh": [(False, "False"), (True, "True"), (True, "True"), (False, "True")],  # 75
    }
    preds = {}
    for lang, rows in answers.items():
        dump(root / f"marvl-{lang}.jsonl", [marvl_line(lang, n, "39-Panci", f"39-{2 * n}.jpg",
                                                       f"39-{2 * n + 1}.jpg", f"{lang} caption {n}", label)
                                            for n, (label, _) in enumerate(rows)], lines=True)
        preds |= {f"{lang}-{n}": p for n, (_, p) in enumerate(rows)}
    spec = get_task("marvl")
    examples = load_examples(spec, tmp_path)
    assert len(examples) == 11 and examples[0].slice == "id"
    assert examples[1].images == ("marvl-images/id/images/39-Panci/39-2.jpg",
                                  "marvl-images/id/images/39-Panci/39-3.jpg")
    assert examples[0].references == ("True",) and examples[1].references == ("False",)
    metrics = score_file(spec, predictions(tmp_path, preds), tmp_path).metrics
    assert metrics["accuracy:ta"] == pytest.approx(200 / 3)
    # the card's number: the mean of the five languages, not of the 11 examples (7 / 11)
    assert metrics["accuracy"] == pytest.approx((50 + 100 + 200 / 3 + 0 + 75) / 5)
    (root / "marvl-sw.jsonl").unlink()
    with pytest.raises(InputError, match=r"marvl-sw\.jsonl"):
        load_examples(spec, tmp_path)


def test_generic_jsonl_takes_image_lists_and_segments(tmp_path):
    spec = get_task("msrvtt_cap")
    custom = type(spec)(**{**spec.__dict__, "source": "jsonl", "source_args": {
        "splits": {"test": {"annotations": "mine.jsonl"}}}})
    path = dump(tmp_path / "msrvtt_cap" / "mine.jsonl", [
        {"id": 1, "references": ["a cat"], "images": ["a.mp4", "frames/b"], "segment": [1.5, 4]},
        {"id": 2, "references": ["a dog"], "image": "c.mp4"}], lines=True)
    examples = load_examples(custom, tmp_path)
    assert [(e.images, e.segment) for e in examples] == [(("a.mp4", "frames/b"), (1.5, 4.0)),
                                                         (("c.mp4",), None)]
    for bad, message in [({"images": "a.mp4"}, "images a non-empty list of paths"),
                         ({"images": []}, "images a non-empty list of paths"),
                         ({"image": "a", "images": ["b"]}, "either image or images"),
                         ({"image": "a", "segment": [4, 2]}, "needs 0 <= start < end"),
                         ({"image": "a", "segment": [0, True]}, "segment must be")]:
        dump(path, [{"id": 1, "references": ["x"], **bad}], lines=True)
        with pytest.raises(InputError, match=message) as e:
            load_examples(custom, tmp_path)
        assert f"{path}:1" in str(e.value)


@pytest.mark.parametrize(("task", "file", "content", "message"), [
    ("vatex", "vatex_public_test_english_v1.1.json", {"videoID": "x"}, "the file must be a list"),
    ("vatex", "vatex_public_test_english_v1.1.json", [{"videoID": "x_1_2", "enCap": []}],
     "entry 0, id 'x_1_2': captions must be non-empty strings"),
    ("msrvtt_cap", "test_videodatainfo.json", {"videos": 3, "sentences": []}, "videos must be a list"),
    ("msrvtt_cap", "test_videodatainfo.json",
     {"videos": [{"video_id": "v1"}], "sentences": [{"video_id": ["v1"], "caption": "c"}]},
     "entry 0: 'video_id' must be a string"),
    ("msrvtt_qa", "test_qa.json", [{"answer": "a", "id": 0, "question": 5, "video_id": 1}],
     "entry 0: 'question' must be a string"),
    ("activitynet_qa", "test_a.json", [{"answer": "a", "type": True, "question_id": "q"}],
     "type must be an integer 0-8"),
    ("activitynet_qa", "test_a.json", [{"answer": "a", "type": 1, "question_id": "q"}] * 2,
     "entry 1, id 'q': duplicate question_id"),
    ("activitynet_qa", "test_q.json", [{"question": "q?", "question_id": "q"}],
     "test_q.json, entry 0: the images pattern .* needs 'video_name'"),
])
def test_malformed_video_annotations_name_file_and_entry(task, file, content, message, tmp_path):
    root = tmp_path / task
    if task == "activitynet_qa":  # a valid pair of files, one of them replaced below
        dump(root / "test_q.json", [{"video_name": "x", "question": "q?", "question_id": "q"}])
        dump(root / "test_a.json", [{"answer": "a", "type": 1, "question_id": "q"}])
    path = dump(root / file, content)
    with pytest.raises(InputError, match=message) as e:
        load_examples(get_task(task), tmp_path)
    assert str(path) in str(e.value)


def test_malformed_pair_annotations_name_file_and_line(tmp_path):
    line = {**nlvr2_line("test1-0-1-0", "s", "True"), "sentence": 5}
    dump(tmp_path / "nlvr2" / "test1.json", [line], lines=True)
    with pytest.raises(InputError, match=r"test1\.json:1: 'sentence' must be a string"):
        load_examples(get_task("nlvr2"), tmp_path)
    line = marvl_line("id", 0, "7-Kucing", 3, "7-1.jpg", "c", True)
    dump(tmp_path / "marvl" / "marvl-annotations" / "marvl-id.jsonl", [line], lines=True)
    spec = get_task("marvl")
    one = type(spec)(**{**spec.__dict__, "source_args": {"splits": {"test": {
        **spec.source_args["splits"]["test"], "languages": ["id"]}}}})
    with pytest.raises(InputError, match=r"marvl-id\.jsonl:1: 'left_img' must be a string"):
        load_examples(one, tmp_path)
    bad = type(spec)(**{**spec.__dict__, "source_args": {"splits": {"test": {
        "annotations": "marvl-{lang}.jsonl", "languages": ["id"]}}}})
    with pytest.raises(InputError, match=r"may use only \{language\}"):
        load_examples(bad, tmp_path)
