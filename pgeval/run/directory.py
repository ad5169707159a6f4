"""A run directory and every file in it: the lock, the partial predictions a running task
appends to, the final predictions and submission files, results.json (its header and task
records) and the check that a rerun resumes a run of the same model."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax

from pgeval import __version__
from pgeval.errors import InputError
from pgeval.io import atomic_write_text
from pgeval.run.generation import GenerationStats
from pgeval.run.hashing import data_sha256
from pgeval.run.lock import RunLock
from pgeval.run.partial import Progress, ProgressWriter, read_progress
from pgeval.run.plan import TaskPlan
from pgeval.runs import PREDICTIONS, RESULTS, Run, TaskRecord, load_run, write_results
from pgeval.scoring.score import TaskResult
from pgeval.scoring.submissions import submission_entries, submission_name, write_submission

PARTIAL = ".partial.jsonl"  # the suffix of a task's predictions while it runs (partial_path)
# what a resumed run must share with the one it resumes
SAME_MODEL = ("checkpoint", "base", "res", "dtype")


class RunDirectory:
    """The folder `pgeval run` writes (or resumes); one process writes it, holding its lock."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = RunLock(self.path)
        self._header: dict[str, Any] = {}

    def lock(self) -> None:
        """Take the directory's lock (creating the folder), or raise naming its holder."""
        self._lock.acquire()

    def release(self) -> None:
        self._lock.release()

    def partial_path(self, task: str) -> Path:
        """Where a task's predictions are appended while it runs."""
        return self.path / PREDICTIONS / f"{task}{PARTIAL}"

    def predictions_name(self, task: str) -> str:
        """A finished task's predictions file, relative to the directory (as results.json names it)."""
        return f"{PREDICTIONS}/{task}.jsonl"

    def progress(self, task: str) -> Progress:
        return read_progress(self.partial_path(task))

    def writer(self, task: str) -> ProgressWriter:
        return ProgressWriter(self.partial_path(task))

    def recorded(self, model: Mapping[str, Any]) -> dict[str, TaskRecord]:
        """The tasks a previous run in this directory recorded; a run of another checkpoint,
        resolution or dtype than `model` (results.json's "model") is an error."""
        if not (self.path / RESULTS).is_file():
            return {}
        previous = load_run(self.path)
        if any(previous.model.get(k) != model.get(k) for k in SAME_MODEL):
            raise InputError("this folder holds a run of another checkpoint, resolution or dtype",
                             path=str(self.path), hint="pass another --out, or delete the folder")
        return dict(previous.tasks)

    def resume_state(self, records: Mapping[str, TaskRecord], plans: Sequence[TaskPlan],
                     limit: int | None) -> dict[str, Any]:
        """What a rerun keeps (JSON, for every process): the tasks already recorded with the
        same split, limit and data source ("kept") and, for the others, the ids their partial files hold."""
        kept = [p.spec.name for p in plans if (r := records.get(p.spec.name)) and r.limit == limit
                and r.split == p.spec.split and r.source == p.provenance
                and (self.path / (r.predictions or "")).is_file()]
        done = {p.spec.name: sorted(self.progress(p.spec.name).done)
                for p in plans if p.spec.name not in kept}
        return {"kept": kept, "done": done}

    def begin(self, model: dict[str, Any], runtime: dict[str, Any]) -> None:
        """Start writing: the predictions folder, and the header every results.json of this run
        carries (versions, time, model, runtime)."""
        (self.path / PREDICTIONS).mkdir(parents=True, exist_ok=True)
        self._header = {"pgeval_version": __version__, "jax_version": jax.__version__,
                        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        "model": model, "runtime": runtime}

    def save_task(self, plan: TaskPlan, result: TaskResult, generated: GenerationStats, *,
                  limit: int | None) -> TaskRecord:
        """Write a scored task's predictions file (and, for a split without answers, the
        server's submission file) and return its record. The partial file stays until
        results.json records the task (`drop_partial`), so a kill at any point loses nothing
        generated."""
        spec = plan.spec
        source = plan.source
        submission = None
        if not result.answered:
            name = submission_name(spec.name, spec.split, source.submission_file(spec.split))
            entries = submission_entries(source.submission, result.ids, result.predictions)
            submission = str(write_submission(self.path, name, entries))
        slices = {e.id: e.slice for e in plan.examples}
        atomic_write_text(self.path / self.predictions_name(spec.name), "".join(
            json.dumps({"id": i, "prediction": p, "score": s, "slice": slices[i]},
                       ensure_ascii=False) + "\n"
            for i, p, s in zip(result.ids, result.predictions, result.per_example, strict=True)))
        elapsed = generated.wall_time_s
        return TaskRecord(
            name=spec.name, split=spec.split, title=spec.title, family=spec.family,
            metric=spec.metric, primary=spec.keys[0], n=result.n, metrics=result.metrics,
            skipped=len(result.skipped), skipped_ids=result.skipped, limit=limit,
            wall_time_s=elapsed,
            examples_per_s=round(generated.examples / elapsed, 3) if elapsed > 0 and generated.examples
            else 0.0,
            predictions=self.predictions_name(spec.name), directions=result.directions,
            info=result.info, prompt=spec.prompt, data_sha256=data_sha256(plan),
            submission=submission, aggregate=spec.aggregate,
            spec=None if spec.path is None else str(spec.path), source=plan.provenance)

    def drop_partial(self, task: str) -> None:
        """Remove a task's partial file, once results.json records the task."""
        self.partial_path(task).unlink(missing_ok=True)

    def write_results(self, records: Mapping[str, TaskRecord],
                      checkpoint_sha256: Mapping[str, str] | None = None) -> Path:
        """results.json: the header and the task records (and, at the end of the run, the
        checkpoint files' digests)."""
        if checkpoint_sha256 is not None:
            self._header["model"]["sha256"] = dict(checkpoint_sha256)
        return write_results(self.path, self._header, records)

    def load(self) -> Run:
        return load_run(self.path)

    def kept_summary(self) -> str:
        """What an interrupted run leaves in the directory, in one line."""
        finished = list(load_run(self.path).tasks) if (self.path / RESULTS).is_file() else []
        partial = {p.name.removesuffix(PARTIAL): len(read_progress(p).done)
                   for p in sorted((self.path / PREDICTIONS).glob(f"*{PARTIAL}"))}
        parts = [f"{name} finished" for name in finished if name not in partial]
        parts += [f"{name} {n} predictions" for name, n in partial.items()]
        return f"kept in {self.path}: {', '.join(parts) or 'nothing finished yet'}"
