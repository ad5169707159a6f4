"""RadGraph scorers: one reward in [0, 1] per generated radiology report, against its reference
report (the rule: pgeval.metrics.radgraph). Scorers are registered by name in `RADGRAPH_SCORERS`.

- `file:SCORES.jsonl`: rewards computed elsewhere, one JSON object per report per line,
  {"id": "s50414267", "radgraph_f1": 0.31, "text": "<the generated report>"} (`text`, or
  `prediction`, optional: it must be the report scored). Every report of the split needs a line,
  and every line a report of the split.
- `radgraph:MODEL_DIR`: the radgraph package's F1RadGraph (extra `pgeval[radgraph]`) on a model
  already on disk: MODEL_DIR is the package's `model_cache_dir`, holding `<model_type>/` with
  `config.json`, `weights.th` and `vocabulary/` (the package's unpacked archive), and the
  Hugging Face cache must hold the BERT tokenizer and model its config names (or pass
  `tokenizer_cache_dir`). Nothing is downloaded: a missing file is an error.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pgeval.errors import InputError
from pgeval.judges.local_models import offline_hub, require_folder
from pgeval.metrics.radgraph import REWARD_LEVEL, REWARD_LEVELS
from pgeval.metrics.unit_score import is_unit_score
from pgeval.plugins import IdKeyedFile, Pluggable, ScorerError, make_plugin
from pgeval.registry import Registry

KEY = "radgraph_f1"
EXTRA = "radgraph"
MODEL_TYPES = ("radgraph", "radgraph-xl", "modern-radgraph-xl")
MODEL_FILES = ("config.json", "weights.th", "vocabulary")


class RadGraphScorer(Pluggable, ABC):
    """Rewards generated reports against their reference reports."""

    @abstractmethod
    def score(self, reports: Sequence[str], references: Sequence[str], ids: Sequence[str]) -> list[float]:
        """One reward in [0, 1] per report (same order)."""


RADGRAPH_SCORERS: Registry[type[RadGraphScorer]] = Registry("RadGraph scorer", "pgeval.radgraph_scorers")


def make_radgraph_scorer(choice: str | RadGraphScorer,
                         options: Mapping[str, Mapping[str, Any]] | None = None) -> RadGraphScorer:
    """A scorer from a choice: an instance (returned as is), `name` or `name:VALUE`."""
    return make_plugin(RADGRAPH_SCORERS, RadGraphScorer, choice, options)


def check_rewards(rewards: Sequence[object], n: int, scorer: RadGraphScorer) -> list[float]:
    """A scorer's output, checked: n numbers in [0, 1]."""
    if len(rewards) != n:
        raise ScorerError(f"{scorer.describe()} returned {len(rewards)} rewards for {n} reports")
    bad = next((i for i, r in enumerate(rewards) if not is_unit_score(r)), None)
    if bad is not None:
        raise ScorerError(f"{scorer.describe()} gave {rewards[bad]!r} for report {bad}; rewards "
                          "must lie in [0, 1]")
    return [float(r) for r in rewards]  # type: ignore[arg-type]


def _reward(record: Mapping[str, Any], where: dict[str, Any]) -> float:
    value = record.get(KEY)
    if not is_unit_score(value):
        raise InputError(f"{KEY} must be a number in [0, 1] (the report's F1, not in percent), "
                         f"got {value!r}", **where)
    return float(value)


@RADGRAPH_SCORERS.register("file")
class FileRadGraph(RadGraphScorer):
    """Rewards looked up by example id in `path` (`file:PATH`)."""

    argument = "path"

    def __init__(self, path: str | Path) -> None:
        self.file = IdKeyedFile(
            path, kind="RadGraph scores", what="scores", item="report", keys=(KEY,), parse=_reward,
            keys_hint=f'keys are "id", "{KEY}", "text"',
            line_hint=f'one JSON object per report: {{"id": ..., "{KEY}": 0.31}}')

    def describe(self) -> str:
        return f"file ({self.file.path})"

    def score(self, reports: Sequence[str], references: Sequence[str], ids: Sequence[str]) -> list[float]:
        return self.file.lookup(reports, ids)


@RADGRAPH_SCORERS.register("radgraph")
class PackageRadGraph(RadGraphScorer):
    """`radgraph:MODEL_DIR`; options `model_type` ("radgraph", RadGraph 1.0 of Jain et al. as the
    report cites; or "radgraph-xl", "modern-radgraph-xl"), `reward_level` ("partial"),
    `tokenizer_cache_dir`, `batch_size` (1), `cuda` (-1 for the CPU; default: GPU 0 if any)."""

    argument = "model_dir"

    def __init__(self, model_dir: str | Path, model_type: str = "radgraph",
                 reward_level: str = REWARD_LEVEL, tokenizer_cache_dir: str | None = None,
                 batch_size: int = 1, cuda: int | None = None) -> None:
        if model_type not in MODEL_TYPES:
            raise InputError(f"model_type must be one of {MODEL_TYPES}, got {model_type!r}")
        if reward_level not in REWARD_LEVELS:
            raise InputError(f"reward_level must be one of {REWARD_LEVELS}, got {reward_level!r}")
        self.model_dir = Path(model_dir)
        require_folder(self.model_dir / model_type, MODEL_FILES, f"RadGraph model {model_type!r}",
                       f"MODEL_DIR/{model_type}/ must hold the radgraph package's unpacked "
                       f"{model_type}.tar.gz; pgeval never downloads it")
        self.model_type, self.reward_level = model_type, reward_level
        self.options = {"tokenizer_cache_dir": tokenizer_cache_dir, "batch_size": batch_size,
                        "cuda": cuda}
        self._f1: Any = None

    def describe(self) -> str:
        return f"radgraph ({self.model_type} in {self.model_dir}; reward {self.reward_level})"

    def _load(self) -> Any:
        if self._f1 is None:
            try:
                from radgraph import F1RadGraph
            except ImportError as e:
                raise InputError(f"the radgraph scorer needs the radgraph package ({e})",
                                 hint=f"pip install 'pgeval[{EXTRA}]'; or give per-report scores "
                                      "with --radgraph-scorer file:SCORES.jsonl") from None
            with offline_hub():
                try:
                    self._f1 = F1RadGraph(reward_level=self.reward_level, model_type=self.model_type,
                                          model_cache_dir=str(self.model_dir), **self.options)
                except OSError as e:
                    raise InputError(f"cannot load the RadGraph model: {e}", path=str(self.model_dir),
                                     hint="the BERT files its config names must be in the Hugging "
                                          "Face cache (or tokenizer_cache_dir)") from None
        return self._f1

    def score(self, reports: Sequence[str], references: Sequence[str], ids: Sequence[str]) -> list[float]:
        f1 = self._load()
        with offline_hub():
            _, rewards, _, _ = f1(refs=list(references), hyps=list(reports))
        return [float(r) for r in rewards]
