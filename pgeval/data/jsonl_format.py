"""The generic pgeval JSON Lines format, for benchmarks without an official reader here.

Each line: {"id": str|int, "references": [str, ...], "image": "path" (optional),
"slice": str (optional), and any other string fields (question, lang, choices, ...) that the
task's prompt template uses}.
"""

from __future__ import annotations

from pathlib import Path

from pgeval.data.base import SOURCES, Example, SubmissionFormat, field_of, read_jsonl
from pgeval.data.files import FileSource
from pgeval.errors import InputError

RESERVED = ("id", "references", "image", "slice")


@SOURCES.register("jsonl")
class JsonlSource(FileSource):
    """Reads `[data.splits.<split>] annotations = "<file>.jsonl"` in the generic format."""

    submission = SubmissionFormat("id", "prediction")

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        path = self.file(root, split, "annotations")
        examples = []
        for lineno, r in read_jsonl(path):
            if not isinstance(r, dict):
                raise InputError("each line must be a JSON object", path=str(path), line=lineno)
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
            examples.append(
                Example(
                    id=str(example_id),
                    references=tuple(refs),
                    image=r.get("image"),
                    fields=fields,
                    slice=r.get("slice"),
                )
            )
        return examples
