"""Optical music recognition: GrandStaff's character, line and symbol error rates of **kern
transcriptions, in percent (lower is better)."""

from __future__ import annotations

from collections.abc import Sequence

from pgeval.adapters.base import ADAPTERS, Adapter, Direction, Scored
from pgeval.data.base import Example
from pgeval.errors import InputError
from pgeval.metrics.omr import (
    SPLITS,
    decode_smt_tokens,
    edit_count,
    error_rate,
    kern_characters,
    normalize_kern,
    omr_error_rates,
    smt_ground_truth,
)


@ADAPTERS.register("omr_error_rates")
class OmrErrorRates(Adapter):
    """CER, LER and SER (pgeval.metrics.omr) of each prediction against the example's first
    reference, the reference as SMT's scorer receives it (`smt_ground_truth`), the prediction
    prepared by `normalize_kern`. The rates are pooled over the corpus, so a slice
    is scored anew; an example's own score is its CER. `smt_tokens`: the predictions write line
    breaks, tabs and spaces as SMT's tokens `<b>`, `<t>` and `<s>` (decoded before comparing)."""

    primary = "cer"
    additive = False

    def __init__(self, smt_tokens: bool = False) -> None:
        if not isinstance(smt_tokens, bool):
            raise InputError(f"omr_error_rates smt_tokens must be true or false, got {smt_tokens!r}")
        self.smt_tokens = smt_tokens

    @classmethod
    def direction(cls, key: str) -> Direction:
        return "lower" if key.split(":")[0] in SPLITS else "higher"

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        references = []
        for e in examples:
            reference = smt_ground_truth(e.references[0]) if e.references else ""
            if not reference:
                raise InputError("the reference transcription is empty", example_id=e.id)
            references.append(reference)
        texts = [normalize_kern(decode_smt_tokens(p) if self.smt_tokens else p) for p in predictions]
        per = [error_rate([edit_count(p, r, kern_characters)])
               for p, r in zip(texts, references, strict=True)]
        return Scored(omr_error_rates(texts, references), per)
