"""GriTS-Top and GriTS-Con as table-transformer's src/grits.py (grits_from_html) computes them.

Values on well-formed tables were also produced by the reference itself on the same strings (to
1e-12); the comments work each out by hand. GriTS = 2 S / (|A| + |B|), S the summed similarity
of the grid cells at the aligned rows and columns."""

import numpy as np
import pytest

from pgeval.metrics.grits import Grits, factored_2dmss, grits, table_cells
from pgeval.metrics.table_html import parse_table
from tests.metrics.test_teds import BASE, table, td


def test_identical_tables_score_one():
    assert grits(BASE, BASE) == Grits(1.0, 1.0)


def test_one_cell_text_changed():
    g = grits(table(td("a") + td("b"), td("c") + td("x")), BASE)
    # 3 of 4 texts equal, "x" vs "d" 0: 2 * 3 / 8; every cell 1 x 1
    assert (g.top, g.con) == (1.0, pytest.approx(0.75))
    # difflib matching blocks: 2 * 11 / 23 and 2 * 5 / 12 over a 1 x 2 grid: S / 2
    g = grits(table(td("Total assets") + td("12,345")), table(td("Total asset") + td("12,346")))
    assert g.con == pytest.approx((22 / 23 + 10 / 12) / 2)


def test_one_row_missing():
    # a 1 x 2 grid against 2 x 2, both rows' cells matched: 2 * 2 / (2 + 4)
    g = grits(table(td("a") + td("b")), BASE)
    assert (g.top, g.con) == (pytest.approx(2 / 3), pytest.approx(2 / 3))


def test_colspan_cell_against_two_cells():
    # the colspan cell's grid cells hold boxes [0,0,2,1] and [-1,0,1,1], each 1/2 against
    # [0,0,1,1]; texts "c", "c" against "c", "d": S = 3 both ways
    merged = table(td("a") + td("b"), td("c", colspan=2))
    for pred, true in ((merged, BASE), (BASE, merged)):
        g = grits(pred, true)
        assert (g.top, g.con) == (pytest.approx(0.75), pytest.approx(0.75))


def test_rowspan():
    # a (rowspan 2) covers (0,0) [0,0,1,2] and (1,0) [0,-1,1,1]: 1/2 each; texts a b / a d
    g = grits(table(td("a", rowspan=2) + td("b"), td("d")), BASE)
    assert (g.top, g.con) == (pytest.approx(0.75), pytest.approx(0.75))


def test_box_similarity_divides_by_the_enclosing_box():
    # (0,0): [0,0,1,2] vs [0,0,2,1] intersect in 1 and their enclosing box is 2 x 2: 1/4 (a true
    # union would give 1/3); (0,1) and (1,0): 1/2; (1,1): 1. S = 2.25 over 4 + 4 grid cells
    pred = table(td("A", rowspan=2) + td("X"), td("C"))
    true = table(td("A", colspan=2), td("B") + td("C"))
    g = grits(pred, true)
    assert g.top == pytest.approx(2 * 2.25 / 8)
    assert g.con == pytest.approx(2 * 2 / 8)  # A/A and C/C


def test_alignment_ties_and_swapped_rows():
    # rows swapped: the row alignment can keep one pair only (true 0 with predicted 1: on the
    # tie it skips a true row first), columns align straight: S = 2 texts
    g = grits(table(td("c") + td("d"), td("a") + td("b")), BASE)
    assert (g.top, g.con) == (1.0, pytest.approx(0.5))


def test_grid_from_html():
    cells = table_cells(parse_table(table(td("", rowspan=2) + td("2019", colspan=2),
                                          td("Q1") + td("Q2"), td("<b>x</b> y") + td("1") + td("2"))))
    # the second row's cells take the columns the rowspan leaves free
    assert [(c.rows, c.columns) for c in cells] == [
        (range(0, 2), range(0, 1)), (range(0, 1), range(1, 3)), (range(1, 2), range(1, 2)),
        (range(1, 2), range(2, 3)), (range(2, 3), range(0, 1)), (range(2, 3), range(1, 2)),
        (range(2, 3), range(2, 3))]
    # text pieces joined by one space, as ' '.join(itertext())
    assert cells[4].text == "x  y"


def test_short_rows_leave_holes_that_match_nothing():
    # the reference stops on a grid cell no cell covers; here it counts in |B| and scores 0
    g = grits(table(td("a") + td("b"), td("c")), BASE)
    assert (g.top, g.con) == (pytest.approx(0.75), pytest.approx(0.75))


def test_malformed_and_empty():
    assert grits("", BASE) == Grits(0.0, 0.0)
    assert grits(table(td("a", colspan="two")), BASE).top == 0.0
    assert grits(table(td("a", colspan=0)), BASE).top == 0.0
    assert grits("<td>a</td>", BASE).top == 0.0  # a cell and no row
    # unclosed tags: lxml recovers the table (the reference's ElementTree refuses it)
    assert grits("<table><tr><td>a<td>b<tr><td>c<td>d</table>", BASE).con == 1.0
    # an empty table: precision 1, recall 0 -> 0; two empty tables: 1
    assert grits("<table></table>", BASE).top == 0.0
    assert grits("<table></table>", "<table></table>").con == 1.0
    with pytest.raises(ValueError, match="no table"):
        grits(BASE, "")


def test_factored_2dmss_on_a_reward_tensor():
    # a 1 x 2 true grid against a 1 x 1 predicted one; the predicted cell is 0.5 like the first
    # and 1 like the second: the 1D alignment keeps the better, S = 1, 2 * 1 / (2 + 1)
    rewards = np.array([0.5, 1.0]).reshape(1, 2, 1, 1)
    assert factored_2dmss(rewards) == pytest.approx(2 / 3)


def test_a_cell_before_the_first_row_is_on_row_minus_one():
    # row -1 is the grid's last row: the real cell written there later replaces x
    assert grits("<td>x</td><tr><td>a</td><td>b</td></tr>", table(td("a") + td("b"))) == Grits(1.0, 1.0)
    # y keeps its place when no later cell takes it: the grid is [a y]
    assert grits("<table><td>x</td><td>y</td><tr><td>a</td></tr></table>",
                 table(td("a") + td("y"))) == Grits(1.0, 1.0)
    # x spanning 2 rows covers rows -1 and 0: a moves to column 1; b replaces x in the last row.
    # Grid texts [x a / b c]; (0, 0) holds x's box seen from row 0, [0, -1, 1, 1]: against
    # [0, 0, 1, 1] it intersects in 1 within a 1 x 2 enclosing box, 1/2. S = 3.5 over 4 + 4
    g = grits('<table><td rowspan="2">x</td><tr><td>a</td></tr><tr><td>b</td><td>c</td></tr></table>',
              table(td("x") + td("a"), td("b") + td("c")))
    assert (g.top, g.con) == (pytest.approx(2 * 3.5 / 8), 1.0)


def test_well_formed_xml_is_read_as_the_reference_reads_it():
    # ElementTree keeps the case of tags: a <TD> is no cell, the grid is [b]
    assert grits("<table><tr><TD>a</TD><td>b</td></tr></table>", table(td("b"))) == Grits(1.0, 1.0)
    # the root and everything in it, a table inside a <div> too
    assert grits(f"<div>{table(td('a'))}</div>", table(td("a"))) == Grits(1.0, 1.0)
