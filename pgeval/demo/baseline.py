"""The floor the demo model is compared with: a model that never looks at the picture and
answers each question with the answer that question most often has in the training stream
(the prior a blind model would learn), scored by the task's own adapter."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path

from pgeval.demo.datasets import training_pairs
from pgeval.scoring.examples import load_examples
from pgeval.scoring.score import score_predictions
from pgeval.tasks import TaskCatalog

TRAINING_PAIRS = 5000


def most_common_answers(pairs: Iterable[tuple[str, str]], prompts: Sequence[str]) -> list[str]:
    """For each prompt, the answer it most often has among the (prompt, answer) pairs (ties:
    the answer seen first); a prompt the pairs never ask gets the most common answer of all."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    overall: Counter[str] = Counter()
    for prompt, answer in pairs:
        counts[prompt][answer] += 1
        overall[answer] += 1
    fallback = overall.most_common(1)[0][0] if overall else ""
    return [counts[p].most_common(1)[0][0] if p in counts else fallback for p in prompts]


def most_common_answer_score(task: str, data_dir: str | Path, catalog: TaskCatalog,
                             seed: int = 0, pairs: int = TRAINING_PAIRS) -> float:
    """The task's headline metric on its demo split for the answers most common in the first
    `pairs` training pairs."""
    spec = catalog.get(task)
    examples = load_examples(spec, data_dir)
    prompts = [spec.prompt.format(**e.fields) for e in examples]
    answers = most_common_answers(islice(training_pairs(task, seed), pairs), prompts)
    result = score_predictions(spec, examples, answers)
    return result.metrics[spec.make_adapter().primary]
