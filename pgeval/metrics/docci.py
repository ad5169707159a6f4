"""Long-caption statistics of the PaliGemma 2 report's DOCCI table (arXiv 2412.03555, Table 6 and
Appendix B.5; the PaliGemma report, arXiv 2407.07726 Sec. 3.2.4, has the same three columns).

- `avg_chars`: the mean caption length in characters. The report says "average prediction length
  in characters" and nothing more; here that is `len()` of the caption as generated, every
  character counted (spaces and punctuation included, Unicode code points, not bytes).
- `avg_sentences`: the mean number of sentences per caption. The report names no splitter; here
  it is pysbd's rule-based English segmenter (Sadvilkar and Neumann, 2020), which needs no model
  file: "Dr. Smith", "U.S." and "3.5 cm" do not end a sentence. Blank segments are dropped, so an
  empty caption has 0 sentences.
- `non_entailed`: the percentage of the generated sentences, pooled over all captions, that are
  not entailed. In the report five raters per sentence chose Entailment, Neutral, Contradiction
  or Nothing to assess against the image, the majority decided, and Neutral and Contradiction
  both count as non-entailment. Here the judgments come from an entailment judge
  (pgeval.judges.entailment): `non_entailed_percent` takes one list of booleans (entailed or
  not) per caption.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import pysbd


@cache
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[str]:
    """The caption's sentences, stripped, in order; none for blank text."""
    if not text.strip():
        return []
    return [s.strip() for s in _segmenter().segment(text) if s.strip()]


def caption_chars(text: str) -> int:
    """Characters in the caption, spaces and punctuation included."""
    return len(text)


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean, NaN for no values."""
    return math.fsum(values) / len(values) if values else math.nan


def non_entailed_percent(judgments: Sequence[Sequence[bool]]) -> float:
    """100 x (sentences judged not entailed) / (all sentences), pooled over captions; NaN when
    there is no sentence at all."""
    total = sum(len(j) for j in judgments)
    if not total:
        return math.nan
    return 100.0 * sum(not entailed for j in judgments for entailed in j) / total
