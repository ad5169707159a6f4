"""The adapter interface: turn a split's predictions and examples into metrics on the cards' scale."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pgeval.data.base import Example
from pgeval.errors import InputError
from pgeval.registry import Registry

# Which way a metric improves; "neither" marks a key that describes rather than grades (POPE's
# yes-ratio, a scorer's coverage): gates never fail on it and leaderboards never rank by it.
Direction = Literal["higher", "lower", "neither"]


@dataclass(frozen=True)
class Scored:
    """Metrics on the model cards' scale, the primary metric's score for each example, and facts
    about how the scores were made that a reader of the results needs (`info`, JSON-ready: e.g.
    which toxicity scorer rated the captions)."""

    metrics: dict[str, float]
    per_example: list[float]
    info: dict[str, Any] = field(default_factory=dict)


class Adapter(ABC):
    """Scores one metric family. Constructed with the task spec's `[scoring.args]`.

    `primary` names the metric whose per-example scores `score` returns. An `additive` adapter's
    primary metric is the mean of its per-example scores, so per-slice values are means over the
    slice; other adapters (CIDEr, F1) are re-run on each slice.
    """

    primary: ClassVar[str]
    additive: ClassVar[bool] = True
    # Run-time resources the adapter takes as keyword arguments when given (e.g. "vae": the
    # path of the segmentation mask decoder), beside the task spec's [scoring.args].
    resources: ClassVar[tuple[str, ...]] = ()
    # Why an example's primary score can be missing (NaN from `score`), as predictions files
    # say it next to a null score.
    unscored: ClassVar[str] = "the metric has no value for this example"

    def __init__(self, **args: Any) -> None:
        if args:
            raise InputError(f"adapter {type(self).__name__} takes no argument(s) {sorted(args)}")

    @classmethod
    def direction(cls, key: str) -> Direction:
        """Which way the metric `key` (possibly with a `:<slice>` suffix) improves."""
        return "higher"

    @abstractmethod
    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        """Score aligned predictions (one per example, same order)."""


ADAPTERS: Registry[type[Adapter]] = Registry("adapter", "pgeval.adapters")


def mean_scored(primary: str, per_example: list[float]) -> Scored:
    """The Scored of an additive adapter: the primary metric is the mean per-example score."""
    mean = sum(per_example) / len(per_example) if per_example else float("nan")
    return Scored({primary: mean}, per_example)
