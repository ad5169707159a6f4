"""TEDS and S-TEDS: tree-edit-distance-based similarity of two tables, as PubTabNet's authors
define it (Zhong et al., "Image-based table recognition: data, model, and evaluation", ECCV 2020)
and implement it (ibm-aur-nlp/PubTabNet, src/metric.py).

Each table is the tree of its `body/table` element: every element below it is a node, except
that a `td` is a leaf carrying its colspan, rowspan and content, the tokens of everything inside
it (each character of its text, `<b>` / `</b>` for inline markup, the characters of inline
elements' tails; an `unk` element, which the reference reads as an unknown token, has no
closing token). Inserting or deleting a node costs 1; renaming costs 1 when the tags, colspans
or rowspans differ, else for two `td`s with content the Levenshtein distance of their tokens over
the longer token count, else 0. The distance is apted's; TEDS = 1 - distance / n, n the larger of
the two tables' element counts below `table` (inline markup in cells counted). S-TEDS is TEDS with
every cell's content empty.

A prediction reaches the reference's `evaluate` as an HTML document: PubTabNet's demo and sample
predictions are `<html><body><table>...` strings, and its notebook builds such a document around
whatever tokens a table has. pgeval builds the same document (`table_html.parse_table`), so an
empty or whitespace-only prediction is an empty table: every reference node is inserted, and it
scores 1 - (tree nodes) / n, above 0 when the reference's cells hold inline markup (n counts it,
the tree does not). A prediction whose document has no `body/table` (a table inside another
element) scores 0, as in the reference; one whose colspan or rowspan is not an integer, which the
reference cannot read, scores 0 too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apted import APTED, Config
from lxml import html
from rapidfuzz.distance import Levenshtein

from pgeval.metrics.table_html import parse_table, reference_table, span


@dataclass
class _Node:
    tag: str
    colspan: int | None = None
    rowspan: int | None = None
    content: tuple[str, ...] = ()
    children: list[_Node] = field(default_factory=list)


class _Costs(Config):
    def rename(self, node1: _Node, node2: _Node) -> float:
        if (node1.tag, node1.colspan, node1.rowspan) != (node2.tag, node2.colspan, node2.rowspan):
            return 1.0
        if node1.tag == "td" and (node1.content or node2.content):
            longer = max(len(node1.content), len(node2.content))
            return Levenshtein.distance(node1.content, node2.content) / longer
        return 0.0


def _tokens(element: html.HtmlElement) -> list[str]:
    """`<tag>`, its text's characters, its children's tokens, `</tag>` (not for `unk`), then
    (except for a td) its tail's characters."""
    out = [f"<{element.tag}>", *(element.text or "")]
    for child in element:
        out += _tokens(child)
    if element.tag != "unk":
        out.append(f"</{element.tag}>")
    if element.tag != "td":
        out += element.tail or ""
    return out


def _tree(element: html.HtmlElement, structure_only: bool) -> _Node:
    if element.tag == "td":
        content = () if structure_only else tuple(_tokens(element)[1:-1])
        return _Node("td", span(element, "colspan"), span(element, "rowspan"), content)
    return _Node(element.tag, children=[_tree(child, structure_only) for child in element])


def teds(prediction: str, reference: str, structure_only: bool = False) -> float:
    """TEDS (S-TEDS with `structure_only`) of two table HTML strings, in 0..1.

    Raises ValueError when the reference has no table or a span that is not an integer."""
    true = reference_table(reference)
    true_tree = _tree(true, structure_only)
    pred = parse_table(prediction)
    if pred is None:
        return 0.0
    try:
        pred_tree = _tree(pred, structure_only)
    except ValueError:
        return 0.0
    n_nodes = max(len(pred.xpath(".//*")), len(true.xpath(".//*")))
    if n_nodes == 0:  # two bare tables (the reference divides by zero)
        return 1.0
    distance = APTED(pred_tree, true_tree, _Costs()).compute_edit_distance()
    return 1.0 - distance / n_nodes
