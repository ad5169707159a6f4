"""One planned task, generated and scored in memory: `run_task(engine, plan)`, and
`score_task`, the scoring of what a task's generation finished (the run directory's partial
file, or memory). Neither reads or writes a file of the run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pgeval.engine.runner import Engine
from pgeval.errors import InputError
from pgeval.resources import NO_RESOURCES, Resources
from pgeval.run.generation import generate_task
from pgeval.run.partial import Progress, ProgressRecorder
from pgeval.run.plan import TaskPlan
from pgeval.scoring.score import TaskResult, score_predictions


def score_task(plan: TaskPlan, progress: Progress, *, resources: Resources = NO_RESOURCES,
               where: Path | None = None) -> TaskResult:
    """Score the plan's examples that `progress` holds predictions for (on a split without
    answers: record them unscored); the ones it holds errors for are `skipped`. `where` is the
    file the progress was read from, named when no example could be run."""
    spec = plan.spec
    scored = [e for e in plan.examples if e.id in progress.predictions]
    if not scored:
        raise InputError(f"task {spec.name}: no example could be run",
                         path=None if where is None else str(where))
    texts = [progress.predictions[e.id] for e in scored]
    skipped = tuple(e.id for e in plan.examples if e.id in progress.errors)
    if plan.source.answered(spec.split):
        result = score_predictions(spec, scored, texts, resources=resources)
        return dataclasses.replace(result, skipped=skipped)
    return TaskResult(task=spec.name, split=spec.split, metrics={}, ids=[e.id for e in scored],
                      predictions=texts, per_example=[None] * len(scored), skipped=skipped,
                      answered=False, unscored="the split has no answers: the benchmark's server "
                                               "scores it")


def run_task(engine: Engine, plan: TaskPlan, *, resources: Resources = NO_RESOURCES,
             on_error: str = "fail", progress_bar: bool = False) -> TaskResult:
    """Generate every example of the plan (on this process alone, or with the others of a
    multi-process run, all calling it) and score the predictions. With on_error "skip", an
    unreadable input is left out and listed in `skipped`."""
    recorder = ProgressRecorder()
    generate_task(engine, plan, set(), writer=recorder, on_error=on_error, progress_bar=progress_bar)
    return score_task(plan, recorder.progress, resources=resources)
