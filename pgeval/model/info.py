"""What a run directory records of the model it evaluated (results.json's "model")."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pgeval.model.config import PaliGemmaConfig


def model_info(config: PaliGemmaConfig, checkpoint: Path, *, checkpoint_format: str,
               files: Sequence[Path], dtype: str, demo: bool) -> dict[str, Any]:
    """The checkpoint's path, name, format and files, its family and published size, the
    resolution and dtype it ran at; the files' sha256 are added once computed."""
    return {"checkpoint": str(checkpoint.resolve()), "name": checkpoint.stem,
            "format": checkpoint_format, "files": [p.name for p in files], "sha256": {},
            "family": config.family, "size": config.size,
            "res": config.vision.image_size, "dtype": dtype, "demo": demo}
