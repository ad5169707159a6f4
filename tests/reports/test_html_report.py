"""The report's files: rows paired and ordered as the gate pairs them, each task's data file, small
thumbnails with the reference mask or words drawn, nothing to fetch, and the commands that write it."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from pgeval.cli import cli
from pgeval.data import Example
from pgeval.data.spotting_formats import SpottingTarget
from pgeval.errors import InputError
from pgeval.metrics.spotting import Word
from pgeval.reports.html.rows import task_rows
from pgeval.reports.html.task_data import reference_lines
from pgeval.reports.html.thumbnails import SIZE, Thumbnails
from pgeval.run.review import RunInputs
from pgeval.runs import load_run
from pgeval.segmentation import SegmentationTarget
from tests.reports.conftest import DEMO_RUNS
from tests.reports.hand_runs import TASKS, hand_run


def task_data(report, task):
    text = (report / "data" / f"{task}.js").read_text(encoding="utf-8")
    prefix = f'PGEVAL_TASK("{task}",JSON.parse('
    assert text.startswith(prefix) and text.endswith("));\n")
    return json.loads(json.loads(text[len(prefix):-4]))


def test_rows_pair_by_id_worst_regressions_first(tmp_path):
    a = hand_run(tmp_path / "a", "vqav2", [("1", "x", 100.0), ("2", "x", 100.0), ("3", "x", 0.0),
                                           ("4", "x", 60.0)])
    b = hand_run(tmp_path / "b", "vqav2", [("4", "y", 30.0), ("3", "y", 100.0), ("1", "y", 0.0),
                                           ("2", "x", 100.0), ("5", "y", 100.0)])
    rows = task_rows([a, b], "vqav2")
    assert rows.ids == ["1", "2", "3", "4", "5"]  # the baseline's order, then ids it lacks
    assert rows.change == [-100.0, 0.0, 100.0, -30.0, None]
    assert [rows.ids[i] for i in rows.order] == ["1", "4", "3", "2", "5"]
    assert rows.predictions == [["x", "x", "x", "x", None], ["y", "x", "y", "y", "y"]]
    assert rows.changed == 3
    c = hand_run(tmp_path / "c", "vqav2", [("1", "x", 100.0)], slices=["number"])
    with pytest.raises(InputError, match="slice None in the baseline but 'number'"):
        task_rows([a, c], "vqav2")


def test_references_are_listed_once_with_their_counts():
    assert reference_lines(("yes",) * 9 + ("no",)) == ["yes (9)", "no"]
    assert reference_lines(("931",)) == ["931"]


def test_the_demo_report_holds_every_example_and_the_docvqa_changes(demo_report):
    out, stats = demo_report
    runs = [load_run(p) for p in DEMO_RUNS]
    docvqa = task_data(out, "docvqa")
    before = {s.id: s.score for s in runs[0].example_scores("docvqa")}
    after = {s.id: s.score for s in runs[1].example_scores("docvqa")}
    changed = {i for i in before if before[i] != after[i]}
    assert len(docvqa["ids"]) == 100 and stats.examples == 250
    assert {docvqa["ids"][i] for i, c in enumerate(docvqa["change"]) if c} == changed
    shown = [docvqa["change"][i] for i in docvqa["order"]]
    assert shown[:len(changed)] == sorted((after[i] - before[i] for i in changed), reverse=True)
    first = docvqa["ids"].index("10")
    assert docvqa["prompts"][first] == "What is the postal code?"
    assert docvqa["refs"][first] == ["931"]
    assert [p[first] for p in docvqa["preds"]] == ["883", "931"]
    assert [s[first] for s in docvqa["scores"]] == [0.0, 100.0]
    vqa = task_data(out, "vqav2")
    assert set(vqa["sliceNames"]) == {"yes/no", "number", "other"}
    assert all(len(t) == 1 for t in vqa["thumbs"])  # one image per question
    # thumbnails: one per image however many questions show it, a few KB each, linked to the original
    assert stats.thumbnails == len(docvqa["thumbFiles"]) + len(vqa["thumbFiles"])
    assert stats.thumbnail_bytes / stats.thumbnails < 6000
    assert all(u.startswith("file:///") for u in docvqa["originals"])
    with Image.open(out / docvqa["thumbFiles"][0]) as image:
        assert max(image.size) == SIZE
    page = (out / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    assert '<a href="#task-docvqa">DocVQA</a>' in page
    assert "demo_224" in page and "demo_448" in page


def test_segmentation_and_spotting_thumbnails_draw_the_reference(tmp_path):
    Image.new("RGB", (100, 80), (0, 0, 0)).save(tmp_path / "a.png")
    mask = np.zeros((80, 100), bool)
    mask[10:30, 50:90] = True
    seg = Example("r1", (), ("a.png",), target=SegmentationTarget.from_mask(mask, (10, 50, 30, 90)))
    thumbs = Thumbnails(tmp_path / "out", "refcoco", tmp_path, TASKS["refcoco"])
    (rel,) = thumbs.of(seg)
    pixels = np.asarray(Image.open(tmp_path / "out" / rel)).astype(int)  # not enlarged: 100 x 80
    assert pixels[20, 70, 1] > 80 and pixels[60, 20].max() < 20  # green in the mask, black outside
    word = Word(((10.0, 40.0), (60.0, 40.0), (60.0, 60.0), (10.0, 60.0)), "hello")
    spot = Example("s1", (), ("a.png",), target=SpottingTarget("a.png", (100, 80), (word,)))
    (rel,) = Thumbnails(tmp_path / "out", "icdar15", tmp_path, TASKS["icdar15"]).of(spot)
    pixels = np.asarray(Image.open(tmp_path / "out" / rel)).astype(int)
    assert pixels[40, 30, 2] > 100 and pixels[50, 30].max() < 20  # the word's top edge, not inside
    assert thumbs.of(Example("r2", (), ("missing.png",))) == []


def test_pgeval_report_and_gate_report_write_the_page(demo_data, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["report", str(DEMO_RUNS[1]), "--out", str(tmp_path / "one")])
    assert result.exit_code == 0, result.output
    assert f"report: open {tmp_path / 'one' / 'index.html'} in a browser (250 examples" in result.output
    assert "changed first" not in (tmp_path / "one" / "index.html").read_text()  # one run
    result = runner.invoke(cli, ["gate", "--baseline", str(DEMO_RUNS[1]), "--current", str(DEMO_RUNS[1]),
                                 "--report", str(tmp_path / "gate")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "gate" / "index.html").read_text()
    assert "gate: PASS" in page and "changed first" in page
    assert task_data(tmp_path / "gate", "docvqa")["change"] == [0.0] * 100


def test_pairs_show_both_images_and_videos_four_of_their_frames(tmp_path):
    from tests.video_files import frame_index, write_frames

    for name in ("left.png", "right.png"):
        Image.new("RGB", (300, 200), (200, 0, 0) if name == "left.png" else (0, 0, 200)).save(tmp_path / name)
    pair = Example("p1", ("True",), ("left.png", "right.png"))
    thumbs = Thumbnails(tmp_path / "out", "nlvr2", tmp_path, TASKS["nlvr2"])
    left, right = thumbs.of(pair)
    assert np.asarray(Image.open(tmp_path / "out" / left))[50, 50, 0] > 150
    assert np.asarray(Image.open(tmp_path / "out" / right))[50, 50, 2] > 150
    assert thumbs.of(Example("p2", ("False",), ("right.png", "left.png"))) == [right, left]  # written once
    spec = TASKS["msrvtt_qa"]  # 16 frames, 9 apart: 0, 9, ..., 135
    write_frames(tmp_path / "video7", spec.video.frames * spec.video.stride)
    video = Thumbnails(tmp_path / "out", "msrvtt_qa", tmp_path, spec, frames=RunInputs().frames)
    frames = video.of(Example("q1", ("a",), ("video7",)))
    shown = [frame_index(np.asarray(Image.open(tmp_path / "out" / f))) for f in frames]
    assert shown == [0, 45, 90, 135]  # the 1st, 6th, 11th and 16th of the frames the model sees
