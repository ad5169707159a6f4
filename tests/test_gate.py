"""`pgeval gate` on synthetic run directories: deltas, paired bootstrap intervals, exit codes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from pgeval.errors import InputError
from pgeval.gate.compare import compare
from pgeval.gate.stats import paired_interval
from pgeval.reports.gate_report import render_gate
from pgeval.runs import TaskRecord, load_run, write_results
from tests.helpers import run_cli

Example = tuple[str, float, str | None]  # id, score (0..100), slice


def mean(values) -> float:
    values = list(values)
    return math.fsum(values) / len(values)


def write_run(root: Path, name: str, tasks: dict[str, list[Example]], *, extra: dict | None = None,
              aggregate: str = "pooled", predictions: bool = True, split: str = "val",
              primary: str = "accuracy", directions: dict[str, str] | None = None,
              record_aggregate: bool = False) -> Path:
    """A run directory with results.json (metrics computed from the scores, the primary one named
    `primary`) and predictions/; `directions` as results.json records them, for every task;
    `record_aggregate`: results.json states the aggregate (pgeval.run/2) instead of leaving the
    gate to infer it."""
    folder = root / name
    (folder / "predictions").mkdir(parents=True)
    records = {}
    for task, examples in tasks.items():
        slices = sorted({s for _, _, s in examples if s is not None})
        by_slice = {s: mean(v for _, v, t in examples if t == s) for s in slices}
        overall = mean(by_slice.values()) if aggregate == "slice_mean" else mean(v for _, v, _ in examples)
        metrics = {primary: overall, **{f"{primary}:{s}": v for s, v in by_slice.items()},
                   **(extra or {}).get(task, {})}
        rel = f"predictions/{task}.jsonl"
        if predictions:
            lines = [json.dumps({"id": i, "prediction": "x", "score": v, "slice": s}) for i, v, s in examples]
            (folder / rel).write_text("\n".join(lines) + "\n", encoding="utf-8")
        records[task] = TaskRecord(name=task, split=split, title=task.upper(), family="vqa",
                                   metric="Accuracy", primary=primary, n=len(examples),
                                   metrics=metrics, predictions=rel, directions=dict(directions or {}),
                                   aggregate=aggregate if record_aggregate else None)
    header = {"pgeval_version": "0.1.0", "created": "2025-01-01T00:00:00Z",
              "model": {"name": name, "res": 224}, "runtime": {}}
    write_results(folder, header, records)
    return folder


def flip(examples: list[Example], down: int, up: int) -> list[Example]:
    """The first `down` correct examples become wrong, the first `up` wrong ones correct."""
    out, d, u = [], 0, 0
    for i, v, s in examples:
        if v == 100 and d < down:
            v, d = 0.0, d + 1
        elif v == 0 and u < up:
            v, u = 100.0, u + 1
        out.append((i, v, s))
    assert (d, u) == (down, up)
    return out


def base_examples(n: int = 400) -> list[Example]:
    """80% correct: every fifth example is wrong."""
    return [(f"q{i:03d}", 0.0 if i % 5 == 0 else 100.0, None) for i in range(n)]


@pytest.fixture
def regression(tmp_path) -> tuple[Path, Path]:
    """Baseline 80% on q000..q399; current 70% on q000..q391 plus 8 new ids (392 paired):
    50 paired examples got worse and 10 better, 7 of the 8 new ids are right."""
    base = base_examples()
    cur = flip(base[:392], down=50, up=10) + [(f"n{i}", 100.0 if i < 7 else 0.0, None) for i in range(8)]
    assert mean(v for _, v, _ in cur) == 70.0
    return write_run(tmp_path, "base", {"vqa": base}), write_run(tmp_path, "cur", {"vqa": cur})


def row(report, metric: str, task: str = "vqa"):
    (r,) = [r for r in report.rows if r.task == task and r.metric == metric]
    return r


def test_real_regression_is_a_significant_drop(regression):
    base, cur = regression
    result = run_cli("gate", "--baseline", base, "--current", cur)
    assert result.exit_code == 1, result.output
    assert "significant drop" in result.output
    assert result.output.rstrip().endswith("gate: FAIL (1 metric got worse)")
    assert "8 baseline and 8 current examples have no partner" in result.output

    r = row(compare(load_run(base), load_run(cur), max_drop=None, alpha=0.05), "accuracy")
    assert (r.baseline, r.current, r.delta) == (80.0, 70.0, -10.0)
    assert r.n_paired == 392
    assert r.paired_delta == pytest.approx(100 * (273 - 313) / 392)  # -10.20
    assert r.ci_low < -10 < r.ci_high < 0
    assert r.ci_low > -15 and r.ci_high < -5
    assert r.verdict == "significant drop" and r.failed


def test_noise_passes(tmp_path):
    base = base_examples()
    cur = flip(base, down=3, up=3)
    b, c = write_run(tmp_path, "base", {"vqa": base}), write_run(tmp_path, "cur", {"vqa": cur})
    result = run_cli("gate", "--baseline", b, "--current", c)
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("gate: PASS")
    r = row(compare(load_run(b), load_run(c), max_drop=None, alpha=0.05), "accuracy")
    assert r.delta == 0.0 and r.n_paired == 400 and r.verdict == "ok"
    assert r.ci_low < 0 < r.ci_high


def test_max_drop_threshold(tmp_path):
    base = base_examples()
    b = write_run(tmp_path, "base", {"vqa": base})
    c = write_run(tmp_path, "cur", {"vqa": flip(base, down=6, up=0)})  # 78.5%
    ok = run_cli("gate", "--baseline", b, "--current", c, "--max-drop", 2)
    assert ok.exit_code == 0, ok.output
    assert "-1.50" in ok.output and ok.output.rstrip().endswith("gate: PASS")
    bad = run_cli("gate", "--baseline", b, "--current", c, "--max-drop", 1)
    assert bad.exit_code == 1, bad.output
    assert bad.output.rstrip().endswith("gate: FAIL (1 metric got worse)")
    r = row(compare(load_run(b), load_run(c), max_drop=1, alpha=0.05), "accuracy")
    assert r.delta == -1.5 and r.verdict == "drop" and r.n_paired == 400


def test_drop_in_one_slice_is_reported_on_that_slice(tmp_path):
    yes_no = [(f"y{i:03d}", 0.0 if i % 10 == 0 else 100.0, "yes/no") for i in range(200)]  # 90%
    other = [(f"o{i:03d}", 100.0 if i % 5 < 3 else 0.0, "other") for i in range(200)]  # 60%
    b = write_run(tmp_path, "base", {"vqa": yes_no + other})
    c = write_run(tmp_path, "cur", {"vqa": flip(yes_no, down=40, up=0) + other})
    result = run_cli("gate", "--baseline", b, "--current", c)
    assert result.exit_code == 1, result.output
    report = compare(load_run(b), load_run(c), max_drop=None, alpha=0.05)
    dropped = row(report, "accuracy:yes/no")
    assert (dropped.baseline, dropped.current, dropped.delta) == (90.0, 70.0, -20.0)
    assert dropped.n_paired == 200 and dropped.verdict == "significant drop"
    assert dropped.ci_low < -20 < dropped.ci_high < 0
    same = row(report, "accuracy:other")
    assert (same.delta, same.ci_low, same.ci_high, same.n_paired) == (0.0, 0.0, 0.0, 200)
    assert same.verdict == "ok"
    overall = row(report, "accuracy")
    assert overall.delta == -10.0 and overall.n_paired == 400


def test_slice_mean_aggregate_uses_the_mean_of_slice_means(tmp_path):
    """Unequal slices with a slice_mean primary: the interval is centred on the reported delta."""
    en = [(f"e{i:03d}", 100.0 if i % 4 else 0.0, "en") for i in range(300)]  # 75%
    de = [(f"d{i:03d}", 100.0 if i % 2 else 0.0, "de") for i in range(100)]  # 50%
    fr = [(f"f{i:03d}", 100.0 if i % 5 else 0.0, "fr") for i in range(100)]  # 80%
    cur_de = flip(de, down=20, up=0)  # 30%
    b = write_run(tmp_path, "base", {"xm": en + de + fr}, aggregate="slice_mean",
                  extra={"xm": {"accuracy:mean_excluding_en": 65.0}})
    c = write_run(tmp_path, "cur", {"xm": en + cur_de + fr}, aggregate="slice_mean",
                  extra={"xm": {"accuracy:mean_excluding_en": 55.0}})
    report = compare(load_run(b), load_run(c), max_drop=None, alpha=0.05)
    r = row(report, "accuracy", task="xm")
    assert r.delta == pytest.approx(-20 / 3)
    assert r.paired_delta == pytest.approx(r.delta) and r.statistic == "mean of slice means"
    assert r.ci_low < r.delta < r.ci_high < 0 and r.n_paired == 500
    excl = row(report, "accuracy:mean_excluding_en", task="xm")
    assert excl.delta == -10.0 and excl.paired_delta == pytest.approx(-10.0) and excl.n_paired == 200
    assert not report.notes


@pytest.mark.parametrize(("recorded", "statistic"), [(False, "mean"), (True, "mean of slice means")])
def test_a_recorded_aggregate_is_used_rather_than_inferred(tmp_path, recorded, statistic):
    """Equal slices: the pooled mean and the mean of slice means agree, so the scores cannot tell
    which the primary value is; a results.json that records it (pgeval.run/2) decides it, one
    that does not (pgeval.run/1) gets the pooled mean."""
    en = [(f"e{i:03d}", 100.0 if i % 4 else 0.0, "en") for i in range(100)]
    de = [(f"d{i:03d}", 100.0 if i % 2 else 0.0, "de") for i in range(100)]
    b = write_run(tmp_path, "base", {"xm": en + de}, aggregate="slice_mean", record_aggregate=recorded)
    c = write_run(tmp_path, "cur", {"xm": en + flip(de, down=10, up=0)}, aggregate="slice_mean",
                  record_aggregate=recorded)
    r = row(compare(load_run(b), load_run(c), max_drop=None, alpha=0.05), "accuracy", task="xm")
    assert r.statistic == statistic and r.delta == pytest.approx(-5.0)


def test_baseline_as_results_json_path(regression):
    base, cur = regression
    result = run_cli("gate", "--baseline", base / "results.json", "--current", cur, "--json")
    assert result.exit_code == 1, result.output
    (r,) = [r for r in json.loads(result.stdout)["rows"] if r["metric"] == "accuracy"]
    assert r["n_paired"] == 392 and r["delta"] == -10.0 and r["verdict"] == "significant drop"


def test_json_output(regression):
    base, cur = regression
    result = run_cli("gate", "--baseline", base, "--current", cur, "--json")
    data = json.loads(result.stdout)
    assert data["failed"] is True and data["n_failed"] == 1 and data["alpha"] == 0.05
    assert data["max_drop"] is None
    assert [r["metric"] for r in data["rows"]] == ["accuracy"]
    (r,) = data["rows"]
    assert (r["task"], r["baseline"], r["current"], r["delta"]) == ("vqa", 80.0, 70.0, -10.0)
    assert r["n_paired"] == 392 and r["failed"] is True
    assert r["ci_low"] < -10 < r["ci_high"] < 0
    assert any("no partner" in n for n in data["notes"])


def test_keys_without_interval_fail_only_by_max_drop(tmp_path):
    base = base_examples()
    b = write_run(tmp_path, "base", {"pope": base}, extra={"pope": {"f1": 80.0}})
    c = write_run(tmp_path, "cur", {"pope": base}, extra={"pope": {"f1": 50.0}})
    report = compare(load_run(b), load_run(c), max_drop=None, alpha=0.05)
    f1 = row(report, "f1", task="pope")
    assert f1.delta == -30.0 and f1.ci_low is None and f1.n_paired is None and f1.verdict == "ok"
    assert not report.failed
    report = compare(load_run(b), load_run(c), max_drop=5, alpha=0.05)
    assert row(report, "f1", task="pope").verdict == "drop" and report.failed
    assert "gate: FAIL (1 metric got worse)" in render_gate(report)


def test_a_baseline_task_missing_from_the_current_run_fails_unless_allowed(tmp_path):
    base = base_examples()
    b = write_run(tmp_path, "base", {"vqa": base, "gqa": base})
    c = write_run(tmp_path, "cur", {"vqa": base}, extra={"vqa": {"accuracy:new": 1.0}})
    report = compare(load_run(b), load_run(c), max_drop=None, alpha=0.05)
    assert row(report, "accuracy", task="gqa").verdict == "missing"
    assert report.failed and report.missing == ["gqa"]
    assert render_gate(report).endswith("gate: FAIL (gqa missing from the current run)")
    result = run_cli("gate", "--baseline", b, "--current", c)
    assert result.exit_code == 1 and "gate: FAIL (gqa missing from the current run)" in result.output
    new = row(report, "accuracy:new")
    assert (new.baseline, new.current, new.delta, new.verdict) == (None, 1.0, None, "not compared")
    allowed = compare(load_run(b), load_run(c), max_drop=None, alpha=0.05, allow_missing=True)
    assert row(allowed, "accuracy", task="gqa").verdict == "not compared"
    assert not allowed.failed and any("gqa: only in the baseline run" in n for n in allowed.notes)
    assert run_cli("gate", "--baseline", b, "--current", c, "--allow-missing").exit_code == 0


def test_bootstrap_is_deterministic_and_degenerate_differences_give_the_point():
    rng = np.random.default_rng(1)
    b = rng.integers(0, 2, 300) * 100.0
    c = np.where(rng.random(300) < 0.1, 100.0 - b, b)
    first = paired_interval(b, c, alpha=0.05, n_resamples=2000, seed=3)
    assert first == paired_interval(b, c, alpha=0.05, n_resamples=2000, seed=3)
    assert first[1] < first[0] < first[2]
    assert paired_interval(b, b + 2.5, alpha=0.05, n_resamples=2000, seed=0) == (2.5, 2.5, 2.5)


# Exit code 2 comes from the main CLI, which turns an InputError into exit 2.


def test_missing_baseline_exits_2(regression):
    _, cur = regression
    result = run_cli("gate", "--baseline", cur.parent / "nope", "--current", cur)
    assert result.exit_code == 2 and "no results.json" in result.stderr


@pytest.mark.parametrize("text", ["{not json", '{"schema": "pgeval.run/1", "tasks": [1, 2]}',
                                  '{"schema": "pgeval.run/1", "tasks": {"vqa": {"metrics": 3}}}'])
def test_malformed_results_exit_2(regression, text):
    base, cur = regression
    (base / "results.json").write_text(text, encoding="utf-8")
    result = run_cli("gate", "--baseline", base, "--current", cur)
    assert result.exit_code == 2 and "results.json" in result.stderr


def test_no_task_in_common_exits_2(tmp_path):
    b = write_run(tmp_path, "base", {"vqa": base_examples()})
    c = write_run(tmp_path, "cur", {"gqa": base_examples()})
    result = run_cli("gate", "--baseline", b, "--current", c)
    assert result.exit_code == 2 and "no task in common" in result.stderr


def test_ids_that_never_overlap_exit_2(tmp_path):
    b = write_run(tmp_path, "base", {"vqa": base_examples()})
    c = write_run(tmp_path, "cur", {"vqa": [("z" + i, v, s) for i, v, s in base_examples()]})
    result = run_cli("gate", "--baseline", b, "--current", c)
    assert result.exit_code == 2 and "no example id is scored in both runs" in result.stderr


def test_duplicate_ids_are_an_input_error(tmp_path):
    base = base_examples()
    b = write_run(tmp_path, "base", {"vqa": base})
    c = write_run(tmp_path, "cur", {"vqa": [*base, base[0]]})
    with pytest.raises(InputError, match="twice"):
        compare(load_run(b), load_run(c), max_drop=None, alpha=0.05)


def test_without_predictions_only_max_drop_can_decide(tmp_path):
    base = base_examples()
    b = write_run(tmp_path, "base", {"vqa": base}, predictions=False)
    c = write_run(tmp_path, "cur", {"vqa": flip(base, down=20, up=0)})
    with pytest.raises(InputError, match="no per-example scores"):
        compare(load_run(b), load_run(c), max_drop=None, alpha=0.05)
    report = compare(load_run(b), load_run(c), max_drop=1, alpha=0.05)
    r = row(report, "accuracy")
    assert r.delta == -5.0 and r.ci_low is None and r.verdict == "drop"
    assert any("no per-example scores in the baseline run" in n for n in report.notes)


def test_nan_metric_is_not_compared_and_prints_as_null(tmp_path):
    base = base_examples()
    b = write_run(tmp_path, "base", {"vqa": base}, extra={"vqa": {"bleu": 999.0}})
    results = b / "results.json"  # pgeval writes no NaN now; an older pgeval's results.json could hold one
    results.write_text(results.read_text().replace("999.0", "NaN"))
    c = write_run(tmp_path, "cur", {"vqa": base}, extra={"vqa": {"bleu": 10.0}})
    result = run_cli("gate", "--baseline", b, "--current", c, "--json")
    assert result.exit_code == 0, result.output
    (r,) = [r for r in json.loads(result.stdout)["rows"] if r["metric"] == "bleu"]
    assert (r["baseline"], r["current"], r["delta"], r["verdict"]) == (None, 10.0, None, "not compared")


def test_lower_is_better_fails_on_a_rise_and_passes_a_fall(tmp_path):
    """A toxicity-style primary metric (share of flagged captions, lower is better): 20% of 400
    flagged in the baseline; 32.5% flagged is a significant rise, 7.5% a significant fall."""
    lower = {"flagged": "lower"}
    base = base_examples()  # score 0 on every fifth example, 100 elsewhere: read 100 as "flagged"
    flagged = [(i, 100.0 - v, s) for i, v, s in base]  # 80 of 400 flagged
    worse = flip(flagged, down=0, up=50)  # 130 flagged
    better = flip(flagged, down=50, up=0)  # 30 flagged
    b = write_run(tmp_path, "b", {"tox": flagged}, primary="flagged", directions=lower)
    w = write_run(tmp_path, "w", {"tox": worse}, primary="flagged", directions=lower)
    g = write_run(tmp_path, "g", {"tox": better}, primary="flagged", directions=lower)

    rose = row(compare(load_run(b), load_run(w), max_drop=None, alpha=0.05), "flagged", task="tox")
    assert (rose.baseline, rose.current, rose.delta) == (20.0, 32.5, 12.5)
    assert rose.direction == "lower" and 0 < rose.ci_low < 12.5 < rose.ci_high
    assert rose.verdict == "significant rise" and rose.failed
    result = run_cli("gate", "--baseline", b, "--current", w)
    assert result.exit_code == 1 and "lower is better: tox flagged" in result.output
    assert result.output.rstrip().endswith("gate: FAIL (1 metric got worse)")

    fell = row(compare(load_run(b), load_run(g), max_drop=None, alpha=0.05), "flagged", task="tox")
    assert fell.delta == -12.5 and fell.ci_high < 0 and fell.verdict == "ok"
    assert run_cli("gate", "--baseline", b, "--current", g).exit_code == 0
    for max_drop, verdict in ((13, "ok"), (12, "rise")):
        report = compare(load_run(b), load_run(w), max_drop=max_drop, alpha=0.05)
        assert row(report, "flagged", task="tox").verdict == verdict


def test_invalid_share_rising_fails_and_descriptive_keys_never_do(tmp_path):
    """Segmentation's `invalid` (lower is better) and POPE's `yes_ratio` (descriptive) under
    --max-drop: invalid 10 -> 2 passes, 2 -> 10 fails; yes_ratio moving 30 points never fails."""
    examples = base_examples()
    directions = {"invalid": "lower", "yes_ratio": "neither"}
    a = write_run(tmp_path, "a", {"seg": examples}, directions=directions,
                  extra={"seg": {"invalid": 10.0, "yes_ratio": 70.0}})
    z = write_run(tmp_path, "z", {"seg": examples}, directions=directions,
                  extra={"seg": {"invalid": 2.0, "yes_ratio": 40.0}})
    improved = compare(load_run(a), load_run(z), max_drop=1, alpha=0.05)
    assert row(improved, "invalid", task="seg").verdict == "ok"
    assert row(improved, "yes_ratio", task="seg").verdict == "not graded"
    assert not improved.failed
    regressed = compare(load_run(z), load_run(a), max_drop=1, alpha=0.05)
    assert row(regressed, "invalid", task="seg").verdict == "rise"
    assert row(regressed, "yes_ratio", task="seg").verdict == "not graded"
    assert [r.metric for r in regressed.failures] == ["invalid"]


def test_aggregate_detection_ignores_examples_without_a_finite_score():
    from pgeval.gate.stats import detect_aggregate
    from pgeval.runs import ExampleScore

    scores = [ExampleScore("a", "", 100.0, "x"), ExampleScore("b", "", math.nan, "y"),
              ExampleScore("c", "", 0.0, "y"), ExampleScore("d", "", 0.0, "y")]
    # finite: 100 (x), 0 and 0 (y): pooled mean 33.3, mean of slice means 50
    assert detect_aggregate(scores, 50.0) == "slice_mean"
    assert detect_aggregate(scores, 100 / 3) == "pooled"


def test_runs_on_different_data_sources_are_noted(tmp_path):
    base = base_examples(50)
    b, c = write_run(tmp_path, "base", {"vqa": base}), write_run(tmp_path, "cur", {"vqa": base})
    results = json.loads((c / "results.json").read_text())
    results["tasks"]["vqa"]["source"] = {"kind": "hub", "repo": "lmms-lab/VQAv2", "revision": "main",
                                         "commit": "0123456789abcdef" * 2 + "01234567"}
    (c / "results.json").write_text(json.dumps(results))
    report = compare(load_run(b), load_run(c), max_drop=None, alpha=0.05)
    assert report.notes == ["vqa: data from the official files in the baseline but the Hub copy "
                            "lmms-lab/VQAv2@0123456789ab in the current run; compared on the examples "
                            "both scored"]
    assert row(report, "accuracy").delta == 0.0 and not report.failed


def test_max_drop_judges_the_paired_examples_not_the_aggregates(tmp_path):
    """A baseline of the first 16 examples against a full run of the same model: the aggregates
    differ (number 62.50 on 16, 47.50 on 40), the 16 shared scores are identical, so the paired
    delta is 0 and the gate passes; F1, not a mean of per-example scores, is not compared on
    different examples."""
    full = [(f"q{i:02d}", 100.0 if i % 8 < 5 else 0.0, "number") for i in range(16)]
    full += [(f"q{i:02d}", 100.0 if i % 8 < 3 else 0.0, "number") for i in range(16, 40)]
    assert mean(v for _, v, _ in full[:16]) == 62.5 and mean(v for _, v, _ in full) == 47.5
    b = write_run(tmp_path, "base", {"vqa": full[:16]}, extra={"vqa": {"f1": 70.0}})
    c = write_run(tmp_path, "cur", {"vqa": full}, extra={"vqa": {"f1": 50.0}})
    report = compare(load_run(b), load_run(c), max_drop=0.5, alpha=0.05)
    number = row(report, "accuracy:number")
    assert (number.baseline, number.current, number.delta) == (62.5, 47.5, -15.0)
    assert number.paired_delta == 0.0 and number.judged == 0.0 and number.n_paired == 16
    assert number.verdict == "ok" and row(report, "accuracy").verdict == "ok"
    assert row(report, "f1").verdict == "not compared"
    assert not report.failed
    assert report.to_json()["pairing"] == {"vqa": {"paired": 16, "only_baseline": 0,
                                                   "only_current": 24, "not_finite": 0}}
    text = render_gate(report)
    assert "paired by id: vqa 16 (only in the baseline 0, only in the current run 24)" in text
    assert "vqa: f1 not compared: not a mean of the per-example scores" in text
    assert text.endswith("gate: PASS")
    # the same baseline against a run that lost 4 of the 16 shared answers fails on them
    worse = flip(full[:16], down=4, up=0) + full[16:]
    w = write_run(tmp_path, "worse", {"vqa": worse}, extra={"vqa": {"f1": 50.0}})
    dropped = row(compare(load_run(b), load_run(w), max_drop=0.5, alpha=0.05), "accuracy:number")
    assert dropped.paired_delta == -25.0 and dropped.verdict == "drop"


def test_per_example_scores_that_miss_the_reported_value_leave_max_drop_to_the_values(tmp_path):
    """Per-example scores on another scale than the reported value (0..1 against 80): the paired
    delta is not the metric's, so max_drop judges the runs' values (80 -> 70) on the same examples."""
    b = write_run(tmp_path, "base", {"vqa": [(f"q{i}", 0.8, None) for i in range(3)]},
                  extra={"vqa": {"accuracy": 80.0}})
    c = write_run(tmp_path, "cur", {"vqa": [(f"q{i}", 0.7, None) for i in range(3)]},
                  extra={"vqa": {"accuracy": 70.0}})
    r = row(compare(load_run(b), load_run(c), max_drop=1, alpha=0.05), "accuracy")
    assert r.paired_delta == pytest.approx(-0.1) and not r.on_pairs
    assert r.judged == -10.0 and r.verdict == "drop"
