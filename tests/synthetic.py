"""Writers of small synthetic data sets in the official annotation formats, for tests."""

from __future__ import annotations

import json
from pathlib import Path


def _dump(path: Path, obj: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def write_vqav2(data_dir: Path, rows: list[tuple[int, int, str, list[str], str]]) -> None:
    """rows: (question_id, image_id, question, ten answers, answer_type)."""
    root = data_dir / "vqav2"
    _dump(root / "v2_OpenEnded_mscoco_val2014_questions.json", {
        "questions": [{"question_id": q, "image_id": i, "question": t} for q, i, t, _, _ in rows]})
    _dump(root / "v2_mscoco_val2014_annotations.json", {"annotations": [
        {"question_id": q, "image_id": i, "answer_type": at, "question_type": "what",
         "multiple_choice_answer": a[0],
         "answers": [{"answer": x, "answer_confidence": "yes", "answer_id": k + 1}
                     for k, x in enumerate(a)]}
        for q, i, _, a, at in rows]})


def write_textvqa(data_dir: Path, rows: list[tuple[int, str, str, list[str]]]) -> None:
    """rows: (question_id, image_id, question, answers)."""
    _dump(data_dir / "textvqa" / "TextVQA_0.5.1_val.json", {"dataset_name": "textvqa", "data": [
        {"question_id": q, "image_id": i, "question": t, "answers": a} for q, i, t, a in rows]})


def write_docvqa(data_dir: Path, rows: list[tuple[int, str, list[str]]]) -> None:
    """rows: (questionId, question, answers)."""
    _dump(data_dir / "docvqa" / "val" / "val_v1.0.json", {"dataset_name": "docvqa", "data": [
        {"questionId": q, "question": t, "image": f"documents/doc{q}.png", "docId": q,
         "answers": a} for q, t, a in rows]})


def write_chartqa(data_dir: Path, human: list[tuple[str, str]], augmented: list[tuple[str, str]]
                  ) -> None:
    """Lists of (query, label) for each subset."""
    for name, rows in (("human", human), ("augmented", augmented)):
        _dump(data_dir / "chartqa" / "test" / f"test_{name}.json",
              [{"imgname": f"{name}{i}.png", "query": q, "label": lab}
               for i, (q, lab) in enumerate(rows)])


def write_coco_captions(data_dir: Path, refs: dict[int, list[str]]) -> None:
    """refs: image_id -> reference captions."""
    anns = [{"image_id": i, "id": 1000 * i + k, "caption": c}
            for i, caps in refs.items() for k, c in enumerate(caps)]
    _dump(data_dir / "coco_captions" / "annotations" / "captions_val2014.json", {
        "images": [{"id": i, "file_name": f"COCO_val2014_{i:012d}.jpg"} for i in refs],
        "annotations": anns})


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_image(path: Path, seed: int, size: tuple[int, int] = (48, 64)) -> Path:
    """A small random RGB picture (PNG or JPEG by suffix)."""
    import numpy as np
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 255, (*size, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def vqav2_with_images(data_dir: Path, n: int, seed: int = 0) -> list[tuple]:
    """n VQAv2 questions over n // 2 + 1 images, with the images written where the task looks."""
    import random

    rng = random.Random(seed)
    colors = ["red", "blue", "green", "white"]
    rows = []
    for q in range(n):
        image_id = 100 + q // 2
        if q % 2:
            rows.append((q + 1, image_id, "Is there a dog?", [rng.choice(["yes", "no"])] * 10,
                         "yes/no"))
        else:
            rows.append((q + 1, image_id, "What color is it?",
                         [rng.choice(colors) for _ in range(10)], "other"))
    write_vqav2(data_dir, rows)
    for image_id in {r[1] for r in rows}:
        write_image(data_dir / "vqav2" / "val2014" / f"COCO_val2014_{image_id:012d}.jpg", image_id)
    return rows


def docvqa_with_images(data_dir: Path, n: int) -> None:
    write_docvqa(data_dir, [(500 + q, "What is the date?", ["1995", "march 1995"])
                            for q in range(n)])
    for q in range(n):
        write_image(data_dir / "docvqa" / "val" / "documents" / f"doc{500 + q}.png", 500 + q)
