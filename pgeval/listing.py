"""Task listings for `pgeval tasks`: one plain dict per task, ready for JSON or a table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from pgeval.scoring import make_source
from pgeval.tasks import TaskSpec


def expected_files(spec: TaskSpec, split: str | None = None) -> list[str]:
    """Annotation files and the image pattern of a split, relative to the data dir."""
    split = split or spec.split
    source = make_source(spec)
    files = [f"{spec.data_dir}/{f}" for f in source.files(split)]
    images = source.image_pattern(split)
    if images:
        files.append(f"{spec.data_dir}/{images}")
    return files


def task_rows(specs: Iterable[TaskSpec]) -> list[dict[str, Any]]:
    """One row per task, sorted by family then name."""
    rows = []
    for spec in sorted(specs, key=lambda s: (s.family, s.name)):
        source = make_source(spec)
        rows.append({
            "name": spec.name,
            "title": spec.title,
            "family": spec.family,
            "metric": spec.metric,
            "keys": list(spec.keys),
            "split": spec.split,
            "splits": list(source.splits),
            "prompt": spec.prompt,
            "max_decode_len": spec.max_decode_len,
            "beam_size": spec.beam_size,
            "video": asdict(spec.video) if spec.video else None,
            "adapter": spec.adapter,
            "source": spec.source,
            "files": expected_files(spec),
            "published": [asdict(p) for p in spec.published],
            "spec_file": str(spec.path) if spec.path else None,
        })
    return rows
