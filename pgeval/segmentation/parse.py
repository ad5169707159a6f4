"""Reading a referring-segmentation answer: 4 `<locNNNN>` tokens, then 16 `<segNNN>` tokens.

The rule is big_vision's segmentation evaluator (the one behind the published RefCOCO numbers),
which reads the generated token ids: the first 4 must be location tokens (0..1023), the next 16
segmentation tokens (0..127), and the box must be non-empty in token units (y2 > y1 and x2 > x1);
whatever follows the 20 tokens is ignored. In text, that is:

- the 20 pieces must come first and touch each other: text before them (an echoed prompt,
  "segment cat ...") or a space between them makes the answer invalid, as a text or space token
  in those positions does for big_vision. Only leading whitespace is skipped, as an artifact of
  turning tokens into text rather than something the model said.
- fewer than 16 codes, a box alone, `<loc1500>` or `<seg200>` (not tokens of the vocabulary) are
  invalid.
- anything after the 20th piece (a label, "; " and a second instance, EOS text) is ignored: the
  first instance is scored.

The demo parser of the big_vision PaliGemma Space (`_SEGMENT_DETECT_RE`) is more lenient (text
before the tokens, spaces, optional codes); it is not what produced the published numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUM_LOC = 1024
NUM_SEG = 128
NUM_CODES = 16

_ANSWER = re.compile(r"<loc(\d{4})>" * 4 + r"<seg(\d{3})>" * NUM_CODES)


@dataclass(frozen=True, slots=True)
class Segment:
    """A parsed answer: the box (y1, x1, y2, x2) in location-token units 0..1023, and 16 codes
    0..127 that fill the decoder's 4x4 grid row by row."""

    box: tuple[int, int, int, int]
    codes: tuple[int, ...]


def parse_segment(text: str) -> Segment | None:
    """The box and codes that `text` starts with, or None when the answer is invalid."""
    m = _ANSWER.match(text.lstrip())
    if m is None:
        return None
    values = [int(g) for g in m.groups()]
    box, codes = values[:4], values[4:]
    if max(box) >= NUM_LOC or max(codes) >= NUM_SEG:
        return None
    y1, x1, y2, x2 = box
    if y2 <= y1 or x2 <= x1:
        return None
    return Segment((y1, x1, y2, x2), tuple(codes))


def format_segment(box: tuple[int, int, int, int], codes: tuple[int, ...] | list[int]) -> str:
    """The text of an answer (the inverse of parse_segment), e.g. for tests and examples."""
    return "".join(f"<loc{v:04d}>" for v in box) + "".join(f"<seg{c:03d}>" for c in codes)
