"""Adapters for question answering: VQA accuracy, ANLS, relaxed accuracy, exact match, TallyQA,
multiple choice, MMVP pairs and POPE. Scores are percentages, as the model cards print them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import ClassVar

from pgeval.adapters.base import ADAPTERS, Adapter, Direction, Scored, mean_scored
from pgeval.data.base import Example
from pgeval.errors import InputError
from pgeval.metrics import (
    anls,
    exact_match,
    mmvp_correct,
    multiple_choice_correct,
    pope_scores,
    relaxed_accuracy,
    tallyqa_correct,
    vqa_accuracy,
    vqa_min3_accuracy,
)
from pgeval.metrics.choices import choice_key, pair_outcomes, pope_answer


def percent_each(
    fn: Callable[[str, Example], float], predictions: Sequence[str], examples: Sequence[Example]
) -> list[float]:
    return [100.0 * fn(p, e) for p, e in zip(predictions, examples, strict=True)]


def required_field(example: Example, name: str) -> str:
    if name not in example.fields:
        raise InputError(f"example has no {name!r} field, which this metric needs",
                         example_id=example.id)
    return example.fields[name]


@ADAPTERS.register("vqa_accuracy")
class VqaAccuracy(Adapter):
    """VQA accuracy over the human answers. `rule`: "official" (the VQA evaluation script) or
    "min3" (min(1, matches/3), no normalization: A-OKVQA's direct-answer rule, and the rule
    big_vision scores OK-VQA and VizWiz with). `also`: other rules reported beside it, each as
    `accuracy_<rule>` (the per-example scores stay the primary rule's)."""

    primary = "accuracy"
    RULES: ClassVar[dict[str, Callable[[str, Sequence[str]], float]]] = {
        "official": vqa_accuracy, "min3": vqa_min3_accuracy}

    def __init__(self, rule: str = "official", also: Sequence[str] = ()) -> None:
        for name in (rule, *also):
            if name not in self.RULES:
                raise InputError(f"vqa_accuracy rule must be one of {sorted(self.RULES)}, got {name!r}")
        self.fn = self.RULES[rule]
        self.also = tuple(also)

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        per = percent_each(lambda p, e: self.fn(p, e.references), predictions, examples)
        scored = mean_scored(self.primary, per)
        for name in self.also:
            fn = self.RULES[name]
            other = percent_each(lambda p, e, fn=fn: fn(p, e.references), predictions, examples)
            scored.metrics[f"{self.primary}_{name}"] = mean_scored(name, other).metrics[name]
        return scored


@ADAPTERS.register("anls")
class Anls(Adapter):
    """ANLS of the official DocVQA / InfographicVQA script."""

    primary = "anls"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        per = percent_each(lambda p, e: anls(p, e.references, self.threshold), predictions,
                           examples)
        return mean_scored(self.primary, per)


@ADAPTERS.register("relaxed_accuracy")
class RelaxedAccuracy(Adapter):
    """ChartQA's relaxed accuracy against the single label."""

    primary = "relaxed_accuracy"

    def __init__(self, tolerance: float = 0.05) -> None:
        self.tolerance = tolerance

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        per = percent_each(lambda p, e: relaxed_accuracy(p, e.references[0], self.tolerance),
                           predictions, examples)
        return mean_scored(self.primary, per)


@ADAPTERS.register("exact_match")
class ExactMatch(Adapter):
    """Right when the prediction equals any reference; case and spaces count unless told.
    `fraction`: accuracy in 0..1 rather than percent, for a card that prints it so (VSR's 0.75)."""

    primary = "accuracy"

    def __init__(self, lowercase: bool = False, strip: bool = False, fraction: bool = False) -> None:
        self.lowercase, self.strip, self.fraction = lowercase, strip, fraction

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        per = [float(exact_match(p, e.references, lowercase=self.lowercase, strip=self.strip))
               for p, e in zip(predictions, examples, strict=True)]
        return mean_scored(self.primary, per if self.fraction else [100.0 * v for v in per])


@ADAPTERS.register("tallyqa")
class TallyQa(Adapter):
    """Counting: exact match after number words become digits."""

    primary = "accuracy"

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        per = percent_each(lambda p, e: tallyqa_correct(p, e.references[0]), predictions, examples)
        return mean_scored(self.primary, per)


@ADAPTERS.register("multiple_choice")
class MultipleChoice(Adapter):
    """The prediction must pick the right option: compared whole, or by the first group of
    `pattern` matched at the start of the lowercased text (ScienceQA: "the answer is ([a-z])\\.").
    Also reports the share of predictions the pattern cannot parse."""

    primary = "accuracy"

    def __init__(self, pattern: str | None = None) -> None:
        try:
            self.pattern = re.compile(pattern) if pattern else None
        except re.error as e:
            raise InputError(f"multiple_choice pattern {pattern!r} is not a regex: {e}") from None

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        per = percent_each(
            lambda p, e: multiple_choice_correct(p, e.references[0], self.pattern),
            predictions, examples)
        scored = mean_scored(self.primary, per)
        if self.pattern is not None:
            failed = sum(choice_key(p, self.pattern) is None for p in predictions)
            scored.metrics["parse_failures"] = 100.0 * failed / len(predictions)
        return scored


@ADAPTERS.register("mmvp")
class Mmvp(Adapter):
    """MMVP paired accuracy: a pair (examples sharing the `pair` field) counts when both of its
    questions are answered right. Each example's score is its pair's, so their mean is the
    paired accuracy; per-question accuracy is reported beside it."""

    primary = "paired_accuracy"
    additive = False

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        correct = [mmvp_correct(p, e.references[0], required_field(e, "options"))
                   for p, e in zip(predictions, examples, strict=True)]
        pairs = [required_field(e, "pair") for e in examples]
        pair_ok = pair_outcomes(correct, pairs)
        per = [100.0 * pair_ok[pair] for pair in pairs]
        return Scored({"paired_accuracy": 100.0 * sum(pair_ok.values()) / len(pair_ok),
                       "accuracy": 100.0 * sum(correct) / len(correct)}, per)


@ADAPTERS.register("pope")
class Pope(Adapter):
    """POPE: answers read as yes/no by the official rule; accuracy, precision, recall, F1 and
    yes-ratio with 'yes' as the positive class."""

    primary = "accuracy"
    additive = False

    @classmethod
    def direction(cls, key: str) -> Direction:
        return "neither" if key.split(":")[0] == "yes_ratio" else "higher"

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        labels = [e.references[0] for e in examples]
        s = pope_scores(predictions, labels)
        per = [100.0 * (pope_answer(p) == lab) for p, lab in zip(predictions, labels, strict=True)]
        return Scored({k: 100.0 * v for k, v in asdict(s).items()}, per)
