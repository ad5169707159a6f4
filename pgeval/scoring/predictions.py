"""Prediction files: a benchmark's official submission JSON or pgeval JSONL, checked strictly.

Official formats are JSON lists, e.g. VQA `[{"question_id", "answer"}]`, DocVQA
`[{"questionId", "answer"}]`, COCO `[{"image_id", "caption"}]`; pgeval JSONL has one
`{"id", "prediction"}` object per line. Every problem (malformed JSON, a missing key, a
non-string answer, a duplicate, missing or unknown id) is an InputError naming the file, the
line or entry, and the id.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgeval.data.base import Example, SubmissionFormat
from pgeval.errors import InputError
from pgeval.io import check_file, read_json, read_jsonl, read_text

PGEVAL_FORMAT = SubmissionFormat("id", "prediction")


@dataclass(frozen=True)
class Located:
    """A prediction and where it was read (a line of a JSONL file or an entry of a JSON list)."""

    text: str
    line: int | None = None
    index: int | None = None


def _entries(path: Path) -> list[tuple[dict[str, int], Any]]:
    """(where, record) pairs: the entries of a JSON list, or the lines of a JSONL file."""
    if read_text(path).lstrip().startswith("["):
        return [({"index": i}, r) for i, r in enumerate(read_json(path))]
    try:
        return [({"line": n}, r) for n, r in read_jsonl(path)]
    except InputError as e:
        whole = _whole_json(path) if e.line is not None else None
        if isinstance(whole, dict):
            raise InputError("the file is a JSON object; predictions are a JSON list of objects, "
                             "or one JSON object per line (JSONL)", path=str(path),
                             hint=f"the object's keys: {sorted(whole)[:5]}") from None
        raise


def _whole_json(path: Path) -> Any:
    """The file parsed as one JSON document, or None when it is not one."""
    try:
        return read_json(path)
    except InputError:
        return None


def read_predictions(path: str | Path, official: SubmissionFormat | None) -> dict[str, Located]:
    """Read a predictions file into {id: Located}; ids are compared as strings."""
    path = Path(path)
    check_file(path, "predictions file")
    formats = [f for f in (official, PGEVAL_FORMAT) if f is not None]
    out: dict[str, Located] = {}
    for where, record in _entries(path):
        if not isinstance(record, dict):
            raise InputError("each prediction must be a JSON object", path=str(path), **where)
        fmt = next((f for f in formats if f.id_key in record), None)
        if fmt is None:
            wanted = " or ".join(repr(f.id_key) for f in formats)
            raise InputError(f"prediction has no id key ({wanted})", path=str(path), **where)
        raw_id = record[fmt.id_key]
        if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
            raise InputError(f"id must be a string or an integer, got {raw_id!r}",
                             path=str(path), **where)
        example_id = str(raw_id)
        if fmt.text_key not in record:
            raise InputError(f"prediction has no {fmt.text_key!r} key", path=str(path),
                             example_id=example_id, **where)
        text = record[fmt.text_key]
        if not isinstance(text, str):
            raise InputError(f"{fmt.text_key!r} must be a string, got {json.dumps(text)}",
                             path=str(path), example_id=example_id, **where)
        if example_id in out:
            first = out[example_id]
            first_at = f"line {first.line}" if first.line is not None else f"entry {first.index}"
            raise InputError(f"duplicate id (first seen at {first_at})", path=str(path),
                             example_id=example_id, **where)
        out[example_id] = Located(text, **where)
    return out


def align_predictions(
    predictions: dict[str, Located], examples: Sequence[Example], path: str | Path
) -> list[str]:
    """The prediction text of every example, in example order; missing or unknown ids are errors."""
    known = {e.id for e in examples}
    extra = [i for i in predictions if i not in known]
    if extra:
        first = predictions[extra[0]]
        raise InputError(
            f"{len(extra)} prediction id(s) are not in the data, e.g. {extra[:5]}",
            path=str(path), line=first.line, index=first.index, example_id=extra[0],
            hint="check --task and --split; ids must match the annotation file",
        )
    missing = [e.id for e in examples if e.id not in predictions]
    if missing:
        raise InputError(
            f"{len(missing)} of {len(examples)} examples have no prediction, e.g. {missing[:5]}",
            path=str(path), example_id=missing[0],
            hint="every example of the split needs exactly one prediction",
        )
    return [predictions[e.id].text for e in examples]
