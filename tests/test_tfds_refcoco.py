"""The tfds_refcoco source on tiny ref_coco- and ref_coco_bv-shaped datasets prepared here (array_record;
no network, no TensorFlow), scored end to end with a decoder whose masks fill their boxes."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.helpers import needs_extra

tfds = needs_extra("tfds", "tensorflow_datasets")

import pgeval.adapters.segmentation  # noqa: E402, F401  (registers the adapter)
from pgeval.data.base import SOURCES  # noqa: E402
from pgeval.data.tfds_refcoco import TfdsRefcocoSource  # noqa: E402  (registers "tfds_refcoco")
from pgeval.errors import InputError  # noqa: E402
from pgeval.resources import Resources  # noqa: E402
from pgeval.run.plan import plan_tasks  # noqa: E402
from pgeval.scoring.examples import load_examples  # noqa: E402
from pgeval.scoring.score import score_file  # noqa: E402
from pgeval.segmentation import format_segment  # noqa: E402
from pgeval.tasks import TaskCatalog, get_task  # noqa: E402
from tests.segmentation.refer_data import save_vae, sign_vae_weights  # noqa: E402

POS = [0] * 16  # with the sign decoder: a map > 0 everywhere, so a predicted mask is its whole box

# image id: (height, width, TFDS split, objects); an object: (annotation id, its mask rectangle
# (y1, x1, y2, x2; rows y1..y2-1, columns x1..x2-1), {refexp id: raw text})
IMAGES = {
    1: (100, 200, "validation", [(10, (20, 50, 60, 150), {100: "Man on the left", 101: "left man."}),
                                 (11, (0, 0, 15, 200), {110: "the top strip"})]),
    2: (50, 50, "validation", [(20, (0, 0, 10, 50), {200: "top strip", 201: "strip"})]),
    3: (10, 10, "testA", [(30, (0, 0, 5, 5), {300: "small square"})]),
}
EXPECTED = {f"{obj}-{ref}": (image_id, rect, text)
            for image_id, (_, _, split, objects) in IMAGES.items() if split == "validation"
            for obj, rect, refs in objects for ref, text in refs.items()}

PREDICTIONS = {
    "10-100": format_segment((205, 256, 614, 768), POS),  # rows 20..59, cols 50..149: IoU 1, box hit
    "10-101": format_segment((410, 256, 819, 768), POS),  # rows 40..79: 2000 / 6000, box IoU ~1/3
    "11-110": format_segment((0, 0, 205, 1023), POS),  # rows 0..19: 3000 / 4000, box IoU ~.75
    "20-200": format_segment((0, 0, 205, 1023), POS),  # 50 x 50: rows 0..9: IoU 1, box hit
    "20-201": "the strip at the top",  # invalid
}


def _jpeg(height: int, width: int, seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG")
    return buf.getvalue()


def _mask_png(height: int, width: int, rect: tuple[int, int, int, int]) -> bytes:
    """A boolean mask saved as TFDS's ref_coco builder saves it (a 1-bit PNG)."""
    mask = np.zeros((height, width), bool)
    y1, x1, y2, x2 = rect
    mask[y1:y2, x1:x2] = True
    buf = io.BytesIO()
    Image.fromarray(mask).save(buf, format="PNG")
    return buf.getvalue()


def _bbox(height: int, width: int, rect: tuple[int, int, int, int]):
    y1, x1, y2, x2 = rect
    return tfds.features.BBox(ymin=y1 / height, xmin=x1 / width, ymax=y2 / height, xmax=x2 / width)


def _split_generators(builder, dl_manager):
    splits = sorted({split for _, _, split, _ in IMAGES.values()})
    return {s: builder._generate_examples(s) for s in splits}


class RefCoco(tfds.core.GeneratorBasedBuilder):
    """TFDS's ref_coco feature structure (tensorflow_datasets/datasets/ref_coco, version 1.1.0)."""

    VERSION = tfds.core.Version("1.1.0")
    BUILDER_CONFIGS = (tfds.core.BuilderConfig(name="refcoco_unc"),)
    __module__ = __name__.rpartition(".")[2]  # see tests/test_tfds.py

    def _info(self):
        box = {"id": np.int64, "area": np.int64, "bbox": tfds.features.BBoxFeature(), "label": np.int64}
        return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
            "image": tfds.features.Image(encoding_format="jpeg"),
            "image/id": np.int64,
            "objects": tfds.features.Sequence({
                **box,
                "gt_box_index": np.int64,
                "mask": tfds.features.Image(encoding_format="png"),
                "refexp": tfds.features.Sequence({"refexp_id": np.int64, "raw": tfds.features.Text()}),
            }),
            "coco_annotations": tfds.features.Sequence(box),
        }))

    _split_generators = _split_generators

    def _generate_examples(self, split):
        for image_id, (h, w, image_split, objects) in IMAGES.items():
            if image_split != split:
                continue
            boxes = [{"id": obj, "area": 0, "bbox": _bbox(h, w, rect), "label": 1}
                     for obj, rect, _ in objects]
            others = [{"id": 999, "area": 1, "bbox": _bbox(h, w, (0, 0, 1, 1)), "label": 2}]  # not referred
            yield image_id, {
                "image": _jpeg(h, w, image_id),  # encoded bytes: encoding an array would need TensorFlow
                "image/id": image_id,
                "objects": [{**boxes[k], "gt_box_index": k, "mask": _mask_png(h, w, rect),
                             "refexp": [{"refexp_id": r, "raw": t} for r, t in refs.items()]}
                            for k, (_, rect, refs) in enumerate(objects)],
                "coco_annotations": boxes + others,
            }


class RefCocoBv(tfds.core.GeneratorBasedBuilder):
    """big_vision's ref_coco_bv structure (big_vision/datasets/refcoco/refcoco.py), the features read."""

    VERSION = tfds.core.Version("1.4.0")
    BUILDER_CONFIGS = (tfds.core.BuilderConfig(name="refcoco_unc"),)
    __module__ = __name__.rpartition(".")[2]

    def _info(self):
        return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
            "id": tfds.features.Scalar(np.int32),
            "image": tfds.features.Image(encoding_format="jpeg"),
            "height": tfds.features.Scalar(np.int32),
            "width": tfds.features.Scalar(np.int32),
            "objects": tfds.features.Sequence({
                "id": tfds.features.Scalar(np.int64),
                "area": tfds.features.Scalar(np.float32),
                "bbox": tfds.features.BBoxFeature(),
                "mask": tfds.features.Image(encoding_format="png"),
                "iscrowd": tfds.features.Scalar(np.bool_),
                "refs": tfds.features.Sequence({"id": tfds.features.Scalar(np.int32),
                                                "sentence": tfds.features.Text()}),
            }),
        }))

    _split_generators = _split_generators

    def _generate_examples(self, split):
        for image_id, (h, w, image_split, objects) in IMAGES.items():
            if image_split == split:
                yield image_id, {
                    "id": image_id, "image": _jpeg(h, w, image_id), "height": h, "width": w,
                    "objects": [{"id": obj, "area": 0.0, "bbox": _bbox(h, w, rect), "iscrowd": False,
                                 "mask": _mask_png(h, w, rect),
                                 "refs": [{"id": r, "sentence": t.lower()} for r, t in refs.items()]}
                                for obj, rect, refs in objects],
                }


def prepare(cls, data_dir: Path) -> Path:
    """Prepare a tiny dataset (array_record) under data_dir, a TFDS data_dir; returns its folder."""
    had_tensorflow = "tensorflow" in sys.modules
    with pytest.MonkeyPatch.context() as patch:
        # TFDS 4.9's serializer reads TensorInfo.dtype (TensorFlow's dtype) for a Sequence inside a
        # Sequence (objects/refexp), where NumPy's would do: hand it NumPy's while writing.
        patch.setattr(tfds.core.features.TensorInfo, "dtype", property(lambda self: self.np_dtype))
        builder = cls(data_dir=str(data_dir), config="refcoco_unc", file_format="array_record")
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(try_download_gcs=False))
    assert ("tensorflow" in sys.modules) == had_tensorflow  # TFDS wrote it without TensorFlow
    return Path(builder.data_dir)


def write_task(folder: Path, builder: str = "ref_coco", splits: str = "testA = {}", extra: str = "") -> Path:
    """A copy of tasks/refcoco.toml (prompt, scoring, published) reading the TFDS dataset."""
    text = get_task("refcoco").path.read_text()
    head, _, rest = text.partition("\n[data]\n")
    data = f"""
[data]
source = "tfds_refcoco"
split = "val"
builder = "{builder}"
config = "refcoco_unc"
{extra}
splits = {{ val = {{ tfds_split = "validation" }}, {splits} }}

"""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "refcoco.toml").write_text(head + data + rest[rest.index("[scoring]"):])
    return folder


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """(data dir, task folder, vae path): ref_coco prepared in the refcoco task's data folder."""
    base = tmp_path_factory.mktemp("ref_coco")
    dataset = prepare(RefCoco, base / "data" / "refcoco")
    assert dataset == base / "data" / "refcoco" / "ref_coco" / "refcoco_unc" / "1.1.0"
    vae = save_vae(base / "vae-oid.npz", sign_vae_weights())
    return base / "data", write_task(base / "tasks"), vae


def _check_examples(examples, root: Path, folder: str, sentence=lambda t: t):
    assert sorted(e.id for e in examples) == sorted(EXPECTED)
    for e in examples:
        image_id, rect, text = EXPECTED[e.id]
        h, w = IMAGES[image_id][:2]
        assert e.fields == {"sentence": sentence(text)} and e.references == ()
        assert e.images == (f"tfds_images/{folder}/validation/{image_id}.jpg",)
        with Image.open(root / e.images[0]) as image:
            assert image.size == (w, h)
        t = e.target
        assert (t.height, t.width) == (h, w)
        assert t.box == pytest.approx(rect, abs=1e-4)  # the fractions are float32
        assert t.fraction_box() == pytest.approx((rect[0] / h, rect[1] / w, rect[2] / h, rect[3] / w))
        expected = np.zeros((h, w), bool)
        expected[rect[0]:rect[2], rect[1]:rect[3]] = True
        np.testing.assert_array_equal(t.mask(), expected)
        assert isinstance(t.rle_counts, bytes)
    by_id = {e.id: e for e in examples}
    assert by_id["10-100"].target is by_id["10-101"].target  # one mask per object, shared
    assert by_id["10-100"].target != by_id["11-110"].target


def test_load_one_example_per_refexp(prepared):
    data_dir, tasks, _ = prepared
    spec = get_task("refcoco", [tasks])
    had_tensorflow = "tensorflow" in sys.modules
    examples = load_examples(spec, data_dir)
    assert ("tensorflow" in sys.modules) == had_tensorflow  # read without TensorFlow
    _check_examples(examples, data_dir / "refcoco", "ref_coco/refcoco_unc/1.1.0")
    # the objects of one image keep their order, and so do an object's expressions
    ids = [e.id for e in examples]
    assert ids.index("10-100") + 1 == ids.index("10-101") and ids.index("10-101") + 1 == ids.index("11-110")
    assert [e.id for e in load_examples(spec, data_dir, "testA")] == ["30-300"]
    (plan,) = plan_tasks(["refcoco"], data_dir, catalog=TaskCatalog.load([tasks]))
    assert not plan.missing_images and len(plan.examples) == len(EXPECTED)
    assert plan.prompt(next(e for e in examples if e.id == "10-100")) == "Man on the left"


def test_score_file_with_box_filling_decoder(prepared, tmp_path):
    data_dir, tasks, vae = prepared
    spec = get_task("refcoco", [tasks])
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps({"id": k, "prediction": v}) + "\n" for k, v in PREDICTIONS.items()))
    result = score_file(spec, preds, data_dir, resources=Resources(vae=vae))
    assert (result.split, result.n) == ("val", 5)
    assert dict(zip(result.ids, result.per_example, strict=True)) == pytest.approx(
        {"10-100": 100.0, "10-101": 100 / 3, "11-110": 75.0, "20-200": 100.0, "20-201": 0.0})
    # IoUs 1, 1/3, 3/4, 1, 0; intersections 4000 + 2000 + 3000 + 500 over unions
    # 4000 + 6000 + 4000 + 500 + 500 (the invalid answer's union is its object's 500 pixels)
    assert result.metrics == pytest.approx({"miou": 100 * (1 + 1 / 3 + 3 / 4 + 1) / 5,
                                            "ciou": 100 * 9500 / 15000,
                                            "box_accuracy": 100 * 3 / 5,  # 10-100, 11-110, 20-200
                                            "invalid": 100 * 1 / 5})
    test_a = tmp_path / "testA.jsonl"  # 10 x 10: tokens 512 -> 5.004 -> 5
    test_a.write_text(json.dumps({"id": "30-300", "prediction": format_segment((0, 0, 512, 512), POS)}))
    result = score_file(spec, test_a, data_dir, "testA", resources=Resources(vae=vae))
    assert result.metrics == pytest.approx({"miou": 100.0, "ciou": 100.0, "box_accuracy": 100.0,
                                            "invalid": 0.0})


def test_big_vision_layout(tmp_path):
    """ref_coco_bv: the image id is `id`, the expressions `refs` of {id, sentence}; its validation
    split is read the same way, with the layout chosen by the builder's name."""
    prepare(RefCocoBv, tmp_path / "data" / "refcoco")
    spec = get_task("refcoco", [write_task(tmp_path / "tasks", "ref_coco_bv", extra='version = "1.4.0"')])
    examples = load_examples(spec, tmp_path / "data")
    _check_examples(examples, tmp_path / "data" / "refcoco", "ref_coco_bv/refcoco_unc/1.4.0", str.lower)


def test_unprepared_split_and_missing_features(prepared, tmp_path):
    data_dir, _, _ = prepared
    tasks = write_task(tmp_path / "tasks", splits="testA = {}, testB = {}")
    with pytest.raises(InputError, match="split 'testB' is not prepared"):
        load_examples(get_task("refcoco", [tasks]), data_dir, "testB")
    wrong = write_task(tmp_path / "wrong", extra='features = { sentence = "refexp/sent" }')
    with pytest.raises(InputError, match=r"objects have no feature 'refexp/sent' \(sentence\)"):
        load_examples(get_task("refcoco", [wrong]), data_dir)


def test_source_arguments():
    assert SOURCES.get("tfds_refcoco") is TfdsRefcocoSource
    source = TfdsRefcocoSource(splits={"val": {"tfds_split": "validation"}, "test": {}},
                               config="refcocog_umd")
    assert source.builder == "ref_coco" and source.splits == ("val", "test")
    assert source.tfds_splits == {"val": "validation", "test": "test"}
    assert source.features["sentence"] == "refexp/raw"
    assert TfdsRefcocoSource("ref_coco_bv", {"val": {}}).features["sentence"] == "refs/sentence"
    with pytest.raises(InputError, match=r"unknown \['references'\]"):
        TfdsRefcocoSource(splits={"val": {}}, features={"references": "x"})
    with pytest.raises(InputError, match="splits"):
        TfdsRefcocoSource()
