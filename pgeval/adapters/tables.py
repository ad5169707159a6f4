"""The table-structure-recognition adapter: S-TEDS, TEDS, GriTS-Top and GriTS-Con, per table and
averaged over the split, in percent (the PaliGemma 2 card's FinTabNet and PubTabNet rows)."""

from __future__ import annotations

from collections.abc import Sequence

from pgeval.adapters.base import ADAPTERS, Adapter, Scored
from pgeval.data.base import Example
from pgeval.errors import InputError
from pgeval.metrics.grits import grits
from pgeval.metrics.table_html import parse_table, strip_locations
from pgeval.metrics.teds import teds

KEYS = ("s_teds", "teds", "grits_top", "grits_con")


@ADAPTERS.register("table_structure")
class TableStructure(Adapter):
    """A prediction is the table as HTML (`<table>` ... or the rows alone, as PubTabNet's
    structure tokens write them), cell text inside the `<td>`s; `<locNNNN>` pieces (cell boxes)
    are dropped first. The reference is the table HTML. TEDS is the primary metric; `info` counts
    the blank predictions (scored as an empty table, as the reference scores them) and those in
    which no table could be read (they score 0 on every metric)."""

    primary = "teds"

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        per: dict[str, list[float]] = {k: [] for k in KEYS}
        empty = unread = 0
        for prediction, example in zip(predictions, examples, strict=True):
            text = strip_locations(prediction)
            reference = example.references[0]
            empty += not text.strip()
            unread += parse_table(text) is None
            try:
                g = grits(text, reference)
                values = (teds(text, reference, structure_only=True), teds(text, reference), g.top, g.con)
            except ValueError as e:
                raise InputError(f"the reference table cannot be scored: {e}",
                                 example_id=example.id) from None
            for key, value in zip(KEYS, values, strict=True):
                per[key].append(100.0 * value)
        n = len(examples)
        metrics = {k: sum(v) / n if n else float("nan") for k, v in per.items()}
        return Scored(metrics, per[self.primary],
                      info={"empty_predictions": empty, "unreadable_predictions": unread})
