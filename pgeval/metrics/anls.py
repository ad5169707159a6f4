"""ANLS, as the official DocVQA / InfographicVQA evaluation script computes it.

Per answer: the Levenshtein distance between the normalized strings (lowercased, whitespace runs
collapsed, stripped) divided by the longer of the two raw strings' uppercase lengths; the
question's score is 1 minus the smallest such ratio, set to 0 when below the threshold (a score
of exactly the threshold is kept).
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein


def _normalize(text: str) -> str:
    return " ".join(text.strip().lower().split())


def normalized_distance(prediction: str, answer: str) -> float:
    """Edit distance of the normalized strings over the raw strings' length (0 for two empties)."""
    length = max(len(answer.upper()), len(prediction.upper()))
    if length == 0:
        return 0.0
    return Levenshtein.distance(_normalize(answer), _normalize(prediction)) / length


def anls(prediction: str, answers: Sequence[str], threshold: float = 0.5) -> float:
    """Average-normalized-Levenshtein-similarity score (0..1) of one prediction."""
    if not answers:
        raise ValueError("ANLS needs at least one answer")
    score = 1.0 - min(normalized_distance(prediction, a) for a in answers)
    return 0.0 if score < threshold else score
