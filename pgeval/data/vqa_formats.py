"""Official VQA-style annotation formats: VQAv2 / OK-VQA, TextVQA, VizWiz."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pgeval.data.base import SOURCES, Example, SubmissionFormat, field_of
from pgeval.data.files import FileSource
from pgeval.errors import InputError


def answer_strings(record: dict[str, Any], path: Path, index: int) -> tuple[str, ...]:
    """The human answers of a record, whether stored as strings or as {"answer": ...} dicts."""
    raw = field_of(record, "answers", path, index)
    answers = tuple(a["answer"] if isinstance(a, dict) else a for a in raw)
    if not answers or not all(isinstance(a, str) for a in answers):
        raise InputError("answers must be a non-empty list of strings", path=str(path), index=index)
    return answers


@SOURCES.register("vqa")
class VqaSource(FileSource):
    """VQAv2 and OK-VQA: a questions file and an annotations file joined on question_id."""

    file_keys = ("questions", "annotations")
    submission = SubmissionFormat("question_id", "answer")

    def load(self, root: Path, split: str) -> list[Example]:
        questions_path = self.file(root, split, "questions")
        annotations_path = self.file(root, split, "annotations")
        questions = self.read(root, split, "questions")
        annotations = self.read(root, split, "annotations")
        by_id = {}
        for i, a in enumerate(field_of(annotations, "annotations", annotations_path, 0)):
            by_id[field_of(a, "question_id", annotations_path, i)] = (i, a)
        examples = []
        for i, q in enumerate(field_of(questions, "questions", questions_path, 0)):
            qid = field_of(q, "question_id", questions_path, i)
            if qid not in by_id:
                raise InputError(
                    "question has no annotation", path=str(annotations_path), example_id=str(qid)
                )
            j, a = by_id[qid]
            examples.append(
                Example(
                    id=str(qid),
                    references=answer_strings(a, annotations_path, j),
                    images=self.images_for(split, q),
                    fields={"question": field_of(q, "question", questions_path, i)},
                    slice=a.get("answer_type"),
                )
            )
        return examples


@SOURCES.register("textvqa")
class DataListSource(FileSource):
    """{"data": [{<id_key>, question, answers, ...}]}: TextVQA, and DocVQA / InfographicVQA /
    ST-VQA (pgeval.data.doc_formats). The official submission format uses the same id key."""

    default_id_key = "question_id"

    def __init__(self, id_key: str | None = None, **args: Any) -> None:
        super().__init__(**args)
        self.id_key = id_key or self.default_id_key
        self.submission = SubmissionFormat(self.id_key, "answer")

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        rows = field_of(self.read(root, split), "data", path, 0)
        return [
            Example(
                id=str(field_of(r, self.id_key, path, i)),
                references=answer_strings(r, path, i),
                images=self.images_for(split, r),
                fields={"question": field_of(r, "question", path, i)},
            )
            for i, r in enumerate(rows)
        ]


@SOURCES.register("vizwiz")
class VizWizSource(FileSource):
    """VizWiz VQA: a list of {image, question, answers: [{answer, answer_confidence}], answer_type}.

    VizWiz has no question ids; the image file name is the id, as in its submission format.
    """

    submission = SubmissionFormat("image", "answer")

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        return [
            Example(
                id=str(field_of(r, "image", path, i)),
                references=answer_strings(r, path, i),
                images=self.images_for(split, r),
                fields={"question": field_of(r, "question", path, i)},
                slice=r.get("answer_type"),
            )
            for i, r in enumerate(self.read(root, split))
        ]
