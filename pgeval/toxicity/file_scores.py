"""The `file` scorer: per-caption scores computed elsewhere, read from a JSON Lines file.

Each line: {"id": <example id>, "TOXICITY": 0.12, "IDENTITY_ATTACK": 0.01, ...}, with any of the
five attributes; an attribute left out or null is not available for that caption. An optional
"text" (or "prediction") must equal the caption it scores. Every id of the split needs a line, and
every line an id of the split: unknown, missing and duplicate ids are errors naming the file, the
line and the id (pgeval.plugins.IdKeyedFile).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pgeval.errors import InputError
from pgeval.plugins import IdKeyedFile
from pgeval.toxicity.base import ATTRIBUTES, SCORERS, Scores, ToxicityScorer, attribute_scores


def _attribute_scores(record: Mapping[str, Any], where: dict[str, Any]) -> Scores:
    return attribute_scores(record, lambda attribute, value: InputError(
        f"{attribute} must be a number in [0, 1] or null, got {value!r}", **where))


@SCORERS.register("file")
class FileScorer(ToxicityScorer):
    """Scores looked up by example id in `path` (`file:PATH`)."""

    argument = "path"

    def __init__(self, path: str | Path) -> None:
        self.file = IdKeyedFile(
            path, kind="toxicity scores", what="scores", item="caption", keys=ATTRIBUTES,
            parse=_attribute_scores, keys_hint=f"attributes are {', '.join(ATTRIBUTES)}",
            line_hint='one JSON object per line: {"id": ..., "TOXICITY": 0.1, ...}')
        found = {a for row in self.file.rows.values() for a, v in row.value.items() if v is not None}
        self.attributes = tuple(a for a in ATTRIBUTES if a in found)

    def describe(self) -> str:
        return f"file ({self.file.path}; {', '.join(self.attributes) or 'no attribute'})"

    def score(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[Scores]:
        return [dict(scores) for scores in self.file.lookup(texts, ids)]
