"""Adapters whose metrics need a model-based judge chosen at run time, as the toxicity adapter's
scorer is: `long_caption` (DOCCI: characters and sentences per caption, and the non-entailed
sentences an entailment judge finds) and `report_generation` (MIMIC-CXR: the captioning metrics
and the RadGraph F1 a RadGraph scorer gives).

Without a judge, its metric is "not available": the key is absent (never 0) and the result's
`info["not_available"]` lists it; `info` also names the judge that was used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from importlib import metadata
from typing import Any, TypeVar

from pgeval.adapters.base import ADAPTERS, Adapter, Direction, Scored
from pgeval.adapters.captioning import Captioning
from pgeval.data.base import Example
from pgeval.errors import InputError
from pgeval.judges.entailment import (
    ENTAILMENT_JUDGES,
    Caption,
    EntailmentJudge,
    check_judgments,
    make_judge,
)
from pgeval.judges.radgraph import (
    KEY,
    RADGRAPH_SCORERS,
    RadGraphScorer,
    check_rewards,
    make_radgraph_scorer,
)
from pgeval.metrics.docci import caption_chars, mean, non_entailed_percent, split_sentences
from pgeval.metrics.radgraph import radgraph_f1
from pgeval.plugins import check_choice
from pgeval.registry import Registry

V = TypeVar("V")
NONE = "none"


def _options(registry: Registry[Any], options: Mapping[str, Any] | None) -> dict[str, Any]:
    """A spec's {judge name: {option: value}} tables, each name checked against the registry."""
    out = dict(options or {})
    for name, opts in out.items():
        registry.get(name)
        if not isinstance(opts, Mapping):
            raise InputError(f"options of {registry.kind} {name!r} must be a table, got {opts!r}")
    return out


def _choice(registry: Registry[Any], spec_choice: str | None, resource: object) -> Any:
    """The run-time resource, else the spec's choice; None (or "none") for no judge."""
    choice = resource if resource is not None else spec_choice
    if choice is None or choice == NONE:
        return None
    check_choice(registry, choice)
    return choice


def once_per_example(memo: dict[tuple[str, str], V], keys: Sequence[tuple[str, str]],
                     compute: Callable[[list[int]], list[V]]) -> list[V]:
    """The values of (id, text) `keys`, computing (`compute(indices)`) only those not in `memo`:
    a per-slice rescoring asks the judge nothing twice, and a file judge sees the whole split."""
    todo = [i for i, k in enumerate(keys) if k not in memo]
    if todo:
        memo.update(zip((keys[i] for i in todo), compute(todo), strict=True))
    return [memo[k] for k in keys]


@ADAPTERS.register("long_caption")
class LongCaption(Adapter):
    """Args: `judge` (an entailment judge choice: `file:PATH`, `nli:MODEL_DIR`, or none, the
    default), `judge_options` ({judge name: {option: value}}). The run-time resource
    `entailment_judge` replaces `judge`. The per-example score is the caption's length."""

    primary = "avg_chars"
    resources = ("entailment_judge",)

    @classmethod
    def direction(cls, key: str) -> Direction:
        return "lower" if key.split(":")[0] == "non_entailed" else "neither"

    def __init__(self, judge: str | None = None, judge_options: Mapping[str, Any] | None = None,
                 entailment_judge: str | EntailmentJudge | None = None) -> None:
        self.options = _options(ENTAILMENT_JUDGES, judge_options)
        self.choice = _choice(ENTAILMENT_JUDGES, judge, entailment_judge)
        self._memo: dict[tuple[str, str], list[bool]] = {}

    @cached_property
    def judge(self) -> EntailmentJudge | None:
        """The judge, made on first use (so a spec loads without the judge's dependencies)."""
        return None if self.choice is None else make_judge(self.choice, self.options)

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        sentences = [tuple(split_sentences(p)) for p in predictions]
        chars = [float(caption_chars(p)) for p in predictions]
        metrics = {"avg_chars": mean(chars), "avg_sentences": mean([float(len(s)) for s in sentences])}
        info: dict[str, Any] = {"sentence_splitter": f"pysbd {metadata.version('pysbd')}"}
        judge = self.judge
        info["entailment_judge"] = judge.describe() if judge else NONE
        judged = sum(map(len, sentences)) if judge else 0
        if judged:
            captions = [Caption(e.id, p, s, e.references[0])
                        for e, p, s in zip(examples, predictions, sentences, strict=True)]

            def compute(todo: list[int]) -> list[list[bool]]:
                subset = [captions[i] for i in todo]
                return check_judgments(judge.judge(subset), subset, judge)

            judgments = once_per_example(self._memo, [(c.id, c.text) for c in captions], compute)
            metrics["non_entailed"] = non_entailed_percent(judgments)
        else:
            info["not_available"] = ["non_entailed"]
        return Scored(metrics, chars, info)


@ADAPTERS.register("report_generation")
class ReportGeneration(Captioning):
    """The captioning adapter's metrics, and `radgraph_f1` (x 100) from a RadGraph scorer. Args
    as captioning's, and `radgraph` (a RadGraph scorer choice: `file:PATH`,
    `radgraph:MODEL_DIR`, or none, the default), `radgraph_options` ({scorer name: {option:
    value}}). The run-time resource `radgraph_scorer` replaces `radgraph`. Each report is
    rewarded against its example's first reference."""

    resources = ("radgraph_scorer",)

    def __init__(self, metrics: Sequence[str] = ("cider",), tokenizer: str = "auto",
                 fraction: Sequence[str] = (), radgraph: str | None = None,
                 radgraph_options: Mapping[str, Any] | None = None,
                 radgraph_scorer: str | RadGraphScorer | None = None) -> None:
        super().__init__(metrics=metrics, tokenizer=tokenizer, fraction=fraction)
        self.options = _options(RADGRAPH_SCORERS, radgraph_options)
        self.choice = _choice(RADGRAPH_SCORERS, radgraph, radgraph_scorer)
        self._memo: dict[tuple[str, str], float] = {}

    @cached_property
    def radgraph(self) -> RadGraphScorer | None:
        """The RadGraph scorer, made on first use."""
        return None if self.choice is None else make_radgraph_scorer(self.choice, self.options)

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        scored = super().score(predictions, examples)
        scorer = self.radgraph
        if scorer is None:
            return Scored(scored.metrics, scored.per_example,
                          {"radgraph_scorer": NONE, "not_available": [KEY]})

        def compute(todo: list[int]) -> list[float]:
            rewards = scorer.score([predictions[i] for i in todo],
                                   [examples[i].references[0] for i in todo],
                                   [examples[i].id for i in todo])
            return check_rewards(rewards, len(todo), scorer)

        rewards = once_per_example(self._memo, [(e.id, p) for e, p in zip(examples, predictions,
                                                                            strict=True)], compute)
        return Scored({**scored.metrics, KEY: radgraph_f1(rewards)}, scored.per_example,
                      {"radgraph_scorer": scorer.describe()})
