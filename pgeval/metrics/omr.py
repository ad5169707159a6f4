"""GrandStaff's error rates of optical music recognition: CER, SER and LER over **kern text.

The PaliGemma 2 report (arXiv 2412.03555, Sec. 4.5) uses "the same metrics as" the Sheet Music
Transformer paper (Ríos-Vila et al., ICDAR 2024), whose scorer is `compute_poliphony_metrics` in
antoniorv6/SMT, eval_functions.py. Each transcription is split three ways:

- characters (CER): every character, tabs, newlines and spaces included;
- symbols (SER): each newline becomes the token `<b>` and each tab `<t>`, both set between
  spaces, and the text is cut at every single space (so the notes of a chord, which **kern
  separates by a space, are symbols of their own, and two spaces in a row leave an empty symbol,
  as Python's `str.split(" ")` does);
- lines (LER): cut at each newline, a whole line being one symbol.

A rate is 100 x the Levenshtein distances summed over the corpus, divided by the summed lengths of
the reference splits (corpus-level, not a mean of per-sample rates).

`normalize_kern` is the ground-truth preparation of SMT's loaders (antoniorv6/SMT, data.py), in
its order: surrounding newlines and spaces are stripped, then the measure numbers right after `=`
in barlines are erased (SMT's vocabulary has no numbered barlines), then the `·` that separates
the parts of a **bekern token is removed. The order shows where a `·` touches a number or an end:
`=·12` keeps its 12, `=1·2` becomes `=2`, and a `·` at either end shields the whitespace inside it
from the strip.

`smt_ground_truth` is the whole path of a reference through SMT: prepared as above, written as
tokens (a space as `<s>`, a tab as `<t>`, a newline as `<b>`) and read back by its validation step,
which turns every `<t>`, `<b>` and `<s>` into whitespace, those the text held literally too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

BREAK, TAB = "<b>", "<t>"
_MEASURE_NUMBER = re.compile(r"(?<==)\d+")
# How the Sheet Music Transformer writes a tab, a line break and a space as tokens
# (antoniorv6/SMT, smt_trainer.py, validation_step), in the order it decodes them.
SMT_TOKENS = (("<t>", "\t"), (BREAK, "\n"), ("<s>", " "))


def normalize_kern(text: str) -> str:
    """A transcription as SMT's loader prepares it: stripped, then no measure numbers, then no
    `·` separators."""
    return _MEASURE_NUMBER.sub("", text.strip("\n ")).replace("·", "")


def decode_smt_tokens(text: str) -> str:
    """SMT's `<t>`, `<b>` and `<s>` tokens turned into a tab, a newline and a space."""
    for token, char in SMT_TOKENS:
        text = text.replace(token, char)
    return text


def smt_ground_truth(text: str) -> str:
    """A reference as SMT's scorer receives it: prepared (`normalize_kern`), its whitespace
    written as tokens and all tokens decoded again."""
    encoded = normalize_kern(text)
    for token, char in SMT_TOKENS[::-1]:
        encoded = encoded.replace(char, token)
    return decode_smt_tokens(encoded)


def kern_characters(kern: str) -> str:
    """The CER split: the characters themselves (a string is their sequence)."""
    return kern


def kern_symbols(kern: str) -> list[str]:
    """The SER split: `<b>` for each newline, `<t>` for each tab, cut at every space."""
    return kern.replace("\n", f" {BREAK} ").replace("\t", f" {TAB} ").split(" ")


def kern_lines(kern: str) -> list[str]:
    """The LER split: one symbol per line."""
    return kern.split("\n")


# In the model card's column order.
SPLITS: dict[str, Callable[[str], Sequence[str]]] = {
    "cer": kern_characters, "ler": kern_lines, "ser": kern_symbols}


@dataclass(frozen=True)
class EditCount:
    """One transcription's edit distance to its reference and the reference's length, in the
    units of one split."""

    distance: int
    length: int


def edit_count(prediction: str, reference: str, split: Callable[[str], Sequence[str]]) -> EditCount:
    ref = split(reference)
    return EditCount(Levenshtein.distance(split(prediction), ref), len(ref))


def error_rate(counts: Iterable[EditCount]) -> float:
    """100 x summed distances / summed reference lengths."""
    counts = list(counts)
    length = sum(c.length for c in counts)
    if length == 0:
        raise ValueError("the references have no symbol to compare with")
    return 100.0 * sum(c.distance for c in counts) / length


def omr_error_rates(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """{"cer", "ler", "ser"} in percent over the corpus of aligned (prediction, reference) pairs."""
    if len(predictions) != len(references):
        raise ValueError("need one prediction per reference")
    return {key: error_rate(edit_count(p, r, split) for p, r in zip(predictions, references, strict=True))
            for key, split in SPLITS.items()}
