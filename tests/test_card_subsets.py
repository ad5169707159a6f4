"""The subsets the model cards report on: VQAv2 minival (a TFDS slice) and COCO Karpathy splits."""

import dataclasses
import hashlib
import json

import pytest

from pgeval.data.tfds_order import StoredSlice, parse_slice, tfds_key_hash, tfds_storage_order
from pgeval.errors import InputError
from pgeval.metrics.ptb_tokenizer import java_available
from pgeval.scoring.examples import load_examples
from pgeval.scoring.score import score_file
from pgeval.tasks import get_task
from tests.synthetic import write_coco_captions, write_vqav2

QUESTION_IDS = [7, 42, 1000, 262148000, 262148001, 262148002, 393225000, 393225001, 5, 99,
                123456, 31337, 2718281, 3141592, 16, 17, 18, 19, 20, 640, 641, 642, 9000, 9001,
                77777, 88888, 424242, 1, 2, 3]


def by_hand_order(ids, salt):
    """TFDS's stored order, written out: sort by int(md5(salt + decimal id).hexdigest(), 16)."""
    return sorted(ids, key=lambda q: int(hashlib.md5((salt + str(q)).encode("utf-8")).hexdigest(), 16))


def write_questions(data_dir, ids):
    write_vqav2(data_dir, [(q, q % 97, f"Question {q}?", [f"a{q}"] * 10, "other") for q in ids])


def with_minival_slice(window):
    """The vqav2 spec with its minival split's tfds_slice replaced."""
    spec = get_task("vqav2")
    splits = {**spec.source_args["splits"]}
    splits["minival"] = {**splits["minival"], "tfds_slice": window}
    return dataclasses.replace(spec, source_args={**spec.source_args, "splits": splits})


def test_tfds_hash_rule_facts():
    # Computed once with hashlib.md5(b"validation1").hexdigest() etc. and hard-coded, so that a
    # change in the rule (salt, key encoding, sort direction) fails here.
    assert tfds_key_hash("validation", 262148000) == int("a88877a7d3dc8ce01cff6e1c383fada3", 16)
    assert tfds_key_hash("validation", 1) == int("d826ecc928e6dd3399b2c9010e3568bf", 16)
    assert tfds_storage_order([1, 2, 3], lambda q: q, "validation") == [3, 2, 1]
    assert tfds_storage_order([1, 2, 3], lambda q: q, "train") == [3, 1, 2]
    assert tfds_storage_order([262148000, 262148001, 262148002, 393225000, 393225001],
                              lambda q: q, "validation") == [262148001, 262148000, 262148002,
                                                             393225001, 393225000]
    assert tfds_key_hash("validation", "262148000") == tfds_key_hash("validation", 262148000)


def test_parse_slice():
    assert parse_slice("-10240:") == slice(-10240, None)
    assert parse_slice(":5120") == slice(None, 5120)
    assert parse_slice("10:20") == slice(10, 20)
    for bad in ("10%:", "1:2:3", "five:", "7"):
        with pytest.raises(InputError, match="tfds_slice"):
            parse_slice(bad)


def test_minival_is_a_slice_of_the_stored_order(tmp_path):
    write_questions(tmp_path, QUESTION_IDS)
    examples = load_examples(with_minival_slice("-7:"), tmp_path, "minival")
    expected = by_hand_order(QUESTION_IDS, "validation")[-7:]
    assert [e.id for e in examples] == [str(q) for q in expected]
    assert examples[0].fields["question"] == f"Question {expected[0]}?"
    assert examples[0].references == (f"a{expected[0]}",) * 10
    assert examples[0].images == (f"val2014/COCO_val2014_{expected[0] % 97:012d}.jpg",)
    head = load_examples(with_minival_slice(":5"), tmp_path, "minival")
    assert [e.id for e in head] == [str(q) for q in by_hand_order(QUESTION_IDS, "validation")[:5]]


def test_shipped_minival_keeps_the_last_10240_in_stored_order(tmp_path):
    write_questions(tmp_path, QUESTION_IDS)
    spec = get_task("vqav2")
    assert spec.source_args["splits"]["minival"]["tfds_slice"] == "-10240:"
    minival = load_examples(spec, tmp_path, "minival")
    assert [e.id for e in minival] == [str(q) for q in by_hand_order(QUESTION_IDS, "validation")]
    assert [e.id for e in load_examples(spec, tmp_path)] == [str(q) for q in QUESTION_IDS]
    assert {p.data_split for p in spec.published if p.split == "minival"} == {"minival"}


def test_score_split_minival_takes_only_the_subset(tmp_path):
    write_questions(tmp_path, QUESTION_IDS)
    chosen = by_hand_order(QUESTION_IDS, "validation")[-7:]
    preds = tmp_path / "preds.json"
    preds.write_text(json.dumps([{"question_id": q, "answer": f"a{q}"} for q in chosen]))
    result = score_file(with_minival_slice("-7:"), preds, tmp_path, "minival")
    assert result.split == "minival" and result.ids == [str(q) for q in chosen]
    assert result.metrics["accuracy"] == 100.0
    with pytest.raises(InputError):  # predictions for the subset do not cover the whole val
        score_file(get_task("vqav2"), preds, tmp_path, "val")


def test_tfds_keys_are_checked(tmp_path):
    with pytest.raises(InputError, match="tfds_order"):
        StoredSlice.from_split_args({"tfds_slice": "-5:"}, "minival")
    with pytest.raises(InputError, match="tfds_slice"):
        StoredSlice.from_split_args({"tfds_order": "validation", "tfds_slice": -5}, "minival")
    with pytest.raises(InputError, match="tfds_slice"):
        load_examples(with_minival_slice("1:2:3"), tmp_path, "minival")
    write_questions(tmp_path, QUESTION_IDS)
    with pytest.raises(InputError, match="selects none") as e:
        load_examples(with_minival_slice("40:"), tmp_path, "minival")
    assert "v2_OpenEnded_mscoco_val2014_questions.json" in str(e.value)


KARPATHY_IMAGES = [
    (391895, "val2014", "val", ["A man with a red helmet on a small moped.", "A man riding a motorbike."]),
    (522418, "val2014", "test", ["A woman cutting a large cake.", "A person cuts a cake."]),
    (184613, "val2014", "val", ["A child holding a flowered umbrella.", "A little boy with an umbrella."]),
    (318219, "train2014", "train", ["A young boy on a computer."]),
    (554625, "val2014", "restval", ["A boy with a toothbrush."]),
    (397133, "val2014", "test", ["A man in a kitchen making pizzas."]),
]


def write_karpathy(data_dir, images=KARPATHY_IMAGES):
    """A small dataset_coco.json in Karpathy and Li's layout."""
    rows = [{"filepath": folder, "filename": f"COCO_{folder}_{cocoid:012d}.jpg", "imgid": k,
             "split": split, "cocoid": cocoid, "sentids": list(range(len(raw))),
             "sentences": [{"tokens": s.lower().rstrip(".").split(), "raw": s, "imgid": k, "sentid": j}
                           for j, s in enumerate(raw)]}
            for k, (cocoid, folder, split, raw) in enumerate(images)]
    root = data_dir / "coco_captions"
    root.mkdir(parents=True, exist_ok=True)
    (root / "dataset_coco.json").write_text(json.dumps({"images": rows, "dataset": "coco"}))


def test_karpathy_val_and_test(tmp_path):
    write_karpathy(tmp_path)
    spec = get_task("coco_captions")
    val = load_examples(spec, tmp_path, "karpathy_val")
    assert [e.id for e in val] == ["391895", "184613"]
    assert val[0].references == ("A man with a red helmet on a small moped.", "A man riding a motorbike.")
    assert val[0].images == ("val2014/COCO_val2014_000000391895.jpg",)
    test = load_examples(spec, tmp_path, "karpathy_test")
    assert [e.id for e in test] == ["522418", "397133"]
    assert test[1].references == ("A man in a kitchen making pizzas.",)
    assert {p.data_split for p in spec.published} == {"karpathy_val"}


def test_karpathy_errors(tmp_path):
    write_karpathy(tmp_path, [(1, "val2014", "train", ["A cat."])])
    with pytest.raises(InputError, match="no image has split 'val'") as e:
        load_examples(get_task("coco_captions"), tmp_path, "karpathy_val")
    assert "the file's splits: train" in str(e.value)
    write_karpathy(tmp_path, [(1, "val2014", "val", [])])
    with pytest.raises(InputError, match="no reference captions") as e:
        load_examples(get_task("coco_captions"), tmp_path, "karpathy_val")
    assert "dataset_coco.json" in str(e.value) and "'1'" in str(e.value)


@pytest.mark.skipif(not java_available(), reason="caption metrics tokenize with the PTB tokenizer (Java)")
def test_karpathy_val_scores_like_the_same_images_in_the_official_format(tmp_path):
    write_karpathy(tmp_path)
    val = {cocoid: raw for cocoid, _, split, raw in KARPATHY_IMAGES if split == "val"}
    write_coco_captions(tmp_path, val)
    preds = tmp_path / "captions.json"
    preds.write_text(json.dumps([{"image_id": 391895, "caption": "A man riding a red moped."},
                                 {"image_id": 184613, "caption": "A boy holding an umbrella."}]))
    spec = get_task("coco_captions")
    karpathy = score_file(spec, preds, tmp_path, "karpathy_val")
    official = score_file(spec, preds, tmp_path, "val")
    assert karpathy.split == "karpathy_val" and karpathy.ids == ["391895", "184613"]
    assert karpathy.metrics == official.metrics and karpathy.metrics["cider"] > 0
