"""Task specs: every built-in loads, lists, and matches the model cards; plugins and extra folders."""

import json
import sys
import textwrap

import pytest

from pgeval.adapters import ADAPTERS
from pgeval.errors import InputError
from pgeval.reports.listing import task_rows
from pgeval.scoring.examples import load_examples
from pgeval.scoring.score import score_predictions
from pgeval.tasks import TaskCatalog, get_task, load_task_file, load_tasks
from tests.helpers import run_cli, task_toml, write_task_file
from tests.synthetic import write_jsonl

# Every row of the two cards' benchmark tables (all of them have a metric now).
CARD_ROWS_WITH_A_METRIC = {
    "coco_captions", "nocaps", "coco35l", "xm3600", "textcaps", "scicap", "screen2words",
    "widgetcap", "vqav2", "mmvp", "pope", "okvqa", "aokvqa_mc", "aokvqa_da", "gqa", "xgqa",
    "nlvr2", "marvl", "ai2d", "scienceqa", "rsvqa_lr", "rsvqa_hr", "chartqa", "vizwiz_vqa",
    "tallyqa", "countbenchqa", "ocrvqa", "textvqa", "docvqa", "infovqa", "stvqa", "msrvtt_cap",
    "msrvtt_qa", "activitynet_cap", "activitynet_qa", "vatex", "msvd_qa",
    "refcoco", "refcoco+", "refcocog", "fairface_toxicity",
    # The PaliGemma 2 card's additional benchmarks.
    "vsr", "pubchem", "mimic_cxr", "grandstaff", "icdar15", "total_text", "fintabnet", "pubtabnet",
    "docci",
}


def test_every_card_benchmark_has_a_valid_spec():
    tasks = load_tasks()
    assert set(tasks) >= CARD_ROWS_WITH_A_METRIC
    for spec in tasks.values():
        ADAPTERS.get(spec.adapter)(**spec.adapter_args)  # arguments are accepted
        assert spec.published, spec.name
        assert {p.key for p in spec.published} <= set(spec.keys)


def test_published_numbers_as_printed_on_the_cards():
    vqav2 = get_task("vqav2")
    got = {(p.card, p.model, p.res): p.value for p in vqav2.published}
    assert got[("paligemma", "3b-pt", 224)] == 83.19
    assert got[("paligemma", "3b-pt", 448)] == 85.64
    assert got[("paligemma2", "28b-pt", 448)] == 85.8
    docvqa = {(p.card, p.res): p.value for p in get_task("docvqa").published
              if p.model == "3b-pt"}
    assert docvqa[("paligemma", 896)] == 84.77
    assert docvqa[("paligemma2", 448)] == 73.6
    pope = {p.key: p.value for p in get_task("pope").published
            if p.model == "3b-mix" and p.res == 448}
    assert pope == {"accuracy:random": 89.37, "accuracy:popular": 88.40,
                    "accuracy:adversarial": 87.47}


def test_paligemma2_additional_benchmarks_as_printed():
    vsr = {(p.model, p.res, p.data_split): p.value for p in get_task("vsr").published}
    assert vsr == {("3b-pt", 224, None): 0.75, ("10b-pt", 224, None): 0.80,
                   ("3b-pt", 224, "random_test"): 0.82, ("10b-pt", 224, "random_test"): 0.87}
    assert get_task("vsr").split == "zeroshot_test"  # the card's first column
    assert [(p.model, p.res, p.key, p.value) for p in get_task("pubchem").published] == [
        ("3b-pt", 448, "accuracy_canonical", 94.8)]
    for name, (p, r, f1) in {"icdar15": (81.88, 70.73, 75.9), "total_text": (73.8, 74.54, 74.17)}.items():
        assert [(e.model, e.res, e.key, e.value) for e in get_task(name).published] == [
            ("3b-pt", 896, "precision", p), ("3b-pt", 896, "recall", r), ("3b-pt", 896, "f1", f1)]
    assert [(p.model, p.res, p.key, p.value) for p in get_task("grandstaff").published] == [
        ("3b-pt", 896, "cer", 1.6), ("3b-pt", 896, "ler", 6.7), ("3b-pt", 896, "ser", 2.3)]
    mimic = {(p.model, p.res, p.key): p.value for p in get_task("mimic_cxr").published}
    assert mimic == {("3b-pt", 896, "cider"): 19.9, ("3b-pt", 896, "bleu4"): 14.6,
                     ("3b-pt", 896, "rouge_l"): 31.92, ("3b-pt", 896, "radgraph_f1"): 28.8,
                     ("10b-pt", 896, "cider"): 17.4, ("10b-pt", 896, "bleu4"): 15.0,
                     ("10b-pt", 896, "rouge_l"): 32.41, ("10b-pt", 896, "radgraph_f1"): 29.5}
    for name, values in {"fintabnet": (99.18, 98.94, 99.43, 99.21),
                         "pubtabnet": (97.6, 97.31, 97.99, 97.84)}.items():
        assert [(e.model, e.key, e.value) for e in get_task(name).published] == [
            ("3b-pt", k, v) for k, v in zip(("s_teds", "teds", "grits_top", "grits_con"), values,
                                            strict=True)]
    docci = {(p.model, p.key): p.value for p in get_task("docci").published}
    assert docci == {("3b-pt", "avg_chars"): 529, ("3b-pt", "avg_sentences"): 7.74,
                     ("3b-pt", "non_entailed"): 28.42, ("10b-pt", "avg_chars"): 521,
                     ("10b-pt", "avg_sentences"): 7.45, ("10b-pt", "non_entailed"): 20.27}
    additional = [s for s in load_tasks().values() if s.family == "additional"]
    assert {s.name for s in additional} == {"icdar15", "total_text", "fintabnet", "pubtabnet",
                                            "grandstaff", "pubchem", "docci", "mimic_cxr", "vsr"}
    assert {p.card for s in additional for p in s.published} == {"paligemma2"}


def test_vsr_reads_both_splits(tmp_path):
    rows = {"zeroshot_test": [("True", "True"), ("False", "False"), ("True", "False"),
                              ("False", "False")],
            "random_test": [("True", "true"), ("False", "False")]}
    for split, pairs in rows.items():
        write_jsonl(tmp_path / "vsr" / f"{split}.jsonl", [
            {"id": f"{split}-{k}", "references": [ref], "image": f"{k:012d}.jpg",
             "caption": "The cat is on the left of the dog."} for k, (ref, _) in enumerate(pairs)])
    spec = get_task("vsr")
    # the card prints VSR accuracy as a fraction, and so does the task
    for split, expected in (("zeroshot_test", 0.75), ("random_test", 0.5)):
        examples = load_examples(spec, tmp_path, split)
        assert examples[0].fields == {"caption": "The cat is on the left of the dog."}
        assert examples[1].images == ("000000000001.jpg",)
        predictions = [p for _, p in rows[split]]
        # exact match, case counts: 3 of 4, and 1 of 2 ("true" is not "True")
        assert score_predictions(spec, examples, predictions).metrics["accuracy"] == expected


def test_mimic_cxr_reports_the_cards_three_metrics(tmp_path):
    reports = ["heart size is normal and the lungs are clear",
               "small left pleural effusion with basilar atelectasis"]
    write_jsonl(tmp_path / "mimic_cxr" / "test.jsonl", [
        {"id": f"s{k}", "references": [r], "image": f"p10/s{k}.jpg"} for k, r in enumerate(reports)])
    spec = get_task("mimic_cxr")
    m = score_predictions(spec, load_examples(spec, tmp_path), reports).metrics
    # Each report is its study's only reference, and no word is shared between the two: every
    # n-gram cosine is 1 (CIDEr-D 10 per study), BLEU-4 and ROUGE-L are 1; all x 100.
    assert set(m) == {"cider", "bleu4", "rouge_l"}
    assert m["cider"] == pytest.approx(1000.0)
    assert m["bleu4"] == pytest.approx(100.0, abs=1e-6)
    assert m["rouge_l"] == pytest.approx(100.0)


def test_prompts_follow_big_vision():
    assert get_task("vqav2").prompt == "answer en {question}"
    assert get_task("docvqa").prompt == "{question}"
    assert get_task("coco35l").prompt_fields == ["lang"]
    assert get_task("coco_captions").beam_size == 2


def test_tasks_command_json():
    result = run_cli("tasks", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) >= CARD_ROWS_WITH_A_METRIC
    v = by_name["vqav2"]
    assert v["family"] == "qa" and v["split"] == "val" and v["metric"] == "Accuracy"
    assert v["files"] == ["vqav2/v2_OpenEnded_mscoco_val2014_questions.json",
                          "vqav2/v2_mscoco_val2014_annotations.json",
                          "vqav2/val2014/COCO_val2014_{image_id:012d}.jpg"]
    assert by_name["coco_captions"]["files"] == [
        "coco_captions/annotations/captions_val2014.json", "coco_captions/val2014/{file_name}"]
    assert by_name["docvqa"]["files"][0] == "docvqa/val/val_v1.0.json"
    assert by_name["textvqa"]["files"][1] == "textvqa/train_images/{image_id}.jpg"
    assert by_name["chartqa"]["files"] == ["chartqa/test/test_human.json",
                                           "chartqa/test/test_augmented.json",
                                           "chartqa/test/png/{imgname}"]


def test_tasks_command_table():
    result = run_cli("tasks")
    out = result.stdout
    assert "vqav2  [qa]  VQAv2: Accuracy" in out
    assert "3b-pt-224 accuracy=83.19" in out


def test_tasks_dir_adds_tasks(tmp_path):
    write_task_file(tmp_path, name="my_vqa", split="dev")
    assert load_tasks([tmp_path])["my_vqa"].adapter == "exact_match"
    result = run_cli("tasks", "--tasks-dir", str(tmp_path), "--json")
    assert "my_vqa" in {r["name"] for r in json.loads(result.stdout)}


def test_bad_spec_names_file_and_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(task_toml("my_vqa", split="dev", adapter="x").replace('family = "qa"', 'family = "quiz"'))
    with pytest.raises(InputError, match="family must be one of") as e:
        load_task_file(bad)
    assert str(bad) in str(e.value)
    bad.write_text("name = \n")
    with pytest.raises(InputError, match="malformed TOML"):
        load_task_file(bad)


def test_video_tables_follow_big_vision_and_are_checked(tmp_path):
    sampling = {name: (get_task(name).video.frames, get_task(name).video.stride) for name in
                ("msrvtt_cap", "msrvtt_qa", "vatex", "activitynet_cap", "activitynet_qa", "msvd_qa")}
    assert sampling == {"msrvtt_cap": (16, 9), "msrvtt_qa": (16, 9), "vatex": (16, 7),
                        "activitynet_cap": (16, 30), "activitynet_qa": (16, 70), "msvd_qa": (8, 26)}
    assert get_task("nlvr2").video is None and get_task("vqav2").video is None
    result = run_cli("tasks")
    assert "    video:  8 frames, 26 apart" in result.stdout
    bad = tmp_path / "bad.toml"
    for table, message in [("[video]\nframes = 16\n", "missing key 'stride'"),
                           ("[video]\nframes = 0\nstride = 2\n", "must be positive"),
                           ("[video]\nframes = 4\nstride = 2\nrate = 3\n", "unknown \\[video\\] key")]:
        bad.write_text(task_toml("my_vqa", split="dev").replace("[data]", table + "\n[data]", 1))
        with pytest.raises(InputError, match=message) as e:
            load_task_file(bad)
        assert str(bad) in str(e.value)


def test_entry_point_plugins(tmp_path, monkeypatch):
    """A third-party package registers an adapter and a tasks folder through entry points."""
    (tmp_path / "plugin_pkg").mkdir()
    (tmp_path / "plugin_pkg" / "__init__.py").write_text(textwrap.dedent("""
        from pathlib import Path
        from pgeval.adapters import Adapter, Scored

        class Shouting(Adapter):
            primary = "accuracy"

            def score(self, predictions, examples):
                per = [100.0 * (p == e.references[0].upper()) for p, e in zip(predictions, examples)]
                return Scored({"accuracy": sum(per) / len(per)}, per)

        TASKS = Path(__file__).parent / "tasks"
    """))
    (tmp_path / "plugin_pkg" / "tasks").mkdir()
    write_task_file(tmp_path / "plugin_pkg" / "tasks", name="my_vqa", split="dev", adapter="shouting")
    dist = tmp_path / "plugin_pkg-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: plugin-pkg\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[pgeval.adapters]\nshouting = plugin_pkg:Shouting\n\n"
        "[pgeval.tasks]\nplugin = plugin_pkg:TASKS\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(ADAPTERS, "_plugins_loaded", False)
    monkeypatch.setattr(ADAPTERS, "_items", dict(ADAPTERS._items))
    spec = load_tasks()["my_vqa"]
    adapter = ADAPTERS.get(spec.adapter)()
    from pgeval.data import Example
    scored = adapter.score(["YES", "no"], [Example("1", ("yes",)), Example("2", ("no",))])
    assert scored.metrics["accuracy"] == 50.0
    assert "plugin_pkg" in sys.modules


def test_unknown_adapter_suggests_names():
    with pytest.raises(InputError, match="Did you mean 'exact_match'"):
        ADAPTERS.get("exact_mach")


def test_listing_rows_sorted_by_family():
    rows = task_rows(TaskCatalog.load())
    families = [r["family"] for r in rows]
    assert families == sorted(families)


def test_card_metric_labels_are_read_and_checked(tmp_path):
    assert get_task("xm3600").card_metric == {"paligemma": "CIDEr (en / avg-34 / avg)",
                                              "paligemma2": "CIDEr (en / avg35)"}
    assert get_task("vqav2").card_metric == {}
    bad = tmp_path / "bad.toml"
    bad.write_text(task_toml("my_vqa").replace('metric = "Accuracy"',
                                               'metric = "Accuracy"\ncard_metric = { paligemma = 3 }'))
    with pytest.raises(InputError, match="card_metric must be a table") as e:
        load_task_file(bad)
    assert str(bad) in str(e.value)
