"""Where a checkpoint named on the command line is: a local path for now; each resolved name
carries what results.json records of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Source:
    """A checkpoint, adapter or tokenizer on local disk (`path`), its display `name`, and its
    `origin`: {"kind": "path" | "hub" | "kaggle" | "url", ...}."""

    path: Path
    name: str
    origin: dict[str, Any] = field(default_factory=dict)


def resolve_source(spec: str | Path) -> Source:
    path = Path(spec)
    return Source(path, path.stem or path.resolve().name, {"kind": "path"})
