"""Reading a text-spotting answer: words, each a box of 4 `<locNNNN>` tokens then its transcription,
separated by " ; " (`<loc0120><loc0040><loc0180><loc0300> OPEN ; <loc...>... 24H`).

The PaliGemma 2 report says only that the transfer outputs {transcription, bounding box} pairs
(Sec. 4.2) and publishes no transfer config or parser, so pgeval reads the answer in PaliGemma's
own box syntax, the one of its `detect` task (big_vision's PaliGemma README and demo parser): a
box is y_min, x_min, y_max, x_max, each a location token 0..1023 of the image's height or width,
and what follows it up to the next location token is its label, here the transcription. The
tokens become fractions by dividing by 1023, the inverse of big_vision's encoding
(`round(fraction * 1023)`, pp/proj/paligemma/segmentation.py) and what pgeval's segmentation
reading does; the demo parser's 1024 differs by at most 0.1% of the image.

What counts as a word, and what is dropped without failing:
- a run of location tokens must hold a multiple of 4 (4k tokens: k boxes, the first k - 1 with an
  empty transcription); any other run, and the text after it, is dropped, as is a box with a
  value above 1023 (not a token of the vocabulary);
- text before the first box (an echoed prompt) is not a word;
- a transcription is the text after its box, stripped of surrounding whitespace and of the
  separator: a final ";" preceded by whitespace (or alone); "a; ;" is the word "a;";
- a box may be empty or inverted: it is the rectangle its two corners span, and counts as a
  prediction (an empty one matches nothing).
So an answer with no box at all is no prediction.
"""

from __future__ import annotations

import re

from pgeval.metrics.spotting import Word
from pgeval.segmentation.parse import NUM_LOC
from pgeval.segmentation.paste import fraction_box

_LOC = re.compile(r"<loc(\d{4})>")

Box = tuple[int, int, int, int]


def _transcription(text: str) -> str:
    text = text.strip()
    if text == ";" or (text.endswith(";") and text[-2].isspace()):
        text = text[:-1].rstrip()
    return text


def parse_words(answer: str) -> list[tuple[Box, str]]:
    """The (token box (y1, x1, y2, x2), transcription) pairs of an answer, in order."""
    tokens = list(_LOC.finditer(answer))
    words: list[tuple[Box, str]] = []
    start = 0
    while start < len(tokens):
        end = start + 1
        while end < len(tokens) and tokens[end].start() == tokens[end - 1].end():
            end += 1
        run = tokens[start:end]
        text_end = tokens[end].start() if end < len(tokens) else len(answer)
        text = _transcription(answer[run[-1].end():text_end])
        if len(run) % 4 == 0:
            values = [int(t.group(1)) for t in run]
            boxes = [tuple(values[k:k + 4]) for k in range(0, len(values), 4)]
            texts = [""] * (len(boxes) - 1) + [text]
            words += [(box, t) for box, t in zip(boxes, texts, strict=True) if max(box) < NUM_LOC]
        start = end
    return words


def predicted_words(answer: str, width: int, height: int) -> list[Word]:
    """The answer's words as pixel rectangles on a `width` x `height` image."""
    out = []
    for box, text in parse_words(answer):
        y1, x1, y2, x2 = fraction_box(box)
        y1, y2, x1, x2 = y1 * height, y2 * height, x1 * width, x2 * width
        out.append(Word(((x1, y1), (x2, y1), (x2, y2), (x1, y2)), text))
    return out
