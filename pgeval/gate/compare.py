"""`pgeval gate`: does a run regress against a baseline? Deltas per task and metric, paired bootstrap
intervals where per-example scores allow, and a pass/fail decision for CI pipelines.

A metric fails when its delta (current − baseline, in the card's points) is below −max_drop or,
without a max_drop, when the upper bound of its interval at level 1 − alpha is below 0. Keys
without an interval (no per-example scores, or a metric that is not a mean of them, e.g. POPE F1)
can only fail by max_drop. Metrics where lower is better (results.json's `directions`: the
segmentation invalid share, toxicity rates) fail the other way round, when they rise; descriptive
keys (POPE's yes-ratio, a toxicity scorer's coverage) are shown but never fail.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from pgeval.errors import InputError
from pgeval.gate.stats import (
    Paired,
    detect_aggregate,
    pair_examples,
    paired_interval,
    reported_matches,
    weights_for_key,
)
from pgeval.runs import Run, TaskRecord

Verdict = Literal["ok", "drop", "significant drop", "rise", "significant rise", "not graded",
                  "not compared"]
FAILING: tuple[Verdict, ...] = ("drop", "significant drop", "rise", "significant rise")


@dataclass(frozen=True)
class GateRow:
    """One task and metric key. delta = current − baseline; the interval and n_paired are those of
    the paired per-example differences (None when the key has no interval)."""

    task: str
    metric: str
    baseline: float | None
    current: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    n_paired: int | None
    verdict: Verdict
    paired_delta: float | None = None
    statistic: str | None = None
    direction: str = "higher"

    @property
    def failed(self) -> bool:
        return self.verdict in FAILING


@dataclass(frozen=True)
class GateReport:
    """Rows of a comparison, the decision rule it used, and notes on what could not be paired."""

    baseline: str
    current: str
    alpha: float
    max_drop: float | None
    rows: list[GateRow]
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[GateRow]:
        return [r for r in self.rows if r.failed]

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    @property
    def rule(self) -> str:
        if self.max_drop is not None:
            return (f"a metric fails when it drops by more than {self.max_drop:g} points "
                    f"(rises, where lower is better)")
        return (f"a metric fails when its whole {level(self.alpha)} paired bootstrap interval "
                f"is below 0 (significant drop at alpha={self.alpha:g}; above 0 where lower is better)")

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline, "current": self.current, "alpha": self.alpha,
            "max_drop": self.max_drop, "rule": self.rule, "failed": self.failed,
            "n_failed": len(self.failures),
            "rows": [{k: _finite_or_none(v) for k, v in dataclasses.asdict(r).items()} | {"failed": r.failed}
                     for r in self.rows],
            "notes": self.notes,
        }


def _finite_or_none(value: object) -> object:
    """NaN and infinities are not JSON: they print as null."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def level(alpha: float) -> str:
    return f"{100 * (1 - alpha):g}%"


def _metrics(record: TaskRecord) -> dict[str, float]:
    """The task's metrics as floats (load_run checked that each is a finite number)."""
    return {k: float(v) for k, v in record.metrics.items()}


def _not_compared(task: str, keys: Sequence[str], b: dict[str, float], c: dict[str, float]) -> list[GateRow]:
    return [GateRow(task, k, b.get(k), c.get(k), None, None, None, None, "not compared") for k in keys]


def _verdict(delta: float, ci_low: float | None, ci_high: float | None, max_drop: float | None,
             direction: str) -> Verdict:
    """Worse means lower for a higher-is-better metric and higher for a lower-is-better one."""
    if direction == "neither":
        return "not graded"
    lower_is_better = direction == "lower"
    if max_drop is not None:
        worse = delta > max_drop if lower_is_better else delta < -max_drop
        return ("rise" if lower_is_better else "drop") if worse else "ok"
    if ci_low is None or ci_high is None:
        return "ok"
    if lower_is_better:
        return "significant rise" if ci_low > 0 else "ok"
    return "significant drop" if ci_high < 0 else "ok"


def _pair(task: str, baseline: Run, current: Run, notes: list[str]) -> tuple[Paired, str] | None:
    """Paired per-example scores of a task and its aggregate ("pooled" | "slice_mean"), or None."""
    b_rec, c_rec = baseline.tasks[task], current.tasks[task]
    if b_rec.primary != c_rec.primary:
        notes.append(f"{task}: the primary metric differs ({b_rec.primary!r} vs {c_rec.primary!r}); "
                     f"no intervals")
        return None
    b_scores, c_scores = baseline.example_scores(task), current.example_scores(task)
    if not b_scores or not c_scores:
        missing = " and ".join(name for name, s in (("baseline", b_scores), ("current", c_scores))
                               if not s)
        notes.append(f"{task}: no per-example scores in the {missing} run; deltas without intervals")
        return None
    where = (str(baseline.directory / (b_rec.predictions or "")),
             str(current.directory / (c_rec.predictions or "")))
    paired = pair_examples(b_scores, c_scores, where=where)
    if not paired.ids:
        raise InputError(f"task {task!r}: no example id is scored in both runs",
                         path=where[1], hint="were both runs made on the same split and data?")
    if paired.only_baseline or paired.only_current or paired.not_finite:
        parts = [f"{paired.only_baseline} baseline and {paired.only_current} current examples "
                 f"have no partner"]
        if paired.not_finite:
            parts.append(f"{paired.not_finite} common examples have no finite score")
        notes.append(f"{task}: {'; '.join(parts)}; intervals use the {len(paired.ids)} paired examples")
    reported = b_rec.metrics.get(b_rec.primary)
    if reported is None:
        return paired, "pooled"
    # results.json says since pgeval.run/2; older runs' scores tell which mean they reproduce
    aggregate = b_rec.aggregate or detect_aggregate(b_scores, reported)
    for name, run_scores, record in (("baseline", b_scores, b_rec), ("current", c_scores, c_rec)):
        value = record.metrics.get(record.primary)
        if value is None:
            continue
        ok, mean = reported_matches(run_scores, value, aggregate)
        if not ok:
            notes.append(f"{task}: the {name} per-example scores average {mean:.2f}, not the reported "
                         f"{record.primary} {value:.2f}; intervals are of the per-example mean")
    return paired, aggregate


def _source_words(source: dict[str, Any]) -> str:
    """A task's recorded data source in words: the official files, or a Hub copy at a commit."""
    if source.get("kind") != "hub":
        return "the official files"
    return f"the Hub copy {source.get('repo')}@{str(source.get('commit'))[:12]}"


def _compare_task(task: str, baseline: Run, current: Run, *, max_drop: float | None, alpha: float,
                  n_resamples: int, seed: int, notes: list[str]) -> list[GateRow]:
    b_rec, c_rec = baseline.tasks[task], current.tasks[task]
    b, c = _metrics(b_rec), _metrics(c_rec)
    keys = [*b, *(k for k in c if k not in b)]
    if b_rec.split != c_rec.split:
        notes.append(f"{task}: split {b_rec.split!r} in the baseline but {c_rec.split!r} in the "
                     f"current run; not compared")
        return _not_compared(task, keys, b, c)
    if b_rec.source != c_rec.source:
        notes.append(f"{task}: data from {_source_words(b_rec.source)} in the baseline but "
                     f"{_source_words(c_rec.source)} in the current run; compared on the examples "
                     "both scored")
    pairing = _pair(task, baseline, current, notes)
    known = {s for s in pairing[0].slices if s is not None} if pairing else set()
    rows = []
    for key in keys:
        if key not in b or key not in c or not math.isfinite(b[key] + c[key]):
            rows += _not_compared(task, [key], b, c)
            continue
        delta = c[key] - b[key]
        point = low = high = n = statistic = None
        if pairing:
            paired, aggregate = pairing
            weighting = weights_for_key(key, b_rec.primary, paired, aggregate, known)
            if weighting is not None and np.any(weighting[0] > 0):
                weights, statistic = weighting
                n = int(np.count_nonzero(weights))
                point, low, high = paired_interval(paired.baseline, paired.current, weights,
                                                   alpha=alpha, n_resamples=n_resamples, seed=seed)
        direction = c_rec.directions.get(key, b_rec.direction(key))  # the newer run's word first
        rows.append(GateRow(task, key, b[key], c[key], delta, low, high, n,
                            _verdict(delta, low, high, max_drop, direction), point, statistic,
                            direction))
    return rows


def compare(baseline: Run, current: Run, *, max_drop: float | None, alpha: float,
            n_resamples: int = 10_000, seed: int = 0) -> GateReport:
    """Compare every task and metric key two runs share; raise InputError when nothing is
    comparable (no task or metric in common, ids that never overlap, or, without max_drop, no
    interval at all, since then the gate could not fail)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if max_drop is not None and (max_drop < 0 or not math.isfinite(max_drop)):
        raise ValueError(f"max_drop must be a finite number >= 0, got {max_drop}")
    common = [t for t in baseline.tasks if t in current.tasks]
    if not common:
        raise InputError("no task in common with the baseline", path=str(current.path),
                         hint=f"baseline tasks: {', '.join(baseline.tasks) or 'none'}; "
                              f"current tasks: {', '.join(current.tasks) or 'none'}")
    rows: list[GateRow] = []
    notes: list[str] = []
    for task in [*baseline.tasks, *(t for t in current.tasks if t not in baseline.tasks)]:
        if task in common:
            rows += _compare_task(task, baseline, current, max_drop=max_drop, alpha=alpha,
                                  n_resamples=n_resamples, seed=seed, notes=notes)
            continue
        side, run = ("baseline", baseline) if task in baseline.tasks else ("current", current)
        notes.append(f"{task}: only in the {side} run; not compared")
        metrics = _metrics(run.tasks[task])
        b, c = (metrics, {}) if side == "baseline" else ({}, metrics)
        rows += _not_compared(task, list(metrics), b, c)
    if not any(r.delta is not None for r in rows):
        raise InputError("no metric in common with the baseline (same tasks, no shared metric "
                         "key or split)", path=str(current.path))
    if max_drop is None and not any(r.ci_high is not None for r in rows):
        raise InputError("no per-example scores to test a drop for significance",
                         path=str(current.path),
                         hint="keep predictions/ beside both results.json files, or pass --max-drop")
    return GateReport(str(baseline.path), str(current.path), alpha, max_drop, rows, notes)
