"""Entailment judges: for each sentence of a generated caption, is it entailed?

The PaliGemma 2 report had people judge each sentence against the image (arXiv 2412.03555,
Appendix B.5); a judge here sees the caption's sentences (pgeval.metrics.docci.split_sentences)
and the reference description, and says, for each sentence, entailed (True) or not (False).
Judges are registered by name in `ENTAILMENT_JUDGES`.

The `file` judge reads judgments made elsewhere (by people, or by a model pgeval does not run),
one JSON object per caption per line:

    {"id": "qual_dev_00003", "entailed": [true, true, false, true],
     "sentences": ["A brown horse ...", ...], "text": "<the whole caption>"}

`entailed` has one boolean per sentence of pgeval's split of the caption, in order. `sentences`
(optional) are the sentences that were judged: when given, they must be pgeval's, so that no
judgment is counted against the wrong sentence. `text` (or `prediction`, optional) must be the
caption. Every caption of the split needs a line, and every line a caption of the split.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgeval.errors import InputError
from pgeval.plugins import IdKeyedFile, Pluggable, ScorerError, make_plugin
from pgeval.registry import Registry


@dataclass(frozen=True)
class Caption:
    """One generated caption to judge: its example id, text, sentences and reference description."""

    id: str
    text: str
    sentences: tuple[str, ...]
    reference: str


class EntailmentJudge(Pluggable, ABC):
    """Says which sentences of each caption are entailed."""

    @abstractmethod
    def judge(self, captions: Sequence[Caption]) -> list[list[bool]]:
        """One list per caption (same order) with one bool per sentence: entailed or not."""


ENTAILMENT_JUDGES: Registry[type[EntailmentJudge]] = Registry("entailment judge",
                                                              "pgeval.entailment_judges")


def make_judge(choice: str | EntailmentJudge,
               options: Mapping[str, Mapping[str, Any]] | None = None) -> EntailmentJudge:
    """A judge from a choice: an instance (returned as is), `name` or `name:VALUE`."""
    return make_plugin(ENTAILMENT_JUDGES, EntailmentJudge, choice, options)


def check_judgments(judgments: Sequence[Sequence[object]], captions: Sequence[Caption],
                    judge: EntailmentJudge) -> list[list[bool]]:
    """A judge's output, checked: one list per caption, one bool per sentence."""
    if len(judgments) != len(captions):
        raise ScorerError(f"{judge.describe()} returned {len(judgments)} results for "
                          f"{len(captions)} captions")
    for caption, row in zip(captions, judgments, strict=True):
        if len(row) != len(caption.sentences) or not all(isinstance(v, bool) for v in row):
            raise ScorerError(f"{judge.describe()} gave {list(row)!r} for the "
                              f"{len(caption.sentences)} sentences of caption {caption.id!r}; "
                              "expected one true or false per sentence")
    return [list(row) for row in judgments]


JudgedLine = tuple[list[bool], list[str] | None]


def _judged_line(record: Mapping[str, Any], where: dict[str, Any]) -> JudgedLine:
    entailed = record.get("entailed")
    if not isinstance(entailed, list) or not all(isinstance(v, bool) for v in entailed):
        raise InputError(f"'entailed' must be a list of true/false, one per sentence, got {entailed!r}",
                         **where)
    sentences = record.get("sentences")
    if sentences is not None and (not isinstance(sentences, list)
                                  or not all(isinstance(s, str) for s in sentences)):
        raise InputError("'sentences' must be a list of strings", **where)
    if sentences is not None and len(sentences) != len(entailed):
        raise InputError(f"{len(entailed)} judgments for {len(sentences)} sentences", **where)
    return entailed, sentences


@ENTAILMENT_JUDGES.register("file")
class FileJudge(EntailmentJudge):
    """Judgments looked up by example id in `path` (`file:PATH`)."""

    argument = "path"

    def __init__(self, path: str | Path) -> None:
        self.file = IdKeyedFile(
            path, kind="entailment judgments", what="judgments", item="caption",
            keys=("entailed", "sentences"), parse=_judged_line,
            keys_hint='keys are "id", "entailed", "sentences", "text"',
            line_hint='one JSON object per caption: {"id": ..., "entailed": [true, false, ...]}')

    def describe(self) -> str:
        return f"file ({self.file.path})"

    def judge(self, captions: Sequence[Caption]) -> list[list[bool]]:
        rows = self.file.lookup([c.text for c in captions], [c.id for c in captions])
        for caption, (entailed, sentences) in zip(captions, rows, strict=True):
            where = {"path": str(self.file.path), "line": self.file.rows[caption.id].line,
                     "example_id": caption.id}
            if sentences is not None and tuple(sentences) != caption.sentences:
                i = next((k for k, (a, b) in enumerate(zip(sentences, caption.sentences, strict=False))
                          if a != b),
                         min(len(sentences), len(caption.sentences)))
                theirs = sentences[i] if i < len(sentences) else None
                ours = caption.sentences[i] if i < len(caption.sentences) else None
                raise InputError(f"the judged sentences are not pgeval's: sentence {i} is {theirs!r} "
                                 f"in the file, {ours!r} in pgeval's split", **where,
                                 hint="judge the sentences of pgeval.metrics.docci.split_sentences")
            if len(entailed) != len(caption.sentences):
                raise InputError(f"{len(entailed)} judgments for the {len(caption.sentences)} sentences "
                                 f"pgeval finds in the caption: {list(caption.sentences)!r}", **where,
                                 hint="judge the sentences of pgeval.metrics.docci.split_sentences")
        return [list(entailed) for entailed, _ in rows]
