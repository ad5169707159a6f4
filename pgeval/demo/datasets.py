"""Deterministic synthetic benchmarks for the demo, in the official formats pgeval reads.

Five generators, each `generate_<task>(n, seed)` (in-memory examples; nothing is drawn until an
example's `image()` is called) with a writer `write_<task>(data_dir, n, seed)` that puts the
official annotation files and the images under `data_dir/<task>/` where the task spec looks,
registered with their training stream and corpus text as one `DemoTask` each in `DEMO`:

- vqav2: shape scenes (1-4 circles / squares / triangles, red / blue / green / yellow, on a
  white, gray or black background), 224 x 224 JPEG; three questions per image, one of each VQA
  answer type, ten human answers each (8 to 10 of them right).
- docvqa: 448 x 448 PNG ledger forms: six "Key:" fields at fixed places among other numbers,
  every number printed one 3 x 5 px figure per 28 px cell (crisp at 448 px, half-pixel strokes
  at 224); two questions per form, answered by a field's value (3 or 4 digits).
- coco_captions: shape scenes (1-3 shapes), 224 x 224 JPEG, five template captions each.
- chartqa: 448 x 448 PNG bar charts of 3-5 bars with values 0..100 printed above them; two
  queries per chart (a bar's value; the highest or lowest bar); even charts are the `human`
  subset, odd ones `augmented`.
- refcoco: 320 x 240 JPEG scenes of 2-3 horizontally separated shapes; referring expressions
  ("the red circle", "the square on the left") with COCO polygon segmentations, in the refer
  layout (`refs(unc).p` + `instances.json`).

`n` counts scored examples as pgeval's readers count them: questions (vqav2, docvqa), queries
across both chartqa files, images (coco_captions), referring expressions (refcoco, one sentence
per ref unless asked otherwise). Example k depends only on (task, seed, k), so a smaller `n` gives a
prefix of a larger one. `training_picture` draws from a separate stream of the same generators:
training and evaluation data never share a scene by construction, whatever the seeds.

Files are byte-identical for the same (n, seed) and the same Pillow release (its bundled FreeType,
libjpeg and zlib); pixels are identical for the same FreeType and libjpeg.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pickle
import random
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import count, islice
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from pgeval.demo.scenes import (
    BACKGROUNDS,
    CHART_COLORS,
    COLORS,
    KINDS,
    BarChart,
    Cell,
    Form,
    Scene,
    Shape,
    draw_chart,
    draw_form,
    draw_scene,
    field_cell,
    pixel_outline,
    random_form,
    random_scene,
    shape_mask,
)
from pgeval.errors import InputError
from pgeval.tasks import get_task

# Bump when any generator's output changes: write_demo_data rewrites data of another version.
GENERATOR_VERSION = 2
MARKER = ".pgeval-demo.json"
JPEG_QUALITY = 95



def _rng(task: str, stream: str, seed: int, index: int) -> random.Random:
    """The generator of one image: string seeds are hashed with SHA-512, the same everywhere."""
    return random.Random(f"pgeval-demo/{task}/{stream}/{seed}/{index}")


def jpeg_roundtrip(image: Image.Image) -> Image.Image:
    """The picture as the written JPEG file decodes (training sees what evaluation sees)."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("RGB")


def _plural(kind: str, k: int) -> str:
    return kind if k == 1 else kind + "s"


NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}


# --- vqav2 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VqaQuestion:
    question_id: int
    image_id: int
    question: str
    question_type: str
    answer_type: str  # "yes/no", "number" or "other", VQA's answer types
    answer: str
    answers: tuple[str, ...]  # ten human answers
    scene: Scene

    @property
    def file_name(self) -> str:
        return f"COCO_val2014_{self.image_id:012d}.jpg"

    def image(self) -> Image.Image:
        return draw_scene(self.scene)


def _vqa_other(rng: random.Random, scene: Scene) -> tuple[str, str, str, list[str]]:
    kinds = Counter(s.kind for s in scene.shapes)
    colors = Counter(s.color for s in scene.shapes)
    options = [(f"What color is the {s.kind}?", "what color is the", s.color, list(COLORS))
               for s in scene.shapes if kinds[s.kind] == 1]
    options += [(f"What shape is the {s.color} object?", "what shape is the", s.kind, list(KINDS))
                for s in scene.shapes if colors[s.color] == 1]
    if not options or rng.random() < 0.1:
        return "What color is the background?", "what color is the", scene.background, list(BACKGROUNDS)
    return rng.choice(options)


def _vqa_number(rng: random.Random, scene: Scene) -> tuple[str, str, str, list[str]]:
    which = rng.choice(("all", "color", "kind"))
    shape = rng.choice(scene.shapes)  # mostly ask about a colour or kind that is there (0 is rarer)
    if which == "all":
        question, k = "How many shapes are there?", len(scene.shapes)
    elif which == "color":
        color = shape.color if rng.random() < 0.7 else rng.choice(list(COLORS))
        question, k = f"How many {color} shapes are there?", sum(s.color == color for s in scene.shapes)
    else:
        kind = shape.kind if rng.random() < 0.7 else rng.choice(KINDS)
        question, k = f"How many {kind}s are there?", sum(s.kind == kind for s in scene.shapes)
    return question, "how many", str(k), [str(k + 1), *([str(k - 1)] if k else [])]


def _vqa_yesno(rng: random.Random, scene: Scene) -> tuple[str, str, str, list[str]]:
    want = rng.random() < 0.5
    present_kinds = {s.kind for s in scene.shapes}
    present_colors = {s.color for s in scene.shapes}
    present_pairs = {(s.color, s.kind) for s in scene.shapes}
    templates = [
        ("Is there a {1}?", [("", k) for k in KINDS if (k in present_kinds) == want]),
        ("Is there a {0} shape?", [(c, "") for c in COLORS if (c in present_colors) == want]),
        ("Is there a {0} {1}?", [(c, k) for c in COLORS for k in KINDS if ((c, k) in present_pairs) == want]),
    ]
    rng.shuffle(templates)
    template, candidates = next(t for t in templates if t[1])
    color, kind = rng.choice(candidates)
    answer = "yes" if want else "no"
    return template.format(color, kind), "is there a", answer, ["no" if want else "yes"]


def _human_answers(rng: random.Random, answer: str, wrong: Sequence[str]) -> tuple[str, ...]:
    """Ten answers: 8 to 10 right, the rest plausible mistakes."""
    wrong = [w for w in wrong if w != answer]
    n_wrong = rng.choice((0, 0, 0, 1, 1, 2))
    answers = [answer] * (10 - n_wrong) + [rng.choice(wrong) for _ in range(n_wrong)]
    rng.shuffle(answers)
    return tuple(answers)


def _vqa_image(stream: str, seed: int, index: int) -> list[VqaQuestion]:
    rng = _rng("vqav2", stream, seed, index)
    scene = random_scene(rng, rng.randint(1, 4))
    image_id = index + 1
    makers = [("other", _vqa_other), ("number", _vqa_number), ("yes/no", _vqa_yesno)]
    rng.shuffle(makers)
    questions = []
    for k, (answer_type, make) in enumerate(makers):
        question, question_type, answer, wrong = make(rng, scene)
        questions.append(VqaQuestion(
            question_id=image_id * 10 + k, image_id=image_id, question=question,
            question_type=question_type, answer_type=answer_type, answer=answer,
            answers=_human_answers(rng, answer, wrong), scene=scene))
    return questions


def generate_vqav2(n: int, seed: int) -> list[VqaQuestion]:
    """n questions, three per image."""
    return _take(_flat(_vqa_image, "eval", seed), n)


def write_vqav2(data_dir: Path, n: int, seed: int) -> Path:
    root = Path(data_dir) / "vqav2"
    questions = generate_vqav2(n, seed)
    _dump(root / "v2_OpenEnded_mscoco_val2014_questions.json", {
        "info": _info("VQAv2"), "task_type": "Open-Ended", "data_type": "mscoco",
        "data_subtype": "val2014", "license": {},
        "questions": [{"image_id": q.image_id, "question": q.question, "question_id": q.question_id}
                      for q in questions]})
    _dump(root / "v2_mscoco_val2014_annotations.json", {
        "info": _info("VQAv2"), "data_type": "mscoco", "data_subtype": "val2014", "license": {},
        "annotations": [{
            "question_type": q.question_type, "multiple_choice_answer": q.answer,
            "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": k + 1}
                        for k, a in enumerate(q.answers)],
            "image_id": q.image_id, "answer_type": q.answer_type, "question_id": q.question_id,
        } for q in questions]})
    for q in _first_per_image(questions):
        _save(q.image(), root / "val2014" / q.file_name)
    return root


# --- docvqa -------------------------------------------------------------------------------------

DOC_TITLES = ("INVOICE", "RECEIPT", "ORDER FORM", "STATEMENT", "DELIVERY NOTE")
# The form's fields in their fixed order (field i at scenes.field_cell(i)) and the question for each.
DOC_FIELDS: dict[str, str] = {
    "Invoice": "What is the invoice number?",
    "Order": "What is the order number?",
    "Total": "What is the total?",
    "Account": "What is the account number?",
    "Phone": "What is the phone extension?",
    "Code": "What is the postal code?",
}


def _form_number(rng: random.Random) -> str:
    """3 or 4 digits (as many of each length), no leading zero."""
    d = rng.randint(3, 4)
    return str(rng.randint(10 ** (d - 1), 10**d - 1))


@dataclass(frozen=True)
class DocQuestion:
    question_id: int
    doc_id: int
    key: str  # the field asked about
    question: str
    answers: tuple[str, ...]
    form: Form

    @property
    def file_name(self) -> str:
        return f"demo{self.doc_id:05d}_1.png"

    def image(self) -> Image.Image:
        return draw_form(self.form)


def _doc(stream: str, seed: int, index: int, questions: int | None = 2) -> list[DocQuestion]:
    """A form and questions about `questions` of its fields (None: every field, for training)."""
    rng = _rng("docvqa", stream, seed, index)
    fields = [(k, _form_number(rng)) for k in DOC_FIELDS]
    form = random_form(rng, rng.choice(DOC_TITLES), fields, _form_number)
    doc_id = index + 1
    keys = list(DOC_FIELDS)
    asked = rng.sample(keys, len(keys) if questions is None else questions)
    values = dict(fields)
    return [DocQuestion(question_id=doc_id * 10 + k, doc_id=doc_id, key=key,
                        question=DOC_FIELDS[key], answers=(values[key],), form=form)
            for k, key in enumerate(asked)]


def generate_docvqa(n: int, seed: int) -> list[DocQuestion]:
    """n questions, two per page."""
    return _take(_flat(_doc, "eval", seed), n)


def write_docvqa(data_dir: Path, n: int, seed: int) -> Path:
    root = Path(data_dir) / "docvqa"
    questions = generate_docvqa(n, seed)
    _dump(root / "val" / "val_v1.0.json", {
        "dataset_name": "docvqa", "dataset_version": "1.0", "dataset_split": "val",
        "data": [{
            "questionId": q.question_id, "question": q.question, "question_types": ["form"],
            "image": f"documents/{q.file_name}", "docId": q.doc_id,
            "ucsf_document_id": f"demo{q.doc_id:05d}", "ucsf_document_page_no": "1",
            "answers": list(q.answers), "data_split": "val",
        } for q in questions]})
    for q in _first_per_image(questions, key=lambda q: q.doc_id):
        _save(q.image(), root / "val" / "documents" / q.file_name)
    return root


# --- coco_captions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptionImage:
    image_id: int
    captions: tuple[str, ...]  # five; the first is the canonical one training uses
    scene: Scene

    @property
    def file_name(self) -> str:
        return f"COCO_val2014_{self.image_id:012d}.jpg"

    def image(self) -> Image.Image:
        return draw_scene(self.scene)


def _objects_phrase(shapes: Sequence[Shape]) -> str:
    """'a red circle, two blue squares and a green triangle', in the order given."""
    groups: dict[tuple[str, str], int] = {}
    for s in shapes:
        groups[(s.color, s.kind)] = groups.get((s.color, s.kind), 0) + 1
    parts = [f"{'a' if k == 1 else NUMBER_WORDS[k]} {color} {_plural(kind, k)}"
             for (color, kind), k in groups.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def captions_for(scene: Scene) -> tuple[str, ...]:
    left_to_right = sorted(scene.shapes, key=lambda s: (s.cx, s.cy))
    objects = _objects_phrase(left_to_right)
    reverse = _objects_phrase(left_to_right[::-1])
    k, bg = len(scene.shapes), scene.background
    return (
        f"{objects} on a {bg} background",
        f"a {bg} background with {objects}",
        f"{reverse} on a plain {bg} background",
        f"a picture of {objects}",
        f"{NUMBER_WORDS[k]} {_plural('shape', k)} on a {bg} background",
    )


def _caption_image(stream: str, seed: int, index: int) -> list[CaptionImage]:
    rng = _rng("coco_captions", stream, seed, index)
    scene = random_scene(rng, rng.randint(1, 3))
    return [CaptionImage(index + 1, captions_for(scene), scene)]


def generate_coco_captions(n: int, seed: int) -> list[CaptionImage]:
    """n images with five captions each."""
    return _take(_flat(_caption_image, "eval", seed), n)


def write_coco_captions(data_dir: Path, n: int, seed: int) -> Path:
    root = Path(data_dir) / "coco_captions"
    images = generate_coco_captions(n, seed)
    _dump(root / "annotations" / "captions_val2014.json", {
        "info": _info("COCO captions"), "licenses": [], "type": "captions",
        "images": [{"id": im.image_id, "file_name": im.file_name, "height": im.scene.height,
                    "width": im.scene.width, "license": 0} for im in images],
        "annotations": [{"image_id": im.image_id, "id": im.image_id * 10 + k, "caption": c}
                        for im in images for k, c in enumerate(im.captions)]})
    for im in images:
        _save(im.image(), root / "val2014" / im.file_name)
    return root


# --- chartqa ------------------------------------------------------------------------------------

CHART_LABELS = ("USA", "China", "India", "Japan", "Brazil", "France", "Italy", "Spain", "Canada",
                "Mexico", "Egypt", "Chile")
CHART_TITLES = ("Survey results", "Sales by country", "Share of votes", "Market share",
                "Approval rating")


@dataclass(frozen=True)
class ChartQuestion:
    subset: str  # "human" or "augmented"
    imgname: str
    query: str
    label: str
    chart: BarChart

    def image(self) -> Image.Image:
        return draw_chart(self.chart)


def _chart(stream: str, seed: int, index: int, every_bar: bool = False) -> list[ChartQuestion]:
    rng = _rng("chartqa", stream, seed, index)
    bars = rng.randint(3, 5)
    chart = BarChart(title=rng.choice(CHART_TITLES), labels=tuple(rng.sample(CHART_LABELS, bars)),
                     values=tuple(rng.sample(range(5, 101), bars)), color=rng.choice(list(CHART_COLORS)),
                     bar_fraction=rng.randint(45, 70) / 100)
    by_value = dict(zip(chart.values, chart.labels, strict=True))
    highest = ("Which bar is the highest?", by_value[max(chart.values)])
    lowest = ("Which bar is the lowest?", by_value[min(chart.values)])
    values = [(f"What is the value of {lab}?", str(v)) for lab, v in zip(chart.labels, chart.values,
                                                                          strict=True)]
    if every_bar:
        queries = [*values, highest, lowest]
    else:
        queries = [rng.choice(values), highest if rng.random() < 0.6 else lowest]
    subset = "human" if index % 2 == 0 else "augmented"
    imgname = f"demo_{index + 1:05d}.png"
    return [ChartQuestion(subset, imgname, q, a, chart) for q, a in queries]


def generate_chartqa(n: int, seed: int) -> list[ChartQuestion]:
    """n queries, two per chart, in chart order (human and augmented charts alternate)."""
    return _take(_flat(_chart, "eval", seed), n)


def write_chartqa(data_dir: Path, n: int, seed: int) -> Path:
    root = Path(data_dir) / "chartqa"
    questions = generate_chartqa(n, seed)
    for subset in ("human", "augmented"):
        _dump(root / "test" / f"test_{subset}.json",
              [{"imgname": q.imgname, "query": q.query, "label": q.label}
               for q in questions if q.subset == subset])
    for q in _first_per_image(questions, key=lambda q: q.imgname):
        _save(q.image(), root / "test" / "png" / q.imgname)
    return root


# --- refcoco ------------------------------------------------------------------------------------

REF_SIZE = (320, 240)  # width, height: not square, like COCO pictures
CATEGORIES = {"circle": 1, "square": 2, "triangle": 3}


@dataclass(frozen=True)
class RefExample:
    ref_id: int
    ann_id: int
    image_id: int
    split: str
    sentences: tuple[str, ...]
    shape: Shape  # the object referred to
    scene: Scene

    @property
    def file_name(self) -> str:
        return f"COCO_train2014_{self.image_id:012d}.jpg"

    @property
    def category_id(self) -> int:
        return CATEGORIES[self.shape.kind]

    def image(self) -> Image.Image:
        return draw_scene(self.scene)

    def mask(self) -> np.ndarray:
        """The object's pixels, (height, width) bool."""
        return shape_mask(self.shape, self.scene.width, self.scene.height)

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        """COCO [x, y, width, height] of the object's pixels."""
        ys, xs = np.nonzero(self.mask())
        return (int(xs.min()), int(ys.min()), int(xs.max()) + 1 - int(xs.min()),
                int(ys.max()) + 1 - int(ys.min()))

    def loc_tokens(self) -> str:
        """big_vision's box string: y1, x1, y2, x2 as round(coordinate / size * 1023), clipped."""
        x, y, w, h = self.bbox
        return loc_tokens((y, x, y + h, x + w), self.scene.width, self.scene.height)


def loc_tokens(box: tuple[float, float, float, float], width: int, height: int) -> str:
    """`<locNNNN>` x 4 for a (y1, x1, y2, x2) pixel box, binned as big_vision's refcoco_mask2str."""
    y1, x1, y2, x2 = box
    bins = [min(1023, max(0, round(v * 1023))) for v in (y1 / height, x1 / width, y2 / height, x2 / width)]
    return "".join(f"<loc{b:04d}>" for b in bins)


def referring_expressions(target: Shape, shapes: Sequence[Shape]) -> list[str]:
    """Every expression that picks out `target` alone among `shapes` (separated along x)."""
    same_kind = sorted((s for s in shapes if s.kind == target.kind), key=lambda s: s.cx)
    same_color = [s for s in shapes if s.color == target.color]
    same_both = sorted((s for s in same_kind if s.color == target.color), key=lambda s: s.cx)
    by_x = sorted(shapes, key=lambda s: s.cx)
    out = []
    if len(same_both) == 1:
        out.append(f"the {target.color} {target.kind}")
    if len(same_kind) == 1:
        out.append(f"the {target.kind}")
    if len(same_color) == 1:
        out.append(f"the {target.color} shape")
    for noun, group in ((target.kind, same_kind), (f"{target.color} {target.kind}", same_both),
                        ("shape", by_x)):
        if len(group) > 1:
            i = group.index(target)
            place = "on the left" if i == 0 else "on the right" if i == len(group) - 1 else "in the middle"
            out.append(f"the {noun} {place}")
    return list(dict.fromkeys(out))


def _ref_image(stream: str, seed: int, index: int, sentences: int = 1, splits: Sequence[str] = ("val",),
               every_object: bool = False) -> list[RefExample]:
    """A scene of 2-3 objects and refs to 1-2 of them (to each of them with `every_object`)."""
    rng = _rng("refcoco", stream, seed, index)
    width, height = REF_SIZE
    scene = random_scene(rng, rng.randint(2, 3), width=width, height=height, radius=(16, 36),
                         separate_x=True)
    image_id = index + 1
    shapes = range(len(scene.shapes))
    chosen = list(shapes) if every_object else sorted(rng.sample(shapes, rng.randint(1, 2)))
    refs = []
    for j in chosen:
        shape = scene.shapes[j]
        options = referring_expressions(shape, scene.shapes)
        refs.append(RefExample(
            ref_id=0, ann_id=image_id * 10 + j, image_id=image_id, split=splits[index % len(splits)],
            sentences=tuple(rng.sample(options, min(sentences, len(options)))), shape=shape, scene=scene))
    return refs


def generate_refcoco(n: int, seed: int, *, sentences: int = 1, splits: Sequence[str] = ("val",)
                     ) -> list[RefExample]:
    """n refs over scenes of 2-3 objects (1-2 refs each), `sentences` expressions per ref (fewer
    when the object has fewer distinct ones); images are given to `splits` in turn."""
    if sentences < 1 or not splits:
        raise ValueError("need at least one sentence per ref and one split")
    refs = _take(_flat(lambda st, sd, i: _ref_image(st, sd, i, sentences, splits), "eval", seed), n)
    return [dataclasses.replace(r, ref_id=i) for i, r in enumerate(refs)]


def write_refcoco(data_dir: Path, n: int, seed: int, *, sentences: int = 1,
                  splits: Sequence[str] = ("val",)) -> Path:
    """The refer layout: `refs(unc).p`, `instances.json` (COCO polygons) and `train2014/` images.

    Every object of a written image is annotated, referred to or not, as in COCO. An object's
    polygon runs along the edges of its drawn pixels, so pycocotools decodes it to exactly the
    pixels the picture shows (a prediction of the drawn shape scores IoU 1).
    """
    root = Path(data_dir) / "refcoco"
    refs = generate_refcoco(n, seed, sentences=sentences, splits=splits)
    sent_id = count()
    pickled = []
    for r in refs:
        sents = [{"tokens": s.split(), "raw": s, "sent_id": next(sent_id), "sent": s} for s in r.sentences]
        pickled.append({
            "sent_ids": [s["sent_id"] for s in sents], "file_name": f"{r.file_name[:-4]}_{r.ann_id}.jpg",
            "ann_id": r.ann_id, "ref_id": r.ref_id, "image_id": r.image_id, "split": r.split,
            "sentences": sents, "category_id": r.category_id})
    images = _first_per_image(refs, key=lambda r: r.image_id)
    annotations = []
    for r in images:
        for j, shape in enumerate(r.scene.shapes):
            ref = RefExample(0, r.image_id * 10 + j, r.image_id, r.split, (), shape, r.scene)
            x, y, w, h = ref.bbox
            annotations.append({
                "id": ref.ann_id, "image_id": r.image_id, "category_id": ref.category_id,
                "segmentation": [[c for point in pixel_outline(ref.mask()) for c in point]],
                "bbox": [x, y, w, h], "area": int(ref.mask().sum()), "iscrowd": 0})
    root.mkdir(parents=True, exist_ok=True)
    (root / "refs(unc).p").write_bytes(pickle.dumps(pickled, protocol=2))
    _dump(root / "instances.json", {
        "info": _info("RefCOCO"), "licenses": [],
        "images": [{"id": r.image_id, "file_name": r.file_name, "height": r.scene.height,
                    "width": r.scene.width, "license": 0} for r in images],
        "annotations": annotations,
        "categories": [{"id": i, "name": name, "supercategory": "shape"} for name, i in CATEGORIES.items()]})
    for r in images:
        _save(r.image(), root / "train2014" / r.file_name)
    return root


# --- all tasks ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoTask:
    """One demo benchmark, wired in one place.

    `generate(n, seed)` and `write(data_dir, n, seed)` make the evaluation data; a training
    picture is `training_picture(seed, index)` (every question about it), drawn from its first
    item by `draw` as training sees it (decoded from JPEG where the files are JPEG), and each
    item is a prompt's fields and the suffix by `training_pair`; `eval_text` gives an evaluation
    item's prompt fields and reference answers for the tokenizer's corpus (drawn from
    `corpus_examples`). The prompt template is the task spec's.
    """

    name: str
    generate: Callable[[int, int], list[Any]]
    write: Callable[[Path, int, int], Path]
    training_picture: Callable[[int, int], list[Any]]
    draw: Callable[[Any], Image.Image]
    training_pair: Callable[[Any], tuple[dict[str, str], str]]
    eval_text: Callable[[Any], tuple[list[dict[str, str]], list[str]]]
    corpus_examples: Callable[[int, int], list[Any]] | None = None  # default: generate
    layout: Callable[[Any], Form] | None = None  # docvqa: an item's form
    answer_cell: Callable[[Any], Cell] | None = None  # docvqa: where an item's answer starts
    suffix_in_corpus: bool = True  # refcoco's <locNNNN> answers are user-defined pieces already

    @property
    def prompt(self) -> str:
        return _spec_prompt(self.name)


@cache
def _spec_prompt(task: str) -> str:
    return get_task(task).prompt


def _drawn(item: Any) -> Image.Image:
    return item.image()


def _drawn_jpeg(item: Any) -> Image.Image:
    return jpeg_roundtrip(item.image())


def _question(text: str) -> dict[str, str]:
    return {"question": text}


DEMO = {t.name: t for t in (
    DemoTask("vqav2", generate_vqav2, write_vqav2,
             lambda seed, i: _vqa_image("train", seed, i), _drawn_jpeg,
             lambda q: (_question(q.question), q.answer),
             lambda q: ([_question(q.question)], list(q.answers))),
    DemoTask("docvqa", generate_docvqa, write_docvqa,
             lambda seed, i: _doc("train", seed, i, questions=None), _drawn,
             lambda d: (_question(d.question), d.answers[0]),
             lambda d: ([_question(d.question)], list(d.answers)),
             layout=lambda d: d.form, answer_cell=lambda d: field_cell(list(DOC_FIELDS).index(d.key))),
    DemoTask("coco_captions", generate_coco_captions, write_coco_captions,
             lambda seed, i: _caption_image("train", seed, i), _drawn_jpeg,
             lambda im: ({}, im.captions[0]),
             lambda im: ([{}], list(im.captions))),
    DemoTask("chartqa", generate_chartqa, write_chartqa,
             lambda seed, i: _chart("train", seed, i, every_bar=True), _drawn,
             lambda c: (_question(c.query), c.label),
             lambda c: ([_question(c.query)], [c.label])),
    # refcoco's prompt is the referring expression itself (its `sentence` field), as big_vision's
    # RefCOCO transfer has it; the corpus takes three expressions per object.
    DemoTask("refcoco", generate_refcoco, write_refcoco,
             lambda seed, i: _ref_image("train", seed, i, every_object=True), _drawn_jpeg,
             lambda r: ({"sentence": r.sentences[0]}, r.loc_tokens()),
             lambda r: ([{"sentence": s} for s in r.sentences], []),
             corpus_examples=lambda n, seed: generate_refcoco(n, seed, sentences=3),
             suffix_in_corpus=False),
)}
DEMO_TASKS = tuple(DEMO)


def _check_task(task: str) -> None:
    if task not in DEMO_TASKS:
        raise InputError(f"no demo data for task {task!r}", hint=f"demo tasks: {', '.join(DEMO_TASKS)}")


def generate(task: str, n: int, seed: int) -> list[Any]:
    _check_task(task)
    return DEMO[task].generate(n, seed)


def write_task(data_dir: Path, task: str, n: int, seed: int) -> Path:
    """Write one task's files under data_dir/<task>/ (overwriting what is there); its folder."""
    _check_task(task)
    return DEMO[task].write(Path(data_dir), n, seed)


def _marker(task: str, n: int, seed: int) -> dict[str, Any]:
    return {"task": task, "n": n, "seed": seed, "version": GENERATOR_VERSION}


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_demo_data(data_dir: Path, tasks: Sequence[str], n: int | Mapping[str, int], seed: int
                    ) -> dict[str, Path]:
    """Write the demo data of `tasks` under data_dir (n examples each, or n[task]).

    A task whose folder already holds this (n, seed, generator version) is skipped; one holding
    other demo data is rewritten; a non-empty folder without the demo's marker file is left alone
    (an error: it may be real data). Each task is written into a temporary folder beside its
    destination and moved into place with its marker, so an interrupted run leaves nothing half
    written. Returns each task's folder.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    folders = {}
    for task in tasks:
        _check_task(task)
        k = n.get(task, 0) if isinstance(n, Mapping) else n
        if k < 1:
            raise InputError(f"the demo needs at least one example, got n={k} for {task}")
        target = data_dir / task
        folders[task] = target
        marker = _marker(task, k, seed)
        existing = _read_marker(target)
        if existing == marker:
            continue
        if target.exists():
            if existing is None and any(target.iterdir()):
                raise InputError("folder holds data that is not the demo's; not overwriting it",
                                 path=str(target), hint="pass another --data-dir or remove the folder")
            shutil.rmtree(target)
        scratch = Path(tempfile.mkdtemp(prefix=f".{task}-", dir=data_dir))
        try:
            DEMO[task].write(scratch, k, seed)
            (scratch / task / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
            try:
                os.replace(scratch / task, target)
            except OSError:
                if _read_marker(target) != marker:  # not another process writing the same data
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return folders


# --- training data and the tokenizer's corpus ---------------------------------------------------


@dataclass(frozen=True)
class TrainingPicture:
    """One picture of a task's training stream with every question about it.

    `image` is (H, W, 3) uint8 at the picture's native size (224 x 224 scenes, 448 x 448 forms
    and charts, 320 x 240 refcoco scenes), decoded from JPEG where the evaluation files are JPEG;
    resize it as evaluation does (`pgeval.model.images.preprocess(image, res)`). Each pair is a
    prefix that follows the task spec's prompt template and the reference answer as suffix (the
    majority human answer, the field's value, the first of the five captions, the chart's label,
    or refcoco's four `<locNNNN>` box tokens y1 x1 y2 x2 with no `<segNNN>` codes). On a form
    (docvqa), `figures` maps each cell to the figure printed in it and `answer_cells` gives
    each pair's answer's first cell (its figures follow one per cell to the right), for the
    training-only losses of `pgeval.demo.train`; None for other pictures.
    """

    image: np.ndarray
    pairs: tuple[tuple[str, str], ...]
    figures: dict[Cell, str] | None = None
    answer_cells: tuple[Cell, ...] | None = None


def _training_pairs(demo: DemoTask, items: Sequence[Any]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in items:
        fields, suffix = demo.training_pair(item)
        pairs.append((demo.prompt.format(**fields), suffix))
    return tuple(pairs)


def training_pairs(task: str, seed: int) -> Iterator[tuple[str, str]]:
    """The (prefix, suffix) pairs of the training stream's pictures in order, forever, without
    drawing the pictures."""
    _check_task(task)
    demo = DEMO[task]
    for index in count():
        yield from _training_pairs(demo, demo.training_picture(seed, index))


def training_picture(task: str, seed: int, index: int) -> TrainingPicture:
    """Picture `index` of the training stream of `task`, disjoint from the evaluation data's."""
    _check_task(task)
    if index < 0:
        raise ValueError(f"need index >= 0, got {index}")
    demo = DEMO[task]
    items = demo.training_picture(seed, index)
    image = np.asarray(demo.draw(items[0]), dtype=np.uint8)
    if demo.layout is None:
        return TrainingPicture(image, _training_pairs(demo, items))
    return TrainingPicture(image, _training_pairs(demo, items), demo.layout(items[0]).figures,
                           tuple(demo.answer_cell(item) for item in items))


def vocabulary() -> list[str]:
    """Every word and value the generators can produce, one string each."""
    words = [*COLORS, *KINDS, *(k + "s" for k in KINDS), *BACKGROUNDS, *NUMBER_WORDS.values(),
             *DOC_TITLES, *CHART_LABELS,
             *CHART_TITLES, *(k + ":" for k in DOC_FIELDS), *DOC_FIELDS.values(),
             "yes", "no", *(str(i) for i in range(10))]
    return list(dict.fromkeys(words))


def demo_corpus(n_per_task: int, seed: int) -> list[str]:
    """Text for the demo's SentencePiece model: for every task the prompts and answers of
    n_per_task training pairs and of n_per_task evaluation examples (all ten human answers, all
    five captions), then `vocabulary()`. refcoco's `<locNNNN>` answers are left out: they are the
    tokenizer's user-defined pieces already. Nothing is drawn, so this is fast."""
    lines: list[str] = []
    for demo in DEMO.values():
        for prefix, suffix in islice(training_pairs(demo.name, seed), n_per_task):
            lines += [prefix, suffix] if demo.suffix_in_corpus else [prefix]
    for demo in DEMO.values():
        for item in (demo.corpus_examples or demo.generate)(n_per_task, seed):
            prompts, answers = demo.eval_text(item)
            lines += [demo.prompt.format(**fields) for fields in prompts] + answers
    return lines + vocabulary()


# --- helpers ------------------------------------------------------------------------------------


def _flat(make: Callable[[str, int, int], list[Any]], stream: str, seed: int) -> Iterator[Any]:
    for index in count():
        yield from make(stream, seed, index)


def _take(items: Iterator[Any], n: int) -> list[Any]:
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return list(islice(items, n))


def _first_per_image(items: Sequence[Any], key: Callable[[Any], Any] = lambda x: x.image_id) -> list[Any]:
    seen: dict[Any, Any] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


def _info(name: str) -> dict[str, str]:
    return {"description": f"pgeval demo: synthetic {name} data, not the real benchmark",
            "version": str(GENERATOR_VERSION)}


def _dump(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj) + "\n", encoding="utf-8")


def _save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jpg":
        image.save(path, format="JPEG", quality=JPEG_QUALITY)
    else:
        image.save(path, format="PNG")
