"""`pgeval run` and `pgeval.evaluate`: run a checkpoint on tasks, score them, write a run directory.

Each task's predictions are appended as batches finish; rerunning the same command with the same
output folder skips finished tasks and finished examples, so a crash costs at most a batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jax
import pandas as pd

from pgeval import __version__
from pgeval.adapters import ADAPTERS
from pgeval.engine.runner import Engine, Request, bucket
from pgeval.errors import InputError
from pgeval.inference import load_engine
from pgeval.partial import ProgressWriter, read_progress
from pgeval.run_plan import TaskPlan, check_images, default_data_dir, plan_tasks
from pgeval.runs import (
    MODEL_CARD,
    PREDICTIONS,
    RESULTS,
    Run,
    TaskRecord,
    atomic_write_text,
    load_run,
    write_results,
)
from pgeval.scoring import score_predictions

ON_ERROR = ("fail", "skip")
SIZES = {2048: "3b", 2304: "3b", 3584: "10b", 4608: "28b"}


def sha256_files(files: Sequence[Path]) -> dict[str, str]:
    out = {}
    for path in files:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(1 << 24):
                digest.update(chunk)
        out[path.name] = digest.hexdigest()
    return out


class _Hasher(threading.Thread):
    """Hashes the checkpoint's files beside inference; `result()` waits for it."""

    def __init__(self, files: Sequence[Path]) -> None:
        super().__init__(daemon=True)
        self.files, self.digests = files, None

    def run(self) -> None:
        self.digests = sha256_files(self.files)

    def result(self) -> dict[str, str]:
        self.join()
        return self.digests or {}


def model_info(engine: Engine, checkpoint: Path, dtype: str, demo: bool) -> dict[str, Any]:
    """What results.json records of the model; the files' sha256 are added once computed."""
    text = engine.config.text
    return {"checkpoint": str(checkpoint.resolve()), "name": checkpoint.stem,
            "format": engine.checkpoint_format,
            "files": [p.name for p in engine.checkpoint_files], "sha256": {},
            "family": "paligemma2" if text.gemma2 else "paligemma",
            "size": SIZES.get(text.width) if text.vocab_size >= 257_152 else None,
            "res": engine.res, "dtype": dtype, "demo": demo}


def runtime_info(engine: Engine) -> dict[str, Any]:
    return {"mesh": dict(engine.mesh.shape), "device_kind": jax.devices()[0].device_kind,
            "num_devices": engine.mesh.devices.size, "num_processes": jax.process_count()}


def _check_same_run(out: Path, checkpoint: Path, res: int, dtype: str) -> dict[str, TaskRecord]:
    if not (out / RESULTS).is_file():
        return {}
    previous = load_run(out)
    same = (previous.model.get("checkpoint") == str(checkpoint.resolve())
            and previous.model.get("res") == res and previous.model.get("dtype") == dtype)
    if not same:
        raise InputError("this folder holds a run of another checkpoint, resolution or dtype",
                         path=str(out), hint="pass another --out, or delete the folder")
    return dict(previous.tasks)


def default_vae(checkpoint: Path) -> Path | None:
    """big_vision's mask decoder file when it sits beside the checkpoint."""
    candidate = (checkpoint if checkpoint.is_dir() else checkpoint.parent) / "vae-oid.npz"
    return candidate if candidate.is_file() else None


def partial_path(out: Path, task: str) -> Path:
    """Where a task's predictions are appended while it runs."""
    return out / PREDICTIONS / f"{task}.partial.jsonl"


def run_task(engine: Engine, plan: TaskPlan, out: Path, *, on_error: str, progress: bool,
             resources: dict[str, Any] | None = None) -> TaskRecord:
    """Generate what is left of one task, then score the whole task. The appended predictions
    stay until results.json records the task (the caller removes them), so a kill at any point
    loses at most the batch in flight."""
    spec = plan.spec
    partial = partial_path(out, spec.name)
    done = read_progress(partial).done
    writer = ProgressWriter(partial)
    try:
        for example_id, path in plan.missing_images.items():
            if example_id not in done:
                writer.error(example_id, f"{plan.media} not found: {path}")
        todo = [e for e in plan.examples if e.id not in done and e.id not in plan.missing_images]
        requests = [Request(e.id, plan.inputs(e), plan.prompt(e)) for e in todo]
        width = bucket(max((len(engine.tokenizer.encode_prefix(plan.prompt(e)))
                            for e in plan.examples), default=1))
        skip = (lambda r, e: writer.error(r.id, str(e))) if on_error == "skip" else None
        start, generated = time.perf_counter(), 0
        for outputs in engine.generate(requests, spec.max_decode_len, beam_size=spec.beam_size,
                                       prefix_width=width, on_error=skip, progress=progress):
            writer.predictions((o.id, o.text) for o in outputs)
            generated += len(outputs)
        elapsed = time.perf_counter() - start
    finally:
        writer.close()
    state = read_progress(partial)
    scored = [e for e in plan.examples if e.id in state.predictions]
    if not scored:
        raise InputError(f"task {spec.name}: no example could be run", path=str(partial))
    result = score_predictions(spec, scored, [state.predictions[e.id] for e in scored],
                               resources=resources)
    final = out / PREDICTIONS / f"{spec.name}.jsonl"
    atomic_write_text(final, "".join(
        json.dumps({"id": e.id, "prediction": p, "score": s, "slice": e.slice},
                   ensure_ascii=False) + "\n"
        for e, p, s in zip(scored, result.predictions, result.per_example, strict=True)))
    skipped = tuple(e.id for e in plan.examples if e.id in state.errors)
    return TaskRecord(
        name=spec.name, split=result.split, title=spec.title, family=spec.family,
        metric=spec.metric, primary=spec.keys[0], n=result.n, metrics=result.metrics,
        skipped=len(skipped), skipped_ids=skipped, limit=None, wall_time_s=round(elapsed, 3),
        examples_per_s=round(generated / elapsed, 3) if elapsed > 0 and generated else 0.0,
        predictions=f"{PREDICTIONS}/{spec.name}.jsonl", directions=result.directions,
        info=result.info)


def run_evaluation(
    checkpoint: str | Path | None, tasks: Sequence[str], *, res: int | None = None,
    tokenizer: str | Path | None = None, data_dir: str | Path | None = None,
    out: str | Path | None = None, limit: int | None = None, batch_size: int = 8,
    mesh: str | None = None, dtype: str = "float32", on_error: str = "fail",
    tasks_dirs: Sequence[str | Path] = (), progress: bool = True, demo: bool = False,
    vae: str | Path | None = None, toxicity_scorer: Any = None,
    log: Callable[[str], None] = print,
) -> Run:
    """Evaluate `checkpoint` on `tasks` and write (or complete) the run directory.

    `demo` evaluates the bundled demo model (when no checkpoint is given) on the demo data
    (written on first use to `data_dir`, default ~/.cache/pgeval/demo-data).

    `vae` is the segmentation mask decoder (default: vae-oid.npz beside the checkpoint);
    `toxicity_scorer` overrides the fairness task's scorer (a name like "perspective" or
    "file:scores.jsonl", or a scorer object).
    """
    if on_error not in ON_ERROR:
        raise InputError(f"--on-error must be one of {ON_ERROR}, got {on_error!r}")
    if not tasks:
        raise InputError("no task given", hint="e.g. --tasks vqav2,docvqa (`pgeval tasks` lists them)")
    if demo:
        from pgeval.demo import bundle

        checkpoint = checkpoint or bundle.demo_checkpoint(res)
        tokenizer = tokenizer or bundle.demo_tokenizer()
        data_dir = bundle.prepare_demo_data(list(tasks), Path(data_dir or bundle.demo_data_dir()))
    if checkpoint is None:
        raise InputError("no checkpoint given", hint="pass --checkpoint PATH, or --demo")
    checkpoint = Path(checkpoint)
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    plans = plan_tasks(tasks, data_dir, limit=limit, tasks_dirs=tasks_dirs)
    if on_error == "fail":
        check_images(plans)
    resources = {"vae": vae or default_vae(checkpoint), "toxicity_scorer": toxicity_scorer}
    needs_vae = [p.spec.name for p in plans if "vae" in ADAPTERS.get(p.spec.adapter).resources]
    if needs_vae and resources["vae"] is None:
        raise InputError(f"{', '.join(needs_vae)} decode masks with big_vision's vae-oid.npz, "
                         "which was not found", hint="pass --vae path/to/vae-oid.npz, or put it "
                         "beside the checkpoint")
    engine = load_engine(checkpoint, tokenizer=tokenizer, res=res, dtype=dtype,
                         batch_size=batch_size, mesh=mesh)
    out = Path(out) if out else Path("runs") / f"{checkpoint.stem}-{engine.res}"
    if demo:
        log(f"demo: the bundled {checkpoint.name} on synthetic data in {data_dir}")
    records = _check_same_run(out, checkpoint, engine.res, dtype)
    (out / PREDICTIONS).mkdir(parents=True, exist_ok=True)
    hasher = _Hasher(engine.checkpoint_files)
    hasher.start()
    header = {"pgeval_version": __version__, "jax_version": jax.__version__,
              "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "model": model_info(engine, checkpoint, dtype, demo),
              "runtime": runtime_info(engine)}
    for plan in plans:
        name = plan.spec.name
        previous = records.get(name)
        if previous and previous.limit == limit and (out / (previous.predictions or "")).is_file():
            log(f"{name}: already done in {out}, kept")
            partial_path(out, name).unlink(missing_ok=True)
            continue
        log(f"{name}: {len(plan.examples)} examples ({plan.spec.split})")
        record = run_task(engine, plan, out, on_error=on_error, progress=progress,
                          resources=resources)
        records[name] = TaskRecord(**{**record.__dict__, "limit": limit})
        write_results(out, header, records)
        partial_path(out, name).unlink()
    header["model"]["sha256"] = hasher.result()
    write_results(out, header, records)
    run = load_run(out)
    write_model_card(run)
    return run


def write_model_card(run: Run) -> Path:
    """model_card.md: the run's `pgeval table` (against the card of its own model family)."""
    from pgeval.reports.cells import model_and_resolution
    from pgeval.reports.table import tables_text

    heading = f"# {'Demo: ' if run.model.get('demo') else ''}{model_and_resolution(run)}"
    path = run.directory / MODEL_CARD
    atomic_write_text(path, f"{heading}\n\n{tables_text([run], 'md')}\n")
    return path


def evaluate(checkpoint: str | Path, tasks: Sequence[str], res: int | None = None,
             **options: Any) -> pd.DataFrame:
    """Run `pgeval run` and return its metrics: one row per task and metric key."""
    run = run_evaluation(checkpoint, tasks, res=res, **options)
    rows = [{"task": name, "split": t.split, "metric": key, "value": value, "n": t.n,
             "skipped": t.skipped}
            for name, t in run.tasks.items() if name in tasks
            for key, value in t.metrics.items()]
    return pd.DataFrame(rows, columns=["task", "split", "metric", "value", "n", "skipped"])
