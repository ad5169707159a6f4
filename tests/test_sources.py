"""The other official formats, read and scored end to end through the task specs."""

import csv
import json

import pytest

from pgeval.errors import InputError
from pgeval.scoring.examples import load_examples
from pgeval.scoring.score import score_file, score_predictions
from pgeval.tasks import get_task
from tests.synthetic import write_jsonl


def jsonl_predictions(path, pairs):
    return write_jsonl(path, [{"id": i, "prediction": p} for i, p in pairs])


def test_pope(tmp_path):
    root = tmp_path / "pope"
    rows = {"random": [("yes", "Yes, there is."), ("no", "No.")],
            "popular": [("yes", "no"), ("no", "There is no cat.")],
            "adversarial": [("yes", "yes"), ("no", "yes")]}
    preds = []
    for subset, items in rows.items():
        write_jsonl(root / f"coco_pope_{subset}.json", [
            {"question_id": k + 1, "image": f"COCO_val2014_{k:012d}.jpg",
             "text": "Is there a cat in the image?", "label": label}
            for k, (label, _) in enumerate(items)])
        preds += [(f"{subset}-{k + 1}", answer) for k, (_, answer) in enumerate(items)]
    result = score_file(get_task("pope"), jsonl_predictions(tmp_path / "p.jsonl", preds), tmp_path)
    m = result.metrics
    assert (m["accuracy:random"], m["accuracy:popular"], m["accuracy:adversarial"]) == (100, 50, 50)
    # pooled: tp=2 fp=1 tn=2 fn=1
    assert m["accuracy"] == pytest.approx(400 / 6)
    assert m["precision"] == pytest.approx(200 / 3) and m["yes_ratio"] == 50.0
    assert result.per_example == [100.0, 100.0, 0.0, 100.0, 100.0, 0.0]


def test_tallyqa_simple_and_complex(tmp_path):
    rows = [{"question_id": 1, "image": "VG_100K/1.jpg", "image_id": 1, "question": "How many?",
             "answer": 2, "issimple": True, "data_source": "imported_genome"},
            {"question_id": 2, "image": "val2014/x.jpg", "image_id": 2, "question": "How many?",
             "answer": 0, "issimple": False, "data_source": "amt"},
            {"question_id": 3, "image": "val2014/y.jpg", "image_id": 3, "question": "How many?",
             "answer": 5, "issimple": False, "data_source": "amt"}]
    (tmp_path / "tallyqa").mkdir()
    (tmp_path / "tallyqa" / "test.json").write_text(json.dumps(rows))
    preds = jsonl_predictions(tmp_path / "p.jsonl", [(1, "Two"), (2, "none"), (3, "4")])
    result = score_file(get_task("tallyqa"), preds, tmp_path)
    assert result.metrics["accuracy:simple"] == 100.0
    assert result.metrics["accuracy:complex"] == 50.0
    examples = load_examples(get_task("tallyqa"), tmp_path)
    assert examples[0].images == ("VG_100K/1.jpg",) and examples[1].references == ("0",)


def test_vizwiz_ids_are_image_names(tmp_path):
    rows = [{"image": "VizWiz_val_00000000.jpg", "question": "What is this?",
             "answers": [{"answer": a, "answer_confidence": "yes"} for a in ["soup"] * 10],
             "answer_type": "other", "answerable": 1}]
    (tmp_path / "vizwiz_vqa").mkdir()
    (tmp_path / "vizwiz_vqa" / "val.json").write_text(json.dumps(rows))
    preds = tmp_path / "p.json"
    preds.write_text(json.dumps([{"image": "VizWiz_val_00000000.jpg", "answer": "soup"}]))
    assert score_file(get_task("vizwiz_vqa"), preds, tmp_path).metrics["accuracy"] == 100.0


def test_gqa_and_okvqa_layouts(tmp_path):
    (tmp_path / "gqa").mkdir()
    (tmp_path / "gqa" / "testdev_balanced_questions.json").write_text(json.dumps({
        "201": {"imageId": "n1", "question": "Is it red?", "answer": "yes", "fullAnswer": "Yes."},
        "202": {"imageId": "n2", "question": "Which side?", "answer": "left"}}))
    preds = jsonl_predictions(tmp_path / "g.jsonl", [("201", "yes"), ("202", "Left")])
    result = score_file(get_task("gqa"), preds, tmp_path)
    assert result.metrics["accuracy"] == 50.0  # exact match is case-sensitive
    assert load_examples(get_task("gqa"), tmp_path)[0].images[0] == "images/n1.jpg"


def test_mmvp_pairs(tmp_path):
    (tmp_path / "mmvp").mkdir()
    with open(tmp_path / "mmvp" / "Questions.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Index", "Question", "Options", "Correct Answer"])
        w.writerow([1, "Open or closed?", "(a) Open (b) Closed", "(a)"])
        w.writerow([2, "Open or closed?", "(a) Open (b) Closed", "(b)"])
        w.writerow([3, "Which side?", "(a) Left (b) Right", "(a)"])
        w.writerow([4, "Which side?", "(a) Left (b) Right", "(b)"])
    preds = jsonl_predictions(tmp_path / "p.jsonl", [(1, "Open"), (2, "closed"), (3, "Left"),
                                                     (4, "Left")])
    result = score_file(get_task("mmvp"), preds, tmp_path)
    assert result.metrics["paired_accuracy"] == 50.0
    assert result.metrics["accuracy"] == 75.0
    assert load_examples(get_task("mmvp"), tmp_path)[2].images[0] == "MMVP Images/3.jpg"


def test_multilingual_means(tmp_path):
    spec = get_task("xgqa")
    rows = []
    for lang, answers in {"en": ["yes", "yes"], "de": ["no", "yes"], "zh": ["no", "no"]}.items():
        rows += [{"id": f"{lang}{k}", "references": ["yes"], "image": "i.jpg", "slice": lang,
                  "question": "q"} for k in range(len(answers))]
    write_jsonl(tmp_path / "xgqa" / "test_zs.jsonl", rows)
    examples = load_examples(spec, tmp_path)
    preds = ["yes", "yes", "no", "yes", "no", "no"]
    m = score_predictions(spec, examples, preds).metrics
    assert (m["accuracy:en"], m["accuracy:de"], m["accuracy:zh"]) == (100.0, 50.0, 0.0)
    assert m["accuracy"] == 50.0  # mean over the three languages
    assert m["accuracy:mean_excluding_en"] == 25.0


def test_missing_files_are_all_listed(tmp_path):
    with pytest.raises(InputError) as e:
        load_examples(get_task("pope"), tmp_path)
    for name in ("coco_pope_random.json", "coco_pope_popular.json", "coco_pope_adversarial.json"):
        assert name in str(e.value)


def test_unknown_split(tmp_path):
    with pytest.raises(InputError, match="has no split 'train'"):
        load_examples(get_task("vqav2"), tmp_path, "train")


def test_bad_annotation_entries_are_located(tmp_path):
    write_jsonl(tmp_path / "ocrvqa" / "test.jsonl", [{"id": 1, "references": ["a"]},
                                                     {"id": 2, "references": [3]}])
    with pytest.raises(InputError, match="references must be") as e:
        load_examples(get_task("ocrvqa"), tmp_path)
    assert "test.jsonl:2" in str(e.value) and "id '2'" in str(e.value)
