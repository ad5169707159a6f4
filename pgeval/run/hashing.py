"""sha256 digests results.json and task recipes record: of the checkpoint's files (hashed in
parallel, before decoding starts) and of each task's annotation files."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pgeval.io import file_sha256
from pgeval.run.plan import TaskPlan


def sha256_files(files: Sequence[Path]) -> dict[str, str]:
    """Each file's hex digest, by its name (a checkpoint's shards are hashed in parallel:
    hashlib releases the GIL)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip((p.name for p in files), pool.map(file_sha256, files), strict=True))


def data_sha256(plan: TaskPlan) -> dict[str, str]:
    """sha256 of the task's annotation files (as its data source lists them), by their path in
    the task's data folder; for a prepared TFDS folder, of its dataset_info.json (which names the
    version and the shards); for another annotations folder (one ground-truth file per image),
    one digest of its files' names and contents."""
    root, found = plan.root, {}
    for name in plan.source.files(plan.spec.split):
        path = root / name
        if name.endswith("/") and path.is_dir():
            info = sorted(path.glob("dataset_info.json"))
            if info:
                found[info[0].relative_to(root).as_posix()] = file_sha256(info[0])
                continue
            digest = hashlib.sha256()
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                digest.update(f"{file.relative_to(path).as_posix()}\0{file_sha256(file)}\n".encode())
            found[name] = digest.hexdigest()
        elif path.is_file():
            found[path.relative_to(root).as_posix()] = file_sha256(path)
    return found
