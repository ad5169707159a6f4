"""Leaderboards: per-task ranks by the primary metric, ties, the overall mean over shared tasks."""

import pytest
from click.testing import CliRunner

from pgeval.cli.reports import leaderboard_command
from pgeval.errors import InputError
from pgeval.reports.leaderboard import leaderboard, render_leaderboard
from tests.helpers import run_cli
from tests.reports.runs_fixture import TASKS, make_run, three_runs


def ranking(df):
    return [(int(r), run, round(float(v), 6)) for r, run, v in zip(df["Rank"], df["Run"], df.iloc[:, 2],
                                                                     strict=True)]


@pytest.fixture
def runs(tmp_path):
    return three_runs(tmp_path)


def test_per_task_ranks_and_ties(runs):
    board = leaderboard(runs, TASKS)
    assert list(board.tasks) == [("coco_captions", "val"), ("vqav2", "val"), ("pope", "test"),
                                 ("chartqa", "test"), ("tallyqa", "test")]
    assert ranking(board.tasks[("vqav2", "val")]) == [
        (1, "pt_448", 85.0), (2, "pt_224", 80.0), (3, "demo tiny_56 @224", 10.0)]
    # POPE's primary metric is accuracy:random, equal for pt_224 and pt_448: a shared rank, by label.
    assert board.keys[("pope", "test")] == "accuracy:random"
    assert ranking(board.tasks[("pope", "test")]) == [
        (1, "pt_224", 88.0), (1, "pt_448", 88.0), (3, "demo tiny_56 @224", 50.0)]
    assert ranking(board.tasks[("tallyqa", "test")]) == [(1, "pt_224", 80.0)]
    assert list(board.tasks[("chartqa", "test")].columns) == ["Rank", "Run", "relaxed_accuracy", "n"]


def test_overall_mean_uses_only_tasks_every_run_has(runs):
    board = leaderboard(runs, TASKS)
    assert board.shared == (("vqav2", "val"), ("pope", "test"))
    # (85 + 88) / 2, (80 + 88) / 2, (10 + 50) / 2: COCO, ChartQA and TallyQA do not count.
    assert ranking(board.overall) == [(1, "pt_448", 86.5), (2, "pt_224", 84.0),
                                      (3, "demo tiny_56 @224", 30.0)]
    assert list(board.overall.columns) == ["Rank", "Run", "Mean", "VQAv2 (val)", "POPE (test)"]


def test_ties_do_not_depend_on_the_order_runs_are_given(tmp_path):
    a = make_run(tmp_path / "a", "b_model", 224, {"vqav2": {"accuracy": 70.0}, "docvqa": {"anls": 50.0}})
    b = make_run(tmp_path / "b", "a_model", 224, {"vqav2": {"accuracy": 50.0}, "docvqa": {"anls": 70.0}})
    c = make_run(tmp_path / "c", "c_model", 224, {"vqav2": {"accuracy": 60.0}, "docvqa": {"anls": 61.0}})
    forward = leaderboard([a, b, c], TASKS)
    assert ranking(forward.overall) == [(1, "c_model @224", 60.5), (2, "a_model @224", 60.0),
                                        (2, "b_model @224", 60.0)]
    backward = leaderboard([c, b, a], TASKS)
    assert render_leaderboard(forward, "md") == render_leaderboard(backward, "md")


def test_splits_rank_apart_and_a_missing_primary_metric_leaves_a_run_off(tmp_path):
    a = make_run(tmp_path / "a", "pt_224", 224, {"rsvqa_hr": {"accuracy": 92.0}, "vqav2": {"accuracy": 80.0}})
    b = make_run(tmp_path / "b", "pt_448", 448, {"rsvqa_hr": {"accuracy": 91.0}, "vqav2": {"accuracy": 82.0}},
                 splits={"rsvqa_hr": "test2"})
    c = make_run(tmp_path / "c", "pt_896", 896, {"rsvqa_hr": {"accuracy": 93.0},
                                                 "vqav2": {"accuracy:yes/no": 90.0}})
    board = leaderboard([a, b, c], TASKS)
    assert list(board.tasks) == [("vqav2", "val"), ("rsvqa_hr", "test"), ("rsvqa_hr", "test2")]
    assert ranking(board.tasks[("rsvqa_hr", "test")]) == [(1, "pt_896", 93.0), (2, "pt_224", 92.0)]
    assert ranking(board.tasks[("rsvqa_hr", "test2")]) == [(1, "pt_448", 91.0)]
    assert ranking(board.tasks[("vqav2", "val")]) == [(1, "pt_448", 82.0), (2, "pt_224", 80.0)]
    assert board.shared == ()
    assert board.overall.empty
    text = render_leaderboard(board, "md")
    assert "No task is shared by every run" in text
    assert "## RSVQA-HR (test2)" in text


def test_render_md_and_html(runs):
    board = leaderboard(runs, TASKS)
    md = render_leaderboard(board, "md")
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings == ["# Leaderboard", "## Overall", "## COCO captions (val)", "## VQAv2 (val)",
                        "## POPE (test)", "## ChartQA (test)", "## TallyQA (test)"]
    assert "| 1      | pt_448            | 86.50  | 85.00         | 88.00         |" in md
    assert "Mean of the primary metrics over the 2 task(s) every run has: VQAv2 (val), POPE (test)." in md
    html = render_leaderboard(board, "html")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert html.count("<table") == 6 and html.count("<h2>") == 6
    assert "<td>demo tiny_56 @224</td>" in html and "<td>86.50</td>" in html
    with pytest.raises(InputError):
        render_leaderboard(board, "latex")
    with pytest.raises(InputError):
        leaderboard([], TASKS)


def test_leaderboard_command(runs, tmp_path):
    dirs = [str(r.path) for r in runs]
    result = run_cli("leaderboard", *dirs)
    assert result.exit_code == 0, result.output
    assert result.output == render_leaderboard(leaderboard(runs, TASKS), "md")
    out = tmp_path / "board.html"
    result = run_cli("leaderboard", *dirs, "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text() == render_leaderboard(leaderboard(runs, TASKS), "html")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "results.json").write_text("{not json")
    result = CliRunner().invoke(leaderboard_command, [dirs[0], str(tmp_path / "broken")])
    assert isinstance(result.exception, InputError) and "malformed JSON" in str(result.exception)
