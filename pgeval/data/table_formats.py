"""GQA's question dictionary and MMVP's question table."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pgeval.data.base import SOURCES, Example, field_of
from pgeval.data.files import FileSource
from pgeval.errors import InputError
from pgeval.io import read_text


@SOURCES.register("gqa")
class GqaSource(FileSource):
    """GQA / xGQA questions: {question_id: {imageId, question, answer, ...}}."""

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        data = self.read(root, split)
        if not isinstance(data, dict):
            raise InputError("expected an object of question id -> question", path=str(path))
        return [
            Example(
                id=str(qid),
                references=(field_of(q, "answer", path, i),),
                images=self.images_for(split, q, where={"path": str(path), "index": i}),
                fields={"question": field_of(q, "question", path, i)},
            )
            for i, (qid, q) in enumerate(data.items())
        ]


@SOURCES.register("mmvp")
class MmvpSource(FileSource):
    """MMVP's Questions.csv (Index, Question, Options, Correct Answer); rows 1-2, 3-4, ... are
    the pairs of paired accuracy. Images are named by Index."""

    COLUMNS = ("Index", "Question", "Options", "Correct Answer")

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        path = self.file(root, split, "annotations")
        reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
        missing = [c for c in self.COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"missing column(s) {missing}", path=str(path), line=1)
        examples = []
        for lineno, row in enumerate(reader, start=2):
            try:
                index = int(row["Index"])
            except ValueError:
                raise InputError(f"Index must be an integer, got {row['Index']!r}",
                                 path=str(path), line=lineno) from None
            examples.append(
                Example(
                    id=str(index),
                    references=(row["Correct Answer"],),
                    images=self.images_for(split, row, where={"path": str(path), "line": lineno}),
                    fields={"question": row["Question"], "options": row["Options"],
                            "pair": str((index - 1) // 2)},
                )
            )
        return examples
