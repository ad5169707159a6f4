"""`pgeval gate`: does a run regress against a baseline? Deltas per task and metric, paired bootstrap
intervals where per-example scores allow, and a pass/fail decision for CI pipelines.

Every rule judges the examples both runs scored (paired by id): a metric fails when its paired
delta (current − baseline over the paired examples, in the card's points) is below −max_drop or,
without a max_drop, when the upper bound of its interval at level 1 − alpha is below 0. A key that
is not a mean of per-example scores (POPE's F1), or whose runs' per-example scores do not
reproduce their values, has no paired delta: it is judged by max_drop on the two runs' values
when both scored the same examples, and not compared when they did not (without per-example
scores at all, the values are compared as they are, with a note).
A task of the baseline that the current run lacks fails the gate unless `allow_missing`.
Metrics where lower is better (results.json's `directions`: the
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
    weights_for_key,
)
from pgeval.runs import Run, TaskRecord, reported_matches

Verdict = Literal["ok", "drop", "significant drop", "rise", "significant rise", "not graded",
                  "not compared", "missing"]
FAILING: tuple[Verdict, ...] = ("drop", "significant drop", "rise", "significant rise", "missing")


@dataclass(frozen=True)
class GateRow:
    """One task and metric key. delta = current − baseline of the two runs' values; paired_delta,
    the interval and n_paired are those of the paired per-example differences (None when the key
    has no interval); `judged` is the delta the verdict was made on: the paired one where the
    per-example scores reproduce the runs' values. "missing": a baseline task the current run
    lacks."""

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
    on_pairs: bool = False  # judged on paired_delta (else on delta)

    @property
    def failed(self) -> bool:
        return self.verdict in FAILING

    @property
    def judged(self) -> float | None:
        return self.paired_delta if self.on_pairs else self.delta


@dataclass(frozen=True)
class Pairing:
    """How many examples of a task both runs scored, and how many only one did."""

    paired: int
    only_baseline: int
    only_current: int
    not_finite: int = 0

    @property
    def same_examples(self) -> bool:
        return not (self.only_baseline or self.only_current or self.not_finite)


@dataclass(frozen=True)
class GateReport:
    """Rows of a comparison, the decision rule it used, and notes on what could not be paired."""

    baseline: str
    current: str
    alpha: float
    max_drop: float | None
    rows: list[GateRow]
    notes: list[str] = field(default_factory=list)
    pairing: dict[str, Pairing] = field(default_factory=dict)

    @property
    def failures(self) -> list[GateRow]:
        return [r for r in self.rows if r.failed]

    @property
    def missing(self) -> list[str]:
        """Baseline tasks the current run lacks (which fail the gate)."""
        return list(dict.fromkeys(r.task for r in self.rows if r.verdict == "missing"))

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    @property
    def rule(self) -> str:
        if self.max_drop is not None:
            return (f"a metric fails when it drops by more than {self.max_drop:g} points on the "
                    f"paired examples (rises, where lower is better)")
        return (f"a metric fails when its whole {level(self.alpha)} paired bootstrap interval "
                f"is below 0 (significant drop at alpha={self.alpha:g}; above 0 where lower is better)")

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline, "current": self.current, "alpha": self.alpha,
            "max_drop": self.max_drop, "rule": self.rule, "failed": self.failed,
            "n_failed": len(self.failures),
            "rows": [{k: _finite_or_none(v) for k, v in dataclasses.asdict(r).items()} | {"failed": r.failed}
                     for r in self.rows],
            "pairing": {t: dataclasses.asdict(p) for t, p in self.pairing.items()},
            "missing": self.missing,
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


def _pair(task: str, baseline: Run, current: Run, notes: list[str],
          pairing: dict[str, Pairing]) -> tuple[Paired, str, bool] | None:
    """Paired per-example scores of a task, its aggregate ("pooled" | "slice_mean") and whether
    both runs' scores reproduce their reported primary values (only then is a paired delta the
    metric's own), or None."""
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
    pairing[task] = Pairing(len(paired.ids), paired.only_baseline, paired.only_current,
                            paired.not_finite)
    if not pairing[task].same_examples:
        parts = [f"{paired.only_baseline} baseline and {paired.only_current} current examples "
                 f"have no partner"]
        if paired.not_finite:
            parts.append(f"{paired.not_finite} common examples have no finite score")
        notes.append(f"{task}: {'; '.join(parts)}; every rule judges the {len(paired.ids)} "
                     "paired examples")
    reported = b_rec.metrics.get(b_rec.primary)
    if reported is None:
        return paired, "pooled", True
    # results.json says since pgeval.run/2; older runs' scores tell which mean they reproduce
    aggregate = b_rec.aggregate or detect_aggregate(b_scores, reported)
    faithful = True
    for name, run_scores, record in (("baseline", b_scores, b_rec), ("current", c_scores, c_rec)):
        value = record.metrics.get(record.primary)
        if value is None:
            continue
        ok, mean = reported_matches(run_scores, value, aggregate)
        if not ok:
            faithful = False
            notes.append(f"{task}: the {name} per-example scores average {mean:.2f}, not the reported "
                         f"{record.primary} {value:.2f}; intervals are of the per-example mean")
    return paired, aggregate, faithful


def _source_words(source: dict[str, Any]) -> str:
    """A task's recorded data source in words: the official files, or a Hub copy at a commit."""
    if source.get("kind") != "hub":
        return "the official files"
    return f"the Hub copy {source.get('repo')}@{str(source.get('commit'))[:12]}"


def _compare_task(task: str, baseline: Run, current: Run, *, max_drop: float | None, alpha: float,
                  n_resamples: int, seed: int, notes: list[str],
                  pairing: dict[str, Pairing]) -> list[GateRow]:
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
    paired_task = _pair(task, baseline, current, notes, pairing)
    known = {s for s in paired_task[0].slices if s is not None} if paired_task else set()
    same = task not in pairing or pairing[task].same_examples
    unpaired, faithful = [], True
    rows = []
    for key in keys:
        if key not in b or key not in c or not math.isfinite(b[key] + c[key]):
            rows += _not_compared(task, [key], b, c)
            continue
        delta = c[key] - b[key]
        point = low = high = n = statistic = None
        if paired_task:
            paired, aggregate, faithful = paired_task
            weighting = weights_for_key(key, b_rec.primary, paired, aggregate, known)
            if weighting is not None and np.any(weighting[0] > 0):
                weights, statistic = weighting
                n = int(np.count_nonzero(weights))
                point, low, high = paired_interval(paired.baseline, paired.current, weights,
                                                   alpha=alpha, n_resamples=n_resamples, seed=seed)
        direction = c_rec.directions.get(key, b_rec.direction(key))  # the newer run's word first
        on_pairs = point is not None and faithful
        if not on_pairs and not same:
            unpaired.append(key)
            rows += _not_compared(task, [key], b, c)
            continue
        rows.append(GateRow(task, key, b[key], c[key], delta, low, high, n,
                            _verdict(point if on_pairs else delta, low, high, max_drop, direction),
                            point, statistic, direction, on_pairs))
    if unpaired:
        notes.append(f"{task}: {', '.join(unpaired)} not compared: not a mean of the per-example "
                     "scores, so not computable on the paired examples alone")
    return rows


def compare(baseline: Run, current: Run, *, max_drop: float | None, alpha: float,
            n_resamples: int = 10_000, seed: int = 0, allow_missing: bool = False) -> GateReport:
    """Compare every task and metric key two runs share; a baseline task the current run lacks
    fails ("missing") unless `allow_missing`. Raise InputError when nothing is comparable (no
    task or metric in common, ids that never overlap, or, without max_drop, no interval at all,
    since then the gate could not fail)."""
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
    pairing: dict[str, Pairing] = {}
    for task in [*baseline.tasks, *(t for t in current.tasks if t not in baseline.tasks)]:
        if task in common:
            rows += _compare_task(task, baseline, current, max_drop=max_drop, alpha=alpha,
                                  n_resamples=n_resamples, seed=seed, notes=notes, pairing=pairing)
            continue
        side, run = ("baseline", baseline) if task in baseline.tasks else ("current", current)
        metrics = _metrics(run.tasks[task])
        b, c = (metrics, {}) if side == "baseline" else ({}, metrics)
        if side == "baseline" and not allow_missing:
            notes.append(f"{task}: in the baseline, missing from the current run (pass "
                         "--allow-missing when that is intended)")
            rows += [GateRow(task, k, v, None, None, None, None, None, "missing") for k, v in b.items()]
            continue
        notes.append(f"{task}: only in the {side} run; not compared")
        rows += _not_compared(task, list(metrics), b, c)
    if not any(r.delta is not None for r in rows):
        raise InputError("no metric in common with the baseline (same tasks, no shared metric "
                         "key or split)", path=str(current.path))
    if max_drop is None and not any(r.ci_high is not None for r in rows):
        raise InputError("no per-example scores to test a drop for significance",
                         path=str(current.path),
                         hint="keep predictions/ beside both results.json files, or pass --max-drop")
    return GateReport(str(baseline.path), str(current.path), alpha, max_drop, rows, notes, pairing)
