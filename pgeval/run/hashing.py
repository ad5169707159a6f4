"""sha256 digests results.json records: of the checkpoint's files (hashed beside inference) and
of each task's annotation files."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path

from pgeval.run.plan import TaskPlan


def file_sha256(path: Path) -> str:
    """A file's hex digest, read in 16 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_files(files: Sequence[Path]) -> dict[str, str]:
    """Each file's hex digest, by its name."""
    return {path.name: file_sha256(path) for path in files}


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


class Hasher(threading.Thread):
    """Hashes files beside inference; `result()` waits for it."""

    def __init__(self, files: Sequence[Path]) -> None:
        super().__init__(daemon=True)
        self.files: Sequence[Path] = files
        self.digests: dict[str, str] | None = None

    def run(self) -> None:
        self.digests = sha256_files(self.files)

    def result(self) -> dict[str, str]:
        self.join()
        return self.digests or {}
