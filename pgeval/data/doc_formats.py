"""Document and chart QA formats: DocVQA / InfographicVQA / ST-VQA, and ChartQA."""

from __future__ import annotations

from pathlib import Path

from pgeval.data.base import SOURCES, Example, field_of
from pgeval.data.files import FileSource
from pgeval.data.vqa_formats import DataListSource
from pgeval.errors import InputError


@SOURCES.register("docvqa")
class DocVqaSource(DataListSource):
    """DocVQA and InfographicVQA (`questionId`), ST-VQA (`id_key = "question_id"` in its spec)."""

    default_id_key = "questionId"


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
