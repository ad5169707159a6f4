"""One task's rows of a report: every example of every run, paired by id as `pgeval gate`
pairs them, in the order the page first shows them.

One run: the order of its predictions file. Two or more: the first run is the baseline; an
example's change is the most negative of (run k − baseline) when some run scored it lower,
else the largest rise; examples that got worse come first (worst first), then those that got
better (most first), then the unchanged and the unpaired, in the baseline's order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pgeval.gate.stats import pair_examples
from pgeval.runs import ExampleScore, Run


@dataclass(frozen=True)
class TaskRows:
    """Columns of a task's rows: ids, slices, and per run its predictions and scores (None where
    the run has no such example); `change` per row (None: unpaired or one run); `order` the
    row indices in the first order shown."""

    ids: list[str]
    slices: list[str | None]
    predictions: list[list[str | None]]
    scores: list[list[float | None]]
    change: list[float | None]
    order: list[int]

    @property
    def changed(self) -> int:
        return sum(1 for c in self.change if c)


def _finite(score: float | None) -> float | None:
    return score if score is not None and math.isfinite(score) else None


def _change(baseline: float | None, others: Sequence[float | None]) -> float | None:
    deltas = [o - baseline for o in others if o is not None and baseline is not None]
    if not deltas:
        return None
    worst = min(deltas)
    return worst if worst < 0 else max(deltas)


def _order_key(change: float | None, index: int) -> tuple[int, float, int]:
    if change is not None and change < 0:
        return 0, change, index
    if change is not None and change > 0:
        return 1, -change, index
    return 2, 0.0, index


def task_rows(runs: Sequence[Run], task: str) -> TaskRows:
    """The rows of `task` over the runs that have it (a run without it gives empty columns)."""
    per_run: list[list[ExampleScore]] = [(run.example_scores(task) or []) if task in run.tasks
                                         else [] for run in runs]
    where = [str(run.directory / (run.tasks[task].predictions or "")) if task in run.tasks else ""
             for run in runs]
    base = next((k for k, s in enumerate(per_run) if s), 0)
    for k, scores in enumerate(per_run):
        if k != base and scores and per_run[base]:
            pair_examples(per_run[base], scores, where=(where[base], where[k]))  # checks the slices
    ids: list[str] = []
    slices: dict[str, str | None] = {}
    for scores in [per_run[base], *per_run]:
        for s in scores:
            if s.id not in slices:
                ids.append(s.id)
                slices[s.id] = s.slice
    by_id = [{s.id: s for s in scores} for scores in per_run]
    predictions = [[m[i].prediction if i in m else None for i in ids] for m in by_id]
    values = [[_finite(m[i].score) if i in m else None for i in ids] for m in by_id]
    others = [k for k in range(len(runs)) if k != base]
    change = ([_change(values[base][r], [values[k][r] for k in others]) for r in range(len(ids))]
              if others else [None] * len(ids))
    order = sorted(range(len(ids)), key=lambda r: _order_key(change[r], r))
    return TaskRows(ids, [slices[i] for i in ids], predictions, values, change, order)
