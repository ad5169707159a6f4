"""Word-level text spotting (detection + recognition): precision, recall and F1 by the HierText
protocol, which the PaliGemma 2 report (arXiv 2412.03555, Sec. 4.2 and Table 2) uses for ICDAR
2015 and Total-Text.

The rules are those of the HierText evaluator (github.com/google-research-datasets/hiertext,
`evaluator/evaluator.py` and `evaluator/polygon_ops.py`, word level, polygons, `--e2e`), one image
at a time:

1. Polygons are shapely polygons of their vertices in pixels; an invalid one (a self-crossing
   quadrilateral) is replaced by `shapely.make_valid` of it. A pair's intersection counts as 0
   when either polygon's area is below 1e-5.
2. "Do not care" ground truth (ICDAR's `###`, Total-Text's `#`) is set aside first, and with it
   every prediction lying mostly inside one: intersection / (prediction area + 1e-5) >= 0.5.
3. IoU = intersection / (union + 1e-5) between every remaining ground-truth word and prediction.
   A ground-truth word is detected when its best prediction (highest IoU, the first on a tie) has
   IoU >= 0.5 and that prediction's best ground-truth word (the first on a tie) is it: mutually
   best, so each is matched at most once. Note the 1e-5: a pair overlapping at exactly 0.5 in
   geometry falls short of the threshold.
4. A detected word is also recognized when the transcriptions are equal as strings: case,
   punctuation and length all count (the report: "the HierText protocol does not normalize letter
   cases, punctuation symbols, or filter based on text lengths").

Over a split the counts are summed (not a mean of per-image scores): precision = recognized /
predictions, recall = recognized / ground truth, F1 their harmonic mean; as in HierText, precision
is 1 without predictions, recall is 1 without ground truth, and F1 is 0 when both are 0. The same
with `detected` gives the detection-only scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

EPSILON = 1e-5

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Word:
    """A word: its polygon's (x, y) vertices in pixels, its transcription, and whether it is a
    "do not care" region (ground truth only)."""

    polygon: tuple[Point, ...]
    text: str
    ignore: bool = False


@dataclass(frozen=True, slots=True)
class SpottingCounts:
    """One image's (or a split's, summed) counts: predictions and ground-truth words once "do not
    care" regions are set aside, ground-truth words detected, and of those recognized."""

    predictions: int = 0
    ground_truth: int = 0
    detected: int = 0
    recognized: int = 0

    def __add__(self, other: SpottingCounts) -> SpottingCounts:
        return SpottingCounts(self.predictions + other.predictions,
                              self.ground_truth + other.ground_truth,
                              self.detected + other.detected, self.recognized + other.recognized)


def _geometry(polygon: Sequence[Point]) -> shapely.Geometry:
    """A shapely polygon, made valid when it is not; fewer than 3 vertices enclose nothing."""
    if len(polygon) < 3:
        return shapely.Polygon()
    geometry = shapely.Polygon(polygon)
    return geometry if geometry.is_valid else shapely.make_valid(geometry)


def _intersections(a: Sequence[shapely.Geometry], b: Sequence[shapely.Geometry]) -> np.ndarray:
    """Pairwise intersection areas (len(a), len(b)), 0 where either area is below EPSILON."""
    area_a, area_b = shapely.area(np.asarray(a)), shapely.area(np.asarray(b))
    out = np.zeros((len(a), len(b)))
    for i, j in zip(*np.nonzero((area_a[:, None] >= EPSILON) & (area_b[None, :] >= EPSILON)), strict=True):
        out[i, j] = a[i].intersection(b[j]).area
    return out


def spotting_counts(predictions: Sequence[Word], ground_truth: Sequence[Word], iou_threshold: float = 0.5,
                    dont_care_threshold: float = 0.5) -> SpottingCounts:
    """Match one image's predicted words to its ground truth (module docstring, steps 1-4)."""
    preds = [_geometry(w.polygon) for w in predictions]
    cares = [w for w in ground_truth if not w.ignore]
    ignored = [_geometry(w.polygon) for w in ground_truth if w.ignore]
    kept = list(range(len(preds)))
    if ignored and preds:
        inside = _intersections(preds, ignored) / (shapely.area(np.asarray(preds))[:, None] + EPSILON)
        kept = [i for i in kept if inside[i].max() < dont_care_threshold]
    detected = recognized = 0
    if cares and kept:
        gts = [_geometry(w.polygon) for w in cares]
        kept_preds = [preds[i] for i in kept]
        inter = _intersections(gts, kept_preds)
        union = shapely.area(np.asarray(gts))[:, None] + shapely.area(np.asarray(kept_preds))[None, :] - inter
        iou = inter / (union + EPSILON)
        best_pred, best_gt = np.argmax(iou, axis=1), np.argmax(iou, axis=0)
        for i, j in enumerate(best_pred):
            if iou[i, j] >= iou_threshold and best_gt[j] == i:
                detected += 1
                recognized += predictions[kept[j]].text == cares[i].text
    return SpottingCounts(len(kept), len(cares), detected, recognized)


def precision_recall_f1(matched: int, predictions: int, ground_truth: int) -> tuple[float, float, float]:
    """Precision, recall and F1 (fractions) of `matched` words, with HierText's empty cases."""
    precision = matched / predictions if predictions else 1.0
    recall = matched / ground_truth if ground_truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
