"""Closed-answer metrics: exact match, POPE, TallyQA counting, multiple choice, MMVP pairs."""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

# TallyQA's evaluator maps a whole answer string (lowercased for the lookup) to digits.
_COUNTS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
           "fifteen sixteen seventeen eighteen nineteen twenty")
COUNT_WORDS = {w: str(i) for i, w in enumerate(_COUNTS.split())} | {"none": "0"}


def exact_match(
    prediction: str, references: Sequence[str], *, lowercase: bool = False, strip: bool = False
) -> float:
    """1.0 when the prediction equals any reference (optionally lowercased / stripped)."""

    def norm(s: str) -> str:
        s = s.lower() if lowercase else s
        return s.strip() if strip else s

    p = norm(prediction)
    return float(any(p == norm(r) for r in references))


def count_to_digits(text: str) -> str:
    """A whole answer that is a number word ("Two", "none") becomes digits; others stay as they are."""
    return COUNT_WORDS.get(text.lower(), text)


def tallyqa_correct(prediction: str, answer: str) -> float:
    """TallyQA: exact match after number words become digits on both sides."""
    return float(count_to_digits(prediction) == count_to_digits(answer))


def pope_answer(text: str) -> str:
    """The official POPE reading of a free-text answer: 'no' when, in the text before the first
    period with commas removed, a space-separated word is 'No', 'no' or 'not'; otherwise 'yes'."""
    words = text.split(".")[0].replace(",", "").split(" ")
    return "no" if {"No", "no", "not"} & set(words) else "yes"


@dataclass(frozen=True)
class BinaryScores:
    """POPE's metrics with 'yes' as the positive class (fractions; NaN where undefined)."""

    accuracy: float
    precision: float
    recall: float
    f1: float
    yes_ratio: float


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def pope_scores(predictions: Sequence[str], labels: Sequence[str]) -> BinaryScores:
    """Accuracy, precision, recall, F1 and the share of 'yes' answers over a POPE split."""
    if len(predictions) != len(labels) or not labels:
        raise ValueError("need one label per prediction, and at least one")
    pred_yes = [pope_answer(p) == "yes" for p in predictions]
    gold_yes = [lab != "no" for lab in labels]
    tp = sum(p and g for p, g in zip(pred_yes, gold_yes, strict=True))
    fp = sum(p and not g for p, g in zip(pred_yes, gold_yes, strict=True))
    fn = sum(g and not p for p, g in zip(pred_yes, gold_yes, strict=True))
    tn = len(labels) - tp - fp - fn
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return BinaryScores(
        accuracy=(tp + tn) / len(labels),
        precision=precision,
        recall=recall,
        f1=_ratio(2 * tp, 2 * tp + fp + fn),
        yes_ratio=sum(pred_yes) / len(labels),
    )


def choice_key(text: str, pattern: re.Pattern[str] | None) -> str | None:
    """What a multiple-choice answer is compared by: the whole string, or the first group of
    `pattern` matched at the start of the lowercased text (None when it does not match)."""
    if pattern is None:
        return text
    m = pattern.match(text.lower())
    return m.group(1) if m else None


def multiple_choice_correct(
    prediction: str, answer: str, pattern: re.Pattern[str] | None = None
) -> float:
    """1.0 when the prediction picks the answer; an unparseable prediction is wrong."""
    key = choice_key(prediction, pattern)
    return float(key is not None and key == choice_key(answer, pattern))


def mmvp_correct(prediction: str, answer: str, options: str) -> float:
    """MMVP judged by rule: the answer's letter ("(a)", "a", "A") or its option text, ignoring case,
    surrounding spaces and a final period. `options` is MMVP's "(a) Open (b) Closed" string."""
    texts = {m.group(1): m.group(2).strip().lower()
             for m in re.finditer(r"\(([a-z])\)\s*(.*?)(?=\s*\([a-z]\)|$)", options.lower())}
    letter = answer.strip().lower().strip("()")
    said = prediction.strip().lower().rstrip(".").strip()
    return float(said in (letter, f"({letter})", texts.get(letter)))


def pair_outcomes(correct: Sequence[float], pairs: Sequence[Hashable]) -> dict[Hashable, bool]:
    """For each pair id: whether every member of the pair is correct (score 1.0)."""
    if len(correct) != len(pairs) or not pairs:
        raise ValueError("need one pair id per score, and at least one")
    ok: dict[Hashable, bool] = {}
    for c, p in zip(correct, pairs, strict=True):
        ok[p] = ok.get(p, True) and c == 1.0
    return ok


def paired_accuracy(correct: Sequence[float], pairs: Sequence[Hashable]) -> float:
    """Share of pairs whose every member is correct (MMVP's paired accuracy)."""
    ok = pair_outcomes(correct, pairs)
    return sum(ok.values()) / len(ok)
