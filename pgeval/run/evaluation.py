"""`pgeval run` and `pgeval.evaluate`: run a checkpoint on tasks, score them, write a run directory.

Each task's predictions are appended as batches finish; rerunning the same command with the same
output folder skips finished tasks and finished examples, so a crash costs at most a batch.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jaxlib
import pandas as pd

from pgeval.config import ON_ERROR, EngineConfig, RunConfig
from pgeval.engine.distributed import from_process_zero, gather_json, init_distributed, shutdown
from pgeval.engine.loading import load_engine
from pgeval.engine.runner import Engine
from pgeval.engine.sharding import spans_processes
from pgeval.errors import InputError, Interrupted
from pgeval.io import file_sha256
from pgeval.model.info import model_info
from pgeval.model.loading import checkpoint_config
from pgeval.model.locate import Located, locate
from pgeval.remote import is_url, local_copy
from pgeval.resources import NO_RESOURCES, Resources
from pgeval.run.directory import RunDirectory
from pgeval.run.generation import GenerationStats, check_same_data, generate_task
from pgeval.run.hashing import data_sha256, sha256_files
from pgeval.run.plan import check_images, default_data_dir, parse_splits, plan_tasks
from pgeval.run.recipe import task_recipe
from pgeval.run.task import score_task
from pgeval.runs import Run, TaskRecord
from pgeval.tasks import TaskCatalog


def runtime_info(engine: Engine, batch_size: int) -> dict[str, Any]:
    """How the run ran: what a reader needs to tell two runs apart (their results must not
    differ by it)."""
    return {"mesh": dict(engine.mesh.shape), "device_kind": jax.devices()[0].device_kind,
            "num_devices": engine.mesh.devices.size, "num_processes": jax.process_count(),
            "mesh_spans_processes": spans_processes(engine.mesh), "batch_size": batch_size,
            "jaxlib_version": jaxlib.__version__}


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
    found = locate(engine_config.checkpoint, base=engine_config.base)
    directory = RunDirectory(run_config.out or default_out(found, engine_config.res))
    try:
        return _run(engine_config, run_config, directory, found,
                    resources.with_default_vae(found.folders[-1]), log=log)
    except KeyboardInterrupt:
        raise Interrupted(directory.kept_summary() if jax.process_index() == 0
                          else f"process 0 keeps what was finished in {directory.path}") from None
    finally:
        directory.release()


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
            bundle.prepare_demo_data(list(run_config.tasks), data_dir,
                                     "--data-dir" if run_config.data_dir else "PGEVAL_DEMO_DATA")
        gather_json(None)  # every process waits for the turn to end
    return engine_config, dataclasses.replace(run_config, data_dir=data_dir)


def default_out(found: Located, res: int | None) -> Path:
    """runs/<checkpoint name>-<res>, at the checkpoint's own resolution unless `res` is given."""
    name = re.sub(r"[^\w.-]+", "_", found.name).strip("_") or "model"
    return Path("runs") / f"{name}-{checkpoint_config(found, res).vision.image_size}"


def local_data_dir(run_config: RunConfig, tasks: list[str]) -> Path:
    """--data-dir on local disk: a folder as it is, or the tasks' folders under a URL copied into
    the cache (default: $PGEVAL_DATA, else ~/.cache/pgeval/data)."""
    data_dir = run_config.data_dir
    if data_dir is None:
        return default_data_dir()
    if not is_url(str(data_dir)):
        return Path(data_dir)
    catalog = run_config.catalog or TaskCatalog.load()
    return local_copy(str(data_dir), sorted({catalog.get(name).data_dir for name in tasks}))


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


def _run(engine_config: EngineConfig, run_config: RunConfig, directory: RunDirectory,
         found: Located, resources: Resources, *, log: Callable[[str], None]) -> Run | None:
    """run_evaluation's work: plan and check the tasks, take the run directory's lock (process 0),
    load the model, generate every task, then score them."""
    lead = jax.process_index() == 0
    limit = run_config.limit
    tasks = list(run_config.tasks)
    data_dir = local_data_dir(run_config, tasks)
    source = run_config.source or ("files" if run_config.data_dir else "auto")
    plans = plan_tasks(tasks, data_dir, limit=limit, catalog=run_config.catalog,
                       splits=parse_splits(run_config.splits, tasks), source=source,
                       allow_outside_data_dir=run_config.allow_outside_data_dir,
                       resources=resources)
    unknown = [t for t in run_config.overwrite if t not in tasks]
    if unknown:
        raise InputError(f"--overwrite names {', '.join(unknown)}, which --tasks does not",
                         hint="--overwrite takes tasks of this run")
    check_same_data(plans)
    if run_config.on_error == "fail":
        check_images(plans)
    needs_vae = [p.spec.name for p in plans if "vae" in p.spec.adapter_class().resources]
    if needs_vae and resources.vae is None:
        raise InputError(f"{', '.join(needs_vae)} decode masks with big_vision's vae-oid.npz, "
                         "which was not found", hint="pass --vae path/to/vae-oid.npz, or put it "
                         "beside the checkpoint")
    checkpoint_config(found, engine_config.res)  # the checkpoint and --res, before the lock
    on_lead(directory.lock)
    engine = load_engine(engine_config, found)
    if run_config.demo:
        log(f"demo: the bundled {found.path.name} on synthetic data in {data_dir}")
    model = model_info(engine.config, engine.checkpoint_record,
                       checkpoint_format=engine.checkpoint_format, files=engine.checkpoint_files,
                       dtype=engine_config.dtype, demo=run_config.demo)
    model["tokenizer"] = str(Path(engine.tokenizer.path).resolve())  # what reports count tokens with
    records: dict[str, TaskRecord] = {}
    recipes: dict[str, dict[str, Any]] = {}

    def read_run_directory() -> dict[str, Any]:
        model["sha256"] = sha256_files(engine.checkpoint_files)
        identity = {"checkpoint_sha256": model["sha256"],
                    "tokenizer_sha256": file_sha256(Path(engine.tokenizer.path)),
                    "res": model["res"], "dtype": model["dtype"]}
        recipes.update({p.spec.name: task_recipe(p, identity, data_sha256(p), resources)
                        for p in plans})
        records.update(directory.recorded(model))
        return directory.resume_state(records, plans, recipes, limit, run_config.overwrite)

    state = on_lead(read_run_directory)
    if lead:
        directory.begin(model, {**runtime_info(engine, engine_config.batch_size),
                                "data_dir": str(data_dir.resolve())})
        if state["overwritten"]:
            directory.write_results(records)
    generated: dict[str, GenerationStats] = {}
    for plan in plans:
        name = plan.spec.name
        if name in state["kept"]:
            log(f"{name}: already done in {directory.path}, kept")
            continue
        reused = len(set(state["done"][name]) & {e.id for e in plan.examples})
        log(f"{name}: {len(plan.examples)} examples ({plan.spec.split})"
            + (f", {reused} already done in {directory.path}" if reused else ""))
        writer = directory.writer(name, recipes[name]) if lead else None
        try:
            generated[name] = generate_task(engine, plan, set(state["done"][name]), writer=writer,
                                            on_error=run_config.on_error,
                                            progress_bar=run_config.progress)
        finally:
            if writer is not None:
                writer.close()
    shutdown()
    if not lead:
        return None
    for plan in plans:
        name = plan.spec.name
        if name in generated:
            result = score_task(plan, directory.progress(name), resources=resources,
                                where=directory.partial_path(name))
            records[name] = directory.save_task(plan, result, generated[name], limit=limit,
                                                recipe=recipes[name])
            directory.write_results(records)
            directory.drop_partial(name, [*result.ids, *result.skipped])
        else:
            directory.drop_partial(name)
    directory.write_results(records)
    return directory.load()


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
