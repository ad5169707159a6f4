"""Synthetic run directories for the report tests: results.json through `write_results` and a
predictions/<task>.jsonl beside it, with metric values the tests choose."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from pgeval.runs import PREDICTIONS, Run, TaskRecord, load_run, write_results
from pgeval.tasks import load_tasks

TASKS = load_tasks()


def make_run(directory: Path, name: str, res: int, results: Mapping[str, Mapping[str, float]], *,
             family: str = "paligemma", size: str | None = "3b", demo: bool = False,
             splits: Mapping[str, str] | None = None) -> Run:
    """Write a run of checkpoint `name` at `res` with `results` = {task: {metric key: value}}
    (split: the task's own unless `splits` names another) and load it back."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / PREDICTIONS).mkdir(exist_ok=True)
    records = {}
    for task, metrics in results.items():
        spec = TASKS[task]
        rel = f"{PREDICTIONS}/{task}.jsonl"
        primary = spec.keys[0]
        lines = [{"id": f"{task}-{i}", "prediction": "yes", "score": metrics.get(primary, 0.0) / 100,
                  "slice": None} for i in range(3)]
        (directory / rel).write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
        records[task] = TaskRecord(
            name=task, split=(splits or {}).get(task, spec.split), title=spec.title, family=spec.family,
            metric=spec.metric, primary=primary, n=len(lines), metrics=dict(metrics), predictions=rel)
    header = {"pgeval_version": "0.1.0", "jax_version": "0.5.0", "created": "2025-01-01T00:00:00Z",
              "model": {"checkpoint": f"/ckpt/{name}.npz", "name": name, "format": "npz", "sha256": {},
                        "family": family, "size": size, "res": res, "dtype": "float32", "demo": demo},
              "runtime": {"mesh": {"data": 1, "model": 1}, "device_kind": "cpu", "num_devices": 1,
                          "num_processes": 1}}
    write_results(directory, header, records)
    return load_run(directory)


# Values chosen so every delta and ranking below is easy to check by hand.
PT224 = {
    "coco_captions": {"cider": 140.00, "bleu4": 40.0, "rouge_l": 60.0},
    "vqav2": {"accuracy": 80.00, "accuracy:yes/no": 90.0, "accuracy:number": 60.0, "accuracy:other": 70.0},
    "pope": {"accuracy:random": 88.00, "accuracy:popular": 86.50, "accuracy:adversarial": 85.00,
             "accuracy": 86.50, "f1": 85.0, "precision": 90.0, "recall": 80.0, "yes_ratio": 45.0},
    "chartqa": {"relaxed_accuracy": 55.00, "relaxed_accuracy:human": 40.00,
                "relaxed_accuracy:augmented": 70.00},
    "tallyqa": {"accuracy:simple": 80.00, "accuracy:complex": 70.00, "accuracy": 76.00},
}
PT448 = {
    "coco_captions": {"cider": 145.00, "bleu4": 41.0, "rouge_l": 61.0},
    "vqav2": {"accuracy": 85.00, "accuracy:yes/no": 92.0, "accuracy:number": 65.0, "accuracy:other": 75.0},
    "pope": {"accuracy:random": 88.00, "accuracy:popular": 87.00, "accuracy:adversarial": 86.00,
             "accuracy": 87.00, "f1": 86.0, "precision": 91.0, "recall": 81.0, "yes_ratio": 46.0},
    "chartqa": {"relaxed_accuracy": 70.00, "relaxed_accuracy:human": 55.00,
                "relaxed_accuracy:augmented": 85.00},
}
DEMO = {"vqav2": {"accuracy": 10.00}, "pope": {"accuracy:random": 50.00}}


def three_runs(root: Path) -> list[Run]:
    """pt_224 at 224 (five tasks), pt_448 at 448 (four tasks, no TallyQA), a demo run (two)."""
    return [make_run(root / "pt_224", "pt_224", 224, PT224),
            make_run(root / "pt_448", "pt_448", 448, PT448),
            make_run(root / "demo", "tiny_56", 224, DEMO, size=None, demo=True)]
