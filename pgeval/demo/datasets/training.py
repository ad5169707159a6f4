"""The demo's training data: a task's training stream as pictures with their (prefix, suffix)
pairs, and the text the demo's tokenizer is trained on."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import count, islice
from typing import Any

import numpy as np

from pgeval.demo.datasets.chartqa import CHART_LABELS, CHART_TITLES
from pgeval.demo.datasets.coco_captions import NUMBER_WORDS
from pgeval.demo.datasets.common import DemoTask
from pgeval.demo.datasets.docvqa import DOC_FIELDS, DOC_TITLES
from pgeval.demo.datasets.registry import DEMO, check_task
from pgeval.demo.scenes import BACKGROUNDS, COLORS, KINDS, Cell


@dataclass(frozen=True)
class TrainingPicture:
    """One picture of a task's training stream with every question about it.

    `image` is (H, W, 3) uint8 at the picture's native size (224 x 224 scenes, 448 x 448 forms
    and charts, 320 x 240 refcoco scenes), decoded from JPEG where the evaluation files are JPEG;
    resize it as evaluation does (`pgeval.model.images.preprocess(image, res)`). Each pair is a
    prefix that follows the task spec's prompt template and the reference answer as suffix (the
    majority human answer, the field's value, the first of the five captions, the chart's label,
    or refcoco's four `<locNNNN>` box tokens y1 x1 y2 x2 with no `<segNNN>` codes). On a form
    (docvqa), `figures` maps each cell to the figure printed in it and `answer_cells` gives
    each pair's answer's first cell (its figures follow one per cell to the right), for the
    training-only losses of `pgeval.demo.train`; None for other pictures.
    """

    image: np.ndarray
    pairs: tuple[tuple[str, str], ...]
    figures: dict[Cell, str] | None = None
    answer_cells: tuple[Cell, ...] | None = None


def _training_pairs(demo: DemoTask, items: Sequence[Any]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in items:
        fields, suffix = demo.training_pair(item)
        pairs.append((demo.prompt.format(**fields), suffix))
    return tuple(pairs)


def training_pairs(task: str, seed: int) -> Iterator[tuple[str, str]]:
    """The (prefix, suffix) pairs of the training stream's pictures in order, forever, without
    drawing the pictures."""
    check_task(task)
    demo = DEMO[task]
    for index in count():
        yield from _training_pairs(demo, demo.training_picture(seed, index))


def training_picture(task: str, seed: int, index: int) -> TrainingPicture:
    """Picture `index` of the training stream of `task`, disjoint from the evaluation data's."""
    check_task(task)
    if index < 0:
        raise ValueError(f"need index >= 0, got {index}")
    demo = DEMO[task]
    items = demo.training_picture(seed, index)
    image = np.asarray(demo.draw(items[0]), dtype=np.uint8)
    if demo.layout is None:
        return TrainingPicture(image, _training_pairs(demo, items))
    return TrainingPicture(image, _training_pairs(demo, items), demo.layout(items[0]).figures,
                           tuple(demo.answer_cell(item) for item in items))


def vocabulary() -> list[str]:
    """Every word and value the generators can produce, one string each."""
    words = [*COLORS, *KINDS, *(k + "s" for k in KINDS), *BACKGROUNDS, *NUMBER_WORDS.values(),
             *DOC_TITLES, *CHART_LABELS,
             *CHART_TITLES, *(k + ":" for k in DOC_FIELDS), *DOC_FIELDS.values(),
             "yes", "no", *(str(i) for i in range(10))]
    return list(dict.fromkeys(words))


def demo_corpus(n_per_task: int, seed: int) -> list[str]:
    """Text for the demo's SentencePiece model: for every task the prompts and answers of
    n_per_task training pairs and of n_per_task evaluation examples (all ten human answers, all
    five captions), then `vocabulary()`. refcoco's `<locNNNN>` answers are left out: they are the
    tokenizer's user-defined pieces already. Nothing is drawn, so this is fast."""
    lines: list[str] = []
    for demo in DEMO.values():
        for prefix, suffix in islice(training_pairs(demo.name, seed), n_per_task):
            lines += [prefix, suffix] if demo.suffix_in_corpus else [prefix]
    for demo in DEMO.values():
        for item in (demo.corpus_examples or demo.generate)(n_per_task, seed):
            prompts, answers = demo.eval_text(item)
            lines += [demo.prompt.format(**fields) for fields in prompts] + answers
    return lines + vocabulary()
