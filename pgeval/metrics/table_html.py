"""Table HTML as the table-recognition scorers read it: rebuilding PubTabNet / FinTabNet ground
truth from its tokens, and parsing a table with lxml.

- Ground truth (ibm-aur-nlp/PubTabNet, exploring_PubTabNet_dataset.ipynb, `format_html`): each
  cell's tokens go after the structure token that opens its `<td>` (`<td>`, or the `>` that closes
  `<td colspan="2"`), single-character tokens HTML-escaped and longer ones (`<b>`, `</sup>`) kept
  as markup; cells are paired with those positions from the end, as the notebook pairs them.
- Parsing (PubTabNet src/metric.py): lxml's HTML parser without comments, the document's
  `body/table`. The reference's `evaluate` is handed whole documents (its demo and sample
  predictions are `<html><body><table>...` strings; its notebook wraps a table's tokens so, even
  when there are none): a string without a `<table` tag (PubTabNet's structure tokens have none)
  is wrapped in one, and every string in `<html><body>`. An empty or whitespace-only prediction
  is therefore an empty table, not a missing one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from html import escape

from lxml import etree, html

PARSER = html.HTMLParser(remove_comments=True, encoding="utf-8")
_TABLE_TAG = re.compile(r"<table[\s>/]", re.IGNORECASE)
# PaliGemma's location pieces: a transfer that writes cell boxes puts them inside the HTML; no
# table metric here reads boxes.
_LOCATION = re.compile(r"<loc\d{4}>")


def rebuild_html(structure: Sequence[str], cells: Sequence[Sequence[str]]) -> str:
    """A `<table>` string from PubTabNet-style structure tokens and each cell's content tokens."""
    tokens = list(structure)
    opens = [i for i, token in enumerate(tokens) if token in ("<td>", ">")]
    for i, cell in zip(opens[::-1], cells[::-1], strict=False):
        if cell:
            tokens.insert(i + 1, "".join(escape(t) if len(t) == 1 else t for t in cell))
    text = "".join(tokens)
    return text if _TABLE_TAG.search(text) else f"<table>{text}</table>"


def strip_locations(text: str) -> str:
    """The text without `<locNNNN>` pieces."""
    return _LOCATION.sub("", text)


def parse_table(text: str) -> html.HtmlElement | None:
    """The first `body/table` of the string as an HTML document, or None when there is none (a
    table inside another element, text lxml cannot take). An empty string is an empty table."""
    table = text if _TABLE_TAG.search(text) else f"<table>{text}</table>"
    try:
        root = html.fromstring(f"<html><body>{table}</body></html>", parser=PARSER)
    except (etree.ParserError, ValueError):
        return None
    found = root.xpath("body/table")
    return found[0] if found else None


def reference_table(text: str, read: Callable[[str], etree._Element | None] = parse_table
                    ) -> etree._Element:
    """The reference's table as `read` finds it; ValueError when the reference is blank or holds
    no table."""
    table = read(text) if text.strip() else None
    if table is None:
        raise ValueError("the reference HTML has no table")
    return table


def span(cell: html.HtmlElement, name: str) -> int:
    """A cell's `colspan` or `rowspan` (1 when absent), read with int() as both references do;
    ValueError when it is not an integer."""
    return int(cell.attrib.get(name, "1"))
