"""The COCO captions demo: shape scenes of 1-3 shapes, 224 x 224 JPEG, five template captions each,
in the official captions_val2014.json layout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from pgeval.demo.datasets.common import (
    DemoTask,
    drawn_jpeg,
    dump_json,
    file_info,
    flat,
    save_image,
    stream_rng,
    take,
)
from pgeval.demo.scenes import Scene, Shape, draw_scene, random_scene

NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}


def _plural(kind: str, k: int) -> str:
    return kind if k == 1 else kind + "s"


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
    rng = stream_rng("coco_captions", stream, seed, index)
    scene = random_scene(rng, rng.randint(1, 3))
    return [CaptionImage(index + 1, captions_for(scene), scene)]


def generate_coco_captions(n: int, seed: int) -> list[CaptionImage]:
    """n images with five captions each."""
    return take(flat(_caption_image, "eval", seed), n)


def write_coco_captions(data_dir: Path, n: int, seed: int) -> Path:
    root = Path(data_dir) / "coco_captions"
    images = generate_coco_captions(n, seed)
    dump_json(root / "annotations" / "captions_val2014.json", {
        "info": file_info("COCO captions"), "licenses": [], "type": "captions",
        "images": [{"id": im.image_id, "file_name": im.file_name, "height": im.scene.height,
                    "width": im.scene.width, "license": 0} for im in images],
        "annotations": [{"image_id": im.image_id, "id": im.image_id * 10 + k, "caption": c}
                        for im in images for k, c in enumerate(im.captions)]})
    for im in images:
        save_image(im.image(), root / "val2014" / im.file_name)
    return root


TASK = DemoTask("coco_captions", generate_coco_captions, write_coco_captions,
                lambda seed, i: _caption_image("train", seed, i), drawn_jpeg,
                lambda im: ({}, im.captions[0]),
                lambda im: ([{}], list(im.captions)))
