"""Metrics as pure functions on strings and arrays, each faithful to its official scorer."""

from pgeval.metrics.anls import anls
from pgeval.metrics.captioning import bleu4, caption_metrics, cider, rouge_l
from pgeval.metrics.choices import (
    exact_match,
    mmvp_correct,
    multiple_choice_correct,
    paired_accuracy,
    pope_answer,
    pope_scores,
    tallyqa_correct,
)
from pgeval.metrics.masks import box_iou, mask_iou, segmentation_scores
from pgeval.metrics.relaxed import relaxed_accuracy
from pgeval.metrics.vqa import vqa_accuracies, vqa_accuracy, vqa_min3_accuracy

__all__ = [
    "anls",
    "bleu4",
    "box_iou",
    "caption_metrics",
    "cider",
    "exact_match",
    "mask_iou",
    "mmvp_correct",
    "multiple_choice_correct",
    "paired_accuracy",
    "pope_answer",
    "pope_scores",
    "relaxed_accuracy",
    "rouge_l",
    "segmentation_scores",
    "tallyqa_correct",
    "vqa_accuracies",
    "vqa_accuracy",
    "vqa_min3_accuracy",
]
