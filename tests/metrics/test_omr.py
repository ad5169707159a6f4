"""GrandStaff's CER, LER and SER as the Sheet Music Transformer's scorer computes them."""

import pytest

from pgeval.metrics.omr import (
    EditCount,
    error_rate,
    kern_lines,
    kern_symbols,
    normalize_kern,
    omr_error_rates,
    smt_ground_truth,
)

# Two spines, a chord ("4c 4e": its notes are separate symbols) and a barline.
REF_A = "**kern\t**kern\n4C\t4c 4e\n=\t="
PRED_A = "**kern\t**kern\n4C\t4c\n=\t="  # the chord's 4e is missing
REF_B = "4c\n4d"
# A GrandStaff-like system; the prediction doubles a space, reads 4aa as 4a and drops the
# right-hand spine's 8aa- (with its tab).
REF_C = ("**kern\t**kern\n*clefF4\t*clefG2\n*k[b-]\t*k[b-]\n*M3/4\t*M3/4\n4FF 4F\t4ff 4aa\n8G\t8gg\n"
         "8A\t8aa-\n=\t=\n2.D\t2.dd\n*-\t*-")
PRED_C = ("**kern\t**kern\n*clefF4\t*clefG2\n*k[b-]\t*k[b-]\n*M3/4\t*M3/4\n4FF  4F\t4ff 4a\n8G\t8gg\n"
          "8A\n=\t=\n2.D\t2.dd\n*-\t*-")


def test_splits():
    assert kern_symbols(REF_A) == ["**kern", "<t>", "**kern", "<b>", "4C", "<t>", "4c", "4e", "<b>",
                                   "=", "<t>", "="]
    assert kern_lines(REF_A) == ["**kern\t**kern", "4C\t4c 4e", "=\t="]
    # two spaces leave an empty symbol, as str.split(" ") does in SMT's scorer
    assert kern_symbols("4c  4e") == ["4c", "", "4e"]
    assert kern_symbols("") == [""] and kern_lines("") == [""]


def test_one_system_worked_by_hand():
    m = omr_error_rates([PRED_A], [REF_A])
    # CER: 26 characters (6+1+6+1+2+1+5+1+1+1+1), " 4e" missing: 3 edits
    assert m["cer"] == pytest.approx(100 * 3 / 26)
    # SER: the 12 symbols above, "4e" missing: 1 edit
    assert m["ser"] == pytest.approx(100 * 1 / 12)
    # LER: 3 lines, the second differs: 1 edit
    assert m["ler"] == pytest.approx(100 * 1 / 3)
    assert list(m) == ["cer", "ler", "ser"]  # the card's column order


def test_empty_prediction():
    m = omr_error_rates([""], [REF_B])
    # every character (5) and line (2) is missing; "" is one empty symbol against
    # ["4c", "<b>", "4d"]: a substitution and two insertions
    assert m == {"cer": 100.0, "ler": 100.0, "ser": 100.0}


def test_rates_pool_the_corpus_not_mean_per_system():
    m = omr_error_rates([PRED_A, ""], [REF_A, REF_B])
    assert m["cer"] == pytest.approx(100 * (3 + 5) / (26 + 5))  # not (11.5 + 100) / 2
    assert m["ser"] == pytest.approx(100 * (1 + 3) / (12 + 3))
    assert m["ler"] == pytest.approx(100 * (1 + 2) / (3 + 2))


def test_agrees_with_the_smt_scorer():
    # compute_poliphony_metrics of antoniorv6/SMT (eval_functions.py, with its own Levenshtein
    # from utils.py), run on the same pairs; it returns (cer, ser, ler)
    smt_c = (6.730769230769231, 9.75609756097561, 20.0)
    smt_abc = (11.11111111111111, 14.285714285714286, 33.333333333333336)
    for preds, refs, (cer, ser, ler) in (([PRED_C], [REF_C], smt_c),
                                         ([PRED_A, "", PRED_C], [REF_A, REF_B, REF_C], smt_abc)):
        m = omr_error_rates(preds, refs)
        assert m["cer"] == pytest.approx(cer, abs=1e-6)
        assert m["ser"] == pytest.approx(ser, abs=1e-6)
        assert m["ler"] == pytest.approx(ler, abs=1e-6)
    # by hand for C: CER 7 edits (a space, an "a", "\t8aa-") over 104 characters; SER 4 edits
    # (the empty symbol, 4aa, <t>, 8aa-) over 41 symbols; LER 2 of 10 lines
    assert smt_c[0] == pytest.approx(100 * 7 / 104) and smt_c[1] == pytest.approx(100 * 4 / 41)


def test_perfect_and_empty_reference():
    assert omr_error_rates([REF_C], [REF_C]) == {"cer": 0.0, "ler": 0.0, "ser": 0.0}
    with pytest.raises(ValueError, match="no symbol"):
        error_rate([EditCount(distance=0, length=0)])
    with pytest.raises(ValueError, match="one prediction per reference"):
        omr_error_rates(["a"], [])


def test_normalize_kern_as_smt_prepares_its_ground_truth():
    bekern = "**ekern_1.0\t**ekern_1.0\n4·c·#\t8·G\n=12\t=12\n\n"
    # bekern's "·" separators go, measure numbers after "=" are erased, the end is stripped
    assert normalize_kern(bekern) == "**ekern_1.0\t**ekern_1.0\n4c#\t8G\n=\t="
    assert normalize_kern("==25:|!\t==25:|!") == "==:|!\t==:|!"
    assert normalize_kern(" \n4c\n ") == "4c"


def test_normalize_kern_strips_then_erases_measure_numbers_then_the_separators():
    # "=·12": no digit right after "=" while the "·" is there, so 12 stays; "=1·2": 1 goes, then
    # the "·", leaving "=2"
    assert normalize_kern("=·12\t=1·2") == "=12\t=2"
    # a "·" at an end is not stripped, and shields the whitespace inside it; removed afterwards
    assert normalize_kern("4c\n·") == "4c\n"
    assert normalize_kern("· 4c") == " 4c"


def test_smt_ground_truth_decodes_tokens_the_text_holds():
    # SMT writes the reference as tokens and its validation step decodes every <t>, <b>, <s>
    assert smt_ground_truth("4c<s>4e") == "4c 4e"
    assert smt_ground_truth("<b>\n4c") == "\n\n4c"  # the strip saw "<b>" first, not a newline
    assert smt_ground_truth(" 4·c\t=3 \n") == "4c\t="
