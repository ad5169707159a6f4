"""Generating a task's predictions on one or several processes, batch by batch into the run's
partial file (which only process 0 writes).

Every process takes its contiguous share of the examples still to run (or, when the mesh spans
all processes, all of them run the same global batches) and, after each batch, every process's
finished predictions and unreadable inputs are gathered on process 0, which appends them. A kill
of any process loses at most the batch in flight; the same command resumes from the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import jax

from pgeval.engine.distributed import gather_json, share
from pgeval.engine.runner import Engine, Output, Request
from pgeval.engine.sharding import spans_processes
from pgeval.errors import InputError
from pgeval.run.partial import ProgressSink
from pgeval.run.plan import TaskPlan


@dataclass(frozen=True)
class GenerationStats:
    """How long one task's generation took and how many examples every process decoded."""

    wall_time_s: float
    examples: int


def data_digest(plan: TaskPlan) -> str:
    """What a process read of a task's data: ids, prompts, media and references, hashed."""
    rows = [[e.id, plan.prompt(e), list(e.images), e.segment, list(e.references), e.slice]
            for e in plan.examples]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def check_same_data(plans: Sequence[TaskPlan]) -> None:
    """Every process must read the same examples, or their shares would not fit together."""
    digests = gather_json([data_digest(p) for p in plans])
    for i, plan in enumerate(plans):
        differ = [k for k, d in enumerate(digests) if d[i] != digests[0][i]]
        if differ:
            raise InputError(f"task {plan.spec.name}: process(es) {differ} read other examples "
                             "than process 0", path=str(plan.root),
                             hint="every host needs the same data files (copy them, or use a "
                                  "shared --data-dir)")


def generate_task(engine: Engine, plan: TaskPlan, done: set[str], *, writer: ProgressSink | None,
                  on_error: str, progress_bar: bool) -> GenerationStats:
    """Decode what is left of one task. `done` holds the ids already in the partial file;
    `writer` appends to it (process 0's, None elsewhere). With on_error "fail" an unreadable
    input stops every process; with "skip" it is recorded as an error line."""
    if writer is not None:
        for example_id, path in plan.missing_images.items():
            if example_id not in done:
                writer.error(example_id, f"{plan.media} not found: {path}")
    todo = [e for e in plan.examples if e.id not in done and e.id not in plan.missing_images]
    together = spans_processes(engine.mesh)
    if not together:
        todo = todo[share(len(todo)).start : share(len(todo)).stop]
    requests = [Request(e.id, plan.inputs(e), plan.prompt(e), plan.spec.resize) for e in todo]
    errors: list[tuple[str, str]] = []
    with contextlib.closing(engine.generate(
            requests, plan.spec.max_decode_len, beam_size=plan.spec.beam_size,
            on_error=lambda r, e: errors.append((r.id, str(e))), progress=progress_bar)) as batches:
        # closed however this ends (an interrupt included), so its progress bar and threads end first
        return _gather_batches(batches, errors, writer, on_error,
                               reports=not together or jax.process_index() == 0)


def _gather_batches(batches: Iterator[list[Output]], errors: list[tuple[str, str]],
                    writer: ProgressSink | None, on_error: str, *, reports: bool) -> GenerationStats:
    """After each batch, every process's outputs and unreadable inputs go to process 0, which
    appends them. `reports`: whether this process's account counts (when the same global batches
    run everywhere, process 0's is everyone's)."""
    start, generated = time.perf_counter(), 0
    while True:
        outputs = next(batches, None)
        mine = {"outputs": [[o.id, o.text] for o in outputs or []] if reports else [],
                "errors": list(errors) if reports else [], "done": outputs is None}
        errors.clear()
        everyone = gather_json(mine)
        failed = [tuple(x) for p in everyone for x in p["errors"]]
        if failed and on_error == "fail":
            example_id, message = failed[0]
            raise InputError(message, example_id=example_id)
        if writer is not None:
            writer.predictions(tuple(x) for p in everyone for x in p["outputs"])
            for example_id, message in failed:
                writer.error(example_id, message)
        generated += sum(len(p["outputs"]) for p in everyone)
        if all(p["done"] for p in everyone):
            return GenerationStats(round(time.perf_counter() - start, 3), generated)
