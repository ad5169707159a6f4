"""Run directories made by hand for the diagnostics tests: one task, the predictions and scores
a test chooses, and the model, prompt and split it names."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pgeval.runs import PREDICTIONS, Run, TaskRecord, load_run, write_results
from pgeval.tasks import load_tasks

TASKS = load_tasks()


def hand_run(directory: Path, task: str, lines: Sequence[tuple[str, str, float]], *,
             name: str = "paligemma-3b-pt-224", res: int = 224, family: str = "paligemma",
             prompt: str | None = None, split: str | None = None, demo: bool = False,
             slices: Sequence[str | None] | None = None) -> Run:
    """A run of `task` whose predictions file holds `lines` = (id, prediction, score)."""
    spec = TASKS[task]
    (directory / PREDICTIONS).mkdir(parents=True, exist_ok=True)
    rel = f"{PREDICTIONS}/{task}.jsonl"
    slices = slices or [None] * len(lines)
    (directory / rel).write_text("".join(
        json.dumps({"id": i, "prediction": p, "score": s, "slice": sl}) + "\n"
        for (i, p, s), sl in zip(lines, slices, strict=True)), encoding="utf-8")
    mean = sum(s for _, _, s in lines) / len(lines)
    record = TaskRecord(name=task, split=split or spec.split, title=spec.title, family=spec.family,
                        metric=spec.metric, primary=spec.keys[0], n=len(lines),
                        metrics={spec.keys[0]: mean}, predictions=rel,
                        prompt=spec.prompt if prompt is None else prompt, aggregate="pooled")
    header = {"model": {"checkpoint": f"/nowhere/{name}.npz", "name": name, "family": family,
                        "size": "3b", "res": res, "dtype": "float32", "demo": demo},
              "runtime": {}}
    write_results(directory, header, {task: record})
    return load_run(directory)
