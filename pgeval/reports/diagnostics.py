"""The usual causes of a gap to the model card, found in a run directory.

Per task: outputs that are empty; outputs as long as the task's decode length (cut off); a
prompt other than the card's recipe; a resolution other than the checkpoint's; a split other
than the one the card's number is on; wrong answers that would be right after case and
whitespace normalization. Each `Finding` says how many examples it concerns, what it means and
what to try. Pure: the caller passes the examples (for references) and a token counter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from pgeval.data import Example
from pgeval.reports.cells import checkpoint_kind, default_reference, name_resolution, published_model
from pgeval.runs import ExampleScore, Run, TaskRecord
from pgeval.tasks import TaskSpec, same_split

FT_IN_NAME = re.compile(r"(?<![a-z])ft(?![a-z])", re.IGNORECASE)
SHOWN_IDS = 5


@dataclass(frozen=True)
class Finding:
    """One diagnostic that fired on a task: `count` of `total` examples (0 of 0 for a finding
    about the whole task), what it means, what to try, and a few example ids."""

    task: str
    kind: str  # empty | truncated | prompt | resolution | split | normalization
    count: int
    total: int
    what: str
    hint: str
    ids: tuple[str, ...] = field(default=())
    run: str = ""  # the run's label, where a report shows several

    def message(self) -> str:
        """Where, how many and what, without the hint."""
        share = f"{self.count} of {self.total} examples: " if self.total else ""
        shown = f" (e.g. ids {', '.join(self.ids)})" if self.ids else ""
        where = f"{self.run}, {self.task}" if self.run else self.task
        return f"{where}: {share}{self.what}{shown}."

    def text(self) -> str:
        return f"{self.message()} {self.hint}"


def normalize(text: str) -> str:
    """Case and whitespace aside: lower case, runs of whitespace as one space, no outer spaces."""
    return " ".join(text.split()).casefold()


def kind_of(run: Run) -> str:
    """"ft", "mix" or "pt": the checkpoint kind its name (or `pgeval table --kind`) says."""
    if not run.model.get("kind") and FT_IN_NAME.search(str(run.model.get("name", ""))):
        return "ft"
    return checkpoint_kind(run)


def _ids(scores: Sequence[ExampleScore]) -> tuple[str, ...]:
    return tuple(s.id for s in scores[:SHOWN_IDS])


def empty_outputs(task: str, scores: Sequence[ExampleScore]) -> Finding | None:
    empty = [s for s in scores if not s.prediction.strip()]
    if not empty:
        return None
    return Finding(task, "empty", len(empty), len(scores),
                   "the model answered nothing (its first token was the end of the text)",
                   "A prompt the checkpoint was not trained on, or another tokenizer than the "
                   "checkpoint's, usually does this: check both.", _ids(empty))


def truncated_outputs(task: str, scores: Sequence[ExampleScore], max_decode_len: int,
                      count_tokens: Callable[[str], int]) -> Finding | None:
    cut = [s for s in scores if s.prediction and count_tokens(s.prediction) >= max_decode_len]
    if not cut:
        return None
    return Finding(task, "truncated", len(cut), len(scores),
                   f"the output is {max_decode_len} tokens long, the task's decode length: "
                   f"it was cut off",
                   "Raise max_decode_len in a copy of the task spec (--tasks-dir), or check "
                   "the prompt when the model rambles.", _ids(cut))


def prompt_recipe(run: Run, record: TaskRecord, spec: TaskSpec) -> Finding | None:
    if not record.prompt or not spec.prompt or record.prompt == spec.prompt:
        return None
    kind = kind_of(run)
    recipe = {"pt": "pt checkpoints are transferred with", "ft": "ft checkpoints were fine-tuned on",
              "mix": "mix checkpoints were trained on"}.get(kind, "the card's numbers use")
    return Finding(record.name, "prompt", 0, 0,
                   f"the run prompted {record.prompt!r}; the card's {kind} checkpoints were "
                   f"scored with {spec.prompt!r} ({recipe} this task prefix)",
                   f"Run with the built-in task spec, or put {spec.prompt!r} back in yours.")


def resolution_mismatch(run: Run, record: TaskRecord) -> Finding | None:
    name = str(run.model.get("name", ""))
    trained = name_resolution(name)
    res = published_model(run)[1]
    if trained is None or res is None or trained == res:
        return None
    return Finding(record.name, "resolution", 0, 0,
                   f"the checkpoint {name} is made for {trained} px but ran at {res} px",
                   f"Run with --res {trained}, or use the {res} px checkpoint.")


def split_mismatch(run: Run, record: TaskRecord, spec: TaskSpec) -> Finding | None:
    """The card's numbers for this model and resolution are on other splits than the run's."""
    reference = default_reference([run])
    model, res = published_model(run)
    entries = [p for p in spec.published if p.card == reference and p.model == model and p.res == res
               and p.key == record.primary]
    splits = list(dict.fromkeys(p.data_split or spec.split for p in entries))
    if not splits or any(same_split(record.split, s) for s in splits):
        return None
    return Finding(record.name, "split", 0, 0,
                   f"the run is on {record.split!r}, the {reference} card's number on "
                   f"{' / '.join(repr(s) for s in splits)}",
                   f"Compare like with like: run with --split {record.name}={splits[0]}.")


def normalization_misses(task: str, scores: Sequence[ExampleScore],
                         examples: Mapping[str, Example]) -> Finding | None:
    """Wrong answers (score 0) that equal a reference once case and whitespace are set aside:
    exact-match metrics count them wrong, so the output format differs from the references'."""
    near = [s for s in scores if s.score <= 0 and s.id in examples
            and normalize(s.prediction) in {normalize(r) for r in examples[s.id].references}
            and s.prediction.strip()]
    if not near:
        return None
    return Finding(task, "normalization", len(near), len(scores),
                   "wrong answers that equal a reference after case and whitespace "
                   "normalization (the metric matches exactly)",
                   "The model's output format differs from the references': check the prompt's "
                   "language and task prefix, and the casing the checkpoint was trained on.",
                   _ids(near))


def diagnose_task(run: Run, task: str, spec: TaskSpec | None, *,
                  examples: Sequence[Example] | None = None,
                  count_tokens: Callable[[str], int] | None = None) -> list[Finding]:
    """Every diagnostic that fires on one task of a run. Without `examples` the normalization
    check is left out, without `count_tokens` the truncation check."""
    record = run.tasks[task]
    scores = run.example_scores(task) or []
    found: list[Finding | None] = [empty_outputs(task, scores)]
    if spec is not None and count_tokens is not None and spec.max_decode_len:
        found.append(truncated_outputs(task, scores, spec.max_decode_len, count_tokens))
    if spec is not None:
        found += [prompt_recipe(run, record, spec), split_mismatch(run, record, spec)]
    found.append(resolution_mismatch(run, record))
    if examples is not None:
        found.append(normalization_misses(task, scores, {e.id: e for e in examples}))
    return [f for f in found if f is not None]
