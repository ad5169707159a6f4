"""Small JPEG thumbnails of an example's media for the report, each written once however many
examples show it: an image (each image of a pair), a few frames of a video clip, the image with
the reference mask drawn on it (segmentation) or the reference words' polygons (text spotting).

A thumbnail fits in SIZE x SIZE pixels at JPEG quality QUALITY: a few KB. JPEG files are decoded
at a reduced scale (PIL's draft mode), so a large split's thumbnails take milliseconds each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from pgeval.data import Example
from pgeval.tasks import TaskSpec

# (spec, clip path, example, size) -> the clip's frames the model sees, as uint8 images
Frames = Callable[[TaskSpec, Path, Example, int], list[np.ndarray]]
SIZE = 160
QUALITY = 70
FRAMES = 4  # of a video clip's sampled frames, shown evenly spaced
MASK_COLOR = (0, 200, 80)
WORD_COLOR = (0, 160, 255)


def _open(path: Path) -> Image.Image:
    """The image, a JPEG decoded at the smallest scale that still covers the thumbnail."""
    image = Image.open(path)
    scale = min(1.0, SIZE / max(image.size))
    image.draft("RGB", (round(image.size[0] * scale), round(image.size[1] * scale)))
    return image.convert("RGB")


def _save(image: Image.Image, path: Path) -> None:
    image.thumbnail((SIZE, SIZE), Image.Resampling.BILINEAR)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=QUALITY)


def _with_mask(image: Image.Image, target: object) -> Image.Image:
    mask = Image.fromarray(target.mask().astype(np.uint8) * 255).resize(image.size)
    tint = Image.new("RGB", image.size, MASK_COLOR)
    return Image.composite(Image.blend(image, tint, 0.55), image, mask)


def _with_words(image: Image.Image, target: object) -> Image.Image:
    width, height = target.size or image.size
    sx, sy = image.size[0] / width, image.size[1] / height
    draw = ImageDraw.Draw(image)
    for word in target.words:
        points = [(x * sx, y * sy) for x, y in word.polygon]
        if len(points) >= 2:
            draw.line([*points, points[0]], fill=(128, 128, 128) if word.ignore else WORD_COLOR, width=1)
    return image


class Thumbnails:
    """Writes thumbnails under `out/thumbs/<task>/`, and names each by what it shows so that
    one image's thumbnail is written once."""

    def __init__(self, out: Path, task: str, root: Path, spec: TaskSpec,
                 frames: Frames | None = None) -> None:
        self.out, self.task, self.root, self.spec, self.frames = out, task, root, spec, frames
        self.written: dict[str, str] = {}
        self.bytes = 0

    def _name(self, key: str) -> tuple[str, Path]:
        digest = hashlib.sha1(key.encode()).hexdigest()[:16]
        rel = f"thumbs/{self.task}/{digest[:2]}/{digest}.jpg"
        return rel, self.out / rel

    def _write(self, key: str, make: object) -> str | None:
        if key in self.written:
            return self.written[key]
        rel, path = self._name(key)
        try:
            images = make()
        except Exception:  # an unreadable image: the row shows no thumbnail, the link stays
            return None
        _save(images, path)
        self.bytes += path.stat().st_size
        self.written[key] = rel
        return rel

    def _video_frames(self, path: Path, example: Example) -> list[Image.Image]:
        """FRAMES of the clip's sampled frames, evenly spaced."""
        frames = self.frames(self.spec, path, example, SIZE) if self.frames else []
        picks = np.linspace(0, len(frames) - 1, min(FRAMES, len(frames))).round().astype(int)
        return [Image.fromarray(frames[i]) for i in picks] if frames else []

    def of(self, example: Example) -> list[str]:
        """The thumbnails of one example (relative to the report folder), in the order shown."""
        out: list[str] = []
        target = example.target
        for image in example.images:
            path = self.root / image
            if self.spec.video is not None:
                key = f"{path}|{example.segment}"
                if key not in self.written:
                    try:
                        frames = self._video_frames(path, example)
                    except Exception:  # an unreadable clip: no thumbnails, the link stays
                        continue
                    for k, frame in enumerate(frames):
                        self._write(f"{key}|{k}", lambda f=frame: f)
                    self.written[key] = ""
                out += [self.written[f"{key}|{k}"] for k in range(FRAMES) if f"{key}|{k}" in self.written]
            elif hasattr(target, "mask"):
                rel = self._write(f"{path}|mask|{example.id}", lambda p=path: _with_mask(_open(p), target))
                out += [rel] if rel else []
            elif hasattr(target, "words"):
                rel = self._write(f"{path}|words", lambda p=path: _with_words(_open(p), target))
                out += [rel] if rel else []
            else:
                rel = self._write(str(path), lambda p=path: _open(p))
                out += [rel] if rel else []
        return out
