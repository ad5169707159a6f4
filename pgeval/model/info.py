"""What a run directory records of the model it evaluated (results.json's "model")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pgeval.model.config import PaliGemmaConfig


def model_info(config: PaliGemmaConfig, record: Mapping[str, Any], *, checkpoint_format: str,
               files: Sequence[Path], dtype: str, demo: bool) -> dict[str, Any]:
    """Where the checkpoint came from (`record`: its local path, name and source, and an
    adapter's base), its format and files, its family and published size, the resolution and
    dtype it ran at; the files' sha256 are added once computed."""
    return {**record, "format": checkpoint_format, "files": [p.name for p in files], "sha256": {},
            "family": config.family, "size": config.size,
            "res": config.vision.image_size, "dtype": dtype, "demo": demo}
