"""The demo's synthetic benchmarks: deterministic, in the official formats pgeval's readers load,
with ground truth that matches the pictures."""

import hashlib
import json
import pickle
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pgeval.demo import datasets as ds
from pgeval.demo.scenes import (
    CELL,
    CHART_COLORS,
    COLORS,
    FIGURE_OFFSET,
    FIGURE_ROWS,
    KINDS,
    draw_scene,
    field_cell,
    random_scene,
    shape_mask,
)
from pgeval.errors import InputError
from pgeval.model.images import preprocess
from pgeval.scoring.examples import load_examples
from pgeval.tasks import get_task, load_tasks

N = 24
SCORED = ("vqav2", "docvqa", "coco_captions", "chartqa")


def refer_reader_ready() -> bool:
    """The refcoco task spec and its reader (being written beside this) are both in place."""
    try:
        import pgeval.data.refer_format  # noqa: F401  (registers the "refer" source)
    except ImportError:
        return False
    return "refcoco" in load_tasks()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "data"
    ds.write_demo_data(root, ds.DEMO_TASKS, N, seed=0)
    return root


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_writes_identical_bytes_and_another_seed_differs(data_dir, tmp_path):
    again = tmp_path / "again"
    other = tmp_path / "other"
    ds.write_demo_data(again, ds.DEMO_TASKS, N, seed=0)
    ds.write_demo_data(other, ds.DEMO_TASKS, N, seed=1)
    assert digests(again) == digests(data_dir)
    first, second = digests(data_dir), digests(other)
    for task in ds.DEMO_TASKS:
        annotations = [k for k in first if k.startswith(task) and k.endswith((".json", ".p"))
                       and ds.MARKER not in k]
        assert annotations and all(first[k] != second[k] for k in annotations), task
        images = [k for k in first if k.startswith(task) and k.endswith((".png", ".jpg"))]
        assert sum(first[k] != second.get(k) for k in images) >= len(images) - 1, task


def test_a_smaller_n_is_a_prefix_of_a_larger_one():
    assert [q.question for q in ds.generate_vqav2(7, 3)] == [q.question for q in ds.generate_vqav2(20, 3)][:7]
    assert ds.generate_chartqa(5, 3) == ds.generate_chartqa(9, 3)[:5]


@pytest.mark.parametrize("task", SCORED)
def test_written_files_load_through_pgevals_readers(data_dir, task):
    spec = get_task(task)
    examples = load_examples(spec, data_dir)
    assert len(examples) == N
    assert len({e.id for e in examples}) == N
    for e in examples:
        assert (data_dir / spec.data_dir / e.images[0]).is_file(), e.images[0]
        if spec.prompt_fields:
            assert e.fields["question"].endswith("?")
    if task == "vqav2":
        assert {e.slice for e in examples} == {"yes/no", "number", "other"}
        assert all(len(e.references) == 10 for e in examples)
    if task == "coco_captions":
        assert all(len(e.references) == 5 for e in examples)
    if task == "chartqa":
        assert Counter(e.slice for e in examples) == {"human": N // 2, "augmented": N // 2}


def test_image_files_have_the_documented_format_and_size(data_dir):
    expected = {"vqav2": ("JPEG", (224, 224)), "coco_captions": ("JPEG", (224, 224)),
                "docvqa": ("PNG", (448, 448)), "chartqa": ("PNG", (448, 448)),
                "refcoco": ("JPEG", (320, 240))}
    for task, (fmt, size) in expected.items():
        files = [p for p in (data_dir / task).rglob("*") if p.suffix in (".png", ".jpg")]
        assert files, task
        for p in files:
            with Image.open(p) as im:
                assert (im.format, im.size, im.mode) == (fmt, size, "RGB"), p


def _oracle(question: str, scene) -> str:
    """The answer to a demo VQA question, read off the scene independently of the generator."""
    shapes = scene.shapes
    if m := re.fullmatch(r"What color is the (\w+)\?", question):
        if m[1] == "background":
            return scene.background
        (s,) = [s for s in shapes if s.kind == m[1]]
        return s.color
    if m := re.fullmatch(r"What shape is the (\w+) object\?", question):
        (s,) = [s for s in shapes if s.color == m[1]]
        return s.kind
    if question == "How many shapes are there?":
        return str(len(shapes))
    if m := re.fullmatch(r"How many (\w+) shapes are there\?", question):
        return str(sum(s.color == m[1] for s in shapes))
    if m := re.fullmatch(r"How many (\w+)s are there\?", question):
        return str(sum(s.kind == m[1] for s in shapes))
    if m := re.fullmatch(r"Is there a (\w+)(?: (\w+))?\?", question):
        words = [w for w in m.groups() if w]
        color = next((w for w in words if w in COLORS), None)
        kind = next((w for w in words if w in KINDS), None)
        found = any((color is None or s.color == color) and (kind is None or s.kind == kind)
                    for s in shapes)
        return "yes" if found else "no"
    raise AssertionError(f"unexpected question {question!r}")


def test_vqa_answers_are_right_with_realistic_human_noise(data_dir):
    questions = ds.generate_vqav2(300, seed=5)
    types = Counter(q.answer_type for q in questions)
    assert min(types.values()) == 100
    for q in questions:
        assert q.answer == _oracle(q.question, q.scene), q
        assert len(q.answers) == 10 and q.answers.count(q.answer) >= 8
        if q.answer_type == "number":
            assert q.answer.isdigit()
        if q.answer_type == "yes/no":
            assert q.answer in ("yes", "no")
    assert 0.35 < sum(q.answer == "yes" for q in questions if q.answer_type == "yes/no") / 100 < 0.65
    assert any(q.answers.count(q.answer) < 10 for q in questions)  # some noise...
    assert sum(q.answers.count(q.answer) == 10 for q in questions) > 100  # ...but mostly agreement
    annotations = json.loads((data_dir / "vqav2" / "v2_mscoco_val2014_annotations.json").read_text())
    assert all(a["multiple_choice_answer"] == Counter(x["answer"] for x in a["answers"]).most_common(1)[0][0]
               for a in annotations["annotations"])


def test_scene_shapes_are_drawn_where_the_scene_says():
    import random

    scene = random_scene(random.Random(0), 4)
    image = np.asarray(draw_scene(scene))
    for s in scene.shapes:
        mask = shape_mask(s, scene.width, scene.height)
        assert mask.sum() > 200
        assert (image[mask] == COLORS[s.color]).all()


def _figure_at(page: np.ndarray, cell: tuple[int, int]) -> str | None:
    """The figure printed in a form cell, read back from the pixels with the 3 x 5 bitmaps
    (None for an empty cell)."""
    y, x = cell[0] * CELL + FIGURE_OFFSET[1], cell[1] * CELL + FIGURE_OFFSET[0]
    ink = page[y:y + 5, x:x + 3] < 128
    cell_ink = (page[cell[0] * CELL:(cell[0] + 1) * CELL, cell[1] * CELL:(cell[1] + 1) * CELL] < 128)
    assert cell_ink.sum() == ink.sum()  # nothing else is drawn in the cell
    if not ink.any():
        return None
    return next(d for d, rows in FIGURE_ROWS.items()
                if (ink == np.array([[c == "1" for c in r] for r in rows])).all())


def test_docvqa_answers_are_the_figures_printed_from_the_fields_cells(data_dir):
    questions = ds.generate_docvqa(N, seed=0)
    rows = json.loads((data_dir / "docvqa" / "val" / "val_v1.0.json").read_text())["data"]
    for q, row in zip(questions, rows, strict=True):
        index = list(ds.DOC_FIELDS).index(q.key)
        assert row["answers"] == list(q.answers) == [q.form.fields[index][1]]
        assert re.fullmatch(r"[1-9]\d{2,3}", q.answers[0])
        page = np.asarray(Image.open(data_dir / "docvqa" / "val" / row["image"]).convert("L"))
        r, c = field_cell(index)
        read = [_figure_at(page, (r, c + j)) for j in range(5)]
        assert "".join(f for f in read if f) == q.answers[0] and read[len(q.answers[0])] is None
    # every figure on a page is where the form says it is
    q = questions[0]
    page = np.asarray(q.image().convert("L"))
    for cell, figure in q.form.figures.items():
        assert _figure_at(page, cell) == figure


def test_docvqa_figures_are_crisp_at_448_and_smeared_at_224():
    """At 448 px every figure keeps black strokes; resized to 224 px (as evaluation resizes)
    no pixel under a figure is darker than mid-gray."""
    for q in ds.generate_docvqa(8, seed=2)[::2]:
        page = q.image()
        sharp = preprocess(page, 448).mean(-1)
        blurred = preprocess(page, 224).mean(-1)
        for r, c in q.form.figures:
            y, x = r * CELL + FIGURE_OFFSET[1], c * CELL + FIGURE_OFFSET[0]
            assert sharp[y:y + 5, x:x + 3].min() == -1.0
            assert blurred[y // 2:(y + 5) // 2 + 1, x // 2:(x + 3) // 2 + 1].min() > -0.5


def test_chartqa_bar_heights_are_proportional_to_values(data_dir):
    questions = ds.generate_chartqa(N, seed=0)
    for q in questions[::2]:
        chart = q.chart
        pixels = np.asarray(Image.open(data_dir / "chartqa" / "test" / "png" / q.imgname).convert("RGB"))
        _, top, _, bottom = chart.plot
        for (bx0, _, bx1, _), value in zip(chart.bar_boxes(), chart.values, strict=True):
            column = pixels[:, (bx0 + bx1) // 2]
            height = int((column == CHART_COLORS[chart.color]).all(axis=1).sum())
            assert abs(height - value * (bottom - top) / 100) <= 0.5
    for q in questions:
        values = dict(zip(q.chart.labels, q.chart.values, strict=True))
        if m := re.fullmatch(r"What is the value of (\w+)\?", q.query):
            assert q.label == str(values[m[1]])
        elif q.query == "Which bar is the highest?":
            assert values[q.label] == max(values.values())
        else:
            assert q.query == "Which bar is the lowest?" and values[q.label] == min(values.values())


def test_captions_name_every_shape(data_dir):
    for im in ds.generate_coco_captions(N, seed=0):
        assert len(set(im.captions)) == 5
        for s in im.scene.shapes:
            assert f"{s.color} {s.kind}" in im.captions[0]
        assert im.captions[0].endswith(f"on a {im.scene.background} background")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pycocotools' Cython under NumPy 2
def test_refcoco_refer_layout_and_masks(data_dir):
    from pycocotools import mask as mask_utils

    root = data_dir / "refcoco"
    refs = pickle.loads((root / "refs(unc).p").read_bytes())
    instances = json.loads((root / "instances.json").read_text())
    assert len(refs) == N
    assert {r["split"] for r in refs} == {"val"}
    anns = {a["id"]: a for a in instances["annotations"]}
    images = {im["id"]: im for im in instances["images"]}
    categories = {c["id"]: c["name"] for c in instances["categories"]}
    generated = ds.generate_refcoco(N, seed=0)
    for ref, gen in zip(refs, generated, strict=True):
        assert set(ref) >= {"ref_id", "ann_id", "image_id", "split", "sentences", "category_id"}
        assert [s["sent"] for s in ref["sentences"]] == list(gen.sentences)
        ann = anns[ref["ann_id"]]
        image = images[ann["image_id"]]
        assert ann["image_id"] == ref["image_id"] and ann["category_id"] == ref["category_id"]
        assert categories[ann["category_id"]] == gen.shape.kind
        rle = mask_utils.frPyObjects(ann["segmentation"], image["height"], image["width"])
        decoded = mask_utils.decode(mask_utils.merge(rle)).astype(bool)
        assert (decoded == gen.mask()).all()  # the polygon is exactly the drawn shape
        assert ann["area"] == decoded.sum()
        x, y, w, h = ann["bbox"]
        ys, xs = np.nonzero(decoded)
        assert (x, y, x + w, y + h) == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        pixels = np.asarray(Image.open(root / "train2014" / image["file_name"]).convert("RGB"), float)
        inner = decoded & np.roll(decoded, 3, 0) & np.roll(decoded, -3, 0) & np.roll(decoded, 3, 1) \
            & np.roll(decoded, -3, 1)
        assert np.abs(pixels[inner] - COLORS[gen.shape.color]).mean() < 8  # JPEG q95


def test_referring_expressions_pick_out_one_object():
    for r in ds.generate_refcoco(200, seed=4, sentences=3):
        others = [s for s in r.scene.shapes if s != r.shape]
        mine = set(ds.referring_expressions(r.shape, r.scene.shapes))
        assert set(r.sentences) <= mine
        for o in others:
            assert not mine & set(ds.referring_expressions(o, r.scene.shapes))


def test_refcoco_loads_through_its_reader_when_there_is_one(data_dir):
    if not refer_reader_ready():
        pytest.skip("no refcoco task spec or refer reader yet")
    generated = ds.generate_refcoco(N, seed=0)
    examples = load_examples(get_task("refcoco"), data_dir)
    assert len(examples) == N
    for e, r in zip(examples, generated, strict=True):
        assert e.fields["sentence"] == r.sentences[0]
        assert (data_dir / "refcoco" / e.images[0]).is_file()
        x, y, w, h = r.bbox
        assert tuple(e.target.box) == (y, x, y + h, x + w)
        assert (e.target.mask() == r.mask()).all()


@pytest.mark.parametrize("task", ds.DEMO_TASKS)
def test_training_pictures_follow_the_task_specs_prompts(task):
    pictures = [ds.training_picture(task, seed=0, index=i) for i in range(6)]
    template = ds.DEMO[task].prompt  # the task spec's (tasks/<task>.toml)
    pattern = re.sub(r"\\\{(question|sentence)\\\}", r"([A-Z].*\\?|the .+)", re.escape(template))
    native = {"docvqa": (448, 448, 3), "chartqa": (448, 448, 3), "refcoco": (240, 320, 3)}
    eval_images = {hashlib.sha256(np.asarray(e.image()).tobytes()).digest()
                   for e in ds.generate(task, 12, seed=0)}
    for picture in pictures:
        assert picture.image.dtype == np.uint8 and picture.image.shape == native.get(task, (224, 224, 3))
        assert picture.pairs and (picture.figures is not None) == (task == "docvqa")
        for prefix, suffix in picture.pairs:
            assert re.fullmatch(pattern, prefix), prefix
            assert suffix and suffix == suffix.strip()
            if task == "refcoco":
                assert re.fullmatch(r"(<loc\d{4}>){4}", suffix)
        if task in ("docvqa", "chartqa"):  # PNG: the same pixels as written files would hold
            assert hashlib.sha256(picture.image.tobytes()).digest() not in eval_images
    if task == "docvqa":  # every field is asked; its answer's figures start at answer_cells
        for picture in pictures:
            asked = dict(picture.pairs)
            assert sorted(asked) == sorted(ds.DOC_FIELDS.values())
            for (question, answer), (r, c) in zip(picture.pairs, picture.answer_cells, strict=True):
                assert (r, c) == field_cell(list(ds.DOC_FIELDS.values()).index(question))
                assert "".join(picture.figures[r, c + j] for j in range(len(answer))) == answer
                assert (r, c + len(answer)) not in picture.figures


def test_refcoco_training_boxes_follow_big_visions_binning():
    picture = ds.training_picture("refcoco", seed=0, index=0)
    image, (prefix, suffix) = picture.image, picture.pairs[0]
    (r,) = [r for r in ds.DEMO["refcoco"].training_picture(0, 0) if r.sentences[0] == prefix][:1]
    x, y, w, h = r.bbox
    height, width = image.shape[:2]
    expected = [round(y / height * 1023), round(x / width * 1023), round((y + h) / height * 1023),
                round((x + w) / width * 1023)]
    assert suffix == "".join(f"<loc{b:04d}>" for b in expected)
    assert ds.loc_tokens((0, 0, 240, 320), 320, 240) == "<loc0000><loc0000><loc1023><loc1023>"


def test_write_demo_data_is_idempotent_and_keeps_other_data(tmp_path):
    folders = ds.write_demo_data(tmp_path, ["chartqa"], 4, seed=0)
    marker = folders["chartqa"] / ds.MARKER
    stamp = marker.stat().st_mtime_ns
    ds.write_demo_data(tmp_path, ["chartqa"], 4, seed=0)
    assert marker.stat().st_mtime_ns == stamp
    ds.write_demo_data(tmp_path, ["chartqa"], 6, seed=0)
    assert json.loads(marker.read_text())["n"] == 6
    assert len(load_examples(get_task("chartqa"), tmp_path)) == 6
    assert [p.name for p in tmp_path.iterdir()] == ["chartqa"]  # no scratch folder left
    (tmp_path / "docvqa").mkdir()
    (tmp_path / "docvqa" / "mine.json").write_text("{}")
    with pytest.raises(InputError, match="not the demo's"):
        ds.write_demo_data(tmp_path, ["docvqa"], 4, seed=0)
    assert (tmp_path / "docvqa" / "mine.json").read_text() == "{}"
    with pytest.raises(InputError, match="no demo data"):
        ds.write_demo_data(tmp_path, ["pope"], 4, seed=0)
    with pytest.raises(InputError, match="no demo data"):
        ds.training_picture("pope", seed=0, index=0)


def test_demo_corpus_covers_every_prompt_and_answer():
    corpus = set(ds.demo_corpus(60, seed=0))
    for q in ds.generate_vqav2(60, seed=0):
        assert {f"answer en {q.question}", *q.answers} <= corpus
    for q in ds.generate_docvqa(60, seed=0):
        assert {q.question, *q.answers} <= corpus
    for im in ds.generate_coco_captions(60, seed=0):
        assert {"caption en", *im.captions} <= corpus
    for q in ds.generate_chartqa(60, seed=0):
        assert {q.query, q.label} <= corpus
    assert not any("<loc" in line for line in corpus)
    words = {w for line in corpus for w in line.split()}
    assert set(ds.CHART_LABELS) <= words and set(ds.DOC_TITLES) <= corpus
