"""The VQAv2 demo: shape scenes (1-4 circles / squares / triangles, red / blue / green / yellow, on
a white, gray or black background), 224 x 224 JPEG; three questions per image, one of each VQA
answer type, ten human answers each (8 to 10 of them right), in the official question and
annotation files."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from pgeval.demo.datasets.common import (
    DemoTask,
    drawn_jpeg,
    dump_json,
    file_info,
    first_per_image,
    flat,
    question_fields,
    save_image,
    stream_rng,
    take,
)
from pgeval.demo.scenes import BACKGROUNDS, COLORS, KINDS, Scene, draw_scene, random_scene


@dataclass(frozen=True)
class VqaQuestion:
    question_id: int
    image_id: int
    question: str
    question_type: str
    answer_type: str  # "yes/no", "number" or "other", VQA's answer types
    answer: str
    answers: tuple[str, ...]  # ten human answers
    scene: Scene

    @property
    def file_name(self) -> str:
        return f"COCO_val2014_{self.image_id:012d}.jpg"

    def image(self) -> Image.Image:
        return draw_scene(self.scene)


def _vqa_other(rng: random.Random, scene: Scene) -> tuple[str, str, str, list[str]]:
    kinds = Counter(s.kind for s in scene.shapes)
    colors = Counter(s.color for s in scene.shapes)
    options = [(f"What color is the {s.kind}?", "what color is the", s.color, list(COLORS))
               for s in scene.shapes if kinds[s.kind] == 1]
    options += [(f"What shape is the {s.color} object?", "what shape is the", s.kind, list(KINDS))
                for s in scene.shapes if colors[s.color] == 1]
    if not options or rng.random() < 0.1:
        return "What color is the background?", "what color is the", scene.background, list(BACKGROUNDS)
    return rng.choice(options)


def _vqa_number(rng: random.Random, scene: Scene) -> tuple[str, str, str, list[str]]:
    which = rng.choice(("all", "color", "kind"))
    shape = rng.choice(scene.shapes)  # mostly ask about a colour or kind that is there (0 is rarer)
    if which == "all":
        question, k = "How many shapes are there?", len(scene.shapes)
    elif which == "color":
        color = shape.color if rng.random() < 0.7 else rng.choice(list(COLORS))
        question, k = f"How many {color} shapes are there?", sum(s.color == color for s in scene.shapes)
    else:
        kind = shape.kind if rng.random() < 0.7 else rng.choice(KINDS)
        question, k = f"How many {kind}s are there?", sum(s.kind == kind for s in scene.shapes)
    return question, "how many", str(k), [str(k + 1), *([str(k - 1)] if k else [])]


def _vqa_yesno(rng: random.Random, scene: Scene) -> tuple[str, str, str, list[str]]:
    want = rng.random() < 0.5
    present_kinds = {s.kind for s in scene.shapes}
    present_colors = {s.color for s in scene.shapes}
    present_pairs = {(s.color, s.kind) for s in scene.shapes}
    templates = [
        ("Is there a {1}?", [("", k) for k in KINDS if (k in present_kinds) == want]),
        ("Is there a {0} shape?", [(c, "") for c in COLORS if (c in present_colors) == want]),
        ("Is there a {0} {1}?", [(c, k) for c in COLORS for k in KINDS if ((c, k) in present_pairs) == want]),
    ]
    rng.shuffle(templates)
    template, candidates = next(t for t in templates if t[1])
    color, kind = rng.choice(candidates)
    answer = "yes" if want else "no"
    return template.format(color, kind), "is there a", answer, ["no" if want else "yes"]


def _human_answers(rng: random.Random, answer: str, wrong: Sequence[str]) -> tuple[str, ...]:
    """Ten answers: 8 to 10 right, the rest plausible mistakes."""
    wrong = [w for w in wrong if w != answer]
    n_wrong = rng.choice((0, 0, 0, 1, 1, 2))
    answers = [answer] * (10 - n_wrong) + [rng.choice(wrong) for _ in range(n_wrong)]
    rng.shuffle(answers)
    return tuple(answers)


def _vqa_image(stream: str, seed: int, index: int) -> list[VqaQuestion]:
    rng = stream_rng("vqav2", stream, seed, index)
    scene = random_scene(rng, rng.randint(1, 4))
    image_id = index + 1
    makers = [("other", _vqa_other), ("number", _vqa_number), ("yes/no", _vqa_yesno)]
    rng.shuffle(makers)
    questions = []
    for k, (answer_type, make) in enumerate(makers):
        question, question_type, answer, wrong = make(rng, scene)
        questions.append(VqaQuestion(
            question_id=image_id * 10 + k, image_id=image_id, question=question,
            question_type=question_type, answer_type=answer_type, answer=answer,
            answers=_human_answers(rng, answer, wrong), scene=scene))
    return questions


def generate_vqav2(n: int, seed: int) -> list[VqaQuestion]:
    """n questions, three per image."""
    return take(flat(_vqa_image, "eval", seed), n)


def write_vqav2(data_dir: Path, n: int, seed: int) -> Path:
    root = Path(data_dir) / "vqav2"
    questions = generate_vqav2(n, seed)
    dump_json(root / "v2_OpenEnded_mscoco_val2014_questions.json", {
        "info": file_info("VQAv2"), "task_type": "Open-Ended", "data_type": "mscoco",
        "data_subtype": "val2014", "license": {},
        "questions": [{"image_id": q.image_id, "question": q.question, "question_id": q.question_id}
                      for q in questions]})
    dump_json(root / "v2_mscoco_val2014_annotations.json", {
        "info": file_info("VQAv2"), "data_type": "mscoco", "data_subtype": "val2014", "license": {},
        "annotations": [{
            "question_type": q.question_type, "multiple_choice_answer": q.answer,
            "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": k + 1}
                        for k, a in enumerate(q.answers)],
            "image_id": q.image_id, "answer_type": q.answer_type, "question_id": q.question_id,
        } for q in questions]})
    for q in first_per_image(questions):
        save_image(q.image(), root / "val2014" / q.file_name)
    return root


TASK = DemoTask("vqav2", generate_vqav2, write_vqav2,
                lambda seed, i: _vqa_image("train", seed, i), drawn_jpeg,
                lambda q: (question_fields(q.question), q.answer),
                lambda q: ([question_fields(q.question)], list(q.answers)))
