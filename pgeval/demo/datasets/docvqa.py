"""The DocVQA demo: 448 x 448 PNG ledger forms with six "Key:" fields at fixed places among other
numbers, every number printed one 3 x 5 px figure per 28 px cell (crisp at 448 px, half-pixel
strokes at 224); two questions per form, answered by a field's value (3 or 4 digits), in the
official val_v1.0.json layout."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from pgeval.demo.datasets.common import (
    DemoTask,
    drawn,
    dump_json,
    first_per_image,
    flat,
    question_fields,
    save_image,
    stream_rng,
    take,
)
from pgeval.demo.scenes import Form, draw_form, field_cell, random_form

DOC_TITLES = ("INVOICE", "RECEIPT", "ORDER FORM", "STATEMENT", "DELIVERY NOTE")
# The form's fields in their fixed order (field i at scenes.field_cell(i)) and the question for each.
DOC_FIELDS: dict[str, str] = {
    "Invoice": "What is the invoice number?",
    "Order": "What is the order number?",
    "Total": "What is the total?",
    "Account": "What is the account number?",
    "Phone": "What is the phone extension?",
    "Code": "What is the postal code?",
}


def _form_number(rng: random.Random) -> str:
    """3 or 4 digits (as many of each length), no leading zero."""
    d = rng.randint(3, 4)
    return str(rng.randint(10 ** (d - 1), 10**d - 1))


@dataclass(frozen=True)
class DocQuestion:
    question_id: int
    doc_id: int
    key: str  # the field asked about
    question: str
    answers: tuple[str, ...]
    form: Form

    @property
    def file_name(self) -> str:
        return f"demo{self.doc_id:05d}_1.png"

    def image(self) -> Image.Image:
        return draw_form(self.form)


def _doc(stream: str, seed: int, index: int, questions: int | None = 2) -> list[DocQuestion]:
    """A form and questions about `questions` of its fields (None: every field, for training)."""
    rng = stream_rng("docvqa", stream, seed, index)
    fields = [(k, _form_number(rng)) for k in DOC_FIELDS]
    form = random_form(rng, rng.choice(DOC_TITLES), fields, _form_number)
    doc_id = index + 1
    keys = list(DOC_FIELDS)
    asked = rng.sample(keys, len(keys) if questions is None else questions)
    values = dict(fields)
    return [DocQuestion(question_id=doc_id * 10 + k, doc_id=doc_id, key=key,
                        question=DOC_FIELDS[key], answers=(values[key],), form=form)
            for k, key in enumerate(asked)]


def generate_docvqa(n: int, seed: int) -> list[DocQuestion]:
    """n questions, two per page."""
    return take(flat(_doc, "eval", seed), n)


def write_docvqa(data_dir: Path, n: int, seed: int) -> Path:
    root = Path(data_dir) / "docvqa"
    questions = generate_docvqa(n, seed)
    dump_json(root / "val" / "val_v1.0.json", {
        "dataset_name": "docvqa", "dataset_version": "1.0", "dataset_split": "val",
        "data": [{
            "questionId": q.question_id, "question": q.question, "question_types": ["form"],
            "image": f"documents/{q.file_name}", "docId": q.doc_id,
            "ucsf_document_id": f"demo{q.doc_id:05d}", "ucsf_document_page_no": "1",
            "answers": list(q.answers), "data_split": "val",
        } for q in questions]})
    for q in first_per_image(questions, key=lambda q: q.doc_id):
        save_image(q.image(), root / "val" / "documents" / q.file_name)
    return root


TASK = DemoTask("docvqa", generate_docvqa, write_docvqa,
                lambda seed, i: _doc("train", seed, i, questions=None), drawn,
                lambda d: (question_fields(d.question), d.answers[0]),
                lambda d: ([question_fields(d.question)], list(d.answers)),
                layout=lambda d: d.form, answer_cell=lambda d: field_cell(list(DOC_FIELDS).index(d.key)))
