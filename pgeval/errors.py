"""Errors that reach users: each one says which file, which line or index, which id, and what to do."""

from __future__ import annotations


class PgevalError(Exception):
    """Base class of every error pgeval reports to a user (the CLI prints it and exits non-zero)."""

    exit_code = 1


class InputError(PgevalError):
    """Unusable input: a malformed file, a missing or duplicate id, an unknown task (CLI exit 2)."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        index: int | None = None,
        example_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.index = index
        self.example_id = example_id
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path) + (f":{self.line}" if self.line is not None else ""))
        if self.index is not None:
            where.append(f"entry {self.index}")
        if self.example_id is not None:
            where.append(f"id {self.example_id!r}")
        text = (", ".join(where) + ": " if where else "") + self.args[0]
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class WriteError(PgevalError):
    """A file could not be written (a full disk, a failing device, a read-only folder); what was
    written before it stays on disk (CLI exit 1)."""

    def __init__(self, path: str, error: OSError, *, kept: str) -> None:
        self.path = path
        super().__init__(f"{path}: cannot write: {error.strerror or error}\n  {kept}")


class Interrupted(PgevalError):
    """Ctrl-C or SIGTERM stopped a run; its message says what the run directory keeps
    (CLI exit 130, with the command that resumes)."""

    exit_code = 130
