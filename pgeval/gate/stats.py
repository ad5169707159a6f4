"""Statistics of the regression gate: pairing per-example scores by id, and a paired bootstrap
confidence interval of the (weighted) mean difference current − baseline.

The weights let one statistic cover both ways a task aggregates its examples: all weights 1 is the
plain mean of per-example differences (additive metrics, a slice of one), and weights
1 / (number of slices × examples in the slice) is the mean of slice means (aggregate "slice_mean").
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pgeval.errors import InputError
from pgeval.runs import ExampleScore, slice_mean

# BCa needs a jackknife over all n examples (O(n²) work: 1 s at 5,000 examples); past this size
# the percentile interval of a mean is as good and much cheaper.
BCA_MAX_N = 5_000
# Elements of one batch of resamples, to bound memory on large tasks (VQAv2 has 214k examples).
BATCH_ELEMENTS = 2_000_000


@dataclass(frozen=True)
class Paired:
    """Examples of one task present in both runs with a finite score in each, in baseline order;
    the counts of ids in one run only, and of common ids left out for a NaN or infinite score."""

    ids: tuple[str, ...]
    baseline: np.ndarray
    current: np.ndarray
    slices: tuple[str | None, ...]
    only_baseline: int
    only_current: int
    not_finite: int = 0


def index_by_id(scores: Sequence[ExampleScore], where: str) -> dict[str, ExampleScore]:
    """Map id → example; a repeated id makes pairing ambiguous and is an input error."""
    out: dict[str, ExampleScore] = {}
    for s in scores:
        if s.id in out:
            raise InputError("id appears twice in the predictions", path=where, example_id=s.id)
        out[s.id] = s
    return out


def pair_examples(
    baseline: Sequence[ExampleScore], current: Sequence[ExampleScore], *, where: tuple[str, str]
) -> Paired:
    """Pair the examples of two runs by id (the ids present in both, in baseline order)."""
    b = index_by_id(baseline, where[0])
    c = index_by_id(current, where[1])
    common = [i for i in b if i in c]
    for i in common:
        if b[i].slice != c[i].slice:
            raise InputError(f"slice {b[i].slice!r} in the baseline but {c[i].slice!r} in the current "
                             f"run: the runs scored different data", path=where[1], example_id=i)
    ids = tuple(i for i in common if math.isfinite(b[i].score) and math.isfinite(c[i].score))
    return Paired(
        ids=ids,
        baseline=np.array([b[i].score for i in ids], dtype=np.float64),
        current=np.array([c[i].score for i in ids], dtype=np.float64),
        slices=tuple(b[i].slice for i in ids),
        only_baseline=len(b) - len(common),
        only_current=len(c) - len(common),
        not_finite=len(common) - len(ids),
    )


def slice_mean_weights(slices: Sequence[str | None], kept: set[str]) -> np.ndarray:
    """Weights making the weighted mean the mean over `kept` slices of each slice's mean."""
    counts: dict[str, int] = {}
    for s in slices:
        if s in kept:
            counts[s] = counts.get(s, 0) + 1
    return np.array([1.0 / (len(counts) * counts[s]) if s in counts else 0.0 for s in slices])


def _mean_difference(baseline: np.ndarray, current: np.ndarray, axis: int = -1) -> np.ndarray:
    """Vectorized bootstrap statistic: mean of current − baseline along `axis`."""
    return np.mean(current - baseline, axis=axis)


def _weighted_mean_difference(baseline: np.ndarray, current: np.ndarray, weights: np.ndarray,
                              axis: int = -1) -> np.ndarray:
    """Vectorized bootstrap statistic: Σ w·(current − baseline) / Σ w along `axis`."""
    return np.sum(weights * (current - baseline), axis=axis) / np.sum(weights, axis=axis)


def _seed_keyword() -> str:
    """scipy ≥ 1.15 seeds bootstrap with `rng=`; older versions with `random_state=`."""
    from scipy import stats

    return "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"


def paired_interval(
    baseline: np.ndarray,
    current: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    alpha: float,
    n_resamples: int,
    seed: int,
) -> tuple[float, float, float]:
    """(point, low, high): the weighted mean difference and its paired bootstrap interval at
    level 1 − alpha. BCa up to BCA_MAX_N examples, else (or when BCa is undefined) percentile;
    differences that are all equal give the point itself as the interval."""
    from scipy import stats  # imported here: the CLI starts without scipy's import cost

    w = np.ones_like(baseline) if weights is None else np.asarray(weights, dtype=np.float64)
    keep = w > 0
    b, c, w = baseline[keep], current[keep], w[keep]
    if len(b) == 0:
        raise ValueError("no example to compare")
    d = c - b
    point = float(_weighted_mean_difference(b, c, w))
    if len(b) < 2 or np.ptp(d) == 0:
        return point, point, point
    # Equal weights (a pooled mean, a slice) need not be resampled: a third of the work saved.
    data, statistic = ((b, c), _mean_difference) if np.ptp(w) == 0 else ((b, c, w),
                                                                         _weighted_mean_difference)
    batch = max(1, min(n_resamples, BATCH_ELEMENTS // len(b)))
    kwargs = {_seed_keyword(): np.random.default_rng(seed)}
    methods = ["BCa", "percentile"] if len(b) <= BCA_MAX_N else ["percentile"]
    low = high = math.nan
    for method in methods:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            result = stats.bootstrap(
                data, statistic, paired=True, vectorized=True, axis=-1,
                n_resamples=n_resamples, batch=batch, confidence_level=1 - alpha, method=method,
                **kwargs,
            )
        low, high = (float(x) for x in result.confidence_interval)
        if math.isfinite(low) and math.isfinite(high):
            break
        kwargs = {_seed_keyword(): np.random.default_rng(seed)}
    return point, low, high


def weights_for_key(
    key: str, primary: str, paired: Paired, aggregate: str, known_slices: set[str]
) -> tuple[np.ndarray, str] | None:
    """Weights over the paired examples for a metric key, and what the statistic is; None when the
    key is not the primary metric, one of its slices, or a mean of its slices."""
    if key == primary:
        if aggregate == "slice_mean":
            return slice_mean_weights(paired.slices, known_slices), "mean of slice means"
        return np.ones(len(paired.ids)), "mean"
    if not key.startswith(primary + ":"):
        return None
    part = key[len(primary) + 1:]
    if part in known_slices:
        return np.array([1.0 if s == part else 0.0 for s in paired.slices]), "mean"
    excluded = part.removeprefix("mean_excluding_")
    if part.startswith("mean_excluding_") and excluded in known_slices:
        return slice_mean_weights(paired.slices, known_slices - {excluded}), "mean of slice means"
    return None


def detect_aggregate(scores: Sequence[ExampleScore], reported: float) -> str:
    """"pooled" or "slice_mean": which mean of a run's per-example scores its primary value is."""
    scores = [s for s in scores if math.isfinite(s.score)]
    slices = [s.slice for s in scores]
    values = [s.score for s in scores]
    if not values or not any(s is not None for s in slices):
        return "pooled"
    pooled = math.fsum(values) / len(values)
    by_slice = slice_mean(values, slices)
    return "slice_mean" if abs(by_slice - reported) < abs(pooled - reported) else "pooled"
