"""The generic pgeval JSON Lines format, for benchmarks without an official reader here.

Each line: {"id": str|int, "references": [str, ...], "image": "path" or "images": ["path", ...]
(the model sees them in order; for a video task each is a video file or frames folder),
"segment": [start, end] (optional, seconds within the video), "slice": str (optional), and any
other string fields (question, lang, choices, ...) that the task's prompt template uses}.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pgeval.data.base import SOURCES, Example, SubmissionFormat, field_of, segment_bounds
from pgeval.data.files import FileSource
from pgeval.errors import InputError
from pgeval.io import read_jsonl

RESERVED = ("id", "references", "image", "images", "segment", "slice")


@SOURCES.register("jsonl")
class JsonlSource(FileSource):
    """Reads `[data.splits.<split>] annotations = "<file>.jsonl"` in the generic format."""

    submission = SubmissionFormat("id", "prediction")

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        path = self.file(root, split, "annotations")
        examples = []
        for lineno, r in read_jsonl(path, objects=True):
            example_id = field_of(r, "id", path, line=lineno)
            refs = field_of(r, "references", path, line=lineno)
            if isinstance(refs, str):
                refs = [refs]
            if not refs or not all(isinstance(x, str) for x in refs):
                raise InputError("references must be a string or a non-empty list of strings",
                                 path=str(path), line=lineno, example_id=str(example_id))
            fields = {k: v for k, v in r.items() if k not in RESERVED}
            bad = [k for k, v in fields.items() if not isinstance(v, str)]
            if bad:
                raise InputError(f"fields {bad} must be strings", path=str(path), line=lineno,
                                 example_id=str(example_id))
            where = dict(path=str(path), line=lineno, example_id=str(example_id))
            examples.append(
                Example(
                    id=str(example_id),
                    references=tuple(refs),
                    images=image_list(r, where),
                    fields=fields,
                    slice=r.get("slice"),
                    segment=_segment(r.get("segment"), path, line=lineno, example_id=str(example_id)),
                )
            )
        return examples


def image_list(record: dict[str, Any], where: dict[str, Any]) -> tuple[str, ...]:
    """A line's `image` (one path) or `images` (a list of paths), as a tuple."""
    if "image" in record and "images" in record:
        raise InputError("give either image or images, not both", **where)
    images = record.get("images", [record["image"]] if "image" in record else [])
    if not isinstance(images, list) or not all(isinstance(x, str) and x for x in images) or (
            "images" in record and not images):
        raise InputError("image must be a path, images a non-empty list of paths", **where)
    return tuple(images)


def _segment(value: Any, path: Path, **where: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    start, end = segment_bounds(value, path, **where)
    if not 0 <= start < end:
        raise InputError(f"a segment needs 0 <= start < end in seconds, got {value!r}", path=str(path),
                         **where)
    return start, end
