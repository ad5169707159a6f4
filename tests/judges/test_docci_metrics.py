"""DOCCI's long-caption statistics, counted by hand."""

import math

import pytest

from pgeval.metrics.docci import caption_chars, mean, non_entailed_percent, split_sentences


@pytest.mark.parametrize("text, sentences", [
    # an abbreviation and a decimal end no sentence
    ("Dr. Smith holds a 3.5 kg cat. It is gray.", ["Dr. Smith holds a 3.5 kg cat.", "It is gray."]),
    ("Mr. and Mrs. Lee stand at 10 a.m. outside.", ["Mr. and Mrs. Lee stand at 10 a.m. outside."]),
    ("There are 2.5 apples, i.e. too many. Is it noon? Yes.",
     ["There are 2.5 apples, i.e. too many.", "Is it noon?", "Yes."]),
    # an initialism, an ellipsis, a quotation ending in a period
    ("The U.S. flag hangs on a pole... It is windy!", ["The U.S. flag hangs on a pole...", "It is windy!"]),
    ('A sign reads "OPEN 24 HRS." The door is red.', ['A sign reads "OPEN 24 HRS."', "The door is red."]),
    # no final period is still one sentence; a line break between two
    ("A dog on grass", ["A dog on grass"]),
    ("Two cups.\nA spoon.", ["Two cups.", "A spoon."]),
    # nothing to split: no sentence
    ("", []),
    ("   \n", []),
])
def test_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_characters_count_spaces_and_punctuation():
    assert caption_chars("A red car.") == 10  # "A", "red", "car": 7 letters, 2 spaces, 1 period
    assert caption_chars("") == 0
    assert caption_chars("Café 日本") == 7  # code points, not UTF-8 bytes (11)


def test_non_entailed_share_is_pooled_over_sentences():
    # 2 of 4 sentences not entailed; the caption without sentences adds none: 50 %, not the mean
    # of the per-caption shares ((1/3 + 1) / 2 = 66.7 %)
    assert non_entailed_percent([[True, False, True], [False], []]) == pytest.approx(50.0)
    assert non_entailed_percent([[True, True]]) == 0.0  # judged and all entailed: a real 0
    assert math.isnan(non_entailed_percent([[], []]))  # nothing judged: no value
    assert math.isnan(mean([]))
    assert mean([529.0, 521.0]) == 525.0
