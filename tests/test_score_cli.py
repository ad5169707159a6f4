"""`pgeval score` on synthetic official-format files: real numbers and strict input checks."""

import json

import pytest

from tests.helpers import run_cli, score_json
from tests.synthetic import (
    write_chartqa,
    write_docvqa,
    write_jsonl,
    write_textvqa,
    write_vqav2,
)


@pytest.fixture
def vqav2(tmp_path):
    write_vqav2(tmp_path, [
        (1, 11, "Is it day?", ["yes"] * 10, "yes/no"),
        (2, 12, "How many?", ["2"] * 8 + ["3"] * 2, "number"),
        (3, 13, "What color?", ["red"] * 3 + ["blue"] * 7, "other"),
        (4, 14, "What animal?", ["cat"] * 10, "other"),
    ])
    return tmp_path


def write_vqa_predictions(path, answers):
    path.write_text(json.dumps([{"question_id": q, "answer": a} for q, a in answers]))
    return path


def test_vqav2_official_submission(vqav2, tmp_path):
    preds = write_vqa_predictions(tmp_path / "preds.json",
                                  [(1, "yes"), (2, "two"), (3, "Red."), (4, "Cat")])
    result = score_json("--task", "vqav2", "--predictions", str(preds),
                        "--data-dir", str(vqav2))
    assert result["task"] == "vqav2" and result["split"] == "val" and result["n"] == 4
    m = result["metrics"]
    # 100 + 100 + 90 (3 of 10 say red) + 0 (all say "cat": no lowercasing)
    assert m["accuracy"] == pytest.approx(72.5)
    assert m["accuracy:yes/no"] == 100.0
    assert m["accuracy:number"] == 100.0
    assert m["accuracy:other"] == pytest.approx(45.0)


def test_pgeval_jsonl_and_per_example_output(vqav2, tmp_path):
    preds = write_jsonl(tmp_path / "p.jsonl", [
        {"id": 1, "prediction": "no"}, {"id": "2", "prediction": "3"},
        {"id": 3, "prediction": "blue"}, {"id": 4, "prediction": "cat"}])
    result = run_cli("score", "--task", "vqav2", "--predictions", str(preds),
                     "--data-dir", str(vqav2), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert "accuracy" in result.stdout
    rows = [json.loads(x) for x in (tmp_path / "out" / "vqav2.val.jsonl").read_text().splitlines()]
    # "3" with two of ten: (2 * 1/3 + 8 * 2/3) / 10; "blue" with seven: 1
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert [round(r["score"], 6) for r in rows] == [0.0, 60.0, 100.0, 100.0]


def test_docvqa_anls(tmp_path):
    write_docvqa(tmp_path, [(7, "city?", ["paris"]), (8, "city?", ["paris"]),
                            (9, "code?", ["abc", "ABD"])])
    preds = tmp_path / "p.json"
    preds.write_text(json.dumps([{"questionId": 7, "answer": "Paris"},
                                 {"questionId": 8, "answer": "pariz"},
                                 {"questionId": 9, "answer": "xyz"}]))
    m = score_json("--task", "docvqa", "--predictions", str(preds),
                   "--data-dir", str(tmp_path))["metrics"]
    assert m["anls"] == pytest.approx((100 + 80 + 0) / 3)


def test_textvqa(tmp_path):
    write_textvqa(tmp_path, [(1, "a1", "brand?", ["coca cola"] * 9 + ["coke"]),
                             (2, "a2", "number?", ["12"] * 10)])
    preds = write_jsonl(tmp_path / "p.jsonl", [{"id": 1, "prediction": "Coca-Cola"},
                                               {"id": 2, "prediction": "12"}])
    m = score_json("--task", "textvqa", "--predictions", str(preds),
                   "--data-dir", str(tmp_path))["metrics"]
    assert m["accuracy"] == pytest.approx(100.0)


def test_chartqa_mean_of_subsets(tmp_path):
    write_chartqa(tmp_path, human=[("How much?", "12"), ("Which?", "Blue")],
                  augmented=[("Share?", "50%")])
    preds = write_jsonl(tmp_path / "p.jsonl", [
        {"id": "human-0", "prediction": "12.5"}, {"id": "human-1", "prediction": "red"},
        {"id": "augmented-0", "prediction": "0.5"}])
    m = score_json("--task", "chartqa", "--predictions", str(preds),
                   "--data-dir", str(tmp_path))["metrics"]
    assert m["relaxed_accuracy:human"] == 50.0
    assert m["relaxed_accuracy:augmented"] == 100.0
    assert m["relaxed_accuracy"] == 75.0  # mean of the two subsets, not pooled (66.7)


@pytest.mark.parametrize(("content", "message"), [
    ('[{"question_id": 1, "answer": "yes"}, {"question_id": 1, "answer": "no"}]',
     "entry 1, id '1': duplicate id (first seen at entry 0)"),
    ('[{"question_id": 1, "answer": 3}]', "entry 0, id '1': 'answer' must be a string, got 3"),
    ('[{"question_id": 1, "answer": "yes"},\n {"question_id": 2, "answer": "no"]',
     ":2: malformed JSON"),
    ('[{"question_id": 1, "answer": "yes"}, {"question_id": 2, "answer": "2"}, '
     '{"question_id": 3, "answer": "red"}, {"question_id": 4, "answer": "cat"}, '
     '{"question_id": 99, "answer": "x"}]',
     "entry 4, id '99': 1 prediction id(s) are not in the data"),
    ('[{"question_id": 1, "answer": "yes"}]', "3 of 4 examples have no prediction"),
    ('[{"qid": 1, "answer": "yes"}]', "prediction has no id key"),
])
def test_bad_predictions_exit_2_naming_file_place_and_id(vqav2, tmp_path, content,
                                                         message):
    preds = tmp_path / "bad.json"
    preds.write_text(content)
    result = run_cli("score", "--task", "vqav2", "--predictions", str(preds),
                     "--data-dir", str(vqav2))
    assert result.exit_code == 2
    assert str(preds) in result.stderr and message in result.stderr
    assert result.stdout == ""


def test_bad_jsonl_names_the_line(vqav2, tmp_path):
    preds = tmp_path / "bad.jsonl"
    preds.write_text('{"id": 1, "prediction": "yes"}\n\n{"id": 2, "prediction": }\n')
    result = run_cli("score", "--task", "vqav2", "--predictions", str(preds),
                     "--data-dir", str(vqav2))
    assert result.exit_code == 2 and f"{preds}:3: malformed JSON" in result.stderr


def test_unknown_task_and_missing_data(tmp_path):
    result = run_cli("score", "--task", "vqa2", "--predictions", "x",
                     "--data-dir", str(tmp_path))
    assert result.exit_code == 2 and "unknown task 'vqa2'" in result.stderr and "vqav2" in result.stderr
    preds = write_jsonl(tmp_path / "p.jsonl", [{"id": 1, "prediction": "x"}])
    result = run_cli("score", "--task", "vqav2", "--predictions", str(preds),
                     "--data-dir", str(tmp_path))
    assert result.exit_code == 2 and "v2_OpenEnded_mscoco_val2014_questions.json" in result.stderr
