"""Referring-segmentation metrics on given masks and boxes: IoU, mIoU, cIoU, box accuracy.

Masks are boolean arrays of the ground-truth image's shape; boxes are (y1, x1, y2, x2) in pixels
with y2/x2 exclusive. An invalid prediction (no mask could be decoded) is passed as None and
scores IoU 0 while its ground truth still counts in cIoU's union.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]


def mask_intersection_union(pred: np.ndarray | None, target: np.ndarray) -> tuple[int, int]:
    """Pixel counts of intersection and union; a None prediction intersects nothing."""
    target = np.asarray(target, dtype=bool)
    if pred is None:
        return 0, int(target.sum())
    pred = np.asarray(pred, dtype=bool)
    if pred.shape != target.shape:
        raise ValueError(f"mask shapes differ: prediction {pred.shape}, target {target.shape}")
    return int(np.logical_and(pred, target).sum()), int(np.logical_or(pred, target).sum())


def iou_from_counts(inter: int, union: int) -> float:
    """Intersection over union; nothing against nothing agrees perfectly (1.0)."""
    return 1.0 if union == 0 else inter / union


def mask_iou(pred: np.ndarray | None, target: np.ndarray) -> float:
    """IoU of two masks."""
    return iou_from_counts(*mask_intersection_union(pred, target))


def box_iou(a: Box | None, b: Box) -> float:
    """IoU of two (y1, x1, y2, x2) boxes; a None box scores 0."""
    if a is None:
        return 0.0
    inter_h = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_w = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = inter_h * inter_w
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area if area > 0 else 0.0


@dataclass(frozen=True)
class SegmentationScores:
    """Corpus metrics (0..1) and per-example IoUs."""

    miou: float
    ciou: float
    box_accuracy: float
    invalid_share: float
    ious: list[float]


def segmentation_scores(
    pred_masks: Sequence[np.ndarray | None],
    target_masks: Sequence[np.ndarray],
    pred_boxes: Sequence[Box | None],
    target_boxes: Sequence[Box],
    box_threshold: float = 0.5,
) -> SegmentationScores:
    """mIoU (mean per-example IoU), cIoU (sum I / sum U), box accuracy at IoU >= box_threshold."""
    n = len(target_masks)
    if not (len(pred_masks) == len(pred_boxes) == len(target_boxes) == n) or n == 0:
        raise ValueError("need the same, non-zero number of predictions and targets")
    ious, inter_total, union_total = [], 0, 0
    for pred, target in zip(pred_masks, target_masks, strict=True):
        inter, union = mask_intersection_union(pred, target)
        ious.append(iou_from_counts(inter, union))
        inter_total += inter
        union_total += union
    box_hits = sum(
        box_iou(p, t) >= box_threshold for p, t in zip(pred_boxes, target_boxes, strict=True)
    )
    return SegmentationScores(
        miou=float(np.mean(ious)),
        ciou=iou_from_counts(inter_total, union_total),
        box_accuracy=box_hits / n,
        invalid_share=sum(p is None for p in pred_masks) / n,
        ious=ious,
    )
