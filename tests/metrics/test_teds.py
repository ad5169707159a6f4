"""TEDS and S-TEDS as PubTabNet's src/metric.py computes them.

Every value below was also produced by PubTabNet's own metric.py (apted, lxml, distance) run on
the same strings, to 1e-12; the comments work each out by hand. `n` is the larger count of
elements below `table`."""

import pytest

from pgeval.metrics.teds import teds


def table(*rows: str) -> str:
    return "<table>" + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>"


def td(text: str = "", **spans: int) -> str:
    return "<td" + "".join(f' {k}="{v}"' for k, v in spans.items()) + f">{text}</td>"


BASE = table(td("a") + td("b"), td("c") + td("d"))  # n = 6: tr td td tr td td


def test_identical_tables_score_one():
    assert teds(BASE, BASE) == 1.0
    assert teds(BASE, BASE, structure_only=True) == 1.0


def test_one_cell_text_changed():
    pred = table(td("a") + td("b"), td("c") + td("x"))
    # renaming td(d) to td(x): Levenshtein 1 over 1 token; 1 - 1/6
    assert teds(pred, BASE) == pytest.approx(5 / 6)
    assert teds(pred, BASE, structure_only=True) == 1.0
    # two cells, 12 and 6 tokens, one edit each, n = 3: 1 - (1/12 + 1/6) / 3
    assert teds(table(td("Total assets") + td("12,345")),
                table(td("Total asset") + td("12,346"))) == pytest.approx(1 - 0.25 / 3)


def test_one_row_missing():
    # deleting tr, td, td: 1 - 3/6, structure and content alike
    pred = table(td("a") + td("b"))
    assert teds(pred, BASE) == pytest.approx(0.5)
    assert teds(pred, BASE, structure_only=True) == pytest.approx(0.5)


def test_colspan_cell_against_two_cells():
    # td(c, colspan 2) -> td(c): rename 1 (spans differ), insert td(d): 1; n = max(5, 6)
    merged = table(td("a") + td("b"), td("c", colspan=2))
    assert teds(merged, BASE) == pytest.approx(1 - 2 / 6)
    assert teds(BASE, merged, structure_only=True) == pytest.approx(1 - 2 / 6)


def test_rowspan():
    # a(rowspan 2) -> a: rename 1; insert td(c): 1; n = max(5, 6)
    pred = table(td("a", rowspan=2) + td("b"), td("d"))
    assert teds(pred, BASE) == pytest.approx(1 - 2 / 6)
    # A(rowspan 2) vs A(colspan 2) renames for 1, X deleted, B inserted; n = 5 both
    assert teds(table(td("A", rowspan=2) + td("X"), td("C")),
                table(td("A", colspan=2), td("B") + td("C"))) == pytest.approx(1 - 3 / 5)


def test_inline_markup_is_content_and_counts_as_nodes():
    # cell tokens [<b> N a m e </b>] vs [N a m e]: 2/6; [x <sup> 2 </sup>] vs [x 2]: 2/4;
    # n = 5 (tr td b td sup): 1 - (1/3 + 1/2) / 5
    pred = table(td("<b>Name</b>") + td("x<sup>2</sup>"))
    assert teds(pred, table(td("Name") + td("x2"))) == pytest.approx(1 - (5 / 6) / 5)
    # the markup is inside the td leaves, not tree nodes: no structural edit at all
    assert teds(pred, table(td("Name") + td("x2")), structure_only=True) == 1.0


def test_thead_and_tbody_are_nodes():
    head = "<thead><tr><td>h1</td><td>h2</td></tr></thead>"
    pred = f"<table>{head}<tbody><tr><td>1</td><td>2</td></tr></tbody></table>"
    true = f"<table>{head}<tbody><tr><td>1</td><td>3</td></tr></tbody></table>"
    # n = 8 (thead tr td td tbody tr td td), one cell renamed for 1
    assert teds(pred, true) == pytest.approx(1 - 1 / 8)
    # a prediction without the thead / tbody wrappers pays for them: delete 2 of n = 8
    assert teds(table(td("h1") + td("h2"), td("1") + td("3")), true) == pytest.approx(1 - 2 / 8)


def test_rows_alone_and_whole_documents_are_read():
    # PubTabNet's structure tokens have no <table>: a string without one is wrapped in it
    assert teds("<tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr>", BASE) == 1.0
    assert teds(f"<html><body>{BASE}</body></html>", BASE) == 1.0


def test_malformed_predictions():
    assert teds("", BASE) == 0.0
    assert teds("   ", BASE) == 0.0
    # text without cells: a bare table, every reference node inserted: 1 - 6/6
    assert teds("no table here", BASE) == 0.0
    # unclosed tags are recovered by lxml's HTML parser, as in the reference
    assert teds("<table><tr><td>a<td>b<tr><td>c<td>d</table>", BASE) == 1.0
    # comments are dropped by the parser
    assert teds(table(td("a<!-- note -->") + td("b"), td("c") + td("d")), BASE) == 1.0
    # a span the reference's int() cannot read
    assert teds(table(td("a", colspan="two") + td("b")), BASE) == 0.0


def test_empty_tables():
    # two tables without any element below them: distance 0 over n = 0 (the reference divides by
    # zero); a bare prediction against a real table inserts every node
    assert teds("<table></table>", "<table></table>") == 1.0
    assert teds("<table></table>", BASE) == 0.0
    with pytest.raises(ValueError, match="no table"):
        teds(BASE, "")


def test_an_unk_element_has_no_closing_token():
    # the reference's tokenizer emits no </unk>: cell tokens [a <unk> b] against [a b], one edit
    # over 3; n = 3 (tr td unk): 1 - (1/3) / 3
    assert teds("<tr><td>a<unk>b</unk></td></tr>", "<tr><td>ab</td></tr>") == pytest.approx(8 / 9)
    # any other inline element closes: [a <b> b </b>] against [a b], 2 edits over 4: 1 - (1/2) / 3
    assert teds("<tr><td>a<b>b</b></td></tr>", "<tr><td>ab</td></tr>") == pytest.approx(5 / 6)


def test_a_blank_prediction_is_an_empty_table():
    # "<html><body><table></table></body></html>" reaches the reference's evaluate: its tree is a
    # bare table, so tr td td (3 nodes) are inserted, over n = 4 (tr td b td: the <b> counts)
    true = table(td("<b>Name</b>") + td("x"))
    for blank in ("", "   ", "\n\t"):
        assert teds(blank, true) == pytest.approx(1 - 3 / 4)
        assert teds(blank, true, structure_only=True) == pytest.approx(1 - 3 / 4)
    with pytest.raises(ValueError, match="no table"):
        teds(true, "  ")
