"""The tfds data source on a tiny coco_captions-shaped dataset prepared here (no network, no TensorFlow).

The dataset is prepared in both file formats TFDS writes: array_record, and TFRecord (written by a
pure-Python stand-in for tf.io.TFRecordWriter, so that TensorFlow is not needed here either).
"""

from __future__ import annotations

import io
import json
import os
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.helpers import needs_extra

tfds = needs_extra("tfds", "tensorflow_datasets")

from pgeval.data.base import SOURCES  # noqa: E402
from pgeval.data.tfds_source import TfdsSource  # noqa: E402  (importing it registers "tfds")
from pgeval.errors import InputError  # noqa: E402
from pgeval.metrics.captioning import cider, cider_tokenized, tokenize_for_coco  # noqa: E402
from pgeval.run.plan import plan_tasks  # noqa: E402
from pgeval.scoring.examples import load_examples  # noqa: E402
from pgeval.scoring.score import score_file  # noqa: E402
from pgeval.tasks import TaskCatalog, get_task  # noqa: E402

TASK = "coco_captions_tfds"
BUILDER = "pgeval_tiny_coco"
WORDS = ["cat", "dog", "bus", "kite", "pizza", "horse", "train", "boat", "clock", "sheep"]


def _captions(i: int) -> list[str]:
    a, b = WORDS[2 * i], WORDS[2 * i + 1]
    return [f"a {a} next to a {b} on the grass", f"the {a} and the {b} are outside",
            f"a small {a} looks at a {b}"]


def _jpeg(i: int) -> bytes:
    pixels = np.random.default_rng(i).integers(0, 256, (12 + 2 * i, 16 + 3 * i, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG")
    return buf.getvalue()


# (image id, height, width, captions); 5 images, 3 captions each
EXAMPLES = [(1000 + i, 12 + 2 * i, 16 + 3 * i, _captions(i)) for i in range(5)]


class PgevalTinyCoco(tfds.core.GeneratorBasedBuilder):
    """coco_captions' feature structure: image, image/id, captions: Sequence({text, id})."""

    VERSION = tfds.core.Version("1.0.0")
    # A dotted module name (tests.test_tfds) sends TFDS's code_path through importlib_resources, which
    # tensorflow-datasets uses but does not require on Python >= 3.9.
    __module__ = __name__.rpartition(".")[2]

    def _info(self):
        return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
            "image": tfds.features.Image(encoding_format="jpeg"),
            "image/id": np.int64,
            "captions": tfds.features.Sequence({"text": np.str_, "id": np.int64}),
        }))

    def _split_generators(self, dl_manager):
        return {"val": self._generate_examples(EXAMPLES)}

    def _generate_examples(self, examples):
        for i, (image_id, _, _, captions) in enumerate(examples):
            yield image_id, {
                "image": _jpeg(i),  # encoded bytes: encoding an array would need TensorFlow
                "image/id": image_id,
                "captions": [{"text": c, "id": 10 * image_id + k} for k, c in enumerate(captions)],
            }


def _crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> bytes:
    crc = _crc32c(data)
    return struct.pack("<I", (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def _write_tfrecord(cls, path, iterator):
    """TFRecord framing as tf.io.TFRecordWriter writes it: length, its CRC, data, its CRC."""
    with open(os.fspath(path), "wb") as f:
        for _, data in iterator:
            length = struct.pack("<Q", len(data))
            f.write(length + _masked_crc(length) + data + _masked_crc(data))


def prepare(data_dir: Path, file_format: str) -> Path:
    """Prepare the tiny dataset under data_dir (a TFDS data_dir); returns the dataset folder."""
    had_tensorflow = "tensorflow" in sys.modules
    patch = pytest.MonkeyPatch()
    if file_format == "tfrecord":
        adapter = tfds.core.file_adapters.TfRecordFileAdapter
        patch.setattr(adapter, "write_examples", classmethod(_write_tfrecord))
    try:
        builder = PgevalTinyCoco(data_dir=str(data_dir), file_format=file_format)
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(try_download_gcs=False))
    finally:
        patch.undo()
    assert ("tensorflow" in sys.modules) == had_tensorflow  # TFDS wrote it without TensorFlow
    return Path(builder.data_dir)


def write_task(folder: Path, tfds_split: str = "val", extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{TASK}.toml").write_text(f"""
name = "{TASK}"
title = "COCO captions from TFDS"
family = "captioning"
metric = "CIDEr"
prompt = "caption en"
max_decode_len = 32

[data]
source = "tfds"
split = "val"
builder = "{BUILDER}"
{extra}
features = {{ image = "image", id = "image/id", references = "captions/text" }}

[data.splits.val]
tfds_split = "{tfds_split}"

[scoring]
adapter = "captioning"
keys = ["cider"]
""")
    return folder


@pytest.fixture(scope="module", params=["array_record", "tfrecord"])
def prepared(request, tmp_path_factory):
    """(data dir, task folder, dataset folder): the dataset prepared in the task's data folder."""
    base = tmp_path_factory.mktemp(request.param)
    dataset = prepare(base / "data" / TASK, request.param)
    assert any(p.name.startswith(f"{BUILDER}-val.{request.param}") for p in dataset.iterdir())
    return base / "data", write_task(base / "tasks", extra='version = "1.0.0"'), dataset


def test_load_examples_materializes_images(prepared):
    data_dir, tasks, _ = prepared
    spec = get_task(TASK, [tasks])
    had_tensorflow = "tensorflow" in sys.modules
    examples = load_examples(spec, data_dir)
    assert ("tensorflow" in sys.modules) == had_tensorflow  # read without TensorFlow
    expected = {str(i): (h, w, c) for i, h, w, c in EXAMPLES}
    assert sorted(e.id for e in examples) == sorted(expected)
    root = data_dir / TASK
    for e in examples:
        h, w, captions = expected[e.id]
        assert e.references == tuple(captions)
        assert e.images == (f"tfds_images/{BUILDER}/1.0.0/val/{e.id}.jpg",)
        with Image.open(root / e.images[0]) as image:
            assert image.size == (w, h) and image.format == "JPEG"
    # a second load reuses the written files
    stamps = {e.id: (root / e.images[0]).stat().st_mtime_ns for e in examples}
    again = load_examples(spec, data_dir)
    assert again == examples
    assert {e.id: (root / e.images[0]).stat().st_mtime_ns for e in again} == stamps
    # the run's plan finds every image
    (plan,) = plan_tasks([TASK], data_dir, catalog=TaskCatalog.load([tasks]))
    assert not plan.missing_images and len(plan.examples) == len(EXAMPLES)


def test_score_file_matches_pycocoevalcap(prepared, tmp_path):
    data_dir, tasks, _ = prepared
    spec = get_task(TASK, [tasks])
    examples = load_examples(spec, data_dir)
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text("".join(json.dumps({"id": e.id, "prediction": e.references[0]}) + "\n"
                                   for e in examples))
    result = score_file(spec, predictions, data_dir)
    assert result.n == len(EXAMPLES) and result.split == "val"
    preds = {e.id: e.references[0] for e in examples}
    refs = {e.id: list(e.references) for e in examples}
    expected, per_example = cider(preds, refs)
    gts, res = tokenize_for_coco(preds, refs)
    assert cider_tokenized(gts, res)[0] == expected  # pycocoevalcap's Cider on the same PTB tokens
    assert result.metrics["cider"] == pytest.approx(100 * expected, rel=1e-12)
    assert result.per_example == pytest.approx([100 * per_example[i] for i in result.ids], rel=1e-12)
    assert result.metrics["cider"] > 200  # each prediction is one of its image's references


def test_sliced_split_and_latest_version(prepared, tmp_path):
    data_dir, _, _ = prepared
    spec = get_task(TASK, [write_task(tmp_path / "tasks", tfds_split="val[:2]")])  # no version: newest
    examples = load_examples(spec, data_dir)
    assert len(examples) == 2
    assert all(e.images[0].startswith(f"tfds_images/{BUILDER}/1.0.0/val/") for e in examples)


def test_not_prepared_fails_before_running(tmp_path):
    tasks = write_task(tmp_path / "tasks", extra='version = "1.0.0"')
    spec = get_task(TASK, [tasks])
    expected = tmp_path / "data" / TASK / BUILDER / "1.0.0"
    assert spec.data_source().missing_files(tmp_path / "data" / TASK, "val") == [expected]
    with pytest.raises(InputError, match="nothing was run") as e:
        plan_tasks([TASK], tmp_path / "data", catalog=TaskCatalog.load([tasks]))
    assert str(expected) in str(e.value)
    with pytest.raises(InputError, match="not prepared") as e:
        load_examples(spec, tmp_path / "data")
    assert str(expected) in str(e.value) and "tfds build" in str(e.value)


def test_missing_split_is_reported(prepared, tmp_path):
    data_dir, _, dataset = prepared
    spec = get_task(TASK, [write_task(tmp_path / "tasks", tfds_split="test")])
    with pytest.raises(InputError, match="split 'test' is not prepared"):
        plan_tasks([TASK], data_dir, catalog=TaskCatalog.load([tmp_path / "tasks"]))
    assert str(dataset) in str(spec.data_source().missing_files(data_dir / TASK, "val")[0])


def test_missing_extra_says_how_to_install(prepared, monkeypatch):
    data_dir, tasks, _ = prepared
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)  # import fails as if not installed
    with pytest.raises(InputError, match=r"pip install 'pgeval\[tfds\]'"):
        load_examples(get_task(TASK, [tasks]), data_dir)


def test_bad_spec_arguments():
    cls = SOURCES.get("tfds")
    assert cls is TfdsSource
    with pytest.raises(InputError, match="builder"):
        cls(splits={"val": {}}, features={"references": "captions/text"})
    with pytest.raises(InputError, match="references"):
        cls(builder=BUILDER, splits={"val": {}})
    with pytest.raises(InputError, match="unknown"):
        cls(builder=BUILDER, splits={"val": {"split": "val"}}, features={"references": "r"})
