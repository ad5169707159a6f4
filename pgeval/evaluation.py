"""`pgeval run` and `pgeval.evaluate`: run a checkpoint on tasks, score them, write a run directory.

Each task's predictions are appended as batches finish; rerunning the same command with the same
output folder skips finished tasks and finished examples, so a crash costs at most a batch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jax
import jaxlib
import pandas as pd

from pgeval import __version__
from pgeval.adapters import ADAPTERS
from pgeval.config import ON_ERROR, EngineConfig, RunConfig
from pgeval.engine.distributed import from_process_zero, gather_json, init_distributed, shutdown
from pgeval.engine.runner import Engine
from pgeval.engine.sharding import spans_processes
from pgeval.errors import InputError, Interrupted
from pgeval.generation import Generated, check_same_data, generate_task
from pgeval.inference import load_engine
from pgeval.model.info import model_info
from pgeval.model.loading import checkpoint_config
from pgeval.partial import ProgressWriter, read_progress
from pgeval.resources import NO_RESOURCES, Resources
from pgeval.run_lock import RunLock
from pgeval.run_plan import TaskPlan, check_images, default_data_dir, parse_splits, plan_tasks
from pgeval.runs import (
    PREDICTIONS,
    RESULTS,
    Run,
    TaskRecord,
    atomic_write_text,
    load_run,
    write_results,
)
from pgeval.scoring import make_source, score_predictions
from pgeval.submissions import submission_entries, submission_name, write_submission

PARTIAL = ".partial.jsonl"  # the suffix of a task's predictions while it runs (partial_path)


def sha256_files(files: Sequence[Path]) -> dict[str, str]:
    out = {}
    for path in files:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(1 << 24):
                digest.update(chunk)
        out[path.name] = digest.hexdigest()
    return out


def data_sha256(plan: TaskPlan) -> dict[str, str]:
    """sha256 of the task's annotation files, by their path in the task's data folder; for a
    prepared TFDS folder, of its dataset_info.json (which names the version and the shards); for
    another annotations folder (one ground-truth file per image), one digest of its files' names
    and contents."""
    found: dict[str, str] = {}
    for name in make_source(plan.spec).files(plan.spec.split):
        path = plan.root / name
        if name.endswith("/") and path.is_dir():
            info = sorted(path.glob("dataset_info.json"))
            if info:
                found[info[0].relative_to(plan.root).as_posix()] = sha256_files(info)[info[0].name]
                continue
            digest = hashlib.sha256()
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                digest.update(f"{file.relative_to(path).as_posix()}\0{sha256_files([file])[file.name]}\n"
                              .encode())
            found[name] = digest.hexdigest()
        elif path.is_file():
            found[path.relative_to(plan.root).as_posix()] = sha256_files([path])[path.name]
    return found


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


def runtime_info(engine: Engine, batch_size: int) -> dict[str, Any]:
    """How the run ran: what a reader needs to tell two runs apart (their results must not
    differ by it)."""
    return {"mesh": dict(engine.mesh.shape), "device_kind": jax.devices()[0].device_kind,
            "num_devices": engine.mesh.devices.size, "num_processes": jax.process_count(),
            "mesh_spans_processes": spans_processes(engine.mesh), "batch_size": batch_size,
            "jaxlib_version": jaxlib.__version__}


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


def partial_path(out: Path, task: str) -> Path:
    """Where a task's predictions are appended while it runs."""
    return out / PREDICTIONS / f"{task}{PARTIAL}"


def _resume_state(out: Path, records: dict[str, TaskRecord], plans: Sequence[TaskPlan],
                  limit: int | None) -> dict[str, Any]:
    """Process 0's reading of the run directory, for every process: the tasks already recorded
    (kept) and, for the others, the ids their partial files hold."""
    kept = [p.spec.name for p in plans if (r := records.get(p.spec.name)) and r.limit == limit
            and r.split == p.spec.split and (out / (r.predictions or "")).is_file()]
    done = {p.spec.name: sorted(read_progress(partial_path(out, p.spec.name)).done)
            for p in plans if p.spec.name not in kept}
    return {"kept": kept, "done": done}


def score_task(plan: TaskPlan, out: Path, generated: Generated, *, limit: int | None,
               resources: Resources) -> TaskRecord:
    """Score a task whose predictions are all in its partial file and write its predictions file.
    The partial file stays until results.json records the task (the caller removes it), so a
    kill at any point loses nothing generated."""
    spec = plan.spec
    partial = partial_path(out, spec.name)
    state = read_progress(partial)
    scored = [e for e in plan.examples if e.id in state.predictions]
    if not scored:
        raise InputError(f"task {spec.name}: no example could be run", path=str(partial))
    texts = [state.predictions[e.id] for e in scored]
    source = make_source(spec)
    submission = None
    if source.answered(spec.split):
        result = score_predictions(spec, scored, texts, resources=resources)
        texts, scores, metrics = result.predictions, result.per_example, result.metrics
        directions, info = result.directions, result.info
    else:
        name = submission_name(spec.name, spec.split, source.submission_file(spec.split))
        entries = submission_entries(source.submission, [e.id for e in scored], texts)
        submission = str(write_submission(out, name, entries))
        scores, metrics, directions, info = [None] * len(scored), {}, {}, {}
    final = out / PREDICTIONS / f"{spec.name}.jsonl"
    atomic_write_text(final, "".join(
        json.dumps({"id": e.id, "prediction": p, "score": s, "slice": e.slice},
                   ensure_ascii=False) + "\n"
        for e, p, s in zip(scored, texts, scores, strict=True)))
    skipped = tuple(e.id for e in plan.examples if e.id in state.errors)
    elapsed = generated.wall_time_s
    return TaskRecord(
        name=spec.name, split=spec.split, title=spec.title, family=spec.family,
        metric=spec.metric, primary=spec.keys[0], n=len(scored), metrics=metrics,
        skipped=len(skipped), skipped_ids=skipped, limit=limit, wall_time_s=elapsed,
        examples_per_s=round(generated.examples / elapsed, 3) if elapsed > 0 and generated.examples else 0.0,
        predictions=f"{PREDICTIONS}/{spec.name}.jsonl", directions=directions,
        info=info, prompt=spec.prompt, data_sha256=data_sha256(plan), submission=submission,
        aggregate=spec.aggregate, spec=None if spec.path is None else str(spec.path))


def run_evaluation(engine_config: EngineConfig, run_config: RunConfig,
                   resources: Resources = NO_RESOURCES, *,
                   log: Callable[[str], None] = print) -> Run | None:
    """Evaluate `engine_config`'s checkpoint on `run_config`'s tasks and write (or complete) the
    run directory; `resources` are the adapters' run-time resources (the mask decoder defaults to
    vae-oid.npz beside the checkpoint).

    Several processes (engine_config's distributed settings) run the same call: each decodes its
    share of every task, process 0 gathers, scores and writes the run directory and returns the
    Run; the others return None. Every task is generated before any is scored, so no process
    waits on scoring.
    """
    if run_config.on_error not in ON_ERROR:
        raise InputError(f"--on-error must be one of {ON_ERROR}, got {run_config.on_error!r}")
    if not run_config.tasks:
        raise InputError("no task given", hint="e.g. --tasks vqav2,docvqa (`pgeval tasks` lists them)")
    init_distributed(engine_config.coordinator, engine_config.num_processes,
                     engine_config.process_id, auto=engine_config.auto_distributed)
    if jax.process_index() != 0:
        run_config, log = dataclasses.replace(run_config, progress=False), lambda _: None
    if run_config.demo:
        engine_config, run_config = _with_demo(engine_config, run_config)
    if engine_config.checkpoint is None:
        raise InputError("no checkpoint given", hint="pass --checkpoint PATH, or --demo")
    checkpoint = Path(engine_config.checkpoint)
    out = Path(run_config.out) if run_config.out else default_out(checkpoint, engine_config.res)
    lock = RunLock(out)
    try:
        return _run(engine_config, run_config, out, lock, resources.with_default_vae(checkpoint),
                    log=log)
    except KeyboardInterrupt:
        raise Interrupted(kept_summary(out)) from None
    finally:
        lock.release()


def _with_demo(engine_config: EngineConfig, run_config: RunConfig) -> tuple[EngineConfig, RunConfig]:
    """The configs of a --demo run: the bundled model and tokenizer unless others are given, and
    the demo data (written by process 0 first, then by the others where they do not share its
    disk; each write is skipped where the files are already there)."""
    from pgeval.demo import bundle

    engine_config = dataclasses.replace(
        engine_config, checkpoint=engine_config.checkpoint or bundle.demo_checkpoint(engine_config.res),
        tokenizer=engine_config.tokenizer or bundle.demo_tokenizer())
    data_dir = Path(run_config.data_dir or bundle.demo_data_dir())
    for turn in (0, 1):
        if (jax.process_index() == 0) == (turn == 0):
            bundle.prepare_demo_data(list(run_config.tasks), data_dir)
        gather_json(None)  # every process waits for the turn to end
    return engine_config, dataclasses.replace(run_config, data_dir=data_dir)


def default_out(checkpoint: Path, res: int | None) -> Path:
    """runs/<checkpoint>-<res>, at the checkpoint's own resolution unless `res` is given."""
    return Path("runs") / f"{checkpoint.stem}-{checkpoint_config(checkpoint, res).vision.image_size}"


def on_lead(action: Callable[[], Any]) -> Any:
    """Run `action` on process 0 alone and give every process its (JSON) result; an InputError it
    raises is raised on every process, so none waits for a process 0 that stopped."""
    mine = None
    if jax.process_index() == 0:
        try:
            mine = {"value": action()}
        except InputError as e:
            mine = {"error": str(e)}
    state = from_process_zero(mine)
    if "error" in state:
        raise InputError(state["error"])
    return state["value"]


def kept_summary(out: Path) -> str:
    """What an interrupted run leaves in its directory, in one line."""
    if jax.process_index() != 0:
        return f"process 0 keeps what was finished in {out}"
    finished = list(load_run(out).tasks) if (out / RESULTS).is_file() else []
    partial = {p.name.removesuffix(PARTIAL): len(read_progress(p).done)
               for p in sorted((out / PREDICTIONS).glob(f"*{PARTIAL}"))}
    parts = [f"{name} finished" for name in finished if name not in partial]
    parts += [f"{name} {n} predictions" for name, n in partial.items()]
    return f"kept in {out}: {', '.join(parts) or 'nothing finished yet'}"


def _run(engine_config: EngineConfig, run_config: RunConfig, out: Path, lock: RunLock,
         resources: Resources, *, log: Callable[[str], None]) -> Run | None:
    """run_evaluation's work: plan and check the tasks, take the run directory's lock (process 0),
    load the model, generate every task, then score them."""
    lead = jax.process_index() == 0
    checkpoint, dtype, limit = Path(engine_config.checkpoint), engine_config.dtype, run_config.limit
    data_dir = Path(run_config.data_dir) if run_config.data_dir else default_data_dir()
    tasks = list(run_config.tasks)
    plans = plan_tasks(tasks, data_dir, limit=limit, catalog=run_config.catalog,
                       splits=parse_splits(run_config.splits, tasks))
    check_same_data(plans)
    if run_config.on_error == "fail":
        check_images(plans)
    needs_vae = [p.spec.name for p in plans if "vae" in ADAPTERS.get(p.spec.adapter).resources]
    if needs_vae and resources.vae is None:
        raise InputError(f"{', '.join(needs_vae)} decode masks with big_vision's vae-oid.npz, "
                         "which was not found", hint="pass --vae path/to/vae-oid.npz, or put it "
                         "beside the checkpoint")
    on_lead(lock.acquire)
    engine = load_engine(engine_config)
    if run_config.demo:
        log(f"demo: the bundled {checkpoint.name} on synthetic data in {data_dir}")
    records: dict[str, TaskRecord] = {}

    def read_run_directory() -> dict[str, Any]:
        records.update(_check_same_run(out, checkpoint, engine.res, dtype))
        return _resume_state(out, records, plans, limit)

    state = on_lead(read_run_directory)
    if lead:
        (out / PREDICTIONS).mkdir(parents=True, exist_ok=True)
        hasher = _Hasher(engine.checkpoint_files)
        hasher.start()
        header = {"pgeval_version": __version__, "jax_version": jax.__version__,
                  "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                  "model": model_info(engine.config, checkpoint,
                                      checkpoint_format=engine.checkpoint_format,
                                      files=engine.checkpoint_files, dtype=dtype,
                                      demo=run_config.demo),
                  "runtime": runtime_info(engine, engine_config.batch_size)}
    generated: dict[str, Generated] = {}
    for plan in plans:
        name = plan.spec.name
        if name in state["kept"]:
            log(f"{name}: already done in {out}, kept")
            continue
        log(f"{name}: {len(plan.examples)} examples ({plan.spec.split})")
        writer = ProgressWriter(partial_path(out, name)) if lead else None
        try:
            generated[name] = generate_task(engine, plan, set(state["done"][name]), writer=writer,
                                            on_error=run_config.on_error,
                                            progress=run_config.progress)
        finally:
            if writer is not None:
                writer.close()
    shutdown()
    if not lead:
        return None
    for plan in plans:
        name = plan.spec.name
        if name in generated:
            records[name] = score_task(plan, out, generated[name], limit=limit, resources=resources)
            write_results(out, header, records)
        partial_path(out, name).unlink(missing_ok=True)
    header["model"]["sha256"] = hasher.result()
    write_results(out, header, records)
    return load_run(out)


def evaluate(engine_config: EngineConfig, run_config: RunConfig,
             resources: Resources = NO_RESOURCES) -> pd.DataFrame:
    """Run `pgeval run` and return its metrics: one row per task and metric key (on process 0;
    the other processes of a multi-process run get an empty frame)."""
    run = run_evaluation(engine_config, run_config, resources)
    rows = [{"task": name, "split": t.split, "metric": key, "value": value, "n": t.n,
             "skipped": t.skipped}
            for name, t in (run.tasks.items() if run else ()) if name in run_config.tasks
            for key, value in t.metrics.items()]
    return pd.DataFrame(rows, columns=["task", "split", "metric", "value", "n", "skipped"])
