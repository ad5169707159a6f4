"""Scoring a split: the task's data source, its adapter, per-slice metrics, and result records.

`score_predictions` is the pure core (strings in, numbers out); `score_file` is the I/O edge that
`pgeval score` calls.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgeval.data import Example
from pgeval.errors import InputError
from pgeval.io import atomic_write_text, output_folder
from pgeval.resources import NO_RESOURCES, Resources
from pgeval.scoring.examples import load_examples
from pgeval.scoring.predictions import align_predictions, read_predictions
from pgeval.tasks import TaskSpec


@dataclass(frozen=True)
class TaskResult:
    """One task's scores on one split. `directions` names the metric keys that do not improve
    upwards ("lower" or "neither", see Adapter.direction); `info` is the adapter's account of
    how it scored (Scored.info). A run's task also lists the examples that could not run
    (`skipped`, their ids); on a split without answers it is not `answered`: no metrics, and
    None for every example's score."""

    task: str
    split: str
    metrics: dict[str, float]
    ids: list[str]
    predictions: list[str]
    per_example: list[float | None]
    directions: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()
    answered: bool = True
    unscored: str = ""  # why an example's score can be missing (Adapter.unscored)

    @property
    def n(self) -> int:
        return len(self.ids)

    def summary(self) -> dict[str, Any]:
        """{task, split, n, metrics}, and the adapter's `info` when it gave any."""
        out = {"task": self.task, "split": self.split, "n": self.n, "metrics": self.metrics}
        return out | ({"info": self.info} if self.info else {})


def score_json(score: float | None, unscored: str) -> dict[str, Any]:
    """An example's "score" in a predictions file: a number, or null with why (JSON has no NaN)."""
    if score is None or not math.isfinite(score):
        return {"score": None, "unscored": unscored}
    return {"score": score}


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return math.fsum(values) / len(values)


def score_predictions(
    spec: TaskSpec,
    examples: Sequence[Example],
    predictions: Sequence[str],
    split: str | None = None,
    resources: Resources = NO_RESOURCES,
) -> TaskResult:
    """Score predictions aligned with examples (with the spec's adapter),
    with per-slice metrics and the task's aggregate. A metric without a value on these
    predictions (POPE's precision when no answer is "yes") is left out and named in
    info["undefined"]: JSON has no NaN."""
    if len(predictions) != len(examples) or not examples:
        raise ValueError("need one prediction per example, and at least one example")
    adapter = spec.make_adapter(resources)
    slices = sorted({e.slice for e in examples if e.slice is not None})
    per_example: list[float] = [math.nan] * len(examples)
    metrics: dict[str, float] = {}
    info: dict[str, Any] = {}
    if not slices or adapter.additive or spec.aggregate == "pooled":
        overall = adapter.score(predictions, examples)
        metrics.update(overall.metrics)
        per_example = list(overall.per_example)
        info = overall.info
    slice_metrics: dict[str, dict[str, float]] = {}
    for s in slices:
        idx = [i for i, e in enumerate(examples) if e.slice == s]
        if adapter.additive:
            slice_metrics[s] = {adapter.primary: _mean(per_example[i] for i in idx)}
            continue
        sub = adapter.score([predictions[i] for i in idx], [examples[i] for i in idx])
        slice_metrics[s] = sub.metrics
        info = info or sub.info
        for i, value in zip(idx, sub.per_example, strict=True):
            per_example[i] = value
    for s, values in slice_metrics.items():
        metrics.update({f"{k}:{s}": v for k, v in values.items()})
    if slices and spec.aggregate == "slice_mean":
        for key in slice_metrics[slices[0]]:
            metrics[key] = _mean(slice_metrics[s][key] for s in slices)
            for excluded in spec.mean_excluding:
                kept = [s for s in slices if s != excluded]
                if kept:
                    metrics[f"{key}:mean_excluding_{excluded}"] = _mean(
                        slice_metrics[s][key] for s in kept
                    )
    undefined = [k for k, v in metrics.items() if not math.isfinite(v)]
    if undefined:
        metrics = {k: v for k, v in metrics.items() if k not in undefined}
        info = {**info, "undefined": undefined}
    return TaskResult(
        task=spec.name,
        split=split or spec.split,
        metrics=metrics,
        ids=[e.id for e in examples],
        predictions=list(predictions),
        per_example=per_example,
        directions={k: d for k in metrics if (d := adapter.direction(k)) != "higher"},
        info=info,
        unscored=adapter.unscored,
    )


def score_file(
    spec: TaskSpec, predictions_path: str | Path, data_dir: str | Path, split: str | None = None,
    resources: Resources = NO_RESOURCES,
) -> TaskResult:
    """Score a predictions file (official submission JSON or pgeval JSONL) against the split."""
    examples = load_examples(spec, data_dir, split)
    if not spec.data_source().answered(split or spec.split):
        raise InputError(f"task {spec.name}: split {split or spec.split!r} has no answers (only "
                         "its questions), so there is nothing to score it against",
                         path=str(predictions_path),
                         hint=f"the benchmark's server scores it: `pgeval run --tasks {spec.name} "
                              f"--split {split or spec.split}` writes the server's submission file")
    located = read_predictions(predictions_path, spec.data_source().submission)
    texts = align_predictions(located, examples, predictions_path)
    return score_predictions(spec, examples, texts, split, resources)


def write_per_example(result: TaskResult, out_dir: str | Path) -> Path:
    """Write `<out_dir>/<task>.<split>.jsonl`: id, prediction and score per example (null, with
    why, where the metric gives the example none)."""
    out_dir = output_folder(out_dir, "--out")
    path = out_dir / f"{result.task}.{result.split}.jsonl"
    atomic_write_text(path, "".join(
        json.dumps({"id": i, "prediction": p, **score_json(s, result.unscored)}, ensure_ascii=False,
                   allow_nan=False) + "\n"
        for i, p, s in zip(result.ids, result.predictions, result.per_example, strict=True)))
    return path
