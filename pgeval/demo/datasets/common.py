"""What every demo task module shares: the per-picture random streams, the file writers, and
`DemoTask`, the record that wires one task's generators, writer and training stream together."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import count, islice
from pathlib import Path
from typing import Any

from PIL import Image

from pgeval.demo.scenes import Cell, Form
from pgeval.tasks import get_task

# Bump when any generator's output changes: write_demo_data rewrites data of another version.
GENERATOR_VERSION = 2
MARKER = ".pgeval-demo.json"
JPEG_QUALITY = 95


def stream_rng(task: str, stream: str, seed: int, index: int) -> random.Random:
    """The generator of one image: string seeds are hashed with SHA-512, the same everywhere."""
    return random.Random(f"pgeval-demo/{task}/{stream}/{seed}/{index}")


def jpeg_roundtrip(image: Image.Image) -> Image.Image:
    """The picture as the written JPEG file decodes (training sees what evaluation sees)."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("RGB")


# --- streams of examples ------------------------------------------------------------------------


def flat(make: Callable[[str, int, int], list[Any]], stream: str, seed: int) -> Iterator[Any]:
    """The items of pictures 0, 1, 2, ... of `stream`, one after another, forever."""
    for index in count():
        yield from make(stream, seed, index)


def take(items: Iterator[Any], n: int) -> list[Any]:
    """The first n items."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return list(islice(items, n))


def first_per_image(items: Sequence[Any], key: Callable[[Any], Any] = lambda x: x.image_id) -> list[Any]:
    """The first item of each picture (as `key` names it), in order: one per image file."""
    seen: dict[Any, Any] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


# --- files --------------------------------------------------------------------------------------


def file_info(name: str) -> dict[str, str]:
    """The `info` block of a written annotation file."""
    return {"description": f"pgeval demo: synthetic {name} data, not the real benchmark",
            "version": str(GENERATOR_VERSION)}


def dump_json(path: Path, obj: object) -> None:
    """Write obj as one line of JSON, making the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj) + "\n", encoding="utf-8")


def save_image(image: Image.Image, path: Path) -> None:
    """Write a picture as JPEG (`.jpg`) or PNG, making the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jpg":
        image.save(path, format="JPEG", quality=JPEG_QUALITY)
    else:
        image.save(path, format="PNG")


# --- one task's wiring --------------------------------------------------------------------------


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


def drawn(item: Any) -> Image.Image:
    """An item's picture as drawn (PNG tasks: the file holds exactly these pixels)."""
    return item.image()


def drawn_jpeg(item: Any) -> Image.Image:
    """An item's picture as its JPEG file decodes."""
    return jpeg_roundtrip(item.image())


def question_fields(text: str) -> dict[str, str]:
    """The prompt fields of a task whose prompt asks one question."""
    return {"question": text}
