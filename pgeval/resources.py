"""The run-time resources some adapters take beside their task spec's arguments: the
segmentation mask decoder and the model-based scorers and judges. Built once by a command and
passed to every adapter, each of which takes the ones it names (Adapter.resources)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pgeval.judges.entailment import EntailmentJudge
    from pgeval.judges.radgraph import RadGraphScorer
    from pgeval.toxicity.base import ToxicityScorer


@dataclass(frozen=True, kw_only=True)
class Resources:
    """`vae`: big_vision's vae-oid.npz (refcoco tasks); `toxicity_scorer`, `entailment_judge`,
    `radgraph_scorer`: a choice ("perspective", "file:scores.jsonl", "nli:MODEL_DIR", ...) or
    a scorer object, replacing the one the task spec names. None: not given."""

    vae: str | Path | None = None
    toxicity_scorer: str | ToxicityScorer | None = None
    entailment_judge: str | EntailmentJudge | None = None
    radgraph_scorer: str | RadGraphScorer | None = None

    def taken_by(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The given resources among `names` (an adapter's `resources`), as its keyword arguments."""
        return {n: value for n in names if (value := getattr(self, n, None)) is not None}

    def with_default_vae(self, checkpoint: Path) -> Resources:
        """These resources, with big_vision's mask decoder beside `checkpoint` when no `vae`
        was given and the file is there."""
        candidate = (checkpoint if checkpoint.is_dir() else checkpoint.parent) / "vae-oid.npz"
        if self.vae is not None or not candidate.is_file():
            return self
        return dataclasses.replace(self, vae=candidate)


NO_RESOURCES = Resources()
