"""A run directory and every file in it: the lock, the partial predictions a running task
appends to, the final predictions and submission files, results.json (its header and task
records), and what a rerun may reuse of them: only what the same model and the same task recipe
produced (pgeval.run.recipe), checked against the files before anything is reused."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax

from pgeval import __version__
from pgeval.errors import InputError
from pgeval.io import atomic_write_text, file_sha256
from pgeval.run.generation import GenerationStats
from pgeval.run.lock import RunLock
from pgeval.run.partial import Progress, ProgressWriter, read_progress
from pgeval.run.plan import TaskPlan
from pgeval.run.recipe import check_recipe, differences, recipe_sha256
from pgeval.runs import (
    PREDICTIONS,
    RESULTS,
    Run,
    TaskRecord,
    load_run,
    read_example_scores,
    reported_matches,
    write_results,
)
from pgeval.scoring.score import TaskResult, score_json
from pgeval.scoring.submissions import submission_entries, submission_name, write_submission

PARTIAL = ".partial.jsonl"  # the suffix of a task's predictions while it runs (partial_path)
# what a resumed run must share with the one it resumes (results.json has one "model")
SAME_MODEL = ("checkpoint", "base", "sha256", "res", "dtype")


class RunDirectory:
    """The folder `pgeval run` writes (or resumes); one process writes it, holding its lock."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = RunLock(self.path)
        self._header: dict[str, Any] = {}
        self._kept_ids: dict[str, set[str]] = {}

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

    def writer(self, task: str, recipe: Mapping[str, Any]) -> ProgressWriter:
        """Appends to the task's partial file, which starts with the recipe when new."""
        return ProgressWriter(self.partial_path(task), _head(recipe))

    def recorded(self, model: Mapping[str, Any]) -> dict[str, TaskRecord]:
        """The tasks a previous run in this directory recorded; a run of another checkpoint,
        resolution or dtype than `model` (results.json's "model") is an error."""
        if not (self.path / RESULTS).is_file():
            return {}
        previous = load_run(self.path)
        # a results.json of an older pgeval may lack the digests (they came at the run's end)
        same = [k for k in SAME_MODEL if k != "sha256" or previous.model.get(k)]
        differ = differences({k: previous.model.get(k) for k in same},
                             {k: model.get(k) for k in same})
        if differ:
            raise InputError("this folder holds a run of another model: " + "; ".join(differ),
                             path=str(self.path / RESULTS),
                             hint="pass another --out, or delete the folder")
        return dict(previous.tasks)

    def resume_state(self, records: dict[str, TaskRecord], plans: Sequence[TaskPlan],
                     recipes: Mapping[str, Mapping[str, Any]], limit: int | None,
                     overwrite: Sequence[str] = ()) -> dict[str, Any]:
        """What a rerun keeps (JSON, for every process): the tasks whose record holds exactly
        this run's examples, made by the same recipe ("kept"), and for the others the ids whose
        predictions the same recipe already made ("done"; those of a finished task with another
        limit are copied into its partial file). The tasks in `overwrite` lose their record and
        files first ("overwritten"). Anything made another way, or not made by pgeval, is an
        error naming it."""
        kept, done, reuse = [], {}, {}
        for plan in plans:  # every check first: a refusal leaves the directory as it was
            name, recipe = plan.spec.name, recipes[plan.spec.name]
            if name in overwrite:
                continue
            progress = self.progress(name)
            if progress.done:
                check_recipe(progress.recipe, recipe, task=name, what="its partial predictions",
                             where=str(self.partial_path(name)))
            elif progress.recipe not in (None, recipe):
                self.partial_path(name).unlink()  # a head of another recipe, and nothing else
            record, finished = records.get(name), None
            if record is None:
                self._check_unrecorded(name, progress)
            else:
                finished = self._finished(record, plan, recipe)
            if record and finished is not None and record.limit == limit and \
                    set(finished) | set(record.skipped_ids) == {e.id for e in plan.examples}:
                kept.append(name)
                self._kept_ids[name] = set(finished) | set(record.skipped_ids)
                continue
            reuse[name] = {i: p for i, p in (finished or {}).items() if i not in progress.done}
            done[name] = sorted(progress.done | set(reuse[name]))
        for name, predictions in reuse.items():
            if predictions:
                writer = self.writer(name, recipes[name])
                try:
                    writer.predictions(predictions.items())
                finally:
                    writer.close()
        overwritten = [p.spec.name for p in plans if p.spec.name in overwrite]
        for name in overwritten:
            self._forget(name, records)
            done[name] = []
        return {"kept": kept, "done": done, "overwritten": overwritten}

    def _forget(self, task: str, records: dict[str, TaskRecord]) -> None:
        """--overwrite TASK: its record, predictions and partial file go."""
        records.pop(task, None)
        self.partial_path(task).unlink(missing_ok=True)
        (self.path / self.predictions_name(task)).unlink(missing_ok=True)

    def _finished(self, record: TaskRecord, plan: TaskPlan,
                  recipe: Mapping[str, Any]) -> dict[str, str] | None:
        """The predictions of a recorded task by id (None when its predictions file is gone),
        once its record is checked: the same recipe, and the predictions file it names, with
        the number of examples and the primary value it records."""
        name, results = record.name, str(self.path / RESULTS)
        check_recipe(record.recipe, recipe, task=name, where=results, what="its record")
        hint = f"restore what pgeval wrote, or pass --overwrite {name} to run {name} again"
        if record.recipe_sha256 != recipe_sha256(record.recipe or {}):
            raise InputError(f"task {name}: the recipe was edited after pgeval recorded it "
                             "(its recipe_sha256 differs)", path=results, hint=hint)
        path = self.path / (record.predictions or self.predictions_name(name))
        if not path.is_file():
            return None
        if file_sha256(path) != record.predictions_sha256:
            raise InputError(f"task {name}: this is not the predictions file results.json "
                             "recorded (its sha256 differs)", path=str(path), hint=hint)
        scores = list(read_example_scores(path))
        if len(scores) != record.n:
            raise InputError(f"task {name}: n is {record.n}, but its predictions file holds "
                             f"{len(scores)} examples ({record.predictions})", path=results, hint=hint)
        value = record.metrics.get(record.primary)
        if plan.spec.adapter_class().additive and value is not None:
            ok, mean = reported_matches(scores, value, record.aggregate or "pooled")
            if not ok:
                raise InputError(f"task {name}: {record.primary} is {value}, but the scores of its "
                                 f"predictions ({record.predictions}) give {mean:.2f}",
                                 path=results, hint=hint)
        return {s.id: s.prediction for s in scores}

    def _check_unrecorded(self, task: str, progress: Progress) -> None:
        """A task results.json does not record must have no predictions file, unless pgeval
        wrote it from the partial file before a kill stopped it recording the task."""
        path = self.path / self.predictions_name(task)
        if not path.is_file():
            return
        try:
            ours = all(progress.predictions.get(s.id) == s.prediction
                       for s in read_example_scores(path))
        except InputError:
            ours = False
        if not ours:
            raise InputError(f"task {task}: pgeval did not write this file (results.json does not "
                             "record the task), and would replace it", path=str(path),
                             hint=f"move it away, pass another --out, or --overwrite {task} to "
                                  "replace it")

    def begin(self, model: dict[str, Any], runtime: dict[str, Any]) -> None:
        """Start writing: the predictions folder, and the header every results.json of this run
        carries (versions, time, model, runtime)."""
        (self.path / PREDICTIONS).mkdir(parents=True, exist_ok=True)
        self._header = {"pgeval_version": __version__, "jax_version": jax.__version__,
                        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        "model": model, "runtime": runtime}

    def save_task(self, plan: TaskPlan, result: TaskResult, generated: GenerationStats, *,
                  limit: int | None, recipe: Mapping[str, Any]) -> TaskRecord:
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
        text = "".join(
            json.dumps({"id": i, "prediction": p, **score_json(s, result.unscored),
                        "slice": slices[i]},
                       ensure_ascii=False, allow_nan=False) + "\n"
            for i, p, s in zip(result.ids, result.predictions, result.per_example, strict=True))
        atomic_write_text(self.path / self.predictions_name(spec.name), text)
        elapsed = generated.wall_time_s
        return TaskRecord(
            name=spec.name, split=spec.split, title=spec.title, family=spec.family,
            metric=spec.metric, primary=spec.keys[0], n=result.n, metrics=result.metrics,
            skipped=len(result.skipped), skipped_ids=result.skipped, limit=limit,
            wall_time_s=elapsed,
            examples_per_s=round(generated.examples / elapsed, 3) if elapsed > 0 and generated.examples
            else 0.0,
            predictions=self.predictions_name(spec.name), directions=result.directions,
            info=result.info, prompt=spec.prompt, data_sha256=dict(recipe["data_sha256"]),
            submission=submission, aggregate=spec.aggregate,
            spec=None if spec.path is None else str(spec.path), source=plan.provenance,
            recipe=dict(recipe),
            recipe_sha256=recipe_sha256(recipe),
            predictions_sha256=hashlib.sha256(text.encode()).hexdigest())

    def drop_partial(self, task: str, recorded: Sequence[str] | None = None) -> None:
        """Remove a task's partial file once results.json records the task (its `recorded`
        ids; by default those of the record a rerun kept), unless it holds predictions of
        other examples (those beyond a smaller --limit), which a later run may reuse."""
        ids = self._kept_ids.get(task, set()) if recorded is None else set(recorded)
        if self.progress(task).done <= ids:
            self.partial_path(task).unlink(missing_ok=True)

    def write_results(self, records: Mapping[str, TaskRecord]) -> Path:
        """results.json: the header and the task records."""
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


def _head(recipe: Mapping[str, Any]) -> dict[str, Any]:
    """The first line of a partial predictions file."""
    return {"recipe": dict(recipe), "recipe_sha256": recipe_sha256(recipe)}
