"""Referring segmentation: parsing `<loc>`/`<seg>` answers, the VQ-VAE mask decoder, pasting the
decoded mask into its box, and the ground-truth target a data source attaches to each example.

The decoder (JAX, Flax) is imported on first use, so data sources and adapters stay light.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pycocotools.mask as mask_utils

from pgeval.segmentation.parse import Segment, format_segment, parse_segment
from pgeval.segmentation.paste import fraction_box, paste_mask, pixel_box

if TYPE_CHECKING:
    from pgeval.segmentation.vae import MaskDecoder, load_mask_decoder

VAE_HINT = ("download big_vision's vae-oid.npz (gs://big_vision/paligemma/vae-oid.npz) and pass "
            "--vae PATH, or put it beside the checkpoint")


def __getattr__(name: str) -> Any:
    if name in ("MaskDecoder", "load_mask_decoder"):
        from pgeval.segmentation import vae

        return getattr(vae, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, slots=True)
class SegmentationTarget:
    """A ground-truth object: the image size, its box in pixels (y1, x1, y2, x2; COCO's
    [x, y, w, h] read as y, x, y + h, x + w) and its mask as a compressed COCO RLE, decoded only
    when scored so a split of thousands of objects stays small in memory."""

    height: int
    width: int
    box: tuple[float, float, float, float]
    rle_counts: bytes

    def mask(self) -> np.ndarray:
        """The (height, width) boolean mask."""
        rle = {"size": [self.height, self.width], "counts": self.rle_counts}
        with warnings.catch_warnings():  # pycocotools' Cython code trips a NumPy 2 deprecation
            warnings.simplefilter("ignore", DeprecationWarning)
            return mask_utils.decode(rle).astype(bool)

    def fraction_box(self) -> tuple[float, float, float, float]:
        """The box as fractions of the image's height and width (big_vision's box features)."""
        y1, x1, y2, x2 = self.box
        return y1 / self.height, x1 / self.width, y2 / self.height, x2 / self.width

    @classmethod
    def from_mask(cls, mask: np.ndarray, box: tuple[float, float, float, float]) -> SegmentationTarget:
        """A target from a boolean (height, width) mask and a pixel box."""
        mask = np.asfortranarray(np.asarray(mask, dtype=np.uint8))
        rle = mask_utils.encode(mask)
        return cls(mask.shape[0], mask.shape[1], tuple(float(v) for v in box), rle["counts"])


__all__ = [
    "VAE_HINT",
    "MaskDecoder",
    "Segment",
    "SegmentationTarget",
    "format_segment",
    "fraction_box",
    "load_mask_decoder",
    "parse_segment",
    "paste_mask",
    "pixel_box",
]
