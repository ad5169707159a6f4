"""VQA accuracy, the official rule: min(1, matches / 3) averaged over leave-one-out answer subsets.

Normalization (pgeval.metrics.vqa_normalize) runs on the answers and the prediction only when the
human answers, after stripping, are not all identical; otherwise strings compare as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pgeval.metrics.vqa_normalize import normalize_answer, strip_answer

_strip = lru_cache(maxsize=1 << 20)(strip_answer)


def vqa_accuracy(prediction: str, answers: Sequence[str]) -> float:
    """Accuracy (0..1) of one prediction against the human answers of one question."""
    if not answers:
        raise ValueError("a VQA question needs at least one human answer")
    gts = [_strip(a) for a in answers]
    pred = _strip(prediction)
    if len(set(gts)) > 1:
        gts = [normalize_answer(a) for a in gts]
        pred = normalize_answer(pred)
    matches = sum(g == pred for g in gts)
    # Leaving out an answer equal to the prediction removes one match, any other leaves them all;
    # summing the per-subset values in answer order keeps the official float arithmetic.
    hit, miss = min(1, (matches - 1) / 3), min(1, matches / 3)
    return float(sum(hit if g == pred else miss for g in gts)) / len(gts)


def vqa_accuracies(predictions: Sequence[str], answers: Sequence[Sequence[str]]) -> list[float]:
    """vqa_accuracy for many questions; each distinct string is normalized once."""
    if len(predictions) != len(answers):
        raise ValueError("need one list of answers per prediction")
    return [vqa_accuracy(p, a) for p, a in zip(predictions, answers, strict=True)]


def vqa_min3_accuracy(prediction: str, answers: Sequence[str]) -> float:
    """min(1, matches / 3) over all answers, strings compared as they are: A-OKVQA's official
    direct-answer rule (no normalization, no leave-one-out). Empty answers never match: big_vision
    drops them from VizWiz's annotations before scoring it so."""
    return min(1.0, sum(prediction == a for a in answers if a) / 3.0)
