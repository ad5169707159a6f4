"""A persistent on-disk cache of toxicity scores: sqlite3, one row per (namespace, text, attribute).

Every scored text is committed as soon as its answer arrives, so a run that crashes or is stopped
keeps what it had scored and a rerun asks only for the rest. The namespace separates scores that
must not mix (another endpoint, other languages). A score the service did not return for a
requested attribute is kept as NULL, so it is not asked for again either.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

from pgeval.errors import InputError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scores (
    namespace TEXT NOT NULL,
    text TEXT NOT NULL,
    attribute TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (namespace, text, attribute)
)
"""


def default_cache_path(name: str = "perspective.sqlite") -> Path:
    """`$XDG_CACHE_HOME/pgeval/<name>` (default `~/.cache/pgeval/<name>`)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pgeval" / name


class ScoreCache:
    """Scores by (text, attribute) within one namespace; `path=None` keeps them in memory only."""

    def __init__(self, path: str | Path | None, namespace: str) -> None:
        self.path = None if path is None else Path(path)
        self.namespace = namespace
        target = ":memory:"
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise InputError(f"cannot create the score cache folder: {e.strerror}",
                                 path=str(self.path.parent)) from None
            target = str(self.path)
        try:
            self._db = sqlite3.connect(target, timeout=30.0)
            with self._db:
                self._db.execute(_SCHEMA)
        except sqlite3.DatabaseError as e:
            raise InputError(f"unusable score cache: {e}", path=str(self.path),
                             hint="delete the file to start a fresh cache") from None

    def get(self, text: str, attributes: Sequence[str]) -> dict[str, float | None] | None:
        """The cached scores of every attribute, or None when any attribute is not cached."""
        rows = self._db.execute(
            "SELECT attribute, value FROM scores WHERE namespace = ? AND text = ?",
            (self.namespace, text)).fetchall()
        found = dict(rows)
        if any(a not in found for a in attributes):
            return None
        return {a: found[a] for a in attributes}

    def missing(self, text: str, attributes: Sequence[str]) -> list[str]:
        """The attributes of `text` not in the cache."""
        rows = self._db.execute(
            "SELECT attribute FROM scores WHERE namespace = ? AND text = ?",
            (self.namespace, text)).fetchall()
        have = {r[0] for r in rows}
        return [a for a in attributes if a not in have]

    def put(self, text: str, scores: Mapping[str, float | None]) -> None:
        """Store one text's scores and commit at once."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO scores (namespace, text, attribute, value) VALUES (?, ?, ?, ?)",
                [(self.namespace, text, a, v) for a, v in scores.items()])

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(DISTINCT text) FROM scores WHERE namespace = ?",
                                (self.namespace,)).fetchone()[0]

    def close(self) -> None:
        self._db.close()
