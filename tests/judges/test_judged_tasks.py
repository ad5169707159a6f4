"""`pgeval score` on DOCCI's and MIMIC-CXR's files with and without their judges, and `pgeval
run` on DOCCI: a metric without its judge is absent, so neither the model card nor the gate ever
sees a made-up 0."""

from __future__ import annotations

import json

import pytest

from pgeval.config import EngineConfig, RunConfig
from pgeval.gate.compare import compare
from pgeval.judges import EntailmentJudge
from pgeval.reports.cells import run_labels
from pgeval.reports.table import model_card_table
from pgeval.resources import Resources
from pgeval.runs import load_run
from tests.helpers import run_cli, score_json
from tests.synthetic import write_image, write_jsonl

DESCRIPTIONS = {  # DOCCI's release: every split in one file
    "train_00000": ("train", "A cat on a mat."),
    "qual_dev_00000": ("qual_dev", "A gray cat sits on a scale held by a man."),
    "qual_dev_00001": ("qual_dev", "A brown dog lies on green grass."),
    "qual_dev_00002": ("qual_dev", "A flag on a pole in the wind beside a red car."),
    "test_00000": ("test", "A red bus on a street."),
}
PREDICTIONS = {
    "qual_dev_00000": "Dr. Smith holds a 3.5 kg cat. It is gray.",
    "qual_dev_00001": "A dog on grass",
    "qual_dev_00002": "The U.S. flag hangs on a pole... It is windy! A car is red.",
}


def write_docci(data_dir):
    write_jsonl(data_dir / "docci" / "docci_descriptions.jsonlines", [
        {"example_id": k, "split": split, "image_file": f"{k}.jpg", "description": d}
        for k, (split, d) in DESCRIPTIONS.items()])
    return data_dir


def test_docci_score_with_and_without_a_judge(tmp_path):
    data = write_docci(tmp_path / "data")
    preds = write_jsonl(tmp_path / "p.jsonl", [{"id": k, "prediction": p} for k, p in PREDICTIONS.items()])
    judgments = write_jsonl(tmp_path / "j.jsonl", [
        {"id": "qual_dev_00000", "entailed": [True, False]},
        {"id": "qual_dev_00001", "entailed": [True], "text": PREDICTIONS["qual_dev_00001"]},
        {"id": "qual_dev_00002", "entailed": [False, True, False],
         "sentences": ["The U.S. flag hangs on a pole...", "It is windy!", "A car is red."]},
    ])
    args = ["--task", "docci", "--predictions", str(preds), "--data-dir", str(data)]
    judged = score_json(*args, "--entailment-judge", f"file:{judgments}")
    assert judged["split"] == "qual_dev" and judged["n"] == 3  # train and test lines left out
    # characters 41 + 14 + 59 = 114 (spaces included), / 3 = 38; sentences 2 + 1 + 3 = 6, / 3 = 2
    # ("Dr." and "3.5" and "U.S." end none); not entailed 1 + 0 + 2 = 3 of 6 = 50 %
    assert judged["metrics"] == {"avg_chars": 38.0, "avg_sentences": 2.0, "non_entailed": 50.0}
    assert str(judgments) in judged["info"]["entailment_judge"]
    plain = score_json(*args, "--out", str(tmp_path / "out"))
    assert plain["metrics"] == {"avg_chars": 38.0, "avg_sentences": 2.0}  # not 0, not NaN: absent
    assert plain["info"]["not_available"] == ["non_entailed"]
    rows = [json.loads(x) for x in (tmp_path / "out" / "docci.qual_dev.jsonl").read_text().splitlines()]
    assert [r["score"] for r in rows] == [41.0, 14.0, 59.0]  # per example: the caption's length


def test_docci_other_splits_and_a_wrong_judgment(tmp_path):
    data = write_docci(tmp_path / "data")
    preds = write_jsonl(tmp_path / "p.jsonl", [{"id": "test_00000", "prediction": "A bus. It is red."}])
    result = score_json("--task", "docci", "--split", "test", "--predictions", str(preds),
                   "--data-dir", str(data))
    assert result["n"] == 1 and result["metrics"]["avg_sentences"] == 2.0
    bad = write_jsonl(tmp_path / "j.jsonl", [{"id": "test_00000", "entailed": [True]}])
    result = run_cli("score", "--task", "docci", "--split", "test", "--predictions", str(preds),
                     "--data-dir", str(data), "--entailment-judge", f"file:{bad}")
    assert result.exit_code == 2
    assert "1 judgments for the 2 sentences" in result.stderr


REPORTS = ["heart size is normal and the lungs are clear",
           "small left pleural effusion with basilar atelectasis"]


def test_mimic_cxr_score_with_and_without_radgraph(tmp_path):
    write_jsonl(tmp_path / "data" / "mimic_cxr" / "test.jsonl", [
        {"id": f"s{k}", "references": [r], "image": f"p10/s{k}.jpg"} for k, r in enumerate(REPORTS)])
    preds = write_jsonl(tmp_path / "p.jsonl",
                        [{"id": f"s{k}", "prediction": r} for k, r in enumerate(REPORTS)])
    scores = write_jsonl(tmp_path / "rg.jsonl", [{"id": "s0", "radgraph_f1": 0.4},
                                                 {"id": "s1", "radgraph_f1": 0.2, "text": REPORTS[1]}])
    args = ["--task", "mimic_cxr", "--predictions", str(preds), "--data-dir", str(tmp_path / "data")]
    with_f1 = score_json(*args, "--radgraph-scorer", f"file:{scores}")
    # each report its study's only reference, no word shared between the two: CIDEr-D 10 per
    # study, BLEU-4 and ROUGE-L 1; all x 100. RadGraph F1: (0.4 + 0.2) / 2 x 100 = 30
    m = with_f1["metrics"]
    assert list(m) == ["cider", "bleu4", "rouge_l", "radgraph_f1"]
    assert m["cider"] == pytest.approx(1000.0) and m["rouge_l"] == pytest.approx(100.0)
    assert m["bleu4"] == pytest.approx(100.0, abs=1e-6) and m["radgraph_f1"] == pytest.approx(30.0)
    without = score_json(*args)
    assert without["metrics"] == {k: v for k, v in m.items() if k != "radgraph_f1"}
    assert without["info"] == {"radgraph_scorer": "none", "not_available": ["radgraph_f1"]}


class NoneEntailed(EntailmentJudge):
    def judge(self, captions):
        return [[False] * len(c.sentences) for c in captions]


def test_docci_run_without_a_judge_shows_no_number_and_gates_nothing(tiny_checkpoint, tmp_path):
    from pgeval.run.evaluation import run_evaluation

    path, _ = tiny_checkpoint
    data = write_docci(tmp_path / "data")
    for i, k in enumerate(PREDICTIONS):
        write_image(data / "docci" / "images" / f"{k}.jpg", i)
    run_evaluation(EngineConfig(checkpoint=path, batch_size=4),
                   RunConfig(tasks=("docci",), data_dir=data, out=tmp_path / "a", progress=False),
                   Resources(entailment_judge=NoneEntailed()))
    run_evaluation(EngineConfig(checkpoint=path, batch_size=4),
                   RunConfig(tasks=("docci",), data_dir=data, out=tmp_path / "b", progress=False))
    a, b = load_run(tmp_path / "a"), load_run(tmp_path / "b")
    judged, plain = a.tasks["docci"], b.tasks["docci"]
    assert judged.metrics["non_entailed"] == 100.0  # the tiny model's captions have sentences
    assert judged.directions == {"avg_chars": "neither", "avg_sentences": "neither",
                                 "non_entailed": "lower"}
    assert "non_entailed" not in plain.metrics and plain.info["not_available"] == ["non_entailed"]
    table = model_card_table([a, b], reference="paligemma2")  # the card's three DOCCI columns
    docci = table[table["Benchmark"] == "DOCCI"].iloc[0]
    cell_a, cell_b = (docci[label] for label in run_labels([a, b]))
    assert cell_a.endswith("/100.00") and cell_b.endswith("/–")  # characters/sentences/non-entailed
    assert cell_a.split("/")[:2] == cell_b.split("/")[:2]
    report = compare(a, b, max_drop=0.5, alpha=0.05)
    gated = {r.metric: r for r in report.rows}
    assert gated["non_entailed"].current is None and gated["non_entailed"].verdict == "not compared"
    assert gated["avg_chars"].verdict == "not graded" and not report.failed
