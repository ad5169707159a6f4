"""What `pgeval data` does: list each task's data sources and what the Hub cache holds, download
Hub copies (with checksums), and verify them against the official split sizes (the copies
themselves: pgeval.data.hub)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pgeval.data.hub.fetch import cache_dir, cached_folder, checksum_problems, fetch_split
from pgeval.data.hub.rows import read_rows
from pgeval.data.hub.source import hub_splits
from pgeval.errors import InputError
from pgeval.tasks import TaskCatalog, TaskSpec

__all__ = ["cache_dir", "download_data", "list_data", "verify_data"]


def cached_splits(spec: TaskSpec) -> list[dict[str, Any]]:
    """Each cached snapshot of the task's copy (under any of its names) and, per mapped split, the
    files it holds and their size in bytes."""
    assert spec.hub is not None
    found = []
    for repo in spec.hub.repos:
        for snapshot in sorted((cached_folder(repo) / "snapshots").glob("*")):
            for split in hub_splits(spec.hub):
                files = [p for p in snapshot.glob(spec.hub.pattern(split)) if p.is_file()]
                if files:
                    found.append({"repo": repo, "commit": snapshot.name, "split": split,
                                  "folder": str(snapshot), "files": len(files),
                                  "bytes": sum(p.stat().st_size for p in files)})
    return found


def list_data(catalog: TaskCatalog, data_dir: Path) -> list[dict[str, Any]]:
    """Per task: its official files (under data_dir, and whether they are there) and its Hub copy
    (mapped splits and what the cache holds, or why it is not read)."""
    rows = []
    for spec in sorted(catalog.specs.values(), key=lambda s: s.name):
        source = spec.data_source()
        root = data_dir / spec.data_dir
        files = {split: {"folder": str(root), "missing": [str(p) for p in source.missing_files(root, split)]}
                 for split in source.splits}
        hub = spec.hub.summary() if spec.hub else None
        if hub and not spec.hub.not_mapped:
            hub["cached"] = cached_splits(spec)
        rows.append({"name": spec.name, "split": spec.split, "files": files, "hub": hub})
    return rows


def _wanted(catalog: TaskCatalog, tasks: Iterable[str],
            splits: Mapping[str, str]) -> list[tuple[TaskSpec, str]]:
    out = []
    for name in dict.fromkeys(tasks):
        spec = catalog.get(name)
        split = splits.get(name, spec.split)
        if split not in hub_splits(spec.hub):
            why = spec.hub.not_mapped if spec.hub and spec.hub.not_mapped else "no Hub copy in its spec"
            raise InputError(f"task {name}: split {split!r} has no Hub copy to download ({why})",
                             hint=f"put its official files under DATA_DIR/{spec.data_dir}/ "
                                  "(`pgeval data list` names them) and run with --data-dir DATA_DIR")
        out.append((spec, split))
    return out


def download_data(catalog: TaskCatalog, tasks: Iterable[str], splits: Mapping[str, str] | None = None, *,
             force: bool = False) -> list[dict[str, Any]]:
    """Fetch each task's split of its Hub copy into the huggingface_hub cache (a dropped download
    resumes; `force` fetches again), check every file against the sha256 the Hub gave it, and
    fetch a file that fails once more. One record per task: repo, commit, files, bytes, seconds."""
    records = []
    for spec, split in _wanted(catalog, tasks, splits or {}):
        assert spec.hub is not None
        start = time.perf_counter()
        copy = fetch_split(spec.hub, split, spec.name, force=force)
        problems = checksum_problems(copy)
        if problems and not force:
            copy = fetch_split(spec.hub, split, spec.name, force=True)
            problems = checksum_problems(copy)
        if problems:
            raise InputError(f"{spec.name}: files of {copy.repo} fail their checksums after a fresh "
                             "download:\n" + "\n".join(f"  {p}" for p in problems), path=str(copy.root),
                             hint="the Hub or a proxy serves damaged files; try again later")
        records.append({"task": spec.name, "split": split, **copy.provenance, "folder": str(copy.root),
                        "files": list(copy.files), "bytes": sum(copy.sizes().values()),
                        "seconds": time.perf_counter() - start})
    return records


def verify_data(catalog: TaskCatalog, tasks: Iterable[str], splits: Mapping[str, str] | None = None
           ) -> list[dict[str, Any]]:
    """Check each task's split of its Hub copy (from the cache, downloaded if missing): rows
    against the official split size, unique ids, answers on a split that has them, checksums.
    One record per task with its `problems` (empty when the copy is sound)."""
    records = []
    for spec, split in _wanted(catalog, tasks, splits or {}):
        assert spec.hub is not None
        copy = fetch_split(spec.hub, split, spec.name)
        answered = spec.data_source().answered(split)
        rows = read_rows(copy.root, copy.files, spec.hub, answered=False, repo=copy.repo, task=spec.name)
        problems = checksum_problems(copy)
        expected = spec.hub.rows.get(spec.hub.splits[split])
        if expected is not None and len(rows) != expected:
            problems.append(f"{len(rows)} rows, the official split has {expected}")
        repeated = [i for i, n in Counter(e.id for e in rows).items() if n > 1]
        if repeated:
            problems.append(f"{len(repeated)} ids appear more than once, e.g. {repeated[0]}")
        if answered:
            try:
                read_rows(copy.root, copy.files, spec.hub, answered=True, repo=copy.repo, task=spec.name)
            except InputError as e:
                problems.append(f"answers missing: {e}")
        records.append({"task": spec.name, "split": split, **copy.provenance, "rows": len(rows),
                        "official_rows": expected, "problems": problems})
    return records
