"""The RefCOCO demo: 320 x 240 JPEG scenes of 2-3 horizontally separated shapes; referring
expressions ("the red circle", "the square on the left") with COCO polygon segmentations, in the
refer layout (`refs(unc).p` + `instances.json`); training answers are big_vision's four
`<locNNNN>` box tokens."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import numpy as np
from PIL import Image

from pgeval.demo.datasets.common import (
    DemoTask,
    drawn_jpeg,
    dump_json,
    file_info,
    first_per_image,
    flat,
    save_image,
    stream_rng,
    take,
)
from pgeval.demo.scenes import Scene, Shape, draw_scene, pixel_outline, random_scene, shape_mask

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
    rng = stream_rng("refcoco", stream, seed, index)
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
    refs = take(flat(lambda st, sd, i: _ref_image(st, sd, i, sentences, splits), "eval", seed), n)
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
    images = first_per_image(refs, key=lambda r: r.image_id)
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
    dump_json(root / "instances.json", {
        "info": file_info("RefCOCO"), "licenses": [],
        "images": [{"id": r.image_id, "file_name": r.file_name, "height": r.scene.height,
                    "width": r.scene.width, "license": 0} for r in images],
        "annotations": annotations,
        "categories": [{"id": i, "name": name, "supercategory": "shape"} for name, i in CATEGORIES.items()]})
    for r in images:
        save_image(r.image(), root / "train2014" / r.file_name)
    return root


# refcoco's prompt is the referring expression itself (its `sentence` field), as big_vision's
# RefCOCO transfer has it; the corpus takes three expressions per object.
TASK = DemoTask("refcoco", generate_refcoco, write_refcoco,
                lambda seed, i: _ref_image("train", seed, i, every_object=True), drawn_jpeg,
                lambda r: ({"sentence": r.sentences[0]}, r.loc_tokens()),
                lambda r: ([{"sentence": s} for s in r.sentences], []),
                corpus_examples=lambda n, seed: generate_refcoco(n, seed, sentences=3),
                suffix_in_corpus=False)
