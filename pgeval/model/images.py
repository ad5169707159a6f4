"""Image preprocessing: decode with PIL, RGB, bilinear resize to res x res, [-1, 1].

The resizes of big_vision's eval pipelines, chosen per task (`resize` in the task spec):
- "antialias": `resize(R, antialias=True)`; PIL's bilinear filter, which widens with the scale;
- "bilinear": the `resize(R)` op's default: interpolation between the two nearest pixels on each
  axis (half-pixel centres, edges clamped; TensorFlow's `tf.image.resize(antialias=False)`), whose
  float result the op truncates back to uint8;
- "bilinear_float": the same interpolation kept in float, as the video tasks' `video_decode` does.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from PIL import Image, UnidentifiedImageError

from pgeval.errors import InputError

RESIZES = ("antialias", "bilinear", "bilinear_float")



def preprocess(image: Image.Image, res: int, resize: str = "antialias") -> np.ndarray:
    """(res, res, 3) float32 in [-1, 1]."""
    image = image.convert("RGB")
    if resize == "antialias":
        pixels = np.asarray(image.resize((res, res), Image.Resampling.BILINEAR), dtype=np.float32)
    else:
        pixels = bilinear_resize(np.asarray(image, np.float32), res)
        if resize == "bilinear":
            pixels = np.floor(np.clip(pixels, 0, 255))
    return pixels / 127.5 - 1.0


def _axis_weights(size: int, res: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each output index along one axis: the lower and upper source index and the upper's
    weight, sampling at (i + 0.5) * size / res - 0.5."""
    centre = (np.arange(res, dtype=np.float64) + 0.5) * (size / res) - 0.5
    floor = np.floor(centre)
    lower = np.clip(floor, 0, size - 1).astype(np.int64)
    upper = np.clip(np.ceil(centre), 0, size - 1).astype(np.int64)
    return lower, upper, (centre - floor).astype(np.float32)


def bilinear_resize(pixels: np.ndarray, res: int) -> np.ndarray:
    """(H, W, C) to (res, res, C) by bilinear interpolation without antialiasing."""
    top, bottom, dy = _axis_weights(pixels.shape[0], res)
    left, right, dx = _axis_weights(pixels.shape[1], res)
    rows = pixels[top] + (pixels[bottom] - pixels[top]) * dy[:, None, None]
    return rows[:, left] + (rows[:, right] - rows[:, left]) * dx[None, :, None]


@runtime_checkable
class StoredImage(Protocol):
    """An image file's bytes kept inside another file (a row of a Hub copy's parquet file).

    `key` names the image: requests whose keys are equal show the same pixels and share one
    encoding; `read` returns the encoded bytes (PNG, JPEG, ...), called in the decoding threads.
    (pgeval.data.hub.images.EmbeddedImage is one.)"""

    key: str

    def read(self) -> bytes:
        """The image file's bytes."""


def load_image(path: str | Path | StoredImage, res: int, resize: str = "antialias") -> np.ndarray:
    """An image file, or a StoredImage's bytes, preprocessed (see `preprocess`)."""
    try:
        source = io.BytesIO(path.read()) if isinstance(path, StoredImage) else path
        with Image.open(source) as image:
            return preprocess(image, res, resize)
    except FileNotFoundError:
        raise InputError("image not found", path=str(getattr(path, "key", path))) from None
    except Image.DecompressionBombError as e:
        pixels = re.search(r"\((\d+) pixels\)", str(e))
        size = f"{int(pixels[1]):,} pixels" if pixels else "too many pixels"
        raise InputError(f"image too large to decode: {size}, over the "
                         f"{2 * Image.MAX_IMAGE_PIXELS:,} that PIL decodes",
                         path=str(getattr(path, "key", path)),
                         hint="downscale it (pgeval resizes every image to the model's "
                              "resolution), or pass --on-error skip to leave it out") from None
    except (UnidentifiedImageError, OSError) as e:
        raise InputError(f"cannot decode image: {e}", path=str(getattr(path, "key", path))) from None
