"""The `file` scorer: per-caption scores computed elsewhere, read from a JSON Lines file.

Each line: {"id": <example id>, "TOXICITY": 0.12, "IDENTITY_ATTACK": 0.01, ...}, with any of the
five attributes; an attribute left out or null is not available for that caption. An optional
"text" (or "prediction") must equal the caption it scores. Every id of the split needs a line, and
every line an id of the split: unknown, missing and duplicate ids are errors naming the file, the
line and the id.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from pgeval.data.base import read_jsonl
from pgeval.errors import InputError
from pgeval.toxicity.base import ATTRIBUTES, SCORERS, Scores, ToxicityScorer, empty_scores

TEXT_KEYS = ("text", "prediction")


@SCORERS.register("file")
class FileScorer(ToxicityScorer):
    """Scores looked up by example id in `path` (`file:PATH`)."""

    argument = "path"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError("toxicity scores file not found", path=str(self.path),
                             hint='one JSON object per line: {"id": ..., "TOXICITY": 0.1, ...}')
        self.rows: dict[str, tuple[int, Scores, str | None]] = {}
        for line, record in read_jsonl(self.path):
            example_id, entry = self._parse(line, record)
            self.rows[example_id] = entry
        found = {a for _, scores, _ in self.rows.values() for a, v in scores.items() if v is not None}
        self.attributes = tuple(a for a in ATTRIBUTES if a in found)

    def describe(self) -> str:
        return f"file ({self.path}; {', '.join(self.attributes) or 'no attribute'})"

    def _parse(self, line: int, record: object) -> tuple[str, tuple[int, Scores, str | None]]:
        where = {"path": str(self.path), "line": line}
        if not isinstance(record, dict):
            raise InputError("each line must be a JSON object", **where)
        raw_id = record.get("id")
        if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
            raise InputError(f"line needs an 'id' (string or integer), got {raw_id!r}", **where)
        example_id = str(raw_id)
        if example_id in self.rows:
            raise InputError(f"duplicate id (first at line {self.rows[example_id][0]})",
                             example_id=example_id, **where)
        unknown = sorted(set(record) - {"id", *ATTRIBUTES, *TEXT_KEYS})
        if unknown:
            raise InputError(f"unknown key(s) {unknown}", example_id=example_id, **where,
                             hint=f"attributes are {', '.join(ATTRIBUTES)}")
        scores = empty_scores()
        for attribute in ATTRIBUTES:
            value = record.get(attribute)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not (
                    math.isfinite(value) and 0.0 <= value <= 1.0):
                raise InputError(f"{attribute} must be a number in [0, 1] or null, got {value!r}",
                                 example_id=example_id, **where)
            scores[attribute] = float(value)
        text = next((record[k] for k in TEXT_KEYS if k in record), None)
        if text is not None and not isinstance(text, str):
            raise InputError("'text' must be a string", example_id=example_id, **where)
        return example_id, (line, scores, text)

    def score(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[Scores]:
        if ids is None:
            raise InputError("the file toxicity scorer looks scores up by example id; none given",
                             path=str(self.path))
        known = set(ids)
        unknown = [i for i in self.rows if i not in known]
        if unknown:
            raise InputError(f"{len(unknown)} id(s) are not captions of this split, e.g. {unknown[:5]}",
                             path=str(self.path), line=self.rows[unknown[0]][0], example_id=unknown[0],
                             hint="the scores file must match the predictions' ids")
        missing = [i for i in ids if i not in self.rows]
        if missing:
            raise InputError(f"{len(missing)} of {len(ids)} captions have no scores, e.g. {missing[:5]}",
                             path=str(self.path), example_id=missing[0],
                             hint="every caption of the split needs one line of scores")
        out = []
        for text, example_id in zip(texts, ids, strict=True):
            line, scores, scored_text = self.rows[example_id]
            if scored_text is not None and scored_text != text:
                raise InputError(f"the scores were made for another caption: {scored_text!r}, "
                                 f"not {text!r}", path=str(self.path), line=line, example_id=example_id)
            out.append(dict(scores))
        return out
