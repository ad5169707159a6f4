"""`pgeval run` end to end on a tiny checkpoint and synthetic VQAv2 and DocVQA data with images."""

import json
from pathlib import Path

import pytest

import pgeval
from pgeval.config import EngineConfig, RunConfig
from pgeval.engine.loading import load_engine
from pgeval.errors import InputError, Interrupted
from pgeval.run.evaluation import run_evaluation
from pgeval.run.plan import plan_tasks
from pgeval.run.task import run_task
from pgeval.runs import load_run
from pgeval.scoring.score import score_file
from pgeval.tasks import get_task
from tests.helpers import run_cli
from tests.synthetic import docvqa_with_images, vqav2_with_images, write_image


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    vqav2_with_images(root, 9)
    docvqa_with_images(root, 5)
    return root


def test_run_writes_a_complete_run_directory(tiny_checkpoint, data, tmp_path):
    path, _ = tiny_checkpoint
    out = tmp_path / "run"
    result = run_cli("run", "--tasks", "vqav2,docvqa", "--checkpoint", str(path), "--data-dir",
                   str(data), "--out", str(out), "--batch-size", "2")
    assert result.exit_code == 0, result.stderr
    assert f"run directory: {out}" in result.stdout
    raw = json.loads((out / "results.json").read_text())
    assert raw["schema"] == "pgeval.run/3"
    recipe = raw["tasks"]["vqav2"]["recipe"]
    assert (recipe["prompt"], recipe["max_decode_len"], recipe["split"]) == \
        ("answer en {question}", 32, "val")
    assert recipe["checkpoint_sha256"] == raw["model"]["sha256"]
    assert recipe["data_sha256"] == raw["tasks"]["vqav2"]["data_sha256"]
    assert raw["tasks"]["vqav2"]["aggregate"] == "pooled"
    assert raw["tasks"]["vqav2"]["spec"].endswith("vqav2.toml")
    assert raw["model"]["checkpoint"] == str(path.resolve())
    assert raw["model"]["sha256"] and len(raw["model"]["sha256"]["tiny_56.npz"]) == 64
    assert raw["model"]["res"] == 56 and raw["model"]["dtype"] == "float32"
    assert raw["runtime"]["mesh"] == {"data": 1, "model": 1} and raw["runtime"]["device_kind"]
    # what a report needs to find the examples and count output tokens
    assert raw["runtime"]["data_dir"] == str(data.resolve())
    assert raw["model"]["tokenizer"] == str((path.parent / "tokenizer.model").resolve())
    assert raw["pgeval_version"] == pgeval.__version__ and raw["jax_version"]
    run = load_run(out)
    assert set(run.tasks) == {"vqav2", "docvqa"}
    assert (run.tasks["vqav2"].n, run.tasks["docvqa"].n) == (9, 5)
    assert run.tasks["vqav2"].examples_per_s > 0 and run.tasks["vqav2"].split == "val"
    for task in ("vqav2", "docvqa"):
        # the predictions file scores to the same numbers with `pgeval score`
        rescored = score_file(get_task(task), out / "predictions" / f"{task}.jsonl", data)
        assert rescored.metrics == run.tasks[task].metrics
        scores = run.example_scores(task)
        assert [s.score for s in scores] == rescored.per_example
    assert not list((out / "predictions").glob("*.partial.jsonl"))
    card = (out / "model_card.md").read_text()
    assert "VQAv2" in card and "DocVQA" in card


def test_the_model_card_uses_the_runs_own_task_specs(tiny_checkpoint, data, tmp_path):
    """A --tasks-dir spec overriding a built-in one titles the card's row, not the built-in."""
    path, _ = tiny_checkpoint
    specs = tmp_path / "specs"
    specs.mkdir()
    builtin = (Path(__file__).resolve().parents[1] / "tasks" / "vqav2.toml").read_text()
    (specs / "vqav2.toml").write_text(builtin.replace('title = "VQAv2"', 'title = "My VQAv2"', 1)
                                      .replace('metric = "Accuracy"', 'metric = "My accuracy"', 1))
    out = tmp_path / "run"
    result = run_cli("run", "--tasks", "vqav2", "--checkpoint", str(path), "--data-dir", str(data),
                   "--out", str(out), "--tasks-dir", str(specs), "--limit", "2")
    assert result.exit_code == 0, result.stderr
    rows = [line.split("|")[1:3] for line in (out / "model_card.md").read_text().splitlines()
            if line.startswith("| ") and "VQAv2" in line]
    assert [[c.strip() for c in row] for row in rows] == [["My VQAv2", "My accuracy (val)"]]


def test_a_run_reads_each_task_spec_once(tiny_checkpoint, data, tmp_path, monkeypatch):
    """Planning, scoring and the model card share one catalog: every spec file is parsed once."""
    import collections

    import pgeval.tasks

    path, _ = tiny_checkpoint
    loads = collections.Counter()
    parse = pgeval.tasks.load_task_file

    def counting(spec_path):
        loads[spec_path.name] += 1
        return parse(spec_path)

    monkeypatch.setattr(pgeval.tasks, "load_task_file", counting)
    result = run_cli("run", "--tasks", "vqav2,docvqa", "--checkpoint", str(path), "--data-dir",
                   str(data), "--out", str(tmp_path / "run"), "--limit", "2")
    assert result.exit_code == 0, result.stderr
    assert loads["vqav2.toml"] == loads["docvqa.toml"] == 1
    assert set(loads.values()) == {1} and len(loads) == len(pgeval.tasks.load_tasks())


def test_run_task_generates_and_scores_a_plan_in_memory(tiny_checkpoint, data, tmp_path):
    """run_task is a run's work on one task without its run directory: the same predictions and
    metrics as `pgeval run`, and no file written."""
    path, _ = tiny_checkpoint
    run = run_evaluation(EngineConfig(checkpoint=path, batch_size=2),
                         RunConfig(tasks=("docvqa",), data_dir=data, out=tmp_path / "run", limit=3,
                                   progress=False))
    [plan] = plan_tasks(["docvqa"], data, limit=3)
    before = sorted(data.rglob("*"))
    result = run_task(load_engine(EngineConfig(checkpoint=path, batch_size=2)), plan)
    assert sorted(data.rglob("*")) == before
    assert result.metrics == run.tasks["docvqa"].metrics and result.skipped == ()
    assert [(s.id, s.prediction) for s in run.example_scores("docvqa")] == list(
        zip(result.ids, result.predictions, strict=True))


def test_a_pgeval_run_1_directory_still_loads():
    """A run recorded before results.json recorded aggregates and spec files (the demo's 448 px
    results.json of 2026-11-23, kept in tests/data/run_v1)."""
    run = load_run(Path(__file__).resolve().parent / "data" / "run_v1")
    assert run.tasks["vqav2"].aggregate is None and run.tasks["vqav2"].spec is None
    assert run.tasks["vqav2"].metrics["accuracy"] == pytest.approx(69.8)


def test_missing_files_stop_before_inference(tiny_checkpoint, tmp_path):
    path, _ = tiny_checkpoint
    with pytest.raises(InputError) as e:
        run_evaluation(EngineConfig(checkpoint=path),
                       RunConfig(tasks=("vqav2", "chartqa", "docvqa"), data_dir=tmp_path / "empty",
                                 out=tmp_path / "run", progress=False))
    msg = str(e.value)
    for name in ("vqav2: ", "v2_OpenEnded_mscoco_val2014_questions.json", "chartqa: ",
                 "test_augmented.json", "docvqa: ", "val_v1.0.json"):
        assert name in msg
    assert not (tmp_path / "run").exists()


def test_bad_images_fail_or_are_skipped(tiny_checkpoint, tmp_path):
    path, _ = tiny_checkpoint
    vqav2_with_images(tmp_path, 6)
    images = tmp_path / "vqav2" / "val2014"
    missing = images / "COCO_val2014_000000000101.jpg"  # questions 3 and 4
    missing.unlink()
    (images / "COCO_val2014_000000000102.jpg").write_bytes(b"not a jpeg")  # questions 5 and 6
    with pytest.raises(InputError, match=r"2 image\(s\) not found") as e:
        run_evaluation(EngineConfig(checkpoint=path),
                       RunConfig(tasks=("vqav2",), data_dir=tmp_path, out=tmp_path / "a", progress=False))
    assert "vqav2 id 3" in str(e.value) and str(missing) in str(e.value)
    write_image(missing, 0)
    with pytest.raises(InputError, match="cannot decode image") as e:
        run_evaluation(EngineConfig(checkpoint=path),
                       RunConfig(tasks=("vqav2",), data_dir=tmp_path, out=tmp_path / "b", progress=False))
    assert "id '5'" in str(e.value) and "COCO_val2014_000000000102.jpg" in str(e.value)
    missing.unlink()
    run = run_evaluation(EngineConfig(checkpoint=path, batch_size=2),
                         RunConfig(tasks=("vqav2",), data_dir=tmp_path, out=tmp_path / "c", progress=False,
                                   on_error="skip"))
    record = run.tasks["vqav2"]
    assert record.n == 2 and record.skipped == 4
    assert set(record.skipped_ids) == {"3", "4", "5", "6"}


def test_evaluate_returns_a_dataframe(tiny_checkpoint, data, tmp_path):
    path, _ = tiny_checkpoint
    df = pgeval.evaluate(EngineConfig(checkpoint=path),
                         RunConfig(tasks=("docvqa",), out=tmp_path / "run", data_dir=data, limit=3,
                                   progress=False))
    assert list(df.columns) == ["task", "split", "metric", "value", "n", "skipped"]
    assert df.loc[0, "task"] == "docvqa" and df.loc[0, "metric"] == "anls" and df.loc[0, "n"] == 3
    assert pgeval.load_run(tmp_path / "run").tasks["docvqa"].limit == 3


def test_crash_before_results_are_written_keeps_the_generated_predictions(tiny_checkpoint, data, tmp_path,
                                                                          monkeypatch):
    """A crash after a task's predictions were scored but before results.json records the task
    must not cost the task: the rerun generates nothing and gives the same results."""
    from pgeval.engine.runner import Engine
    from pgeval.run.directory import RunDirectory

    path, _ = tiny_checkpoint
    out = tmp_path / "run"

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(RunDirectory, "write_results", crash)
        with pytest.raises(Interrupted, match=r"kept in .*/run: vqav2 9 predictions$"):
            run_evaluation(EngineConfig(checkpoint=path),
                           RunConfig(tasks=("vqav2",), data_dir=data, out=out, progress=False))
    assert (out / "predictions" / "vqav2.partial.jsonl").is_file()
    generated = []
    original = Engine.generate

    def counting(self, requests, *args, **kwargs):
        generated.extend(r.id for r in requests)
        return original(self, requests, *args, **kwargs)

    monkeypatch.setattr(Engine, "generate", counting)
    resumed = run_evaluation(EngineConfig(checkpoint=path),
                             RunConfig(tasks=("vqav2",), data_dir=data, out=out, progress=False))
    assert generated == []
    whole = run_evaluation(EngineConfig(checkpoint=path),
                           RunConfig(tasks=("vqav2",), data_dir=data, out=tmp_path / "whole", progress=False))
    assert resumed.tasks["vqav2"].metrics == whole.tasks["vqav2"].metrics
    assert not list((out / "predictions").glob("*.partial.jsonl"))


def test_default_data_dir(monkeypatch, tmp_path):
    from pgeval.run.plan import default_data_dir

    monkeypatch.setenv("PGEVAL_DATA", str(tmp_path / "benchmarks"))
    assert default_data_dir() == tmp_path / "benchmarks"
    monkeypatch.delenv("PGEVAL_DATA")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / ".cache" / "pgeval" / "data"
