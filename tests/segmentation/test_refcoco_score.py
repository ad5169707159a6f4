"""RefCOCO end to end: refer-layout data, `pgeval score --vae`, and numbers worked out by hand."""

import json
from pathlib import Path

import numpy as np
import pytest
from pycocotools.coco import COCO

import pgeval.adapters.segmentation  # registers the adapter
import pgeval.data.refer_format  # noqa: F401  (registers the source)
from pgeval.adapters import ADAPTERS
from pgeval.config import EngineConfig, RunConfig
from pgeval.data import SOURCES
from pgeval.data.base import Example
from pgeval.errors import InputError
from pgeval.resources import Resources
from pgeval.run.plan import TaskPlan
from pgeval.scoring.examples import load_examples
from pgeval.scoring.score import score_file, score_predictions
from pgeval.segmentation import SegmentationTarget, format_segment
from pgeval.tasks import get_task
from tests.helpers import run_cli
from tests.segmentation.refer_data import (
    annotation,
    image,
    rect_polygon,
    ref,
    save_vae,
    sign_vae_weights,
    write_refer,
)
from tests.synthetic import write_image

POS, NEG = [0] * 16, [1] * 16  # with the sign decoder: a map > 0 everywhere / < 0 everywhere

# Image 1 is 100 x 200 (h x w); its object covers rows 20..59, columns 50..149 (4000 pixels).
# Image 2 is 50 x 50; its object covers rows 0..9 (500 pixels), given as an uncompressed RLE.
STRIP_RLE = {"counts": [0] + [10, 40] * 50, "size": [50, 50]}

PREDICTIONS = {
    "1-100": format_segment((205, 256, 614, 768), POS),  # box = the object: IoU 1, box hit
    "1-101": format_segment((410, 256, 819, 768), POS),  # rows 40..79: 2000 / 6000, box IoU .33
    "1-102": format_segment((205, 256, 614, 768), POS[:15]),  # 15 codes: invalid
    "1-103": format_segment((205, 256, 614, 768), NEG),  # valid, empty mask: IoU 0, box hit
    "1-104": "the man on the left",  # invalid
    "2-200": "\n" + format_segment((0, 0, 205, 1023), POS) + " strip",  # rows 0..9: IoU 1, hit
    "2-201": format_segment((0, 0, 10, 1023), POS),  # 10/1023*50 -> row 0..0: empty, invalid
}


@pytest.fixture
def refcoco(tmp_path):
    write_refer(tmp_path / "data" / "refcoco", [image(1, 100, 200), image(2, 50, 50), image(3, 10, 10)],
                [annotation(10, 1, rect_polygon(20, 50, 60, 150), [50, 20, 100, 40]),
                 annotation(20, 2, STRIP_RLE, [0, 0, 50, 10]),
                 annotation(30, 3, rect_polygon(0, 0, 5, 5), [0, 0, 5, 5])],
                [ref(1, 10, 1, "val", {100: "man on the left", 101: "left man", 102: "man",
                                       103: "the man", 104: "guy"}),
                 ref(2, 20, 2, "val", {200: "top strip", 201: "strip"}),
                 ref(3, 30, 3, "testA", {300: "small square"}),
                 ref(4, 30, 3, "train", {400: "not evaluated"})])
    vae = save_vae(tmp_path / "vae-oid.npz", sign_vae_weights())
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps({"id": k, "prediction": v}) + "\n"
                             for k, v in PREDICTIONS.items()))
    return tmp_path / "data", vae, preds


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pycocotools under NumPy 2
def test_source_reads_refer_layout(refcoco):
    data_dir, _, _ = refcoco
    examples = load_examples(get_task("refcoco"), data_dir)
    assert [e.id for e in examples] == list(PREDICTIONS)
    first = examples[0]
    assert first.fields == {"sentence": "man on the left"} and first.references == ()
    assert first.images == ("train2014/COCO_train2014_000000000001.jpg",)
    t = first.target
    assert (t.height, t.width, t.box) == (100, 200, (20.0, 50.0, 60.0, 150.0))
    assert t.fraction_box() == (0.2, 0.25, 0.6, 0.75)
    assert first.target is examples[4].target  # one mask per annotation, shared by sentences
    # The polygon and the RLE rasterize as COCO's own annToMask does.
    coco = COCO(str(data_dir / "refcoco" / "instances.json"))
    np.testing.assert_array_equal(t.mask(), coco.annToMask(coco.anns[10]).astype(bool))
    np.testing.assert_array_equal(examples[5].target.mask(), coco.annToMask(coco.anns[20]).astype(bool))
    assert t.mask().sum() == 4000 and examples[5].target.mask()[:10].all()
    assert isinstance(t.rle_counts, bytes)
    test_a = load_examples(get_task("refcoco"), data_dir, "testA")
    assert [e.id for e in test_a] == ["3-300"]


def test_score_cli_end_to_end(refcoco, tmp_path):
    data_dir, vae, preds = refcoco
    result = run_cli("score", "--task", "refcoco", "--predictions", str(preds), "--data-dir", str(data_dir),
                     "--vae", str(vae), "--json", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    result = json.loads(result.stdout.strip().splitlines()[-1])
    assert (result["task"], result["split"], result["n"]) == ("refcoco", "val", 7)
    m = result["metrics"]
    assert m["miou"] == pytest.approx(100 * (1 + 1 / 3 + 1) / 7)  # 33.33
    # intersections 4000 + 2000 + 500; unions 4000 + 6000 + 4000 * 3 + 500 + 500
    assert m["ciou"] == pytest.approx(100 * 6500 / 23000)
    assert m["box_accuracy"] == pytest.approx(100 * 3 / 7)  # 1-100, 1-103, 2-200
    assert m["invalid"] == pytest.approx(100 * 3 / 7)  # 1-102, 1-104, 2-201
    rows = [json.loads(x) for x in (tmp_path / "out" / "refcoco.val.jsonl").read_text().splitlines()]
    assert {r["id"]: r["score"] for r in rows} == pytest.approx(
        {"1-100": 100.0, "1-101": 100 / 3, "1-102": 0.0, "1-103": 0.0, "1-104": 0.0, "2-200": 100.0,
         "2-201": 0.0})


def test_other_split_and_score_file(refcoco, tmp_path):
    data_dir, vae, _ = refcoco
    preds = tmp_path / "testA.jsonl"
    # 10 x 10 image, object rows/columns 0..4: box tokens 512/1023*10 = 5.004 -> 5.
    preds.write_text(json.dumps({"id": "3-300", "prediction": format_segment((0, 0, 512, 512), POS)}))
    result = score_file(get_task("refcoco"), preds, data_dir, "testA", resources=Resources(vae=vae))
    assert result.split == "testA"
    assert result.metrics == pytest.approx({"miou": 100.0, "ciou": 100.0, "box_accuracy": 100.0,
                                            "invalid": 0.0})


def test_missing_vae_is_a_clear_error(refcoco):
    data_dir, vae, preds = refcoco
    result = run_cli("score", "--task", "refcoco", "--predictions", str(preds), "--data-dir", str(data_dir))
    assert result.exit_code == 2
    assert "vae-oid.npz" in result.stderr
    with pytest.raises(InputError, match="mask decoder not found") as e:
        score_file(get_task("refcoco"), preds, data_dir,
                   resources=Resources(vae=str(vae) + ".missing"))
    assert "vae-oid.npz.missing" in str(e.value)


def test_adapter_needs_segmentation_targets(tmp_path):
    vae = save_vae(tmp_path / "v.npz", sign_vae_weights())
    adapter = ADAPTERS.get("segmentation")(vae=vae)
    with pytest.raises(InputError, match="no ground-truth mask") as e:
        adapter.score(["x"], [Example(id="q1", references=("a",))])
    assert "q1" in str(e.value)
    target = SegmentationTarget.from_mask(np.ones((4, 4), bool), (0, 0, 4, 4))
    scored = adapter.score([format_segment((0, 0, 1023, 1023), POS)], [Example("a", (), target=target)])
    assert scored.per_example == [100.0] and scored.metrics["miou"] == 100.0


def test_mix_prompt_by_task_folder_override(refcoco, tmp_path):
    """Mix checkpoints were trained with "segment {sentence}": a task file of the same name in a
    --tasks-dir folder replaces the built-in one."""
    data_dir, _, _ = refcoco
    spec = get_task("refcoco")
    folder = tmp_path / "mix_tasks"
    folder.mkdir()
    (folder / "refcoco.toml").write_text(
        spec.path.read_text().replace('prompt = "{sentence}"', 'prompt = "segment {sentence}"'))
    mix = get_task("refcoco", [folder])
    examples = load_examples(mix, data_dir)
    plan = TaskPlan(mix, data_dir / "refcoco", examples, {})
    assert TaskPlan(spec, data_dir, examples, {}).prompt(examples[0]) == "man on the left"
    assert plan.prompt(examples[0]) == "segment man on the left"
    assert mix.published == spec.published


def test_task_specs():
    for name, splits in (("refcoco", {"val", "testA", "testB"}), ("refcoco+", {"val", "testA", "testB"}),
                         ("refcocog", {"val", "test"})):
        spec = get_task(name)
        assert spec.family == "segmentation" and spec.split == "val" and spec.max_decode_len == 48
        assert spec.prompt == "{sentence}" and spec.keys[0] == "miou"
        assert set(SOURCES.get(spec.source)(**spec.source_args).splits) == splits
        assert {p.data_split or spec.split for p in spec.published} == splits
    pg1 = {(p.model, p.res): p.value for p in get_task("refcocog").published if p.card == "paligemma"}
    assert pg1 == {("3b-pt", 224): 67.65, ("3b-pt", 448): 70.17, ("3b-pt", 896): 72.22}
    pg2 = {(p.model, p.res, p.data_split): p.value for p in get_task("refcoco+").published
           if p.card == "paligemma2"}
    assert pg2[("10b-pt", 448, "testB")] == 71.1 and pg2[("28b-pt", 224, None)] == 70.3


def test_unknown_split_in_pickle(refcoco, tmp_path):
    data_dir, _, _ = refcoco
    spec = get_task("refcocog")  # refs(umd).p is not there
    with pytest.raises(InputError, match=r"missing data file"):
        load_examples(spec, data_dir.parent / "none")
    (data_dir / "refcocog").mkdir()
    for f in ("refs(unc).p", "instances.json"):
        target = data_dir / "refcocog" / (f.replace("unc", "umd"))
        target.write_bytes((data_dir / "refcoco" / f).read_bytes())
    with pytest.raises(InputError, match="no ref has split 'test'") as e:
        load_examples(spec, data_dir, "test")
    assert "testA, train, val" in str(e.value)


def test_pickle_with_code_is_refused(tmp_path):
    import pickle

    from pgeval.data.refer_format import read_refs

    path = tmp_path / "refs(unc).p"
    path.write_bytes(pickle.dumps([{"split": "val", "x": Example}]))
    with pytest.raises(InputError, match="not a refer refs pickle"):
        read_refs(path)


def test_score_predictions_in_memory(refcoco):
    data_dir, vae, _ = refcoco
    spec = get_task("refcoco")
    examples = load_examples(spec, data_dir)
    result = score_predictions(spec, examples, [PREDICTIONS[e.id] for e in examples],
                               resources=Resources(vae=vae, toxicity_scorer="ignored",
                                                   entailment_judge="ignored"))
    assert result.metrics["miou"] == pytest.approx(100 * (7 / 3) / 7)


def test_pgeval_run_on_refer_data(refcoco, tiny_checkpoint, tmp_path):
    """`pgeval run` prompts with the sentences, finds the COCO images and passes --vae to scoring;
    the run's predictions rescore to the same numbers with `pgeval score`."""
    from pgeval.runs import load_run
    from tests.synthetic import write_image

    data_dir, vae, _ = refcoco
    for image_id, (h, w) in ((1, (100, 200)), (2, (50, 50))):
        write_image(data_dir / "refcoco" / "train2014" / f"COCO_train2014_{image_id:012d}.jpg", image_id,
                    (h, w))
    path, _ = tiny_checkpoint
    out = tmp_path / "run"
    result = run_cli("run", "--tasks", "refcoco", "--checkpoint", str(path), "--data-dir", str(data_dir),
                     "--out", str(out), "--batch-size", "4", "--vae", str(vae))
    assert result.exit_code == 0, result.stderr
    record = load_run(out).tasks["refcoco"]
    assert record.n == 7 and set(record.metrics) == {"miou", "ciou", "box_accuracy", "invalid"}
    rescored = score_file(get_task("refcoco"), out / "predictions" / "refcoco.jsonl", data_dir,
                          resources=Resources(vae=vae))
    assert rescored.metrics == record.metrics


def test_run_finds_the_vae_beside_the_checkpoint_or_stops_before_inference(refcoco, tiny_checkpoint,
                                                                           tmp_path):
    """`pgeval run` on refcoco: without a mask decoder it stops before loading the model; with
    vae-oid.npz beside the checkpoint it runs, and the tiny random model's answers, none of them
    4 loc + 16 seg tokens, are all invalid (IoU 0), which results.json records as lower-is-better."""
    import shutil

    from pgeval.run.evaluation import run_evaluation

    data_dir, vae, _ = refcoco
    for image_id, (height, width) in {1: (100, 200), 2: (50, 50)}.items():
        write_image(data_dir / "refcoco" / "train2014" / f"COCO_train2014_{image_id:012d}.jpg", image_id,
                    (height, width))
    write_image(data_dir / "refcoco" / "train2014" / "COCO_train2014_000000000003.jpg", 3, (10, 10))
    source, _ = tiny_checkpoint
    folder = tmp_path / "ckpt"
    folder.mkdir()
    checkpoint = Path(shutil.copy(source, folder / source.name))
    shutil.copy(source.parent / "tokenizer.model", folder / "tokenizer.model")
    with pytest.raises(InputError, match=r"vae-oid\.npz") as e:
        run_evaluation(EngineConfig(checkpoint=checkpoint),
                       RunConfig(tasks=("refcoco",), data_dir=data_dir, out=tmp_path / "none",
                                 progress=False))
    assert "--vae" in str(e.value) and not (tmp_path / "none").exists()

    shutil.copy(vae, folder / "vae-oid.npz")
    run = run_evaluation(EngineConfig(checkpoint=checkpoint, batch_size=4),
                         RunConfig(tasks=("refcoco",), data_dir=data_dir, out=tmp_path / "run",
                                   progress=False))
    record = run.tasks["refcoco"]
    assert record.n == len(PREDICTIONS) and record.split == "val"
    assert record.metrics["invalid"] == 100.0 and record.metrics["miou"] == 0.0
    assert record.metrics["box_accuracy"] == 0.0
    assert record.directions == {"invalid": "lower"}
