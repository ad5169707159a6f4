"""`pgeval run` and `pgeval.evaluate`: run a checkpoint on tasks, score them, write a run directory.

Each task's predictions are appended as batches finish; rerunning the same command with the same
output folder skips finished tasks and finished examples, so a crash costs at most a batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import jaxlib
import pandas as pd

from pgeval import __version__
from pgeval.adapters import ADAPTERS
from pgeval.engine.distributed import from_process_zero, gather_json, init_distributed, shutdown
from pgeval.engine.runner import Engine
from pgeval.engine.sharding import spans_processes
from pgeval.errors import InputError, Interrupted
from pgeval.generation import Generated, check_same_data, generate_task
from pgeval.inference import load_engine
from pgeval.model.loading import checkpoint_config
from pgeval.partial import ProgressWriter, read_progress
from pgeval.run_lock import RunLock
from pgeval.run_plan import TaskPlan, check_images, default_data_dir, parse_splits, plan_tasks
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
from pgeval.scoring import make_source, score_predictions
from pgeval.submissions import submission_entries, submission_name, write_submission
from pgeval.tasks import TaskCatalog, TaskSpec

ON_ERROR = ("fail", "skip")
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


def model_info(engine: Engine, checkpoint: Path, dtype: str, demo: bool) -> dict[str, Any]:
    """What results.json records of the model; the files' sha256 are added once computed."""
    return {"checkpoint": str(checkpoint.resolve()), "name": checkpoint.stem,
            "format": engine.checkpoint_format,
            "files": [p.name for p in engine.checkpoint_files], "sha256": {},
            "family": engine.config.family, "size": engine.config.size,
            "res": engine.res, "dtype": dtype, "demo": demo}


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


def default_vae(checkpoint: Path) -> Path | None:
    """big_vision's mask decoder file when it sits beside the checkpoint."""
    candidate = (checkpoint if checkpoint.is_dir() else checkpoint.parent) / "vae-oid.npz"
    return candidate if candidate.is_file() else None


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
               resources: dict[str, Any] | None = None) -> TaskRecord:
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


def _prepare_demo_data(tasks: Sequence[str], data_dir: Path) -> Path:
    """The demo data, written by process 0 first, then by the others where they do not share its
    disk (each write is skipped where the files are already there)."""
    from pgeval.demo import bundle

    for turn in (0, 1):
        if (jax.process_index() == 0) == (turn == 0):
            bundle.prepare_demo_data(list(tasks), data_dir)
        gather_json(None)  # every process waits for the turn to end
    return data_dir


def run_evaluation(
    checkpoint: str | Path | None, tasks: Sequence[str], *, res: int | None = None,
    tokenizer: str | Path | None = None, data_dir: str | Path | None = None,
    out: str | Path | None = None, limit: int | None = None, splits: str | None = None,
    batch_size: int = 8,
    mesh: str | None = None, dtype: str = "float32", on_error: str = "fail",
    tasks_dirs: Sequence[str | Path] = (), progress: bool = True, demo: bool = False,
    vae: str | Path | None = None, toxicity_scorer: Any = None,
    entailment_judge: Any = None, radgraph_scorer: Any = None,
    coordinator: str | None = None, num_processes: int | None = None,
    process_id: int | None = None, auto_distributed: bool = False,
    log: Callable[[str], None] = print,
) -> Run | None:
    """Evaluate `checkpoint` on `tasks` and write (or complete) the run directory.

    `splits` is `--split`: one split for every task, or "task=split" pairs.

    `demo` evaluates the bundled demo model (when no checkpoint is given) on the demo data
    (written on first use to `data_dir`, default ~/.cache/pgeval/demo-data).

    `vae` is the segmentation mask decoder (default: vae-oid.npz beside the checkpoint);
    `toxicity_scorer` overrides the fairness task's scorer (a name like "perspective" or
    "file:scores.jsonl", or a scorer object); `entailment_judge` (docci) and `radgraph_scorer`
    (mimic_cxr) likewise give the judges those tasks' model-based metrics need.

    Several processes (`coordinator`, `num_processes`, `process_id`, JAX's variables, or with
    `auto_distributed` the cluster JAX detects) run the same call: each decodes its share of every
    task, process 0 gathers, scores and writes the run directory and returns the Run; the others
    return None. Every task is generated before any is scored, so no process waits on scoring.
    """
    if on_error not in ON_ERROR:
        raise InputError(f"--on-error must be one of {ON_ERROR}, got {on_error!r}")
    if not tasks:
        raise InputError("no task given", hint="e.g. --tasks vqav2,docvqa (`pgeval tasks` lists them)")
    init_distributed(coordinator, num_processes, process_id, auto=auto_distributed)
    if jax.process_index() != 0:
        progress, log = False, lambda _: None
    if demo:
        from pgeval.demo import bundle

        checkpoint = checkpoint or bundle.demo_checkpoint(res)
        tokenizer = tokenizer or bundle.demo_tokenizer()
        data_dir = _prepare_demo_data(tasks, Path(data_dir or bundle.demo_data_dir()))
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    if checkpoint is None:
        raise InputError("no checkpoint given", hint="pass --checkpoint PATH, or --demo")
    checkpoint = Path(checkpoint)
    out = Path(out) if out else default_out(checkpoint, res)
    lock = RunLock(out)
    try:
        return _run(
            checkpoint, list(tasks), out, lock, res=res, tokenizer=tokenizer, data_dir=data_dir,
            limit=limit, splits=splits, batch_size=batch_size, mesh=mesh, dtype=dtype,
            on_error=on_error, tasks_dirs=tasks_dirs, progress=progress, demo=demo,
            resources={"vae": vae or default_vae(checkpoint), "toxicity_scorer": toxicity_scorer,
                       "entailment_judge": entailment_judge, "radgraph_scorer": radgraph_scorer},
            log=log)
    except KeyboardInterrupt:
        raise Interrupted(kept_summary(out)) from None
    finally:
        lock.release()


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


def _run(checkpoint: Path, tasks: list[str], out: Path, lock: RunLock, *, res: int | None,
         tokenizer: str | Path | None, data_dir: Path, limit: int | None, splits: str | None,
         batch_size: int, mesh: str | None, dtype: str, on_error: str,
         tasks_dirs: Sequence[str | Path], progress: bool, demo: bool, resources: dict[str, Any],
         log: Callable[[str], None]) -> Run | None:
    """run_evaluation's work: plan and check the tasks, take the run directory's lock (process 0),
    load the model, generate every task, then score them."""
    lead = jax.process_index() == 0
    catalog = TaskCatalog.load(tasks_dirs)
    plans = plan_tasks(tasks, data_dir, limit=limit, catalog=catalog,
                       splits=parse_splits(splits, tasks))
    check_same_data(plans)
    if on_error == "fail":
        check_images(plans)
    needs_vae = [p.spec.name for p in plans if "vae" in ADAPTERS.get(p.spec.adapter).resources]
    if needs_vae and resources["vae"] is None:
        raise InputError(f"{', '.join(needs_vae)} decode masks with big_vision's vae-oid.npz, "
                         "which was not found", hint="pass --vae path/to/vae-oid.npz, or put it "
                         "beside the checkpoint")
    on_lead(lock.acquire)
    engine = load_engine(checkpoint, tokenizer=tokenizer, res=res, dtype=dtype,
                         batch_size=batch_size, mesh=mesh)
    if demo:
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
                  "model": model_info(engine, checkpoint, dtype, demo),
                  "runtime": runtime_info(engine, batch_size)}
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
                                            on_error=on_error, progress=progress)
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
    run = load_run(out)
    # the card lays out the specs this run used: its --tasks-dir folders', its splits
    write_model_card(run, {**catalog.specs, **{p.spec.name: p.spec for p in plans}})
    return run


def write_model_card(run: Run, tasks: Mapping[str, TaskSpec] | None = None) -> Path:
    """model_card.md: the run's `pgeval table` (against the card of its own model family), with
    the task specs `tasks` (default: the built-in ones)."""
    from pgeval.reports.cells import model_and_resolution
    from pgeval.reports.table import tables_text

    heading = f"# {'Demo: ' if run.model.get('demo') else ''}{model_and_resolution(run)}"
    path = run.directory / MODEL_CARD
    atomic_write_text(path, f"{heading}\n\n{tables_text([run], 'md', tasks=tasks)}\n")
    return path


def evaluate(checkpoint: str | Path, tasks: Sequence[str], res: int | None = None,
             **options: Any) -> pd.DataFrame:
    """Run `pgeval run` and return its metrics: one row per task and metric key (on process 0;
    the other processes of a multi-process run get an empty frame)."""
    run = run_evaluation(checkpoint, tasks, res=res, **options)
    rows = [{"task": name, "split": t.split, "metric": key, "value": value, "n": t.n,
             "skipped": t.skipped}
            for name, t in (run.tasks.items() if run else ()) if name in tasks
            for key, value in t.metrics.items()]
    return pd.DataFrame(rows, columns=["task", "split", "metric", "value", "n", "skipped"])
