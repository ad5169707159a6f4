"""`pgeval run` on the cards' video and two-image rows: MSR-VTT captions, MSVD-QA, NLVR2 and MaRVL in
their official layouts with real video files and image pairs, on a tiny checkpoint."""

import json

import numpy as np
import pytest
from PIL import Image

from pgeval.config import EngineConfig, RunConfig
from pgeval.engine.runner import Engine, Request
from pgeval.model.loading import load_checkpoint
from pgeval.model.tokenizer import Tokenizer
from pgeval.model.video import Clip
from pgeval.reports.card import write_model_card
from pgeval.run.evaluation import run_evaluation
from pgeval.scoring.score import score_file
from pgeval.tasks import TaskCatalog, get_task
from tests.video_data import dump, marvl_line, nlvr2_line
from tests.video_files import write_video

TASKS = ["msrvtt_cap", "msvd_qa", "nlvr2", "marvl"]


def image(path, seed):
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 255, (40, 60, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("video_data")
    msrvtt = root / "msrvtt_cap"
    dump(msrvtt / "test_videodatainfo.json", {
        "videos": [{"video_id": v, "split": "test"} for v in ("video7010", "video7011")],
        "sentences": [{"video_id": "video7010", "caption": "a man drives a car", "sen_id": 0},
                      {"video_id": "video7011", "caption": "a dog runs", "sen_id": 1},
                      {"video_id": "video7011", "caption": "a puppy plays", "sen_id": 2}]})
    write_video(msrvtt / "TestVideo" / "video7010.mp4", 150)  # 16 frames 9 apart: 0 ... 135
    write_video(msrvtt / "TestVideo" / "video7011.mp4", 40, first=100)  # wraps around
    msvd = root / "msvd_qa"
    msvd.mkdir()
    (msvd / "youtube_mapping.txt").write_text("clipA_1_5 vid1\nclipB_2_9 vid2\nclipC_0_4 vid3\n")
    dump(msvd / "test_qa.json", [
        {"answer": "man", "id": 0, "question": "who is slicing a tomato?", "video_id": 1},
        {"answer": "tomato", "id": 1, "question": "what is sliced?", "video_id": 1},
        {"answer": "cat", "id": 2, "question": "what is sleeping?", "video_id": 2},
        {"answer": "dog", "id": 3, "question": "what runs?", "video_id": 3}])
    write_video(msvd / "YouTubeClips" / "clipA_1_5.avi", 200)
    write_video(msvd / "YouTubeClips" / "clipB_2_9.avi", 60, first=50)
    (msvd / "YouTubeClips" / "clipC_0_4.avi").write_bytes(b"")  # an empty download
    nlvr2 = root / "nlvr2"
    dump(nlvr2 / "test1.json", [nlvr2_line("test1-0-1-0", "There are two dogs.", "True"),
                                nlvr2_line("test1-0-1-1", "One image shows a bus.", "False"),
                                nlvr2_line("test1-4-0-0", "Both images show water.", "True")],
         lines=True)
    for k, pair in enumerate(("test1-0-1", "test1-4-0")):
        image(nlvr2 / "test1" / f"{pair}-img0.png", 2 * k)
        image(nlvr2 / "test1" / f"{pair}-img1.png", 2 * k + 1)
    for k, lang in enumerate(("id", "sw", "ta", "tr", "zh")):
        dump(root / "marvl" / "marvl-annotations" / f"marvl-{lang}.jsonl",
             [marvl_line(lang, 0, "7-Kucing", f"7-{k}.jpg", f"7-{k + 5}.jpg", f"{lang} caption", k % 2 == 0)],
             lines=True)
        image(root / "marvl" / "marvl-images" / lang / "images" / "7-Kucing" / f"7-{k}.jpg", 10 + k)
        image(root / "marvl" / "marvl-images" / lang / "images" / "7-Kucing" / f"7-{k + 5}.jpg", 20 + k)
    return root


def test_video_and_pair_tasks_run_end_to_end(tiny_checkpoint, data, tmp_path):
    path, _ = tiny_checkpoint
    out = tmp_path / "run"
    run = run_evaluation(EngineConfig(checkpoint=path, batch_size=2),
                         RunConfig(tasks=tuple(TASKS), data_dir=data, out=out, on_error="skip",
                                   progress=False),
                         log=lambda _: None)
    assert {t: (r.n, r.skipped) for t, r in run.tasks.items()} == {
        "msrvtt_cap": (2, 0), "msvd_qa": (3, 1), "nlvr2": (3, 0), "marvl": (5, 0)}
    assert run.tasks["msvd_qa"].skipped_ids == ("3",)
    languages = ("id", "sw", "ta", "tr", "zh")
    assert set(run.tasks["marvl"].metrics) == {"accuracy", *(f"accuracy:{x}" for x in languages)}
    for task in ("msrvtt_cap", "nlvr2", "marvl"):  # the predictions score to the recorded numbers
        assert score_file(get_task(task), out / "predictions" / f"{task}.jsonl", data).metrics == \
            run.tasks[task].metrics
    write_model_card(run, TaskCatalog.load(), TASKS)  # as `pgeval run` does after the run
    card = (out / "model_card.md").read_text()
    assert "MSR-VTT (captioning)" in card and "MaRVL" in card

    # what the model saw: the clip's 16 sampled frames, and the pair's left image then its right
    predicted = {t: {json.loads(line)["id"]: json.loads(line)["prediction"]
                     for line in (out / "predictions" / f"{t}.jsonl").read_text().splitlines()}
                 for t in TASKS}
    engine = Engine(load_checkpoint(path), Tokenizer(path.parent / "tokenizer.model"), batch_size=2)

    def generate(task, request):
        return next(o.text for b in engine.generate([request], get_task(task).max_decode_len,
                                                    progress=False) for o in b)

    clip = Clip(data / "msrvtt_cap" / "TestVideo" / "video7011.mp4", 16, 9)
    resize = {t: get_task(t).resize for t in ("msrvtt_cap", "nlvr2")}  # as the tasks resize
    assert generate("msrvtt_cap", Request("x", (clip,), "caption en", resize["msrvtt_cap"])) == \
        predicted["msrvtt_cap"]["video7011"]
    left, right = (data / "nlvr2" / "test1" / f"test1-4-0-img{s}.png" for s in (0, 1))
    prompt = "answer en Both images show water."
    assert generate("nlvr2", Request("x", (left, right), prompt, resize["nlvr2"])) == \
        predicted["nlvr2"]["test1-4-0-0"]
    swapped = generate("nlvr2", Request("x", (right, left), prompt, resize["nlvr2"]))
    one = generate("nlvr2", Request("x", (left,), prompt, resize["nlvr2"]))
    assert {swapped, one} != {predicted["nlvr2"]["test1-4-0-0"]}  # order and count reach the model


def test_a_bad_video_stops_the_run_naming_it(tiny_checkpoint, data, tmp_path):
    from pgeval.errors import InputError

    path, _ = tiny_checkpoint
    with pytest.raises(InputError, match="the video file is empty") as e:
        run_evaluation(EngineConfig(checkpoint=path),
                       RunConfig(tasks=("msvd_qa",), data_dir=data, out=tmp_path / "run", progress=False),
                       log=lambda _: None)
    assert "clipC_0_4.avi" in str(e.value) and "id '3'" in str(e.value)


def test_missing_videos_are_listed_before_anything_runs(tiny_checkpoint, tmp_path):
    from pgeval.errors import InputError

    path, _ = tiny_checkpoint
    root = tmp_path / "msvd_qa"
    root.mkdir()
    (root / "youtube_mapping.txt").write_text("gone_1_2 vid1\n")
    dump(root / "test_qa.json", [{"answer": "a", "id": 0, "question": "q?", "video_id": 1}])
    with pytest.raises(InputError, match=r"1 video\(s\) not found, nothing was run") as e:
        run_evaluation(EngineConfig(checkpoint=path),
                       RunConfig(tasks=("msvd_qa",), data_dir=tmp_path, out=tmp_path / "run", progress=False),
                       log=lambda _: None)
    assert "msvd_qa id 0: " in str(e.value) and "YouTubeClips/gone_1_2.avi" in str(e.value)
    assert "fix the video folder" in str(e.value)
