"""Exact match, POPE, TallyQA, multiple choice and MMVP rules."""

import re

import pytest

from pgeval.metrics import (
    exact_match,
    mmvp_correct,
    multiple_choice_correct,
    paired_accuracy,
    pope_answer,
    pope_scores,
    tallyqa_correct,
)


def test_exact_match():
    assert exact_match("True", ["True"]) == 1.0
    assert exact_match("true", ["True"]) == 0.0
    assert exact_match("true ", ["True"], lowercase=True) == 0.0
    assert exact_match("true ", ["True"], lowercase=True, strip=True) == 1.0
    assert exact_match("b", ["a", "b"]) == 1.0


@pytest.mark.parametrize(("text", "read"), [
    ("yes", "yes"), ("Yes, there is.", "yes"), ("no", "no"), ("No, there is not.", "no"),
    ("There is not a dog.", "no"), ("No!", "yes"), ("NO", "yes"), ("Not really", "yes"),
    ("no\nthere is none", "yes"), ("", "yes"), ("Yes. No.", "yes"), ("no,", "no"),
])
def test_pope_reads_answers_like_the_official_script(text, read):
    assert pope_answer(text) == read


def test_pope_scores():
    preds = ["yes", "yes", "no", "no", "yes", "No, it is not."]
    labels = ["yes", "no", "no", "yes", "yes", "no"]
    s = pope_scores(preds, labels)
    # tp=2 (0, 4), fp=1 (1), tn=2 (2, 5), fn=1 (3)
    assert s.accuracy == pytest.approx(4 / 6)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 / 3)
    assert s.yes_ratio == pytest.approx(3 / 6)
    all_no = pope_scores(["no", "no"], ["yes", "no"])
    assert all_no.accuracy == 0.5 and all_no.yes_ratio == 0.0
    assert all_no.precision != all_no.precision  # undefined without a predicted yes: NaN


def test_tallyqa_number_words():
    assert tallyqa_correct("Two", "2") == 1.0
    assert tallyqa_correct("none", "0") == 1.0
    assert tallyqa_correct("twenty", "20") == 1.0
    assert tallyqa_correct("2 ", "2") == 0.0
    assert tallyqa_correct("two apples", "2") == 0.0
    assert tallyqa_correct("3", "2") == 0.0


def test_multiple_choice():
    assert multiple_choice_correct("Frog", "Frog") == 1.0
    assert multiple_choice_correct("frog", "Frog") == 0.0
    pattern = re.compile(r"the answer is ([a-z])\.")
    assert multiple_choice_correct("The answer is B.", "The answer is B.", pattern) == 1.0
    assert multiple_choice_correct("the answer is b. because", "The answer is B.", pattern) == 1.0
    assert multiple_choice_correct("B", "The answer is B.", pattern) == 0.0


def test_mmvp():
    options = "(a) Open (b) Closed"
    assert mmvp_correct("Open", "(a)", options) == 1.0
    assert mmvp_correct("(a)", "(a)", options) == 1.0
    assert mmvp_correct("a", "(a)", options) == 1.0
    assert mmvp_correct("closed.", "(b)", options) == 1.0
    assert mmvp_correct("Closed", "(a)", options) == 0.0
    assert paired_accuracy([1.0, 1.0, 1.0, 0.0, 0.0, 0.0], ["0", "0", "1", "1", "2", "2"]) == 1 / 3
