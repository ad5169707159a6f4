"""PubTabNet and FinTabNet ground truth in their official JSON Lines layout, and `pgeval score` of
the two table-structure tasks end to end."""

import json

import pytest

from pgeval.data.base import SOURCES
from pgeval.errors import InputError
from pgeval.metrics.table_html import rebuild_html
from pgeval.tasks import get_task
from tests.helpers import run_cli, score_json
from tests.synthetic import write_jsonl

# A 2 x 2 table with a header row; the second body cell spans two columns, as PubTabNet writes
# its tokens (`<td`, ` colspan="2"`, `>`), single characters and inline markup as cell tokens.
STRUCTURE = ["<thead>", "<tr>", "<td>", "</td>", "<td>", "</td>", "</tr>", "</thead>",
             "<tbody>", "<tr>", "<td", ' colspan="2"', ">", "</td>", "</tr>", "</tbody>"]
CELLS = [{"tokens": ["<b>", "Y", "</b>"], "bbox": [1, 2, 3, 4]}, {"tokens": ["R", "&", "D"]},
         {"tokens": ["1", "<", "2"], "bbox": [5, 6, 7, 8]}]
HTML = ('<table><thead><tr><td><b>Y</b></td><td>R&amp;D</td></tr></thead>'
        '<tbody><tr><td colspan="2">1&lt;2</td></tr></tbody></table>')


def line(**fields):
    return {"html": {"structure": {"tokens": STRUCTURE}, "cells": CELLS}, **fields}


def source(name, split, annotations, images):
    return SOURCES.get(name)(splits={split: {"annotations": annotations, "images": images}})


def test_rebuild_html_as_pubtabnets_notebook():
    # cells go after `<td>` or the `>` closing `<td colspan=...`; one-character tokens escaped
    assert rebuild_html(STRUCTURE, [c["tokens"] for c in CELLS]) == HTML
    # an empty cell adds nothing; a structure that has its own <table> is not wrapped again
    assert rebuild_html(["<table>", "<tr>", "<td>", "</td>", "</tr>", "</table>"], [[]]) == (
        "<table><tr><td></td></tr></table>")


def test_pubtabnet_reads_one_split_of_the_single_file(tmp_path):
    write_jsonl(tmp_path / "PubTabNet_2.0.0.jsonl", [
        line(filename="PMC1_train.png", split="train", imgid=0),
        line(filename="PMC2_val.png", split="val", imgid=1),
        line(filename="PMC3_val.png", split="val", imgid=2),
    ])
    examples = source("pubtabnet", "val", "PubTabNet_2.0.0.jsonl", "{split}/{filename}").load(tmp_path, "val")
    assert [e.id for e in examples] == ["PMC2_val.png", "PMC3_val.png"]
    assert examples[0].images == ("val/PMC2_val.png",)
    assert examples[0].references == (HTML,)
    with pytest.raises(InputError, match="no table of split 'test'"):
        source("pubtabnet", "test", "PubTabNet_2.0.0.jsonl", "{split}/{filename}").load(tmp_path, "test")


def test_fintabnet_reads_its_split_file_with_table_ids(tmp_path):
    write_jsonl(tmp_path / "FinTabNet_1.0.0_cell_test.jsonl", [
        line(filename="AAL/2014/page_18.pdf", table_id=93, split="test"),
        line(filename="AAL/2014/page_18.pdf", table_id=94, split="test"),
    ])
    examples = source("fintabnet", "test", "FinTabNet_1.0.0_cell_test.jsonl", "test/{table_id}.png").load(
        tmp_path, "test")
    assert [e.id for e in examples] == ["93", "94"]
    assert examples[1].images == ("test/94.png",)
    assert examples[1].references == (HTML,)


@pytest.mark.parametrize(("record", "message"), [
    ({"filename": "a.png", "split": "val"}, ":1: entry has no 'html' field"),
    ({"filename": "a.png", "split": "val", "html": {"structure": {"tokens": ["<tr>", 3]}, "cells": []}},
     ":1: html.structure.tokens must be a list of strings"),
    ({"filename": "a.png", "split": "val", "html": {"structure": {"tokens": []}, "cells": {}}},
     ":1: html.cells must be a list"),
    ({"split": "val", "html": {"structure": {"tokens": []}, "cells": []}}, ":1: entry has no 'filename'"),
])
def test_bad_lines_name_the_file_and_line(tmp_path, record, message):
    (tmp_path / "gt.jsonl").write_text(json.dumps(record) + "\n")
    with pytest.raises(InputError) as e:
        source("pubtabnet", "val", "gt.jsonl", "{split}/{filename}").load(tmp_path, "val")
    assert message in str(e.value)


def test_duplicate_ids_are_refused(tmp_path):
    write_jsonl(tmp_path / "gt.jsonl", [line(filename="a.png", split="val")] * 2)
    with pytest.raises(InputError, match="duplicate id"):
        source("pubtabnet", "val", "gt.jsonl", "{split}/{filename}").load(tmp_path, "val")


def write_pubtabnet(root):
    """Three val tables (and a train one the task must skip) in the official file."""
    root.mkdir(parents=True, exist_ok=True)
    two_by_two = ["<tbody>", "<tr>", "<td>", "</td>", "<td>", "</td>", "</tr>",
                  "<tr>", "<td>", "</td>", "<td>", "</td>", "</tr>", "</tbody>"]
    write_jsonl(root / "PubTabNet_2.0.0.jsonl", [
        line(filename="PMC0.png", split="train"),
        {"filename": "PMC1.png", "split": "val", "html": {"structure": {"tokens": two_by_two},
                                                         "cells": [{"tokens": [t]} for t in "abcd"]}},
        {"filename": "PMC2.png", "split": "val", "html": {"structure": {"tokens": two_by_two},
                                                         "cells": [{"tokens": [t]} for t in "abcd"]}},
        line(filename="PMC3.png", split="val"),
    ])


def test_pubtabnet_score_end_to_end(tmp_path):
    write_pubtabnet(tmp_path / "data" / "pubtabnet")  # --data-dir holds a folder per task
    preds = write_jsonl(tmp_path / "p.jsonl", [
        # the same table, with PaliGemma location pieces for the cell boxes: 100 on every metric
        {"id": "PMC1.png", "prediction": "<tbody><tr><td><loc0010><loc0020><loc0100><loc0200>a</td>"
                                         "<td>b</td></tr><tr><td>c</td><td>d</td></tr></tbody>"},
        # the second row missing: TEDS 1 - 3/7 (tbody counts), GriTS 2 * 2 / (2 + 4)
        {"id": "PMC2.png", "prediction": "<table><tbody><tr><td>a</td><td>b</td></tr></tbody></table>"},
        # nothing written: an empty table, as the reference's evaluate receives it. Against
        # HTML (thead tr td b td tbody tr td: n = 8, the <b> inside a cell among them) it inserts
        # the 7 tree nodes: TEDS and S-TEDS 1 - 7/8; GriTS 0 (recall 0). Counted
        {"id": "PMC3.png", "prediction": ""},
    ])
    result = score_json("--task", "pubtabnet", "--predictions", str(preds),
                        "--data-dir", str(tmp_path / "data"))
    assert result["split"] == "val" and result["n"] == 3
    assert result["info"] == {"empty_predictions": 1, "unreadable_predictions": 0}
    m = result["metrics"]
    assert m["teds"] == pytest.approx((100 + 100 * 4 / 7 + 100 / 8) / 3)
    assert m["s_teds"] == pytest.approx((100 + 100 * 4 / 7 + 100 / 8) / 3)
    assert m["grits_top"] == pytest.approx((100 + 100 * 2 / 3 + 0) / 3)
    assert m["grits_con"] == pytest.approx((100 + 100 * 2 / 3 + 0) / 3)


def test_fintabnet_score_end_to_end(tmp_path):
    root = tmp_path / "data"
    (root / "fintabnet").mkdir(parents=True)
    write_jsonl(root / "fintabnet" / "FinTabNet_1.0.0_cell_test.jsonl", [
        line(filename="A/2010/page_1.pdf", table_id=7, split="test"),
        line(filename="A/2010/page_2.pdf", table_id=8, split="test"),
    ])
    preds = write_jsonl(tmp_path / "p.jsonl", [
        {"id": 7, "prediction": HTML},
        # "R&D" read as "R&B" and the colspan missed, which leaves the body row one cell short:
        # TEDS: n = 8, rename R&D -> R&B 1/3, colspan 2 -> 1 for 1: 1 - (1/3 + 1) / 8;
        # S-TEDS: 1 - 1/8. Both grids 2 x 2, the predicted one with a hole at (1, 1):
        # GriTS-Top: S = 2 + 1/2 ([0,0,1,1] vs [0,0,2,1]) + 0, 2 * 2.5 / 8;
        # GriTS-Con: S = 1 + 2 * 2 / 6 ("R&B" vs "R&D") + 1 + 0, 2 * S / 8
        {"id": 8, "prediction": HTML.replace("R&amp;D", "R&amp;B").replace(' colspan="2"', "")},
        ])
    result = score_json("--task", "fintabnet", "--predictions", str(preds),
                        "--data-dir", str(root))
    m = result["metrics"]
    assert result["split"] == "test" and result["n"] == 2
    assert m["teds"] == pytest.approx((100 + 100 * (1 - (1 / 3 + 1) / 8)) / 2)
    assert m["s_teds"] == pytest.approx((100 + 100 * (1 - 1 / 8)) / 2)
    assert m["grits_top"] == pytest.approx((100 + 100 * 2 * 2.5 / 8) / 2)
    assert m["grits_con"] == pytest.approx((100 + 100 * 2 * (2 + 2 / 3) / 8) / 2)


def test_task_specs_print_the_cards_columns_in_order():
    for name, split, values in (("fintabnet", "test", [99.18, 98.94, 99.43, 99.21]),
                                ("pubtabnet", "val", [97.6, 97.31, 97.99, 97.84])):
        spec = get_task(name)
        assert spec.keys == ("s_teds", "teds", "grits_top", "grits_con")
        assert [(p.model, p.res, p.split, p.value) for p in spec.published] == [
            ("3b-pt", 896, split, v) for v in values]


def test_a_missing_annotation_file_is_named(tmp_path):
    preds = write_jsonl(tmp_path / "p.jsonl", [{"id": "x", "prediction": ""}])
    result = run_cli("score", "--task", "pubtabnet", "--predictions", str(preds),
                     "--data-dir", str(tmp_path))
    assert result.exit_code == 2 and "PubTabNet_2.0.0.jsonl" in result.stderr
