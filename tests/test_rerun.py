"""Reruns on the same run directory: what the same recipe produced is reused (with another
--limit too), anything made another way stops the run naming what differs, and --overwrite
runs a task again from scratch."""

import json

from pgeval.run.recipe import differences, recipe_sha256
from pgeval.runs import read_example_scores
from pgeval.scoring.score import TaskResult, write_per_example
from pgeval.tasks import get_task
from tests.helpers import run_cli
from tests.synthetic import vqav2_with_images


def test_a_rerun_reuses_the_same_recipe_and_refuses_another(tiny_checkpoint, tmp_path):
    path, _ = tiny_checkpoint
    data, out = tmp_path / "data", tmp_path / "run"
    vqav2_with_images(data, 6)
    predictions = out / "predictions" / "vqav2.jsonl"
    partial = out / "predictions" / "vqav2.partial.jsonl"

    def run(limit, *more):
        result = run_cli("run", "--tasks", "vqav2", "--checkpoint", path, "--data-dir", data,
                         "--out", out, "--batch-size", "2", "--limit", limit, *more)
        return result, json.loads((out / "results.json").read_text())["tasks"]["vqav2"]

    first, record = run(4)
    assert first.exit_code == 0, first.output
    four = predictions.read_text().splitlines()
    assert record["n"] == 4 and record["recipe"]["prompt"] == "answer en {question}"

    # a smaller limit: the 2 predictions are reused, and the other 2 stay in the partial file
    smaller, record = run(2)
    assert smaller.exit_code == 0, smaller.output
    assert f"vqav2: 2 examples (val), 2 already done in {out}" in smaller.stderr
    assert record["n"] == 2 and record["limit"] == 2
    assert predictions.read_text().splitlines() == four[:2]
    assert len(partial.read_text().splitlines()) == 1 + 4  # the recipe, then 4 predictions
    # back to 4: nothing to decode, the same results as the first run
    again, record = run(4)
    assert again.exit_code == 0 and "4 already done" in again.stderr
    assert predictions.read_text().splitlines() == four and not partial.exists()
    kept, _ = run(4)
    assert "vqav2: already done in" in kept.stderr

    # the example: the same command with a spec whose prompt differs
    specs = tmp_path / "specs"
    specs.mkdir()
    spec_text = get_task("vqav2").path.read_text()
    (specs / "vqav2.toml").write_text(spec_text.replace('prompt = "answer en {question}"',
                                                        'prompt = "answer en {question}?"', 1)
                                      .replace("max_decode_len = 32", "max_decode_len = 8", 1))
    refused, record = run(4, "--tasks-dir", specs)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[-2:] == [
        f"error: {out / 'results.json'}: task vqav2: its record was made with another recipe: "
        'prompt ("answer en {question}" then, "answer en {question}?" now); '
        "max_decode_len (32 then, 8 now)",
        "  hint: pass another --out, or --overwrite vqav2 to run vqav2 again from scratch here"]
    assert record["recipe"]["prompt"] == "answer en {question}"
    assert predictions.read_text().splitlines() == four
    redone, record = run(4, "--tasks-dir", specs, "--overwrite", "vqav2")
    assert redone.exit_code == 0, redone.output
    assert "already done" not in redone.stderr
    assert (record["recipe"]["prompt"], record["recipe"]["max_decode_len"]) == ("answer en {question}?", 8)
    assert record["recipe_sha256"] == recipe_sha256(record["recipe"])


def test_differences_name_each_field_with_both_values():
    old = {"prompt": "a", "beam_size": 1, "data_sha256": {"q.json": "ab"}}
    new = {"prompt": "a", "beam_size": 4, "data_sha256": {"q.json": "cd"}, "resize": "bilinear"}
    assert differences(old, new) == ['beam_size (1 then, 4 now)',
                                     'data_sha256 ({"q.json": "ab"} then, {"q.json": "cd"} now)',
                                     'resize (null then, "bilinear" now)']
    assert differences(new, new) == []
    assert recipe_sha256(old) == recipe_sha256(dict(reversed(old.items())))


def test_an_unscored_example_is_null_with_why_never_nan(tmp_path):
    result = TaskResult(task="t", split="val", metrics={"flagged": 50.0}, ids=["a", "b"],
                        predictions=["x", "y"], per_example=[100.0, float("nan")],
                        unscored="the toxicity scorer rated none of the caption's attributes")
    path = write_per_example(result, tmp_path)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert lines[1] == {"id": "b", "prediction": "y", "score": None,
                        "unscored": "the toxicity scorer rated none of the caption's attributes"}
    assert "NaN" not in path.read_text()
    scores = list(read_example_scores(path))
    assert scores[0].score == 100.0 and scores[1].score != scores[1].score  # null reads as NaN


def test_a_metric_without_a_value_is_left_out_and_named():
    """POPE's precision when no answer is "yes" is 0/0: not in the metrics (JSON has no NaN),
    named in info["undefined"]; accuracy 1 of 2, recall 0 of 1, yes-ratio 0."""
    from pgeval.data import Example
    from pgeval.scoring.score import score_predictions

    examples = [Example(id="1", references=("yes",)), Example(id="2", references=("no",))]
    result = score_predictions(get_task("pope"), examples, ["no", "no"])
    assert result.info["undefined"] == ["precision"] and "precision" not in result.metrics
    assert [result.metrics[k] for k in ("accuracy", "recall", "yes_ratio")] == [50.0, 0.0, 0.0]
