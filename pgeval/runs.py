"""Run directories, the unit of record: `results.json`, `predictions/<task>.jsonl`, `model_card.md`.

results.json (schema "pgeval.run/3"):

    {"schema": "pgeval.run/3", "pgeval_version", "jax_version", "created" (UTC ISO time),
     "model": {"checkpoint" (absolute local path), "name" (file or folder name, a Hub repo's
               name, or "adapter (base)"), "format", "sha256": {file name: hex digest},
               "source": {"kind": "path"} | {"kind": "hub", "repo", "revision", "commit"} |
                         {"kind": "kaggle", "handle", "version"} | {"kind": "url", "url"},
               "base" (a LoRA adapter's base: {"name", "checkpoint", "source"}),
               "family" ("paligemma" | "paligemma2"),
               "size" ("3b" | "10b" | "28b" | null), "res", "dtype", "demo" (bool),
               "tokenizer" (absolute path)},
     "runtime": {"mesh": {"data", "model"}, "device_kind", "num_devices", "num_processes",
                 "mesh_spans_processes", "batch_size", "jaxlib_version",
                 "data_dir" (absolute path of the data folder)},
     "tasks": {task: {"split", "title", "family", "metric" (display name), "primary" (metric key
               of the per-example scores), "n" (scored examples), "skipped" (count),
               "skipped_ids", "limit", "metrics": {key: value on the card's scale},
               "wall_time_s", "examples_per_s", "predictions" (path relative to the run dir),
               "directions": {key: "lower" | "neither"} (keys that do not improve upwards; absent
               keys are higher-is-better), "info": {the adapter's notes, e.g. "scorer"},
               "prompt" (the task's prompt template), "data_sha256": {annotation file: digest},
               "submission" (a split without answers: the path of the submission file written
               for the benchmark's server, relative to the run dir; "metrics" is then empty),
               "source": {"kind": "files"} or {"kind": "hub", "repo", "revision", "commit"}
               (data_sha256 then holds the digests of the copy's parquet files),
               "aggregate", "spec" (since /2), "recipe" (what made the predictions and scores,
               see pgeval.run.recipe), "recipe_sha256", "predictions_sha256" (since /3)}}}

predictions/<task>.jsonl: one {"id", "prediction", "score", "slice"} per scored example, where
"score" is the example's value of the task's primary metric ("slice" may be null). JSON has no
NaN: an example the metric gives no value has "score": null and "unscored" saying why.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgeval.errors import InputError
from pgeval.io import atomic_write_text, read_json, read_jsonl

# /2 records each task's aggregate and spec file, /3 its recipe and the digest of its predictions;
# /1 and /2 directories still load (a rerun does not reuse their tasks: see pgeval.run.recipe).
SCHEMA = "pgeval.run/3"
READABLE_SCHEMAS = ("pgeval.run/1", "pgeval.run/2", SCHEMA)
RESULTS = "results.json"
PREDICTIONS = "predictions"
MODEL_CARD = "model_card.md"


@dataclass(frozen=True)
class ExampleScore:
    id: str
    prediction: str
    score: float
    slice: str | None = None


@dataclass(frozen=True)
class TaskRecord:
    """One task's entry of results.json, with its per-example scores when they are on disk."""

    name: str
    split: str
    title: str
    family: str
    metric: str
    primary: str
    n: int
    metrics: dict[str, float]
    skipped: int = 0
    skipped_ids: tuple[str, ...] = ()
    limit: int | None = None
    wall_time_s: float = 0.0
    examples_per_s: float = 0.0
    predictions: str | None = None
    directions: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    prompt: str = ""
    data_sha256: dict[str, str] = field(default_factory=dict)
    submission: str | None = None  # a split without answers: its server file, not scored
    # how the primary value pools per-example scores ("pooled" or "slice_mean"; None in a
    # pgeval.run/1 directory) and the spec file the task was run with
    aggregate: str | None = None
    spec: str | None = None
    # where the examples came from: {"kind": "files"}, or {"kind": "hub", "repo", "revision",
    # "commit"} (a directory written before the Hub source existed read the official files)
    source: dict[str, Any] = field(default_factory=lambda: {"kind": "files"})
    # what made the predictions and scores (pgeval.run.recipe), and the predictions file's
    # sha256 (None before pgeval.run/3)
    recipe: dict[str, Any] | None = None
    recipe_sha256: str | None = None
    predictions_sha256: str | None = None

    def value(self, key: str) -> float | None:
        """The metric `key` as a number, None when the run has none: not measured, or NaN (a
        metric the run could not compute; the gate leaves it uncompared)."""
        value = self.metrics.get(key)
        return float(value) if value is not None and math.isfinite(value) else None

    def direction(self, key: str) -> str:
        """"higher", "lower" or "neither": which way the metric `key` improves."""
        return self.directions.get(key, "higher")

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "name"}
        out["skipped_ids"] = list(self.skipped_ids)
        return out


@dataclass(frozen=True)
class Run:
    """A loaded run directory (or a bare results.json)."""

    path: Path
    model: dict[str, Any]
    runtime: dict[str, Any]
    tasks: dict[str, TaskRecord]
    pgeval_version: str = ""
    jax_version: str = ""
    created: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def directory(self) -> Path:
        return self.path if self.path.is_dir() else self.path.parent

    def example_scores(self, task: str) -> list[ExampleScore] | None:
        """Per-example scores of a task, or None when its predictions file is not there (or the
        task was submitted, not scored)."""
        record = self.tasks[task]
        if not record.predictions or record.submission:
            return None
        path = self.directory / record.predictions
        if not path.is_file():
            return None
        return list(read_example_scores(path))


def read_example_scores(path: Path) -> Iterator[ExampleScore]:
    """The lines of a predictions file; a null score (an unscored example) reads as NaN."""
    for lineno, r in read_jsonl(path):
        try:
            score = math.nan if r["score"] is None else float(r["score"])
            yield ExampleScore(str(r["id"]), r["prediction"], score, r.get("slice"))
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"not a scored prediction line ({e})", path=str(path),
                             line=lineno) from None


def write_results(directory: Path, header: Mapping[str, Any], tasks: Mapping[str, TaskRecord]) -> Path:
    data = {"schema": SCHEMA, **header, "tasks": {k: v.to_json() for k, v in tasks.items()}}
    path = directory / RESULTS
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    return path


HAND_EDITED = ("pgeval writes this file itself: rerun the task, or restore the file (was it "
               "edited by hand?)")


def _check_metrics(task: str, metrics: Any, results: Path) -> None:
    """Every report and the gate read metrics through here, under one rule: each value is a JSON
    number, not a string such as "48.6" (NaN, a metric that could not be computed, is a number
    that reports show as missing: TaskRecord.value)."""
    if not isinstance(metrics, dict):
        raise InputError(f"task {task!r}: 'metrics' must be a JSON object, got {metrics!r:.40}",
                         path=str(results), hint=HAND_EDITED)
    for key, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"task {task!r}: metric {key!r} is {json.dumps(value)[:40]}, not a "
                             "number", path=str(results), hint=HAND_EDITED)


def _check_model(model: dict[str, Any], results: Path) -> None:
    """The model fields reports use: `res`, a resolution in pixels (or null)."""
    res = model.get("res")
    if res is not None and (isinstance(res, bool) or not isinstance(res, int) or res < 1):
        raise InputError(f"model.res is {json.dumps(res)[:40]}, not a resolution in pixels",
                         path=str(results), hint=HAND_EDITED)


def load_run(path: str | Path) -> Run:
    """Read a run directory, or a results.json file, written by `pgeval run`."""
    path = Path(path)
    results = path / RESULTS if path.is_dir() else path
    if not results.is_file():
        raise InputError("no results.json here: not a pgeval run directory", path=str(path))
    data = read_json(results)
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema not in READABLE_SCHEMAS:
        raise InputError(f"unknown results schema {schema!r}, expected one of "
                         f"{', '.join(READABLE_SCHEMAS)}", path=str(results))
    for key in ("tasks", "model", "runtime"):
        if not isinstance(data.get(key, {}), dict):
            raise InputError(f"{key!r} must be a JSON object, got {type(data[key]).__name__}",
                             path=str(results))
    _check_model(data.get("model", {}), results)
    tasks = {}
    for name, t in data.get("tasks", {}).items():
        if not isinstance(t, dict):
            raise InputError(f"task {name!r}: its record must be a JSON object, got {t!r:.40}",
                             path=str(results))
        _check_metrics(name, t.get("metrics", {}), results)
        try:
            tasks[name] = TaskRecord(name=name, **{**t, "skipped_ids": tuple(t.get("skipped_ids", ()))})
        except TypeError as e:
            raise InputError(f"task {name!r}: {e}", path=str(results)) from None
    return Run(path=path if path.is_dir() else results, model=data.get("model", {}),
               runtime=data.get("runtime", {}), tasks=tasks,
               pgeval_version=data.get("pgeval_version", ""),
               jax_version=data.get("jax_version", ""), created=data.get("created", ""))


def slice_mean(scores: Sequence[float], slices: Sequence[str | None]) -> float:
    """Mean over the (non-null) slices of each slice's mean score."""
    groups: dict[str, list[float]] = {}
    for v, s in zip(scores, slices, strict=True):
        if s is not None:
            groups.setdefault(s, []).append(v)
    return math.fsum(math.fsum(g) / len(g) for g in groups.values()) / len(groups)


def reported_matches(scores: Sequence[ExampleScore], reported: float, aggregate: str,
                     tol: float = 0.05) -> tuple[bool, float]:
    """Whether the per-example scores reproduce the reported primary value (within tol points)."""
    scores = [s for s in scores if math.isfinite(s.score)]
    if not scores:
        return False, math.nan
    values = [s.score for s in scores]
    if aggregate == "slice_mean":
        mean = slice_mean(values, [s.slice for s in scores])
    else:
        mean = math.fsum(values) / len(values)
    return abs(mean - reported) <= tol, mean
