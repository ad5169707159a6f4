"""Image preprocessing: decode with PIL, RGB, bilinear antialiased resize to res x res, [-1, 1]."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from pgeval.errors import InputError


def preprocess(image: Image.Image, res: int) -> np.ndarray:
    """(res, res, 3) float32 in [-1, 1]."""
    image = image.convert("RGB").resize((res, res), Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.float32) / 127.5 - 1.0


def load_image(path: str | Path, res: int) -> np.ndarray:
    try:
        with Image.open(path) as image:
            return preprocess(image, res)
    except FileNotFoundError:
        raise InputError("image not found", path=str(path)) from None
    except (UnidentifiedImageError, OSError) as e:
        raise InputError(f"cannot decode image: {e}", path=str(path)) from None
