"""Small Hub copies of benchmarks in each copy's own layout (its columns, config folders, split and
file names, images embedded as `datasets` Image structs), built from the same rows as the official
files tests/synthetic.py writes, for tests of the `hub` data source."""

from __future__ import annotations

import io
import json
from pathlib import Path

from tests.synthetic import docvqa_with_images, vqav2_with_images, write_image

ROW_GROUP = 2  # rows per parquet row group: every test split spans several groups


def parquet_bytes(rows: list[dict], row_group: int = ROW_GROUP) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), out, row_group_size=row_group)
    return out.getvalue()


def sharded(prefix: str, rows: list[dict], shards: int = 2, tail: str = "") -> dict[str, bytes]:
    """`rows` cut into `shards` files named as `datasets` names them:
    <prefix>-0000i-of-0000n<tail>.parquet."""
    size = -(-len(rows) // shards)
    return {f"{prefix}-{i:05d}-of-{shards:05d}{tail}.parquet":
            parquet_bytes(rows[i * size:(i + 1) * size]) for i in range(shards)}


def card(features: list[str], configs: dict[str, dict[str, str]]) -> bytes:
    """A dataset card's header naming the features and each config's split files."""
    lines = ["---", "dataset_info:", "  features:", *(f"  - name: {f}" for f in features), "configs:"]
    for name, splits in configs.items():
        lines += [f"- config_name: {name}", "  data_files:"]
        lines += [f"  - split: {s}\n    path: {p}" for s, p in splits.items()]
    return ("\n".join([*lines, "---", ""])).encode()


def vqav2_copy(data_dir: Path, rows: list[tuple], testdev: list[tuple] = ()) -> dict[str, bytes]:
    """lmms-lab VQAv2: data/{validation,testdev}-*.parquet, with the images of the official files
    under data_dir/vqav2/. rows as tests.synthetic.write_vqav2's; testdev rows (question_id,
    image_id, question) without answers."""
    def image(i: int, split: str) -> dict:
        name = f"COCO_{split}_{i:012d}.jpg"
        return {"bytes": (data_dir / "vqav2" / split / name).read_bytes(), "path": name}

    val = [{"question_type": "what", "multiple_choice_answer": a[0],
            "answers": [{"answer": x, "answer_confidence": "yes", "answer_id": k + 1}
                        for k, x in enumerate(a)],
            "image_id": i, "answer_type": at, "question_id": q, "question": t, "image": image(i, "val2014")}
           for q, i, t, a, at in rows]
    files = sharded("data/validation", val)
    if testdev:
        files.update(sharded("data/testdev", [
            {"question_type": None, "multiple_choice_answer": None, "answers": None, "image_id": i,
             "answer_type": None, "question_id": q, "question": t, "image": image(i, "test2015")}
            for q, i, t in testdev], shards=1))
    features = ["question_type", "multiple_choice_answer", "answers", "image_id", "answer_type",
                "question_id", "question", "image"]
    files["README.md"] = card(features, {"default": {"validation": "data/validation-*",
                                                     "testdev": "data/testdev-*"}})
    return files


def docvqa_copy(data_dir: Path, rows: list[tuple]) -> dict[str, bytes]:
    """lmms-lab DocVQA, config DocVQA: DocVQA/validation-*.parquet, questionId as text, with the
    images under data_dir/docvqa/. rows as tests.synthetic.write_docvqa's."""
    images = data_dir / "docvqa" / "val" / "documents"
    val = [{"questionId": str(q), "question": t, "question_types": ["form"],
            "image": {"bytes": (images / f"doc{q}.png").read_bytes(), "path": None}, "docId": q,
            "ucsf_document_id": f"u{q}", "ucsf_document_page_no": "1", "answers": a, "data_split": "val"}
           for q, t, a in rows]
    files = sharded("DocVQA/validation", val)
    files["README.md"] = card(list(val[0]), {"DocVQA": {"validation": "DocVQA/validation-*"}})
    return files


def write_official_testdev(data_dir: Path, rows: list[tuple]) -> None:
    """VQAv2 test-dev questions and images as the official files have them."""
    folder = data_dir / "vqav2"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "v2_OpenEnded_mscoco_test-dev2015_questions.json").write_text(json.dumps(
        {"questions": [{"question_id": q, "image_id": i, "question": t} for q, i, t in rows]}))
    for _, i, _ in rows:
        write_image(folder / "test2015" / f"COCO_test2015_{i:012d}.jpg", i)


# The small benchmark the Hub tests write in both forms: 9 VQAv2 val questions over 5 images,
# 3 VQAv2 test-dev questions, 5 DocVQA questions.
DOC_ROWS = [(500 + q, "What is the date?", ["1995", "march 1995"]) for q in range(5)]
TESTDEV = [(9001, 100, "What is it?"), (9002, 100, "Is it red?"), (9003, 107, "How many?")]


def write_official(root: Path) -> list[tuple]:
    """The official files of that benchmark under root; the VQAv2 val rows."""
    rows = vqav2_with_images(root, 9)
    write_official_testdev(root, TESTDEV)
    docvqa_with_images(root, 5)
    return rows
