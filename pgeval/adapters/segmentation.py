"""Referring segmentation (RefCOCO, RefCOCO+, RefCOCOg): mIoU, cIoU, box accuracy, invalid share.

Each answer is parsed (pgeval.segmentation.parse), its 16 codes decoded by the VQ-VAE (all valid
answers of the split in one batched, jitted call), the 64x64 map pasted into the box at the
ground-truth image's resolution (pgeval.segmentation.paste) and compared with the ground-truth
mask. As in big_vision: an invalid answer, or one whose box is empty once truncated to pixels,
scores IoU 0 and counts as invalid; the box IoU compares the token box / 1023 with the
ground-truth box as fractions of the image, and box accuracy counts IoU >= 0.5. cIoU is the
pooled sum of intersections over the sum of unions. Everything is in percent, as the cards print.

The per-example score is the IoU x 100, whose mean is the mIoU (so the adapter is additive; a
slice reports only its mIoU).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from pgeval.adapters.base import ADAPTERS, Adapter, Direction, Scored
from pgeval.data.base import Example
from pgeval.errors import InputError
from pgeval.metrics.masks import box_iou, iou_from_counts, mask_intersection_union
from pgeval.segmentation import VAE_HINT, SegmentationTarget, fraction_box, parse_segment, paste_mask


@ADAPTERS.register("segmentation")
class ReferringSegmentation(Adapter):
    """`vae` (a run-time resource): path of big_vision's vae-oid.npz mask decoder.
    `box_threshold`: the box IoU that counts as a hit for box_accuracy."""

    primary = "miou"
    additive = True
    resources = ("vae",)

    def __init__(self, vae: str | Path | None = None, box_threshold: float = 0.5) -> None:
        self.vae = vae
        self.box_threshold = box_threshold

    @classmethod
    def direction(cls, key: str) -> Direction:
        return "lower" if key.split(":")[0] == "invalid" else "higher"

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        from pgeval.segmentation.vae import load_mask_decoder  # JAX: imported only when scoring

        if self.vae is None:
            raise InputError("segmentation tasks need the VQ-VAE mask decoder, vae-oid.npz", hint=VAE_HINT)
        targets = []
        for e in examples:
            if not isinstance(e.target, SegmentationTarget):
                raise InputError("example has no ground-truth mask (segmentation needs a source that "
                                 "sets a SegmentationTarget, e.g. `refer`)", example_id=e.id)
            targets.append(e.target)
        parsed = [parse_segment(p) for p in predictions]
        valid = [i for i, p in enumerate(parsed) if p is not None]
        maps = load_mask_decoder(self.vae).decode([parsed[i].codes for i in valid])
        map_of = dict(zip(valid, maps, strict=True))

        ious, inter_total, union_total, hits, invalid = [], 0, 0, 0, 0
        for i, (p, t) in enumerate(zip(parsed, targets, strict=True)):
            pred = None if p is None else paste_mask(map_of[i], p.box, t.height, t.width)
            invalid += pred is None
            inter, union = mask_intersection_union(pred, t.mask())
            inter_total += inter
            union_total += union
            ious.append(100.0 * iou_from_counts(inter, union))
            # A valid answer's box is compared even when it is empty in pixels, as in big_vision.
            box = None if p is None else fraction_box(p.box)
            hits += box_iou(box, t.fraction_box()) >= self.box_threshold
        n = len(examples)
        return Scored({
            "miou": math.fsum(ious) / n,
            "ciou": 100.0 * iou_from_counts(inter_total, union_total),
            "box_accuracy": 100.0 * hits / n,
            "invalid": 100.0 * invalid / n,
        }, ious)
