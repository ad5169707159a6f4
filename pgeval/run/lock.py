"""One writer per run directory: an exclusive OS lock on `RUN_DIR/.lock`, held by the process
that writes the directory for as long as it runs.

The lock is the kernel's (`flock`), so it goes when its process ends, however it ends: a SIGKILL
or a crash never leaves a stale lock. The file itself stays (removing it would let two processes
lock two different files of the same name); it records who holds, or last held, the lock, which
is what a refused second run prints. One exception: a run that created its directory and stops
before writing anything else (a bad option, a corrupt checkpoint) takes the directory away
again, so a failed first try leaves no folder holding only a lock. A process that locked that
removed file sees its inode gone from the folder and is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import socket
import sys
from pathlib import Path
from types import TracebackType

from pgeval.errors import InputError
from pgeval.io import output_folder

LOCK_FILE = ".lock"


def _holder() -> dict[str, object]:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": sys.argv}


def _describe(text: str) -> str:
    try:
        h = json.loads(text)
        return f"pid {h['pid']} on {h['host']}, since {h['since']}"
    except (ValueError, TypeError, KeyError):
        return "a process that has not yet written its pid"


def _same_file(fd: int, path: Path) -> bool:
    """Whether the open lock file `fd` is still the one at `path`."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def _unused(path: Path) -> bool:
    """An empty file, or a folder of unused ones."""
    if path.is_symlink() or not (path.is_dir() or path.is_file()):
        return False
    return all(_unused(p) for p in path.iterdir()) if path.is_dir() else path.stat().st_size == 0


def _remove_if_unused(directory: Path) -> None:
    """Remove a run directory that holds nothing but its lock, empty files (a partial
    predictions file before its first batch) and empty folders. Called with the lock held, so no
    other run takes the file meanwhile; anything written meanwhile keeps the folder."""
    entries = [e for e in directory.iterdir() if e.name != LOCK_FILE]
    if not all(_unused(e) for e in entries):
        return
    (directory / LOCK_FILE).unlink()
    with contextlib.suppress(OSError):
        for e in entries:
            shutil.rmtree(e) if e.is_dir() else e.unlink()
        directory.rmdir()


class RunLock:
    """`with RunLock(directory):` holds the directory's lock, or raises an InputError naming the
    directory and the holder's pid and host. The directory is created if need be."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._fd: int | None = None
        self._created = False

    def acquire(self) -> None:
        self._created = not self.directory.exists()
        output_folder(self.directory, "--out")
        path = self.directory / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise InputError(f"cannot create the lock file: {e.strerror}", path=str(path),
                             hint="pass an --out in a folder you can write") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(os.pread(fd, 1 << 16, 0).decode("utf-8", "replace"))
            os.close(fd)
            raise InputError(f"another pgeval run is writing this run directory ({holder})",
                             path=str(self.directory),
                             hint="wait for it to end (the lock goes with its process), or pass "
                                  "another --out") from None
        if not _same_file(fd, path):  # a run that gave this fresh directory up removed its lock
            os.close(fd)
            raise InputError("another pgeval run was creating this run directory and gave it up",
                             path=str(self.directory), hint="rerun the same command")
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(_holder()) + "\n").encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            if self._created:
                _remove_if_unused(self.directory)
            os.close(self._fd)  # closing the only descriptor releases the lock
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
