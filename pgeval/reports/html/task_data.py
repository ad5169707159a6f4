"""A task's data file of the report, data/<task>.js: the columns the page's script browses
(ids, slices, prompts, references, thumbnails and the original media, every run's predictions
and scores, the change between runs and the first order), as one call of PGEVAL_TASK with the
columns as a JSON text."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pgeval.data import Example
from pgeval.io import atomic_write_text
from pgeval.reports.html.rows import TaskRows
from pgeval.reports.html.thumbnails import Thumbnails


def reference_lines(references: Sequence[str]) -> list[str]:
    """Distinct references in order, with how many annotators gave each when more than one did:
    VQAv2's ten answers "yes" x 9 and "no" read as ["yes (9)", "no"]."""
    counts = Counter(references)
    return [f"{r} ({counts[r]})" if counts[r] > 1 else r for r in dict.fromkeys(references)]


def task_columns(rows: TaskRows, examples: Sequence[Example] | None, prompt: str,
                 thumbnails: Thumbnails | None) -> dict[str, Any]:
    """The data file's object. Without `examples` (the task's data is not on disk) prompts,
    references and thumbnails are empty."""
    by_id = {e.id: e for e in examples or ()}
    slice_names = list(dict.fromkeys(rows.slices))
    slice_index = {name: k for k, name in enumerate(slice_names)}
    files: dict[str, int] = {}
    originals: list[str] = []
    prompts, refs, thumbs = [], [], []
    for example_id in rows.ids:
        example = by_id.get(example_id)
        if example is None:
            prompts.append(None)
            refs.append([])
            thumbs.append([])
            continue
        try:
            prompts.append(prompt.format(**example.fields))
        except (KeyError, IndexError, ValueError):
            prompts.append(None)
        refs.append(reference_lines(example.references))
        shown = thumbnails.of(example) if thumbnails is not None else []
        originals_of = [thumbnails.root / p for p in example.images] if thumbnails else []
        indices = []
        for k, rel in enumerate(shown):
            if rel not in files:
                files[rel] = len(files)
                source = originals_of[min(k, len(originals_of) - 1)] if originals_of else None
                originals.append(source.resolve().as_uri() if source is not None else "")
            indices.append(files[rel])
        thumbs.append(indices)
    return {"ids": rows.ids, "sliceNames": slice_names,
            "slices": [slice_index[s] for s in rows.slices],
            "prompts": prompts, "refs": refs, "thumbs": thumbs, "thumbFiles": list(files),
            "originals": originals, "preds": rows.predictions, "scores": rows.scores,
            "change": rows.change, "order": rows.order}


def write_task_data(out: Path, task: str, columns: dict[str, Any]) -> Path:
    """Write data/<task>.js; returns its path."""
    path = out / "data" / f"{task}.js"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(columns, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # a string for JSON.parse: V8 parses a large JSON text in seconds where the same data as an
    # array literal takes minutes (VQAv2 val's 214k rows)
    atomic_write_text(path, f"PGEVAL_TASK({json.dumps(task)},JSON.parse({json.dumps(text)}));\n")
    return path
