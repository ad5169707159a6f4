"""Predictions in progress: one JSON line per finished example, appended and flushed batch by
batch, so a killed run loses at most the batch in flight and a rerun skips what is done.

A kill can tear the last line; reading repairs the file by cutting it back to the last complete
line, then reads it as any JSON Lines file. Lines are {"id", "prediction"} or, for an example
that could not run, {"id", "error"}.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pgeval.errors import WriteError
from pgeval.io import read_jsonl

RESUME = ("the lines before it are kept: free space (or fix the disk) and rerun the same command "
          "to resume")


@dataclass
class Progress:
    """What a task has finished: predictions and the errors of examples that could not run, by id."""

    predictions: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> set[str]:
        return set(self.predictions) | set(self.errors)


class ProgressSink(Protocol):
    """Where generation puts finished examples: a ProgressWriter, or a ProgressRecorder."""

    def predictions(self, items: Iterable[tuple[str, str]]) -> None: ...

    def error(self, example_id: str, message: str) -> None: ...


class ProgressRecorder:
    """Keeps finished examples in memory (a task run without a run directory)."""

    def __init__(self) -> None:
        self.progress = Progress()

    def predictions(self, items: Iterable[tuple[str, str]]) -> None:
        self.progress.predictions.update(items)

    def error(self, example_id: str, message: str) -> None:
        self.progress.errors[example_id] = message


def _cut_torn_line(path: Path) -> None:
    """Cut the file back to its last complete line: what follows the last newline is a line a
    kill (or a full disk) tore while it was appended."""
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with open(path, "r+b") as f:
            f.truncate(end)


def read_progress(path: Path) -> Progress:
    """What a previous attempt finished; a torn last line is cut off the file first."""
    progress = Progress()
    if not path.is_file():
        return progress
    _cut_torn_line(path)
    for _, r in read_jsonl(path, objects=True, allow_empty=True):
        if "error" in r:
            progress.errors[str(r["id"])] = r["error"]
        else:
            progress.predictions[str(r["id"])] = r["prediction"]
    return progress


class ProgressWriter:
    """Appends finished examples; each call writes whole lines straight to the file (no buffer
    that a failed write could leave half-flushed) and syncs them. A failed write (a full disk)
    raises a WriteError; a line it tore is cut off by the next `read_progress`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def predictions(self, items: Iterable[tuple[str, str]]) -> None:
        self._write({"id": i, "prediction": p} for i, p in items)

    def error(self, example_id: str, message: str) -> None:
        self._write([{"id": example_id, "error": message}])

    def _write(self, rows: Iterable[dict]) -> None:
        data = memoryview("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode())
        try:
            while data:
                data = data[os.write(self._fd, data):]
            os.fsync(self._fd)
        except OSError as e:
            raise WriteError(str(self.path), e, kept=RESUME) from None

    def close(self) -> None:
        os.close(self._fd)
