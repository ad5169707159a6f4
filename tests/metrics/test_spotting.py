"""Text spotting: HierText matching worked out by hand, agreement with the HierText evaluator, and
reading `<loc>` answers (malformed ones are no prediction, never an error)."""

import pytest

from pgeval.metrics.spotting import SpottingCounts, Word, precision_recall_f1, spotting_counts
from pgeval.metrics.spotting_output import parse_words, predicted_words


def sq(x1, y1, x2, y2):
    return ((x1, y1), (x2, y1), (x2, y2), (x1, y2))


def counts(predictions, ground_truth):
    c = spotting_counts([Word(tuple(p), t) for p, t in predictions],
                        [Word(tuple(p), t, ignore) for p, t, ignore in ground_truth])
    return c.predictions, c.ground_truth, c.detected, c.recognized


WORD = (sq(0, 0, 10, 10), "Hello", False)  # area 100


def test_iou_exactly_at_the_threshold_falls_short():
    # 50 / (100 + 1e-5) < 0.5: HierText adds 1e-5 to the union, so a geometric 0.5 is no match
    assert counts([(sq(0, 0, 10, 5), "Hello")], [WORD]) == (1, 1, 0, 0)
    # 60 / 100 = 0.6: detected and recognized
    assert counts([(sq(0, 0, 10, 6), "Hello")], [WORD]) == (1, 1, 1, 1)


def test_transcriptions_compare_exactly():
    # detected each time; only the identical string is recognized (case and punctuation count)
    for text, recognized in (("Hello", 1), ("hello", 0), ("HELLO", 0), ("Hello!", 0), (" Hello", 0)):
        assert counts([(sq(0, 0, 10, 10), text)], [WORD]) == (1, 1, 1, recognized)


def test_do_not_care_regions():
    dont_care = (sq(0, 0, 10, 10), "###", True)
    # wholly inside: 50 / 50 >= 0.5, removed; nothing left to count on either side
    assert counts([(sq(0, 0, 10, 5), "x")], [dont_care]) == (0, 0, 0, 0)
    # half inside: 50 / (100 + 1e-5) < 0.5, kept, and a false positive
    assert counts([(sq(5, 0, 15, 10), "x")], [dont_care]) == (1, 0, 0, 0)
    # 60% inside: removed, and so not a false positive on the real word it overlaps (IoU 40 / 160)
    assert counts([(sq(4, 0, 14, 10), "x")], [dont_care, (sq(10, 0, 20, 10), "x", False)]) == (0, 1, 0, 0)
    # a matching transcription does not save a prediction inside a "###" region
    assert counts([(sq(0, 0, 10, 10), "###")], [dont_care]) == (0, 0, 0, 0)


def test_matches_are_one_to_one_and_mutually_best():
    # two ground-truth words overlap (IoU 90 / 110); the prediction equals the first: both have
    # it as their best prediction with IoU >= 0.5, but its best word is the first one only
    assert counts([(sq(0, 0, 10, 10), "a")],
                  [(sq(0, 0, 10, 10), "a", False), (sq(1, 0, 11, 10), "a", False)]) == (1, 2, 1, 1)
    # two predictions on one word: the best box (IoU 1) is matched; its wrong text is not made up
    # for by the other prediction's right one (IoU 0.8): no second chance
    assert counts([(sq(0, 0, 10, 8), "Hello"), (sq(0, 0, 10, 10), "hello")], [WORD]) == (2, 1, 1, 0)


def test_ties_go_to_the_first():
    # two identical predictions (IoU 0.8 each): the first is the match, so its text decides
    assert counts([(sq(0, 0, 10, 8), "Hello"), (sq(0, 0, 10, 8), "x")], [WORD]) == (2, 1, 1, 1)
    assert counts([(sq(0, 0, 10, 8), "x"), (sq(0, 0, 10, 8), "Hello")], [WORD]) == (2, 1, 1, 0)
    # two identical ground-truth words: the first is matched, the second is missed
    assert counts([(sq(0, 0, 10, 10), "b")],
                  [(sq(0, 0, 10, 10), "a", False), (sq(0, 0, 10, 10), "b", False)]) == (1, 2, 1, 0)


def test_polygons_that_are_not_simple():
    # a self-crossing quadrilateral is made valid: two triangles of 25 each; against the square
    # they fill half of, 50 / (100 + 1e-5) just misses
    bow = ([(0, 0), (10, 10), (10, 0), (0, 10)], "b", False)
    assert counts([(sq(0, 0, 10, 10), "b")], [bow]) == (1, 1, 0, 0)
    # fewer than 3 vertices enclose nothing: the word is counted but never found
    assert counts([(sq(0, 0, 10, 10), "b")], [([(0, 0), (10, 10)], "b", False)]) == (1, 1, 0, 0)
    # an empty predicted box is a prediction that matches nothing
    assert counts([(sq(0, 0, 0, 10), "Hello")], [WORD]) == (1, 1, 0, 0)


def test_precision_recall_f1_and_empty_cases():
    assert precision_recall_f1(3, 4, 6) == pytest.approx((0.75, 0.5, 0.6))  # 2 * .375 / 1.25
    assert precision_recall_f1(0, 0, 0) == (1.0, 1.0, 1.0)  # nothing to find, nothing predicted
    assert precision_recall_f1(0, 0, 5) == (1.0, 0.0, 0.0)  # no prediction: precision 1
    assert precision_recall_f1(0, 5, 0) == (0.0, 1.0, 0.0)  # no ground truth: recall 1
    assert precision_recall_f1(0, 5, 5) == (0.0, 0.0, 0.0)
    assert SpottingCounts(1, 2, 3, 4) + SpottingCounts(10, 20, 30, 40) == SpottingCounts(11, 22, 33, 44)


# Images of predictions [(polygon, text)] and ground truth [(polygon, text, do not care)], scored
# with the HierText evaluator itself (github.com/google-research-datasets/hiertext,
# evaluator/evaluator.py, HierTextEvaluator(text_box_type=POLY, evaluate_text=True), run on a copy
# outside the repository with NumPy 2: its `np.float` read as `float`).
REFERENCE_IMAGES = [
    ([(sq(0, 0, 10, 5), "A"), (sq(20, 0, 30, 6), "b")],
     [(sq(0, 0, 10, 10), "A", False), (sq(20, 0, 30, 10), "B", False)]),
    ([(sq(0, 0, 10, 5), "x"), (sq(5, 0, 15, 10), "y"), (sq(4, 20, 14, 30), "z")],
     [(sq(0, 0, 10, 10), "###", True), (sq(0, 20, 10, 30), "###", True), (sq(5, 0, 15, 10), "y", False)]),
    ([(sq(0, 0, 10, 10), "one")],
     [(sq(0, 0, 10, 10), "one", False), (sq(1, 0, 11, 10), "two", False)]),
    ([(sq(0, 0, 10, 8), "W"), (sq(0, 0, 10, 10), "w"), (sq(40, 0, 50, 8), "v"), (sq(40, 0, 50, 8), "V")],
     [(sq(0, 0, 10, 10), "W", False), (sq(40, 0, 50, 10), "V", False)]),
    ([(sq(0, 0, 10, 10), "bow"), ([(110, 0), (100, 0), (100, 10), (110, 10)], "inv"),
      (sq(200, 0, 200, 10), "flat"),
      ([(300, 10), (320, 4), (340, 2), (360, 4), (380, 10), (380, 22), (360, 16), (340, 14), (320, 16),
        (300, 22)], "arc")],
     [([(0, 0), (10, 10), (10, 0), (0, 10)], "bow", False), (sq(100, 0, 110, 10), "inv", False),
      (sq(200, 0, 210, 10), "flat", False),
      ([(300, 8), (320, 2), (340, 0), (360, 2), (380, 8), (380, 20), (360, 14), (340, 12), (320, 14),
        (300, 20)], "arc", False)]),
    ([], [(sq(0, 0, 10, 10), "lost", False)]),
    ([(sq(0, 0, 10, 10), "extra")], []),
    ([(sq(100.19550342130987, 50.13685239491691, 200.39100684261974, 80.9384164222874), "Exit"),
      (sq(300.0, 300.0, 360.0, 330.0), "Push")],
     [([(101, 52), (199, 50), (201, 80), (99, 82)], "Exit", False),
      ([(298, 301), (362, 299), (361, 333), (300, 331)], "PUSH", False), (sq(0, 400, 50, 420), "###", True)]),
]
# The evaluator's per-image (num_prediction, num_groundtruth, tp_det_cnt, tp_e2e_cnt) and metrics.
REFERENCE_COUNTS = [(2, 2, 1, 0), (1, 1, 1, 1), (1, 2, 1, 1), (4, 2, 2, 0), (4, 4, 2, 2), (0, 1, 0, 0),
                    (1, 0, 0, 0), (2, 2, 2, 1)]
REFERENCE_E2E = {"precision": 0.3333333333333333, "recall": 0.35714285714285715, "f1": 0.3448275862068965}
REFERENCE_DET = {"precision": 0.6, "recall": 0.6428571428571429, "f1": 0.6206896551724138}


def test_agrees_with_the_hiertext_evaluator():
    total = SpottingCounts()
    for (preds, gts), expected in zip(REFERENCE_IMAGES, REFERENCE_COUNTS, strict=True):
        assert counts(preds, gts) == expected
        total += spotting_counts([Word(tuple(p), t) for p, t in preds],
                                 [Word(tuple(p), t, i) for p, t, i in gts])
    # 15 predictions, 14 words, 9 detected, 5 recognized
    e2e = precision_recall_f1(total.recognized, total.predictions, total.ground_truth)
    det = precision_recall_f1(total.detected, total.predictions, total.ground_truth)
    assert e2e == pytest.approx(tuple(REFERENCE_E2E.values()), abs=1e-12)
    assert det == pytest.approx(tuple(REFERENCE_DET.values()), abs=1e-12)


def test_parse_words():
    answer = "<loc0010><loc0020><loc0030><loc0040> OPEN ; <loc0100><loc0200><loc0300><loc0400> 24 H"
    assert parse_words(answer) == [((10, 20, 30, 40), "OPEN"), ((100, 200, 300, 400), "24 H")]
    # the separator goes, a word's own semicolon stays; a trailing separator is not a word
    answer = "<loc0001><loc0002><loc0003><loc0004> a; ; <loc0005><loc0006><loc0007><loc0008> ;"
    assert parse_words(answer) == [((1, 2, 3, 4), "a;"), ((5, 6, 7, 8), "")]
    assert parse_words("<loc0001><loc0002><loc0003><loc0004>;-)") == [((1, 2, 3, 4), ";-)")]
    # 8 tokens in a row: two boxes, the first with an empty transcription
    assert parse_words("<loc0001><loc0002><loc0003><loc0004><loc0005><loc0006><loc0007><loc0008> x") == [
        ((1, 2, 3, 4), ""), ((5, 6, 7, 8), "x")]


@pytest.mark.parametrize("answer", [
    "", "no boxes here", "caption en", "<loc12><loc34><loc56><loc78> x", "<loc0001><loc0002><loc0003> x",
    "<loc1024><loc0002><loc0003><loc0004> x", "<loc0001><loc0002><loc0003><loc0004><loc0005> x",
    "<seg001><seg002>", "<loc9999>" * 4, "<loc0001><loc0002><loc0003><loc0004",
])
def test_malformed_answers_are_no_prediction(answer):
    assert parse_words(answer) == []
    assert predicted_words(answer, 640, 480) == []


def test_malformed_parts_are_dropped_and_the_rest_kept():
    good = "<loc0010><loc0020><loc0030><loc0040> OK"
    # an echoed prompt before the first box, a 3-token run with its text, a value over 1023,
    # an answer cut off mid-box by the decode length
    answer = (f"ocr {good} ; <loc0001><loc0002><loc0003> lost ; <loc2000><loc0001><loc0002><loc0003> big ; "
              f"{good} ; <loc0005><loc00")
    assert parse_words(answer) == [((10, 20, 30, 40), "OK"), ((10, 20, 30, 40), "OK")]


def test_predicted_words_in_pixels():
    # tokens / 1023 of the height (y) or the width (x): on 2046 x 1023, x doubles and y stays
    (word,) = predicted_words("<loc0100><loc0200><loc0300><loc0400> a", 2046, 1023)
    assert word.text == "a" and not word.ignore
    flat = [v for point in word.polygon for v in point]
    assert flat == pytest.approx([400, 100, 800, 100, 800, 300, 400, 300])
    # an inverted box is the rectangle its corners span
    (word,) = predicted_words("<loc0300><loc0400><loc0100><loc0200> a", 1023, 1023)
    assert counts([(word.polygon, "a")], [(sq(200, 100, 400, 300), "a", False)]) == (1, 1, 1, 1)
