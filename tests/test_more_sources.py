"""OK-VQA, InfographicVQA, ST-VQA, NoCaps and TextCaps read from their official files and scored
through the shipped task specs, with the numbers worked out by hand.

CIDEr-D by hand: with at least two images in the split, a prediction whose tokens equal a
reference's has cosine 1 with it at every n-gram order (length gap 0, so no penalty), and one
sharing no token with a reference has 0; an image's CIDEr is 10 x the mean over its references,
and pgeval reports it x 100. The captions below are built so that every prediction is either
token-identical to a reference or shares no token with it (after PTB tokenization: lowercase,
punctuation dropped), and every matched caption has at least four tokens.
"""

import json

import pytest

from pgeval.scoring.examples import load_examples
from pgeval.scoring.score import score_file
from pgeval.tasks import get_task


def dump(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def vqa_answers(answers):
    """The VQA / OK-VQA annotation `answers` list: raw and processed answer, confidence, id."""
    return [{"answer_id": k + 1, "raw_answer": a, "answer": a, "answer_confidence": "yes"}
            for k, a in enumerate(answers)]


# --- OK-VQA: the VQA questions + annotations layout ---------------------------------------------

OKVQA = [  # question_id, image_id, question, ten answers, prediction, accuracy by hand
    # 4 of 10 say "racing": every leave-one-out subset keeps >= 3 matches.
    (2971475, 297147, "What sport can you use this for?",
     ["racing"] * 4 + ["motocross"] * 4 + ["riding"] * 2, "Racing", 100.0),
    # Answers differ, so both sides are normalized: "The fire hydrant." -> "fire hydrant", 2 of 10
    # match: (2 x 1/3 + 8 x 2/3) / 10.
    (1585, 158, "What is this object called?",
     ["fire hydrant"] * 2 + ["hydrant"] * 6 + ["water"] * 2, "The fire hydrant.", 60.0),
    # All ten answers identical: nothing is normalized, and "Umbrella" != "umbrella".
    (5765, 576, "What keeps the rain off?", ["umbrella"] * 10, "Umbrella", 0.0),
    # "two" -> "2" under normalization; 1 of 10 matches: 9 x 1/3 / 10.
    (4311, 431, "How many wheels touch the ground?", ["2"] + ["3"] * 9, "two", 30.0),
]


def write_okvqa(data_dir):
    root = data_dir / "okvqa"
    dump(root / "OpenEnded_mscoco_val2014_questions.json", {
        "license": {}, "data_subtype": "val2014", "task_type": "Open-Ended", "data_type": "mscoco",
        "questions": [{"image_id": i, "question": t, "question_id": q} for q, i, t, *_ in OKVQA]})
    # Annotations in another order than the questions: they are joined on question_id.
    dump(root / "mscoco_val2014_annotations.json", {
        "license": {}, "data_subtype": "val2014", "data_type": "mscoco", "info": {},
        "annotations": [{"image_id": i, "answer_type": "other", "question_type": "other",
                         "question_id": q, "confidence": 3, "answers": vqa_answers(a)}
                        for q, i, _, a, *_ in reversed(OKVQA)]})


def test_okvqa_official_files(tmp_path):
    write_okvqa(tmp_path)
    spec = get_task("okvqa")
    examples = load_examples(spec, tmp_path)
    assert [e.id for e in examples] == ["2971475", "1585", "5765", "4311"]
    assert examples[0].images == ("val2014/COCO_val2014_000000297147.jpg",)
    assert examples[1].references == ("fire hydrant",) * 2 + ("hydrant",) * 6 + ("water",) * 2
    assert examples[2].fields == {"question": "What keeps the rain off?"}
    assert {e.slice for e in examples} == {"other"}

    preds = dump(tmp_path / "okvqa_results.json",
                 [{"question_id": q, "answer": p} for q, _, _, _, p, _ in OKVQA])
    result = score_file(spec, preds, tmp_path)
    # the official VQA script's rule, as the last column works it out: (100 + 60 + 0 + 30) / 4
    assert result.metrics["accuracy_official"] == pytest.approx(47.5)
    # big_vision's rule, the default (the cards' numbers): min(1, n/3) on the strings as written,
    # so "Racing", "The fire hydrant.", "Umbrella" and "two" match no answer
    assert result.per_example == [0.0, 0.0, 0.0, 0.0]
    exact = dump(tmp_path / "exact.json", [{"question_id": q, "answer": a[0]}
                                            for q, _, _, a, _, _ in OKVQA])
    # "racing" 4 of 10, "fire hydrant" 2, "umbrella" 10, "2" 1: min(1, n/3)
    assert score_file(spec, exact, tmp_path).per_example == pytest.approx([100, 200 / 3, 100, 100 / 3])


# --- InfographicVQA and ST-VQA: the {"data": [...]} layout ----------------------------------------

def test_infovqa_official_file(tmp_path):
    rows = [  # questionId, image_local_name, question, answers
        (98753, "37313.jpeg", "What share of adults use the web daily?", ["45%", "45 %"]),
        (98754, "37313.jpeg", "Which brand of marker is shown?", ["sharpie"]),
        (65432, "10245.jpeg", "In which year was the survey run?", ["1990"]),
        # A multi-span answer: its items may come in any order. "1,000" is one item.
        (65433, "10245.jpeg", "Which two platforms are named, and how many users?",
         ["twitter, facebook, 1,000", "twitter, facebook"]),
    ]
    dump(tmp_path / "infovqa" / "infographicsVQA_val_v1.0_withQT.json", {
        "dataset_name": "infographicVQA", "dataset_version": "1.0", "dataset_split": "val",
        "data": [{"questionId": q, "question": t, "image_local_name": img,
                  "image_url": f"https://example.org/{img}", "ocr_output_file": f"{img[:-5]}.json",
                  "answers": a, "data_split": "val", "answer_type": ["single span"],
                  "evidence": ["text"], "operation/reasoning": []}
                 for q, img, t, a in rows]})
    spec = get_task("infovqa")
    examples = load_examples(spec, tmp_path)
    assert [e.id for e in examples] == ["98753", "98754", "65432", "65433"]
    assert [e.images[0] for e in examples] == ["infographicsvqa_images/37313.jpeg"] * 2 + [
        "infographicsvqa_images/10245.jpeg"] * 2
    assert examples[0].references == ("45%", "45 %")
    assert examples[2].fields["question"] == "In which year was the survey run?"
    assert examples[3].references == (
        "twitter, facebook, 1,000", "twitter, 1,000, facebook", "facebook, twitter, 1,000",
        "facebook, 1,000, twitter", "1,000, twitter, facebook", "1,000, facebook, twitter",
        "twitter, facebook", "facebook, twitter")
    assert all(e.slice is None for e in examples)

    preds = dump(tmp_path / "infovqa_results.json", [
        {"questionId": 98753, "answer": "45%"},  # exact: 1
        {"questionId": 98754, "answer": "sharpe"},  # one edit over 7 characters: 1 - 1/7
        {"questionId": 65432, "answer": "2017"},  # three edits over 4: 0.75 >= 0.5, so 0
        {"questionId": 65433, "answer": "Facebook, Twitter"},  # another order of a reference: 1
    ])
    result = score_file(spec, preds, tmp_path)
    assert result.per_example == pytest.approx([100.0, 600 / 7, 0.0, 100.0])
    assert result.metrics["anls"] == pytest.approx(500 / 7)  # (100 + 600/7 + 0 + 100) / 4


def test_span_order_only_where_the_spec_asks(tmp_path):
    """DocVQA's answers are single spans: a comma in one is text, not a list."""
    dump(tmp_path / "docvqa" / "val" / "val_v1.0.json", {"dataset_name": "docvqa", "data": [
        {"questionId": 1, "question": "Who signed?", "image": "documents/a.png", "docId": 1,
         "answers": ["smith, john"]}]})
    assert load_examples(get_task("docvqa"), tmp_path)[0].references == ("smith, john",)


def test_stvqa_question_id_and_file_path(tmp_path):
    rows = [  # question_id, file_path, question, answers
        (12, "coco-text/COCO_train2014_000000000036.jpg", "What does the sign say?", ["stop"]),
        (13, "imageNet/n02690373_3378.JPEG", "What drink is advertised?", ["coca cola", "coke"]),
    ]
    dump(tmp_path / "stvqa" / "val_task_3.json", {
        "dataset_name": "ST-VQA", "dataset_version": "1.0", "dataset_split": "train",
        "data": [{"dataset": path.split("/")[0], "question_id": q, "file_name": path.split("/")[1],
                  "file_path": path, "question": t, "answers": a, "set_name": "train"}
                 for q, path, t, a in rows]})
    spec = get_task("stvqa")
    examples = load_examples(spec, tmp_path)
    assert [e.id for e in examples] == ["12", "13"]
    assert examples[0].images == ("train_images/coco-text/COCO_train2014_000000000036.jpg",)
    assert examples[1].images == ("train_images/imageNet/n02690373_3378.JPEG",)
    assert examples[1].references == ("coca cola", "coke")

    preds = dump(tmp_path / "stvqa_results.json", [
        {"question_id": 12, "answer": "STOP"},  # case is normalized away: 1
        {"question_id": 13, "answer": "coca-cola"},  # one edit over 9 characters: 1 - 1/9
    ])
    result = score_file(spec, preds, tmp_path)
    assert result.per_example == pytest.approx([100.0, 800 / 9])
    assert result.metrics["anls"] == pytest.approx(850 / 9)  # (100 + 800/9) / 2


# --- NoCaps: COCO captions format ------------------------------------------------------------------

def test_nocaps_official_file(tmp_path):
    images = [  # id, file_name, domain, references
        (0, "0013ea2087020901.jpg", "in-domain",
         ["a red bus parked on a street", "two dogs running across green grass"]),
        (1, "00223d3a06a0e6c8.jpg", "near-domain",
         ["an old clock tower at night", "An old clock tower at night.",
          "tall building with lit windows"]),
        (2, "0036b3d2a4d0e5ad.jpg", "out-domain",
         ["a jellyfish floating in dark water", "pale jellyfish drifting near the surface"]),
    ]
    dump(tmp_path / "nocaps" / "nocaps_val_4500_captions.json", {
        "licenses": [], "info": {"description": "nocaps validation"},
        "images": [{"id": i, "file_name": f, "height": 768, "width": 1024, "domain": d,
                    "open_images_id": f[:-4], "coco_url": f"https://example.org/{f}",
                    "date_captured": "2018-11-06 11:04:33"} for i, f, d, _ in images],
        "annotations": [{"image_id": i, "id": 10 * i + k, "caption": c}
                        for i, _, _, refs in images for k, c in enumerate(refs)]})
    spec = get_task("nocaps")
    examples = load_examples(spec, tmp_path)
    assert [e.id for e in examples] == ["0", "1", "2"]
    assert [e.images[0] for e in examples] == [f"validation/{f}" for _, f, _, _ in images]
    assert examples[1].references == tuple(images[1][3])

    preds = dump(tmp_path / "nocaps_results.json", [
        {"image_id": 0, "caption": "A red bus, parked on a street."},  # = 1st of 2 refs: 10 x 1/2
        {"image_id": 1, "caption": "an old clock tower at night"},  # = 2 of 3 refs: 10 x 2/3
        {"image_id": 2, "caption": "nothing but sand"},  # no token in common: 0
    ])
    result = score_file(spec, preds, tmp_path)
    assert result.per_example == pytest.approx([500.0, 2000 / 3, 0.0])
    assert result.metrics["cider"] == pytest.approx(3500 / 9)  # (500 + 2000/3 + 0) / 3


# --- TextCaps: one row per caption -----------------------------------------------------------------

def textcaps_rows(image_id, classes, captions):
    """The rows TextCaps_0.1_val.json has for one image: one per caption, each also carrying all
    of the image's captions as `reference_strs`."""
    return [{"image_id": image_id, "image_classes": classes,
             "flickr_original_url": f"https://example.org/{image_id}_o.jpg",
             "flickr_300k_url": f"https://example.org/{image_id}.jpg",
             "image_width": 1024, "image_height": 683, "set_name": "val",
             "image_name": image_id, "image_path": f"train/{image_id}.jpg",
             "caption_id": k, "caption_str": c, "caption_tokens": c.lower().split(),
             "reference_strs": captions, "reference_tokens": [r.lower().split() for r in captions]}
            for k, c in enumerate(captions)]


def test_textcaps_rows_grouped_per_image(tmp_path):
    night = ["A sign that reads open all night.", "a sign that reads OPEN ALL NIGHT",
             "two bottles of cold beer"]
    jersey = ["the jersey shows number 23", "a basketball player in a white jersey"]
    rows = textcaps_rows("011e7e629fb9ae7b", ["Street light"], night)
    rows += textcaps_rows("f4a3b2c1d0e9f8a7", ["Person"], jersey)
    dump(tmp_path / "textcaps" / "TextCaps_0.1_val.json", {
        "dataset_type": "val", "dataset_name": "textcaps", "dataset_version": "0.1", "data": rows})
    spec = get_task("textcaps")
    examples = load_examples(spec, tmp_path)
    assert [e.id for e in examples] == ["011e7e629fb9ae7b", "f4a3b2c1d0e9f8a7"]
    assert examples[0].references == tuple(night) == tuple(rows[0]["reference_strs"])
    assert examples[1].references == tuple(jersey)
    assert examples[1].images == ("train_images/f4a3b2c1d0e9f8a7.jpg",)

    preds = dump(tmp_path / "textcaps_results.json", [
        {"image_id": "011e7e629fb9ae7b", "caption": "A sign that reads: open all night"},
        {"image_id": "f4a3b2c1d0e9f8a7", "caption": "green grass field"},
    ])
    result = score_file(spec, preds, tmp_path)
    # The first prediction's tokens equal two of its three references: 10 x 2/3; the second
    # shares no token with either of its references: 0.
    assert result.per_example == pytest.approx([2000 / 3, 0.0])
    assert result.metrics["cider"] == pytest.approx(1000 / 3)
