"""GriTS-Top and GriTS-Con: grid table similarity, as the Table Transformer authors define it
(Smock et al., "GriTS: Grid table similarity metric for table structure recognition", ICDAR 2023)
and implement it (microsoft/table-transformer, src/grits.py: `grits_from_html`).

A table becomes a grid (`html_to_cells`): in document order each `tr` starts a row and each `td` /
`th` takes the leftmost free column of its row and covers rowspan x colspan grid cells. A cell
before the first `tr` is on row -1, which the reference's grid (a list of lists, filled cell by
cell) reads as its last row: a later cell at the same place replaces it, and one that spans rows
also covers the rows below -1 and so takes their columns. Every grid
cell holds, for GriTS-Top, its cell's box relative to itself ([first column - column, first row -
row, last column + 1 - column, last row + 1 - row]; [0, 0, 1, 1] for a 1 x 1 cell) and, for
GriTS-Con, its cell's text (the text pieces inside it joined by one space). Grid cells are compared
with the intersection of the two boxes over the area of the box enclosing both (the reference's
`iou`) and with difflib's matching-block similarity 2M / (|a| + |b|) (its `lcs_similarity`, 1 for
two empty strings). The factored 2D most-similar substructure aligns rows (each pair of rows
scored by the best 1D alignment of their cells) and, apart, columns, with the reference's
tie-breaking (diagonal, then skipping a true row, then a predicted one); GriTS = 2 S / (|A| + |B|),
S the summed similarity of the grid cells at aligned rows and columns, |A| and |B| the grids' cell
counts (1 for two empty tables, 0 when one is empty).

Beyond the reference, which stops on them: a grid cell that no cell covers (a short row) holds
nothing and is similar to nothing; a prediction that is not a table, or has a span that is not a
positive integer or cells but no row, scores 0. A string that is well-formed XML is read as the
reference reads it (an XML parser without comments and processing instructions: the root element
and everything in it, tags in their own case, every text as written); any other string, which
the reference's ElementTree refuses, is read as TEDS reads it (lxml's HTML parser,
`table_html.parse_table`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
from lxml import etree

from pgeval.metrics.table_html import parse_table, reference_table, span

# Entities are not resolved (no file a DOCTYPE names is read); the predefined ones and character
# references are text either way.
_XML = etree.XMLParser(remove_comments=True, remove_pis=True, resolve_entities=False)


@dataclass(frozen=True)
class GridCell:
    """One table cell placed on the grid: the rows and columns it covers, and its text."""

    rows: range
    columns: range
    text: str


@dataclass(frozen=True)
class Grits:
    top: float
    con: float


def table_cells(table: etree._Element) -> list[GridCell]:
    """The cells of a parsed table on its grid (a cell before the first `tr` on row -1);
    ValueError for a span that is not a positive integer, or cells with no row to lie in."""
    cells = []
    row = -1
    taken: defaultdict[int, set[int]] = defaultdict(set)
    for element in table.iter():
        if element.tag == "tr":
            row += 1
        if element.tag not in ("td", "th"):
            continue
        colspan, rowspan = span(element, "colspan"), span(element, "rowspan")
        if colspan < 1 or rowspan < 1:
            raise ValueError("a cell with a span below 1")
        used = taken[row]
        column = min(set(range(max(used) + 2)) - used) if used else 0
        cell = GridCell(range(row, row + rowspan), range(column, column + colspan),
                        " ".join(element.itertext()))
        for r in cell.rows:
            taken[r].update(cell.columns)
        cells.append(cell)
    if cells and max(c.rows.stop for c in cells) == 0:
        raise ValueError("cells before any row and none after")
    return cells


def _grids(cells: list[GridCell]) -> tuple[np.ndarray, np.ndarray]:
    """The relative-span boxes (rows x columns x 4, NaN where no cell is) and the texts (None
    where no cell is) of the grid, written cell by cell (row -1 is the last row)."""
    n_rows = max((c.rows.stop for c in cells), default=0)
    n_cols = max((c.columns.stop for c in cells), default=0)
    boxes = np.full((n_rows, n_cols, 4), np.nan)
    texts = np.full((n_rows, n_cols), None, dtype=object)
    for c in cells:
        for r in c.rows:
            for k in c.columns:
                boxes[r, k] = (c.columns.start - k, c.rows.start - r, c.columns.stop - k, c.rows.stop - r)
                texts[r, k] = c.text
    return boxes, texts


def _box_similarity(true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Rewards[tr, tc, pr, pc]: intersection over enclosing-box area, 0 where a cell is missing."""
    a = true[:, :, None, None, :]
    b = pred[None, None, :, :, :]
    inter = (np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
             * np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None))
    hull = ((np.maximum(a[..., 2], b[..., 2]) - np.minimum(a[..., 0], b[..., 0]))
            * (np.maximum(a[..., 3], b[..., 3]) - np.minimum(a[..., 1], b[..., 1])))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = inter / hull
    return np.where(hull > 0, out, 0.0)


def _text_similarity(true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Rewards[tr, tc, pr, pc]: difflib's similarity, computed once per distinct pair of texts."""
    true_texts = sorted({t for t in true.flat if t is not None})
    pred_texts = sorted({t for t in pred.flat if t is not None})
    table = np.zeros((len(true_texts) + 1, len(pred_texts) + 1))  # the last row/column: no cell
    for i, a in enumerate(true_texts):
        for j, b in enumerate(pred_texts):
            table[i, j] = SequenceMatcher(None, a, b).ratio()
    ti = _indices(true, {t: i for i, t in enumerate(true_texts)})
    pi = _indices(pred, {t: i for i, t in enumerate(pred_texts)})
    return table[ti[:, :, None, None], pi[None, None, :, :]]


def _indices(texts: np.ndarray, index: dict[str, int]) -> np.ndarray:
    """Each grid cell's text as its index in `index`, -1 where no cell is."""
    return np.array([index.get(t, -1) for t in texts.flat], dtype=int).reshape(texts.shape)


def _row_pair_scores(rewards: np.ndarray) -> np.ndarray:
    """[tr, pr]: the best 1D alignment score of true row tr's cells with predicted row pr's."""
    n_true_rows, n_true_cols, n_pred_rows, n_pred_cols = rewards.shape
    scores = np.zeros((n_true_cols + 1, n_pred_cols + 1, n_true_rows, n_pred_rows))
    for a in range(1, n_true_cols + 1):
        for b in range(1, n_pred_cols + 1):
            diagonal = scores[a - 1, b - 1] + rewards[:, a - 1, :, b - 1]
            scores[a, b] = np.maximum(diagonal, np.maximum(scores[a - 1, b], scores[a, b - 1]))
    return scores[-1, -1]


def _align(pair_scores: np.ndarray) -> list[tuple[int, int]]:
    """The (true, predicted) index pairs of the best alignment of two sequences given each pair's
    score, traced back preferring the diagonal, then skipping a true entry."""
    n, m = pair_scores.shape
    scores = np.zeros((n + 1, m + 1))
    moves = np.zeros((n + 1, m + 1), dtype=int)  # 0: diagonal, -1: skip true, 1: skip predicted
    moves[1:, 0], moves[0, 1:] = -1, 1
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            diagonal = scores[i - 1, j - 1] + pair_scores[i - 1, j - 1]
            skip_true, skip_pred = scores[i - 1, j], scores[i, j - 1]
            best = max(diagonal, skip_true, skip_pred)
            scores[i, j] = best
            moves[i, j] = 0 if diagonal == best else -1 if skip_true == best else 1
    pairs = []
    i, j = n, m
    while i or j:
        if moves[i, j] == -1:
            i -= 1
        elif moves[i, j] == 1:
            j -= 1
        else:
            i, j = i - 1, j - 1
            pairs.append((i, j))
    return pairs[::-1]


def factored_2dmss(rewards: np.ndarray) -> float:
    """GriTS (0..1) from the similarity of every (true, predicted) pair of grid cells,
    rewards[true row, true column, predicted row, predicted column]."""
    n_true = rewards.shape[0] * rewards.shape[1]
    n_pred = rewards.shape[2] * rewards.shape[3]
    rows = _align(_row_pair_scores(rewards))
    columns = _align(_row_pair_scores(rewards.transpose(1, 0, 3, 2)))
    matched = sum(float(rewards[tr, tc, pr, pc]) for tr, pr in rows for tc, pc in columns)
    precision = matched / n_pred if n_pred else 1.0
    recall = matched / n_true if n_true else 1.0
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def read_table(text: str) -> etree._Element | None:
    """The string's XML root when it is well-formed XML, else its HTML table (`parse_table`)."""
    try:
        return etree.fromstring(text, _XML)
    except (etree.XMLSyntaxError, ValueError):
        return parse_table(text)


def grits(prediction: str, reference: str) -> Grits:
    """GriTS-Top and GriTS-Con (0..1) of two table HTML strings.

    Raises ValueError when the reference has no table or cannot be placed on a grid."""
    true = reference_table(reference, read_table)
    true_boxes, true_texts = _grids(table_cells(true))
    pred = read_table(prediction)
    try:
        cells = table_cells(pred) if pred is not None else None
    except ValueError:
        cells = None
    if cells is None:
        return Grits(0.0, 0.0)
    pred_boxes, pred_texts = _grids(cells)
    return Grits(factored_2dmss(_box_similarity(true_boxes, pred_boxes)),
                 factored_2dmss(_text_similarity(true_texts, pred_texts)))
