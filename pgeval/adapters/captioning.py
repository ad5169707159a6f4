"""The captioning adapter: CIDEr (and BLEU-4, ROUGE-L) x 100 over the whole split."""

from __future__ import annotations

from collections.abc import Sequence

from pgeval.adapters.base import ADAPTERS, Adapter, Scored
from pgeval.data.base import Example
from pgeval.errors import InputError
from pgeval.metrics.captioning import SCORERS, caption_metrics


@ADAPTERS.register("captioning")
class Captioning(Adapter):
    """pycocoevalcap metrics on PTB tokens; `metrics` picks from cider, bleu4, rouge_l (cider is
    always computed: it is the primary metric); `tokenizer` is auto, java or python. Metrics are
    x 100 except those listed in `fraction` (a card that prints BLEU-4 as 0.192)."""

    primary = "cider"
    additive = False

    def __init__(
        self, metrics: Sequence[str] = ("cider",), tokenizer: str = "auto",
        fraction: Sequence[str] = (),
    ) -> None:
        unknown = [m for m in [*metrics, *fraction] if m not in SCORERS]
        if unknown:
            raise InputError(f"unknown caption metric(s) {unknown}; known: {sorted(SCORERS)}")
        self.metrics = ["cider", *[m for m in metrics if m != "cider"]]
        self.tokenizer = tokenizer
        self.scale = {m: 1.0 if m in fraction else 100.0 for m in self.metrics}

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        keys = [e.id for e in examples]
        results = caption_metrics(
            dict(zip(keys, predictions, strict=True)),
            {e.id: list(e.references) for e in examples},
            self.metrics,
            self.tokenizer,
        )
        per_cider = results["cider"][1]
        return Scored({m: self.scale[m] * results[m][0] for m in self.metrics},
                      [self.scale["cider"] * per_cider[k] for k in keys])
