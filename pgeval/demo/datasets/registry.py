"""The demo tasks in one table (`DEMO`, in the order the corpus and the CLI list them), and
writing their data sets: one task's files, or several tasks' folders, each written once per
(n, seed, generator version) and moved into place whole."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pgeval.demo.datasets import chartqa, coco_captions, docvqa, refcoco, vqav2
from pgeval.demo.datasets.common import GENERATOR_VERSION, MARKER, dump_json
from pgeval.errors import InputError

DEMO = {t.name: t for t in (vqav2.TASK, docvqa.TASK, coco_captions.TASK, chartqa.TASK, refcoco.TASK)}
DEMO_TASKS = tuple(DEMO)


def check_task(task: str) -> None:
    """An InputError unless `task` is a demo task."""
    if task not in DEMO_TASKS:
        raise InputError(f"no demo data for task {task!r}", hint=f"demo tasks: {', '.join(DEMO_TASKS)}")


def generate(task: str, n: int, seed: int) -> list[Any]:
    """The first n evaluation examples of `task` for `seed` (nothing drawn yet)."""
    check_task(task)
    return DEMO[task].generate(n, seed)


def write_task(data_dir: Path, task: str, n: int, seed: int) -> Path:
    """Write one task's files under data_dir/<task>/ (overwriting what is there); its folder."""
    check_task(task)
    return DEMO[task].write(Path(data_dir), n, seed)


def _marker(task: str, n: int, seed: int) -> dict[str, Any]:
    return {"task": task, "n": n, "seed": seed, "version": GENERATOR_VERSION}


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_demo_data(data_dir: Path, tasks: Sequence[str], n: int | Mapping[str, int], seed: int
                    ) -> dict[str, Path]:
    """Write the demo data of `tasks` under data_dir (n examples each, or n[task]).

    A task whose folder already holds this (n, seed, generator version) is skipped; one holding
    other demo data is rewritten; a non-empty folder without the demo's marker file is left alone
    (an error: it may be real data). Each task is written into a temporary folder beside its
    destination and moved into place with its marker, so an interrupted run leaves nothing half
    written. Returns each task's folder.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    folders = {}
    for task in tasks:
        check_task(task)
        k = n.get(task, 0) if isinstance(n, Mapping) else n
        if k < 1:
            raise InputError(f"the demo needs at least one example, got n={k} for {task}")
        target = data_dir / task
        folders[task] = target
        marker = _marker(task, k, seed)
        existing = _read_marker(target)
        if existing == marker:
            continue
        if target.exists():
            if existing is None and any(target.iterdir()):
                raise InputError("folder holds data that is not the demo's; not overwriting it",
                                 path=str(target), hint="pass another --data-dir or remove the folder")
            shutil.rmtree(target)
        scratch = Path(tempfile.mkdtemp(prefix=f".{task}-", dir=data_dir))
        try:
            DEMO[task].write(scratch, k, seed)
            dump_json(scratch / task / MARKER, marker)
            try:
                os.replace(scratch / task, target)
            except OSError:
                if _read_marker(target) != marker:  # not another process writing the same data
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return folders
