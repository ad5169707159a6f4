"""Test splits without answers: `pgeval run --split test-dev` writes the servers' submission files
(checked against each server's documented layout), records the task as submitted, not scored,
and the table says so."""

import json

import pytest

from pgeval.data.base import SubmissionFormat
from pgeval.errors import InputError
from pgeval.reports.table import model_card_table, render
from pgeval.runs import load_run
from pgeval.scoring.submissions import submission_entries
from tests.helpers import run_cli
from tests.reports.test_table import cell, md_rows
from tests.synthetic import _dump, write_image

VQA_IDS = [4195880, 4195881, 4195882, 262148000, 262148001]  # test-dev's style of ids
DOC_IDS = [57344, 57345, 57346]
VIZWIZ = ["VizWiz_test_00000000.jpg", "VizWiz_test_00000001.jpg"]


@pytest.fixture(scope="module")
def test_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("test_splits")
    # the official test files: questions only, in the layout of the validation files
    _dump(root / "vqav2" / "v2_OpenEnded_mscoco_test-dev2015_questions.json", {
        "info": {}, "task_type": "Open-Ended", "data_type": "mscoco", "license": {},
        "data_subtype": "test-dev2015",
        "questions": [{"image_id": q // 1000, "question": "What is on the table?", "question_id": q}
                      for q in VQA_IDS]})
    for q in VQA_IDS:
        write_image(root / "vqav2" / "test2015" / f"COCO_test2015_{q // 1000:012d}.jpg", q % 97)
    _dump(root / "docvqa" / "test" / "test_v1.0.json", {
        "dataset_name": "docvqa", "dataset_split": "test", "dataset_version": "1.0",
        "data": [{"questionId": q, "question": "What is the date?", "image": f"documents/{q}.png",
                  "docId": q} for q in DOC_IDS]})
    for q in DOC_IDS:
        write_image(root / "docvqa" / "test" / "documents" / f"{q}.png", q)
    _dump(root / "vizwiz_vqa" / "test.json", [{"image": i, "question": "What is this?"}
                                              for i in VIZWIZ])
    for i, name in enumerate(VIZWIZ):
        write_image(root / "vizwiz_vqa" / "test" / name, i)
    return root


def check_list_layout(path, id_key, ids, id_type):
    """A server's list layout: a JSON list of exactly {id_key, "answer"}, one entry per question of
    the split, ids of the server's type, answers strings."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(entries, list)
    assert all(set(e) == {id_key, "answer"} for e in entries)
    assert all(type(e[id_key]) is id_type and isinstance(e["answer"], str) for e in entries)
    assert sorted(e[id_key] for e in entries) == sorted(ids)
    return {e[id_key]: e["answer"] for e in entries}


def test_test_splits_write_submission_files(tiny_checkpoint, test_data, tmp_path):
    path, _ = tiny_checkpoint
    out = tmp_path / "run"
    result = run_cli("run", "--tasks", "vqav2,docvqa,vizwiz_vqa", "--checkpoint", str(path),
                     "--data-dir", str(test_data), "--out", str(out), "--batch-size", "2",
                     "--split", "vqav2=test-dev,docvqa=test,vizwiz_vqa=test")
    assert result.exit_code == 0, result.stderr
    printed = result.stdout
    run = load_run(out)
    files = {
        "vqav2": ("vqa_OpenEnded_mscoco_test-dev2015_pgeval_results.json", "question_id", VQA_IDS, int),
        "docvqa": ("docvqa_test_results.json", "questionId", DOC_IDS, int),
        "vizwiz_vqa": ("vizwiz_vqa_test_results.json", "image", VIZWIZ, str),
    }
    for task, (name, id_key, ids, id_type) in files.items():
        record = run.tasks[task]
        assert record.submission == f"submissions/{name}" and record.metrics == {}
        assert record.n == len(ids) and record.split in ("test-dev", "test")
        answers = check_list_layout(out / record.submission, id_key, ids, id_type)
        # the submission holds the run's predictions
        lines = [json.loads(x) for x in (out / record.predictions).read_text().splitlines()]
        assert {id_type(x["id"]): x["prediction"] for x in lines} == answers
        assert all(x["score"] is None for x in lines)
        assert f"submission written to {out / record.submission}" in printed
        assert run.example_scores(task) is None
    card = (out / "model_card.md").read_text()
    assert "| VQAv2" in card and "submitted" in card
    # as a 3B run at 224 px, the table sets the card's test-std number beside it, marked
    raw = json.loads((out / "results.json").read_text())
    raw["model"].update(res=224, size="3b")
    (out / "results.json").write_text(json.dumps(raw))
    rows = md_rows(render(model_card_table([load_run(out)], "paligemma"), "md"))
    label = next(k for k in rows["header"] if k.endswith(": published"))[: -len(": published")]
    assert cell(rows, "VQAv2", label) == "submitted"
    assert cell(rows, "VQAv2", f"{label}: published") == "83.19 (test-dev vs test-std)"
    assert cell(rows, "VQAv2", f"{label}: Δ") == "–"


def test_integer_ids_are_required_where_the_server_wants_them():
    fmt = SubmissionFormat("question_id", "answer", integer_ids=True)
    assert submission_entries(fmt, ["7", "12"], ["a", "b"]) == [
        {"question_id": 7, "answer": "a"}, {"question_id": 12, "answer": "b"}]
    with pytest.raises(InputError, match="integer 'question_id'"):
        submission_entries(fmt, ["q7"], ["a"])


def test_an_unknown_split_names_the_task_and_its_splits(tiny_checkpoint, test_data, tmp_path,
                                                        capsys):
    path, _ = tiny_checkpoint
    result = run_cli("run", "--tasks", "vqav2", "--checkpoint", str(path), "--data-dir", str(test_data),
                     "--out", str(tmp_path / "r"), "--split", "testdev")
    assert result.exit_code == 2
    err = result.stderr
    assert "task vqav2" in err and "val, minival, test-dev, test" in err
