"""Parsing `<loc>`/`<seg>` answers with the rule of big_vision's segmentation evaluator."""

import pytest

from pgeval.segmentation import Segment, format_segment, parse_segment

BOX = (205, 256, 614, 768)
CODES = tuple(range(0, 128, 8))
ANSWER = format_segment(BOX, CODES)


def test_valid_answer():
    assert ANSWER.startswith("<loc0205><loc0256><loc0614><loc0768><seg000><seg008>")
    assert parse_segment(ANSWER) == Segment(BOX, CODES)
    assert parse_segment(format_segment((0, 0, 1023, 1023), [127] * 16)) == Segment(
        (0, 0, 1023, 1023), (127,) * 16)


@pytest.mark.parametrize("text", [
    ANSWER + " man on the left",  # a label after the tokens: ignored
    ANSWER + " ; " + format_segment((1, 1, 2, 2), [0] * 16),  # a second instance: first is scored
    "\n " + ANSWER,  # leading whitespace is a decoding artifact, skipped
    ANSWER + "<seg001><loc0001>",  # more tokens than 20: the rest is ignored
])
def test_what_follows_the_20_tokens_is_ignored(text):
    assert parse_segment(text) == Segment(BOX, CODES)


@pytest.mark.parametrize("text", [
    "",
    "the man on the left",
    "segment the man " + ANSWER,  # text before the tokens (big_vision reads the first 20 tokens)
    format_segment(BOX, CODES[:15]),  # too few codes
    format_segment(BOX, []) + " man",  # a box alone (a detection answer)
    format_segment(BOX[:3], CODES),  # too few locations
    "".join(f"<seg{c:03d}>" for c in CODES) + format_segment(BOX, []),  # codes before the box
    ANSWER.replace("><seg000>", "> <seg000>"),  # a space between tokens
    ANSWER.replace("<loc0768>", "<loc1024>"),  # no such location token
    ANSWER.replace("<seg008>", "<seg128>"),  # no such code
    ANSWER.replace("<seg008>", "<seg08>"),  # malformed piece
    format_segment((614, 256, 205, 768), CODES),  # y2 < y1
    format_segment((205, 256, 205, 768), CODES),  # empty box in token units: y2 == y1
    format_segment((205, 768, 614, 768), CODES),  # x2 == x1
])
def test_invalid_answers(text):
    assert parse_segment(text) is None
