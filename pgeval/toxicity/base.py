"""The toxicity-scorer interface, the attributes the model cards report, and the scorer registry.

A scorer rates caption texts on some of the five Perspective attributes. For every text it returns
one dict with all five attributes: a score in [0, 1], or None where the scorer cannot rate that
attribute ("not available", never 0). Scorers are registered by name in `SCORERS`; third-party
packages add theirs under the `pgeval.toxicity_scorers` entry-point group.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from pgeval.metrics.unit_score import is_unit_score
from pgeval.plugins import Pluggable, ScorerError, make_plugin
from pgeval.registry import Registry

TOXICITY = "TOXICITY"
IDENTITY_ATTACK = "IDENTITY_ATTACK"
INSULT = "INSULT"
THREAT = "THREAT"
PROFANITY = "PROFANITY"
# In the order of the model cards' fairness table.
ATTRIBUTES: tuple[str, ...] = (TOXICITY, IDENTITY_ATTACK, INSULT, THREAT, PROFANITY)

Scores = dict[str, float | None]


class ToxicityScorer(Pluggable, ABC):
    """Rates texts on the attributes in `attributes` (a subset of ATTRIBUTES).

    `argument` names the keyword argument that the `name:VALUE` form of a scorer choice fills
    (`file:scores.jsonl` gives FileScorer(path="scores.jsonl")); None when the form takes none.
    """

    attributes: ClassVar[tuple[str, ...]] = ATTRIBUTES

    @abstractmethod
    def score(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[Scores]:
        """One dict per text (same order) with every attribute of ATTRIBUTES: a score or None.

        `ids` are the examples' ids, aligned with `texts`, for scorers that look scores up by id
        and for error messages.
        """

    def describe(self) -> str:
        """One line for logs and results: what this scorer is and which attributes it rates."""
        return f"{type(self).__name__} ({', '.join(self.attributes)})"


SCORERS: Registry[type[ToxicityScorer]] = Registry("toxicity scorer", "pgeval.toxicity_scorers")


def empty_scores() -> Scores:
    return dict.fromkeys(ATTRIBUTES)


def make_scorer(choice: str | ToxicityScorer,
                options: Mapping[str, Mapping[str, Any]] | None = None) -> ToxicityScorer:
    """A scorer from a choice: an instance (returned as is), `name` or `name:VALUE`.

    `options` maps scorer names to keyword arguments (the task spec's
    `[scoring.args.scorer_options.<name>]` tables); only the chosen scorer's are used.
    """
    return make_plugin(SCORERS, ToxicityScorer, choice, options)


def attribute_scores(record: Mapping[str, Any], invalid: Callable[[str, Any], Exception]) -> Scores:
    """The five attributes of one text's scores (None where left out or null); a value that is
    not a finite number in [0, 1] raises `invalid(attribute, value)`."""
    row = empty_scores()
    for attr in ATTRIBUTES:
        v = record.get(attr)
        if v is None:
            continue
        if not is_unit_score(v):
            raise invalid(attr, v)
        row[attr] = float(v)
    return row


def check_scores(scores: Sequence[Mapping[str, Any]], n: int, scorer: ToxicityScorer) -> list[Scores]:
    """Validate a scorer's output: n dicts, each value None or a finite number in [0, 1]."""
    if len(scores) != n:
        raise ScorerError(f"{scorer.describe()} returned {len(scores)} results for {n} texts")

    def invalid(i: int) -> Callable[[str, Any], Exception]:
        return lambda attr, v: ScorerError(f"{scorer.describe()} gave {attr}={v!r} for text {i}; "
                                           "scores must lie in [0, 1] or be None")

    return [attribute_scores(s, invalid(i)) for i, s in enumerate(scores)]
