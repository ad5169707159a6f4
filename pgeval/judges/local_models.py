"""Models that judges load from disk only: folder checks with a useful message, and a context in
which the Hugging Face libraries make no network request (a missing file is an error, never a
download)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pgeval.errors import InputError

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def require_folder(path: str | Path, needed: Sequence[str], what: str, hint: str) -> Path:
    """`path` as a Path, when it is a folder holding every name in `needed`."""
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(f"{what}: no such folder", path=str(folder), hint=hint)
    missing = [n for n in needed if not (folder / n).exists()]
    if missing:
        raise InputError(f"{what}: the folder lacks {missing}", path=str(folder), hint=hint)
    return folder


def _hub_constants() -> Any:
    return sys.modules.get("huggingface_hub.constants")


@contextmanager
def offline_hub() -> Iterator[None]:
    """Within: the Hugging Face hub client and transformers resolve files from disk only (the
    environment variables for libraries imported inside, the hub's constant for one imported
    before). After: the environment and the constant as they were (for a hub imported inside,
    the constant the restored environment gives)."""
    saved = {v: os.environ.get(v) for v in OFFLINE_VARIABLES}
    hub = _hub_constants()
    before = hub.HF_HUB_OFFLINE if hub is not None else (
        (saved["HF_HUB_OFFLINE"] or "").upper() in {"1", "ON", "YES", "TRUE"})
    os.environ.update(dict.fromkeys(OFFLINE_VARIABLES, "1"))
    if hub is not None:
        hub.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        for variable, value in saved.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value
        hub = _hub_constants()
        if hub is not None:
            hub.HF_HUB_OFFLINE = before
