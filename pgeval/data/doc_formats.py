"""Document and chart QA formats: DocVQA / InfographicVQA / ST-VQA, and ChartQA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pgeval.data.base import SOURCES, Example, SubmissionFormat, field_of
from pgeval.data.files import FileSource
from pgeval.data.vqa_formats import answer_strings
from pgeval.errors import InputError


@SOURCES.register("docvqa")
class DocVqaSource(FileSource):
    """{"data": [{<id_key>, question, answers, <image key>}]}: DocVQA, InfographicVQA, ST-VQA.

    `id_key` is `questionId` for DocVQA and InfographicVQA, `question_id` for ST-VQA; the
    official submission format uses the same key.
    """

    def __init__(self, id_key: str = "questionId", **args: Any) -> None:
        super().__init__(**args)
        self.id_key = id_key
        self.submission = SubmissionFormat(id_key, "answer")

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        rows = field_of(self.read(root, split), "data", path, 0)
        return [
            Example(
                id=str(field_of(r, self.id_key, path, i)),
                references=answer_strings(r, path, i),
                image=self.image_for(split, r),
                fields={"question": field_of(r, "question", path, i)},
            )
            for i, r in enumerate(rows)
        ]


@SOURCES.register("chartqa")
class ChartQaSource(FileSource):
    """ChartQA: `human` and `augmented` files, lists of {imgname, query, label}.

    ChartQA has no ids; an example's id is its subset and its index in that file
    (`human-0`, `augmented-17`), and the subset is its slice.
    """

    file_keys = ("human", "augmented")

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        examples = []
        for subset in self.file_keys:
            path = self.file(root, split, subset)
            for i, r in enumerate(self.read(root, split, subset)):
                label = field_of(r, "label", path, i)
                if not isinstance(label, str):
                    raise InputError("label must be a string", path=str(path), index=i)
                examples.append(
                    Example(
                        id=f"{subset}-{i}",
                        references=(label,),
                        image=self.image_for(split, r),
                        fields={"question": field_of(r, "query", path, i)},
                        slice=subset,
                    )
                )
        return examples
