"""ANLS as the official DocVQA / InfographicVQA script computes it."""

import pytest

from pgeval.metrics import anls


def test_exact_and_normalized_matches():
    assert anls("Paris", ["paris"]) == 1.0
    assert anls("  New   York ", ["new york"]) == 1.0
    assert anls("", [""]) == 1.0


def test_similarity_and_threshold():
    # one edit over 5 characters
    assert anls("paris", ["pariz"]) == pytest.approx(0.8)
    # exactly 0.5 is kept (the script zeroes scores below the threshold only)
    assert anls("ab", ["ax"]) == 0.5
    # 2 edits over 3 characters: 1/3 < 0.5
    assert anls("abc", ["axy"]) == 0.0
    assert anls("", ["abc"]) == 0.0
    assert anls("abc", ["axy"], threshold=0.3) == pytest.approx(1 / 3)


def test_length_comes_from_the_raw_strings():
    # distance 1 ("abce" vs "abcd") over the raw prediction's 8 characters, not 4
    assert anls("  abce  ", ["abcd"]) == pytest.approx(1 - 1 / 8)
    # len("ß".upper()) == 2: one edit over 2 characters is kept at 0.5
    assert anls("x", ["ß"]) == 0.5


def test_best_answer_counts():
    assert anls("1995", ["1996", "in 1995", "1995"]) == 1.0
    assert anls("1995", ["1996", "2000"]) == 0.75
    with pytest.raises(ValueError):
        anls("x", [])
