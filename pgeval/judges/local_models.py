"""Models that judges load from disk only: folder checks with a useful message, and a context in
which the Hugging Face libraries make no network request (a missing file is an error, never a
download)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def offline_hub() -> Iterator[None]:
    """Within: the Hugging Face hub client and transformers resolve files from disk only (the
    environment variables for libraries imported inside, the hub's constant for one imported
    before)."""
    saved = {v: os.environ.get(v) for v in OFFLINE_VARIABLES}
    hub = sys.modules.get("huggingface_hub.constants")
    hub_saved = getattr(hub, "HF_HUB_OFFLINE", None)
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
        if hub is not None:
            hub.HF_HUB_OFFLINE = hub_saved
