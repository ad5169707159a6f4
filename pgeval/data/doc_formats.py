"""Document and chart QA formats: DocVQA / InfographicVQA / ST-VQA, and ChartQA."""

from __future__ import annotations

import dataclasses
from itertools import permutations
from pathlib import Path
from typing import Any

from pgeval.data.base import SOURCES, Example, field_of
from pgeval.data.files import FileSource
from pgeval.data.vqa_formats import DataListSource
from pgeval.errors import InputError


def span_orders(answers: tuple[str, ...]) -> tuple[str, ...]:
    """The answers with every ordering of each multi-span answer ("a, b" also gives "b, a"), the
    given order first and no string twice. Items are separated by ", ", as InfographicVQA writes
    them."""
    out: dict[str, None] = {}
    for answer in answers:
        if ", " in answer:
            out.update((", ".join(p), None) for p in permutations(answer.split(", ")))
        else:
            out[answer] = None
    return tuple(out)


@SOURCES.register("docvqa")
class DocVqaSource(DataListSource):
    """DocVQA and InfographicVQA (`questionId`), ST-VQA (`id_key = "question_id"` in its spec).

    `any_span_order = true` (InfographicVQA): the task's rules say the order of the items of a
    multi-span answer does not matter, so every ordering is a reference, as big_vision's
    InfographicVQA val split has them (the PaliGemma 2 card's val numbers were computed on it).
    """

    default_id_key = "questionId"

    def __init__(self, any_span_order: bool = False, **args: Any) -> None:
        super().__init__(**args)
        if not isinstance(any_span_order, bool):
            raise InputError(f"any_span_order must be true or false, got {any_span_order!r}")
        self.any_span_order = any_span_order

    def load(self, root: Path, split: str) -> list[Example]:
        return self.finish(super().load(root, split), split, str(self.file(root, split, "annotations")))

    def finish(self, examples: list[Example], split: str, where: str) -> list[Example]:
        """Every order of each multi-span answer, when the task's rules allow any order."""
        if not self.any_span_order:
            return examples
        return [dataclasses.replace(e, references=span_orders(e.references)) for e in examples]


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
                        images=self.images_for(split, r, where={"path": str(path), "index": i}),
                        fields={"question": field_of(r, "query", path, i)},
                        slice=subset,
                    )
                )
        return examples
