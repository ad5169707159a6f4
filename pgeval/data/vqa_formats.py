"""Official VQA-style annotation formats: VQAv2 / OK-VQA, TextVQA, VizWiz."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pgeval.data.base import SOURCES, Example, SubmissionFormat, field_of, list_field
from pgeval.data.files import FileSource
from pgeval.data.tfds_order import TFDS_KEYS, StoredSlice
from pgeval.errors import InputError


def answer_strings(record: dict[str, Any], path: Path, index: int,
                   example_id: str | None = None) -> tuple[str, ...]:
    """The human answers of a record, whether stored as strings or as {"answer": ...} dicts."""
    raw = field_of(record, "answers", path, index)
    listed = raw if isinstance(raw, list) else []
    answers = tuple(a.get("answer") if isinstance(a, dict) else a for a in listed)
    if not answers or not all(isinstance(a, str) for a in answers):
        raise InputError(f"answers must be a non-empty list of strings, got {raw!r:.60}",
                         path=str(path), index=index, example_id=example_id)
    return answers


def split_answers(source: FileSource, split: str, record: dict[str, Any], path: Path,
                  index: int) -> tuple[str, ...]:
    """The record's human answers, or none on a split without answers (a test split)."""
    return answer_strings(record, path, index) if source.answered(split) else ()


@SOURCES.register("vqa")
class VqaSource(FileSource):
    """VQAv2 and OK-VQA: a questions file and an annotations file joined on question_id.

    A split may also keep a TFDS slice of the questions (`tfds_order`, `tfds_slice`; see
    pgeval.data.tfds_order), keyed as TFDS builders of these files key them, by question_id:
    big_vision's VQAv2 minival is `tfds_order = "validation"`, `tfds_slice = "-10240:"`.
    """

    file_keys = ("questions", "annotations")
    answer_keys = ("annotations",)
    reads_unanswered = True
    optional_keys = ("images", *TFDS_KEYS)
    submission = SubmissionFormat("question_id", "answer", integer_ids=True)

    def __init__(self, **args: Any) -> None:
        super().__init__(**args)
        self.stored_slices = {name: StoredSlice.from_split_args(a, name)
                              for name, a in self.split_args.items()}

    def load(self, root: Path, split: str) -> list[Example]:
        return self.finish(self._joined(root, split), split, str(self.file(root, split, "questions")))

    def finish(self, examples: list[Example], split: str, where: str) -> list[Example]:
        """The split's stored TFDS slice of the questions, if it keeps one."""
        selection = self.stored_slices[split]
        return examples if selection is None else selection.select(examples, lambda e: e.id, where)

    def _joined(self, root: Path, split: str) -> list[Example]:
        """Every question of the split's files with its annotation, in file order."""
        questions_path = self.file(root, split, "questions")
        questions = self.read(root, split, "questions")
        answered = self.answered(split)
        by_id = {}
        if answered:
            annotations_path = self.file(root, split, "annotations")
            annotations = self.read(root, split, "annotations")
            for i, a in enumerate(list_field(field_of(annotations, "annotations", annotations_path),
                                             annotations_path, "'annotations'")):
                by_id[field_of(a, "question_id", annotations_path, i)] = (i, a)
        examples = []
        for i, q in enumerate(list_field(field_of(questions, "questions", questions_path),
                                         questions_path, "'questions'")):
            qid = field_of(q, "question_id", questions_path, i)
            if answered and qid not in by_id:
                raise InputError(
                    "question has no annotation", path=str(annotations_path), example_id=str(qid)
                )
            j, a = by_id.get(qid, (None, {}))
            examples.append(
                Example(
                    id=str(qid),
                    references=answer_strings(a, annotations_path, j, str(qid)) if answered else (),
                    images=self.images_for(split, q, where={"path": str(questions_path), "index": i}),
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
    reads_unanswered = True

    def __init__(self, id_key: str | None = None, **args: Any) -> None:
        super().__init__(**args)
        self.id_key = id_key or self.default_id_key
        self.submission = SubmissionFormat(self.id_key, "answer", integer_ids=True)

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        rows = field_of(self.read(root, split), "data", path, 0)
        return [
            Example(
                id=str(field_of(r, self.id_key, path, i)),
                references=split_answers(self, split, r, path, i),
                images=self.images_for(split, r, where={"path": str(path), "index": i}),
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
    reads_unanswered = True

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        return [
            Example(
                id=str(field_of(r, "image", path, i)),
                references=split_answers(self, split, r, path, i),
                images=self.images_for(split, r, where={"path": str(path), "index": i}),
                fields={"question": field_of(r, "question", path, i)},
                slice=r.get("answer_type"),
            )
            for i, r in enumerate(self.read(root, split))
        ]
