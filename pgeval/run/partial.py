"""Predictions in progress: one JSON line per finished example, appended and flushed batch by
batch, so a killed run loses at most the batch in flight and a rerun skips what is done.

The first line is the head, {"recipe", "recipe_sha256"}: how the predictions were made (see
pgeval.run.recipe). The other lines are {"id", "prediction"} or, for an example that could not
run, {"id", "error"}. A kill can tear the last line; reading repairs the file by cutting it back
to the last complete line. A line damaged elsewhere is an error naming it, with the command that
drops it (its example is then run again).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pgeval.errors import InputError, WriteError
from pgeval.io import read_jsonl

RESUME = ("the lines before it are kept: free space (or fix the disk) and rerun the same command "
          "to resume")


@dataclass
class Progress:
    """What a task has finished: predictions and the errors of examples that could not run, by id."""

    predictions: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    recipe: dict[str, Any] | None = None  # the head's recipe; None in a file without a head

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


def _damaged(path: Path, line: int, problem: str) -> InputError:
    return InputError(f"damaged line in a run's partial predictions: {problem}", path=str(path),
                      line=line, hint=f"drop it with: sed -i '{line}d' {path} (its example is run "
                                      "again; the other lines are kept), then rerun")


def _entry(path: Path, line: int, row: Any) -> tuple[str, str, str]:
    """("prediction" | "error", id, text) of one example line."""
    if not isinstance(row, dict):
        raise _damaged(path, line, f"not a JSON object: {json.dumps(row)[:40]}")
    kind = "error" if "error" in row else "prediction"
    example_id, text = row.get("id"), row.get(kind)
    if isinstance(example_id, bool) or not isinstance(example_id, str | int):
        raise _damaged(path, line, f"no string id: {json.dumps(row, ensure_ascii=False)[:60]}")
    if not isinstance(text, str):
        raise _damaged(path, line, f"no string {kind!r}: {json.dumps(row, ensure_ascii=False)[:60]}")
    return kind, str(example_id), text


def read_progress(path: Path) -> Progress:
    """What a previous attempt finished; a torn last line is cut off the file first."""
    progress = Progress()
    if not path.is_file():
        return progress
    _cut_torn_line(path)
    try:
        rows = read_jsonl(path, allow_empty=True)
    except InputError as e:
        if e.line is None:
            raise
        raise _damaged(path, e.line, e.args[0]) from None
    for n, (line, row) in enumerate(rows):
        if n == 0 and isinstance(row, dict) and "recipe" in row:
            progress.recipe = row["recipe"]
            continue
        kind, example_id, text = _entry(path, line, row)
        (progress.errors if kind == "error" else progress.predictions)[example_id] = text
    return progress


class ProgressWriter:
    """Appends finished examples; each call writes whole lines straight to the file (no buffer
    that a failed write could leave half-flushed) and syncs them. A failed write (a full disk)
    raises a WriteError; a line it tore is cut off by the next `read_progress`. A new (or empty)
    file starts with `head`, written with the first lines (until then the file stays empty, as a
    run that stops before its first batch leaves it)."""

    def __init__(self, path: Path, head: dict[str, Any]) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._head = head if os.fstat(self._fd).st_size == 0 else None

    def predictions(self, items: Iterable[tuple[str, str]]) -> None:
        self._write({"id": i, "prediction": p} for i, p in items)

    def error(self, example_id: str, message: str) -> None:
        self._write([{"id": example_id, "error": message}])

    def _write(self, rows: Iterable[dict]) -> None:
        rows = list(rows)
        if not rows:
            return
        if self._head is not None:
            rows.insert(0, self._head)
        data = memoryview("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode())
        try:
            while data:
                data = data[os.write(self._fd, data):]
            os.fsync(self._fd)
            self._head = None
        except OSError as e:
            raise WriteError(str(self.path), e, kept=RESUME) from None

    def close(self) -> None:
        os.close(self._fd)
