"""Placing a decoded 64x64 mask into its box on the ground-truth image, as big_vision does.

The arithmetic of big_vision's segmentation evaluator, step by step (quirks included, since the
published numbers were computed with them):

1. The box tokens become fractions by dividing by 1023 (not 1024): `f = t / 1023`, in float64.
2. Each fraction is scaled by the ground-truth image's own size (height for y, width for x) and
   truncated toward zero: `y1 = int(f_y1 * height)`, ..., in that order (divide, then multiply;
   `t * height / 1023` can land on the other side of an integer).
3. The box covers rows y1..y2-1 and columns x1..x2-1 (end exclusive). When truncation leaves it
   empty (y2 <= y1 or x2 <= x1) the prediction is invalid and scores IoU 0.
4. The 64x64 float map is resized to (x2 - x1) x (y2 - y1) with PIL's BILINEAR filter on a
   float32 ("F" mode) image, exactly the call big_vision makes. PIL's bilinear filter is a
   triangle filter on pixel centres whose support widens when shrinking (so a box smaller than
   64 pixels averages, it does not skip pixels).
5. A pixel belongs to the mask when the resized value is > 0 (the decoder's output is meant to
   lie in [-1, 1]; it is not clipped first). Everything outside the box is background.
"""

from __future__ import annotations

import numpy as np
import PIL.Image

LOC_SCALE = 1023

Box = tuple[int, int, int, int]


def pixel_box(box: Box, height: int, width: int) -> Box:
    """Token box (y1, x1, y2, x2 over 0..1023) -> truncated pixel box, end exclusive."""
    y1, x1, y2, x2 = (t / LOC_SCALE for t in box)
    return int(y1 * height), int(x1 * width), int(y2 * height), int(x2 * width)


def fraction_box(box: Box) -> tuple[float, float, float, float]:
    """Token box -> fractions of the image's height and width (what the box IoU compares)."""
    y1, x1, y2, x2 = (t / LOC_SCALE for t in box)
    return y1, x1, y2, x2


def resize_map(map64: np.ndarray, height: int, width: int) -> np.ndarray:
    """A float map resized to (height, width) with PIL's bilinear filter, in float32."""
    image = PIL.Image.fromarray(np.ascontiguousarray(map64, dtype=np.float32))  # mode "F"
    return np.asarray(image.resize((width, height), resample=PIL.Image.BILINEAR))


def paste_mask(map64: np.ndarray, box: Box, height: int, width: int) -> np.ndarray | None:
    """The (height, width) boolean mask of a decoded map placed in its token box, or None when
    the truncated box is empty (an invalid prediction)."""
    y1, x1, y2, x2 = pixel_box(box, height, width)
    if y2 <= y1 or x2 <= x1:
        return None
    mask = np.zeros((height, width), dtype=bool)
    mask[y1:y2, x1:x2] = resize_map(map64, y2 - y1, x2 - x1) > 0.0
    return mask
