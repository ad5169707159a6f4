"""VQA accuracy: every rule and quirk of the official script, on cases worked out by hand."""

import random

import pytest

from benchmarks.vqa_reference import reference_vqa_accuracy
from pgeval.metrics import vqa_accuracy, vqa_min3_accuracy
from pgeval.metrics.vqa_normalize import (
    CONTRACTIONS,
    normalize_answer,
    process_digit_article,
    process_punctuation,
)

MIXED = ["yes"] * 8 + ["no"] * 2


def test_leave_one_out_average():
    # "yes": every subset of 9 keeps at least 7 yes -> 1. "no": leaving out a yes keeps 2 no
    # (2/3), leaving out a no keeps 1 (1/3): (8 * 2/3 + 2 * 1/3) / 10.
    assert vqa_accuracy("yes", MIXED) == 1.0
    assert vqa_accuracy("no", MIXED) == pytest.approx(0.6, abs=1e-15)
    assert vqa_accuracy("maybe", MIXED) == 0.0
    # three "2" among seven "3": (3 * 2/3 + 7 * 1) / 10
    assert vqa_accuracy("2", ["2"] * 3 + ["3"] * 7) == pytest.approx(0.9, abs=1e-15)


def test_whitespace_is_always_stripped():
    assert vqa_accuracy(" yes\n", ["yes"] * 10) == 1.0
    assert vqa_accuracy("yes", ["\tyes "] * 10) == 1.0
    assert vqa_accuracy("red\tcar", ["red car"] * 10) == 1.0


def test_identical_answers_are_compared_verbatim():
    # all ten agree: no lowercasing, no punctuation or article handling
    assert vqa_accuracy("Yes", ["yes"] * 10) == 0.0
    assert vqa_accuracy("yes.", ["yes"] * 10) == 0.0
    assert vqa_accuracy("two", ["2"] * 10) == 0.0
    assert vqa_accuracy("a dog", ["dog"] * 10) == 0.0


def test_differing_answers_normalize_both_sides():
    answers = ["2"] * 9 + ["3"]
    assert vqa_accuracy("Two.", answers) == 1.0
    assert vqa_accuracy("a dog!", ["dog"] * 9 + ["cat"]) == 1.0
    # the human answers are normalized too: "The Dog" counts as "dog"
    assert vqa_accuracy("dog", ["The Dog"] * 3 + ["cat"] * 7) == pytest.approx(0.9, abs=1e-15)
    assert vqa_accuracy("dont", ["don't"] * 5 + ["no"] * 5) == 1.0


def test_punctuation_deleted_or_spaced():
    assert process_punctuation("well-known") == "well known"
    # a comma touching a space is deleted; the hyphen touches none and becomes a space
    assert process_punctuation("well-known, yes") == "well known yes"
    # a digit,digit comma anywhere deletes every mark instead of spacing it
    assert process_punctuation("well-known 1,000") == "wellknown 1000"
    # the test looks at the original text: " -" elsewhere makes every "-" disappear
    assert process_punctuation("x-ray - scan") == "xray  scan"
    assert process_punctuation("a/b (c)") == "a b c "


def test_period_rule():
    assert process_punctuation("3.5") == "3.5"
    assert process_punctuation(".5 cm.") == ".5 cm"
    assert process_punctuation("U.S.A.") == "USA"
    # the "look-behind" is a look-ahead for "<=", so a period after a digit still goes
    assert process_punctuation("1.a") == "1a"
    # at most 32 periods are removed
    assert process_punctuation("a." * 40) == "a" * 32 + "a." * 8


def test_digits_articles_contractions():
    assert process_digit_article("The Two Dogs") == "2 dogs"
    assert process_digit_article("none of an apple") == "0 of apple"
    assert process_digit_article("eleven") == "eleven"
    assert process_digit_article("isnt  it") == "isn't it"
    # table quirks kept: reversed entry, capitalized keys that never match
    assert CONTRACTIONS["somebody'd"] == "somebodyd"
    assert process_digit_article("somebody'd") == "somebodyd"
    assert process_digit_article("Im") == "im"
    assert normalize_answer("Yes!") == "yes"


def test_min3_rule_for_aokvqa():
    assert vqa_min3_accuracy("dog", ["dog", "dog", "cat"]) == pytest.approx(2 / 3)
    assert vqa_min3_accuracy("dog", ["dog"] * 4) == 1.0
    assert vqa_min3_accuracy("Dog", ["dog"] * 4) == 0.0


PIECES = ["yes", "no", "Yes", "2", "two", "3", "a dog", "the dog", "dog!", "1,000", "1000",
          "don't", "dont", "red-car", "red car", "3.5", "U.S.", "US", " yes\n", "none", "0",
          "it's", "its", "(a)", "a/b", "well, yes", "x.y", "ok."]


def test_matches_plain_reference_on_random_questions():
    rng = random.Random(0)
    for _ in range(3000):
        answers = [rng.choice(PIECES) for _ in range(10)]
        if rng.random() < 0.3:
            answers = [answers[0]] * 10
        prediction = rng.choice([*PIECES, " ".join(rng.sample(PIECES, 2))])
        assert vqa_accuracy(prediction, answers) == reference_vqa_accuracy(prediction, answers)
