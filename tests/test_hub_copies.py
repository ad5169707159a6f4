"""Each mapped Hub copy, in its own layout (columns and their types, config folder, split and file
names as its dataset card and file listing show them), gives the examples the official files give:
TextVQA, InfographicVQA, OK-VQA and VizWiz-VQA (VQAv2 and DocVQA: tests/test_hub_source.py)."""

import dataclasses
import json
from pathlib import Path

import pytest

from pgeval.run.plan import plan_tasks
from pgeval.tasks import TaskCatalog
from tests.hub_copies import card, sharded
from tests.synthetic import write_image

TASKS = Path(__file__).resolve().parents[1] / "tasks"
ANSWERS = [["red"] * 6 + ["blue"] * 4, ["two"] * 10, ["yes", "no"] * 5, ["a tree"] * 3 + ["tree"] * 7]


def _json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))


def textvqa(root: Path) -> dict[str, bytes]:
    folder = root / "textvqa"
    rows = [(30 + i, f"img{i // 2}", f"what is written {i}?", ANSWERS[i]) for i in range(4)]
    _json(folder / "TextVQA_0.5.1_val.json", {"data": [
        {"question_id": q, "image_id": i, "question": t, "answers": a} for q, i, t, a in rows]})
    for _, i, _, _ in rows:
        write_image(folder / "train_images" / f"{i}.jpg", int(i[3:]))
    copy = [{"image_id": i, "question_id": q, "question": t, "question_tokens": t.split(),
             "image": {"bytes": (folder / "train_images" / f"{i}.jpg").read_bytes(), "path": None},
             "image_width": 64, "image_height": 48, "flickr_original_url": "", "flickr_300k_url": "",
             "answers": a, "image_classes": [], "set_name": "val", "ocr_tokens": ["sale"]}
            for q, i, t, a in rows]
    return {**sharded("data/validation", copy, shards=1),
            "README.md": card(list(copy[0]), {"default": {"validation": "data/validation-*"}})}


def infovqa(root: Path) -> dict[str, bytes]:
    folder = root / "infovqa"
    rows = [(65000 + i, f"{i // 2}.jpeg", f"which {i}?", ["apples, pears"] if i % 2 else ["10%"])
            for i in range(4)]
    _json(folder / "infographicsVQA_val_v1.0_withQT.json", {"dataset_name": "infographicVQA", "data": [
        {"questionId": q, "question": t, "image_local_name": n, "answers": a,
         "answer_type": ["single span"]} for q, n, t, a in rows]})
    for _, n, _, _ in rows:
        write_image(folder / "infographicsvqa_images" / n, 40 + int(n[0]))
    copy = [{"questionId": str(q), "question": t, "answers": a, "answer_type": ["single span"],
             "image": {"bytes": (folder / "infographicsvqa_images" / n).read_bytes(), "path": None},
             "image_url": f"https://example.org/{n}", "operation/reasoning": [], "ocr": "{}",
             "data_split": "val"} for q, n, t, a in rows]
    return {**sharded("InfographicVQA/validation", copy),
            "README.md": card(list(copy[0]),
                              {"InfographicVQA": {"validation": "InfographicVQA/validation-*"}})}


def okvqa(root: Path) -> dict[str, bytes]:
    folder = root / "okvqa"
    rows = [(5000 + i, 300 + i // 2, f"what sport {i}?", ANSWERS[i], "other") for i in range(4)]
    _json(folder / "OpenEnded_mscoco_val2014_questions.json", {"questions": [
        {"question_id": q, "image_id": i, "question": t} for q, i, t, _, _ in rows]})
    _json(folder / "mscoco_val2014_annotations.json", {"annotations": [
        {"question_id": q, "image_id": i, "answer_type": at, "question_type": "eight",
         "answers": [{"answer": x, "raw_answer": x.upper(), "answer_confidence": "yes",
                      "answer_id": k + 1} for k, x in enumerate(a)]} for q, i, _, a, at in rows]})
    images = folder / "val2014"
    for _, i, _, _, _ in rows:
        write_image(images / f"COCO_val2014_{i:012d}.jpg", i)
    copy = [{"question_id": str(q), "question": t, "answers": a, "question_type": "eight",
             "answer_type": at,
             "image": {"bytes": (images / f"COCO_val2014_{i:012d}.jpg").read_bytes(), "path": None}}
            for q, i, t, a, at in rows]
    return {**sharded("data/val2014", copy),
            "README.md": card(list(copy[0]), {"default": {"val2014": "data/val2014-*"}})}


def vizwiz_vqa(root: Path) -> dict[str, bytes]:
    folder = root / "vizwiz_vqa"
    types = ["other", "number", "yes/no", "other"]
    rows = [(f"VizWiz_val_{i:08d}", f"what is this {i}?", ANSWERS[i], types[i]) for i in range(4)]
    _json(folder / "val.json", [
        {"image": f"{s}.jpg", "question": t, "answer_type": at, "answerable": 1,
         "answers": [{"answer": x, "answer_confidence": "yes"} for x in a]} for s, t, a, at in rows])
    for k, (s, _, _, _) in enumerate(rows):
        write_image(folder / "val" / f"{s}.jpg", 70 + k)
    copy = [{"question_id": s, "question": t, "answers": a, "category": at,
             "image": {"bytes": (folder / "val" / f"{s}.jpg").read_bytes(), "path": None}}
            for s, t, a, at in rows]
    return {**sharded("data/val", copy, shards=1, tail="-7775fd61bc6a3d98"),
            "README.md": card(list(copy[0]), {"default": {"val": "data/val-*"}})}


COPIES = {"textvqa": ("lmms-lab/textvqa", textvqa), "infovqa": ("lmms-lab/DocVQA", infovqa),
          "okvqa": ("lmms-lab/OK-VQA", okvqa), "vizwiz_vqa": ("lmms-lab/VizWiz-VQA", vizwiz_vqa)}


@pytest.mark.parametrize("task", sorted(COPIES))
def test_the_copy_gives_the_official_examples(task, fake_hub, tmp_path):
    repo, write = COPIES[task]
    sha = fake_hub.publish(repo, write(tmp_path), repo_type="dataset")
    specs = TaskCatalog.load([TASKS]).specs
    spec = specs[task]
    catalog = TaskCatalog({**specs, task: dataclasses.replace(
        spec, hub=dataclasses.replace(spec.hub, revision=sha, rows={}))})
    [files] = plan_tasks([task], tmp_path, catalog=catalog, source="files")
    [hub] = plan_tasks([task], tmp_path, catalog=catalog, source="hub")
    assert hub.provenance["repo"] == repo and len(hub.examples) == 4
    for a, b in zip(hub.examples, files.examples, strict=True):
        assert (a.id, a.references, dict(a.fields), a.slice) == (
            b.id, b.references, dict(b.fields), b.slice)
        assert hub.inputs(a)[0].read() == Path(files.inputs(b)[0]).read_bytes()
    # questions about one image share its encoding, by the copy's image id or the image's bytes
    share = {len({getattr(i, "key", i) for e in plan.examples for i in plan.inputs(e)})
             for plan in (hub, files)}
    assert len(share) == 1
