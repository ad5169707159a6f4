"""POPE (yes/no object probing) and TallyQA (counting) formats."""

from __future__ import annotations

from pathlib import Path

from pgeval.data.base import SOURCES, Example, field_of
from pgeval.data.files import FileSource
from pgeval.errors import InputError
from pgeval.io import read_jsonl


@SOURCES.register("pope")
class PopeSource(FileSource):
    """POPE: `random`, `popular` and `adversarial` JSON Lines of {question_id, image, text, label}.

    Question ids restart in each file, so an example's id is `<subset>-<question_id>`; the subset
    is its slice.
    """

    file_keys = ("random", "popular", "adversarial")

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        examples = []
        for subset in self.file_keys:
            path = self.file(root, split, subset)
            for lineno, r in read_jsonl(path):
                label = field_of(r, "label", path, line=lineno)
                if label not in ("yes", "no"):
                    raise InputError(f"label must be 'yes' or 'no', got {label!r}",
                                     path=str(path), line=lineno)
                examples.append(
                    Example(
                        id=f"{subset}-{field_of(r, 'question_id', path, line=lineno)}",
                        references=(label,),
                        images=self.images_for(split, r, where={"path": str(path), "line": lineno}),
                        fields={"question": field_of(r, "text", path, line=lineno)},
                        slice=subset,
                    )
                )
        return examples


@SOURCES.register("tallyqa")
class TallyQaSource(FileSource):
    """TallyQA: a list of {question_id, image, question, answer (int), issimple}."""

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        examples = []
        for i, r in enumerate(self.read(root, split)):
            answer = field_of(r, "answer", path, i)
            if isinstance(answer, bool) or not isinstance(answer, int):
                raise InputError(f"answer must be an integer, got {answer!r}", path=str(path),
                                 index=i)
            examples.append(
                Example(
                    id=str(field_of(r, "question_id", path, i)),
                    references=(str(answer),),
                    images=self.images_for(split, r, where={"path": str(path), "index": i}),
                    fields={"question": field_of(r, "question", path, i)},
                    slice="simple" if field_of(r, "issimple", path, i) else "complex",
                )
            )
        return examples
