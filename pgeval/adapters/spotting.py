"""Text spotting (ICDAR 2015, Total-Text): word-level precision, recall and F1 in percent.

Each answer is read into words (pgeval.metrics.spotting_output: `<loc>` x 4 boxes and their
transcriptions), placed on the ground-truth image's pixel grid, and matched to its words by the
HierText protocol (pgeval.metrics.spotting); the counts are summed over the split. Reported:
`precision`, `recall`, `f1` (detection and recognition, the card's columns) and `det_precision`,
`det_recall`, `det_f1` (boxes alone). The F1 is not a mean of per-image scores, so the adapter is
not additive; each example's score is its image's F1, which the gate compares.
"""

from __future__ import annotations

from collections.abc import Sequence

from pgeval.adapters.base import ADAPTERS, Adapter, Scored
from pgeval.data.base import Example
from pgeval.data.spotting_formats import SpottingTarget
from pgeval.errors import InputError
from pgeval.metrics.spotting import SpottingCounts, precision_recall_f1, spotting_counts
from pgeval.metrics.spotting_output import predicted_words


def _size(example: Example) -> tuple[int, int]:
    target = example.target
    if not isinstance(target, SpottingTarget):
        raise InputError("example has no text-spotting ground truth (a source such as `icdar15` or "
                         "`totaltext` sets it)", example_id=example.id)
    if target.size is None:
        raise InputError("the image could not be read, and its size is needed to place the predicted "
                         "boxes", path=target.image, example_id=example.id,
                         hint="put the benchmark's images where the task's `images` pattern says")
    return target.size


@ADAPTERS.register("text_spotting")
class TextSpotting(Adapter):
    """`iou_threshold`: the IoU a match needs; `dont_care_threshold`: the share of a prediction's
    area inside a "do not care" region that removes it (both 0.5 in HierText)."""

    primary = "f1"
    additive = False

    def __init__(self, iou_threshold: float = 0.5, dont_care_threshold: float = 0.5) -> None:
        self.iou_threshold, self.dont_care_threshold = iou_threshold, dont_care_threshold

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        total, per_image = SpottingCounts(), []
        for answer, example in zip(predictions, examples, strict=True):
            width, height = _size(example)
            counts = spotting_counts(predicted_words(answer, width, height), example.target.words,
                                     self.iou_threshold, self.dont_care_threshold)
            total += counts
            per_image.append(100.0 * precision_recall_f1(
                counts.recognized, counts.predictions, counts.ground_truth)[2])
        e2e = precision_recall_f1(total.recognized, total.predictions, total.ground_truth)
        det = precision_recall_f1(total.detected, total.predictions, total.ground_truth)
        metrics = dict(zip(("precision", "recall", "f1"), (100.0 * v for v in e2e), strict=True))
        metrics |= dict(zip(("det_precision", "det_recall", "det_f1"), (100.0 * v for v in det), strict=True))
        return Scored(metrics, per_image)
