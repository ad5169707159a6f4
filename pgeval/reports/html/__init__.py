"""`pgeval report`: a per-example report of one or more runs that opens from disk in a browser.

    write_report(runs, out, specs=..., inputs=..., reference=None, gate=None) -> ReportStats

The folder holds index.html (style and script inlined), data/<task>.js per task, thumbs/ and
plots/; nothing is fetched from elsewhere but the original images each thumbnail links to.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from pgeval.data import Example
from pgeval.errors import InputError
from pgeval.io import atomic_write_text, output_folder
from pgeval.reports.cells import default_reference, run_labels, specs_for_runs
from pgeval.reports.diagnostics import Finding, diagnose_task
from pgeval.reports.html.page import TaskSection, card_table_html, page_html
from pgeval.reports.html.rows import task_rows
from pgeval.reports.html.task_data import task_columns, write_task_data
from pgeval.reports.html.thumbnails import Thumbnails
from pgeval.runs import Run
from pgeval.tasks import TaskSpec

INDEX = "index.html"


@dataclass(frozen=True)
class ReportStats:
    """What writing a report took: seconds, examples, thumbnails and bytes written."""

    seconds: float
    examples: int
    thumbnails: int
    thumbnail_bytes: int
    data_bytes: int


class Inputs(Protocol):
    """What the report reads beyond the run directories (pgeval.run.review.RunInputs)."""

    def examples(self, run: Run, spec: TaskSpec) -> tuple[list[Example] | None, Path]:
        """The run's examples of a task (None when its data is not there) and the task's folder."""

    def token_counter(self, run: Run) -> Callable[[str], int] | None:
        """Counts an output's tokens as the run's tokenizer does; None without a tokenizer."""

    def frames(self, spec: TaskSpec, path: Path, example: Example, size: int) -> list[np.ndarray]:
        """The frames of a video clip the model saw, as uint8 images."""


class NoInputs:
    """Run directories alone: predictions and scores, no examples, no token counts."""

    def examples(self, run: Run, spec: TaskSpec) -> tuple[list[Example] | None, Path]:
        return None, Path(spec.data_dir)

    def token_counter(self, run: Run) -> Callable[[str], int] | None:
        return None

    def frames(self, spec: TaskSpec, path: Path, example: Example, size: int) -> list[np.ndarray]:
        return []


NO_INPUTS = NoInputs()


def run_findings(runs: Sequence[Run], specs: Mapping[str, TaskSpec],
                 inputs: Inputs = NO_INPUTS) -> list[Finding]:
    """Every diagnostic that fires on the runs' tasks (run by run), with what `inputs` reads."""
    found: list[Finding] = []
    for run in runs:
        count = inputs.token_counter(run)
        for task in run.tasks:
            spec = specs.get(task)
            examples = inputs.examples(run, spec)[0] if spec is not None else None
            found += diagnose_task(run, task, spec, examples=examples, count_tokens=count)
    return found


def write_report(runs: Sequence[Run], out: str | Path, *, specs: Mapping[str, TaskSpec],
                 inputs: Inputs = NO_INPUTS, reference: str | None = None,
                 gate: str | None = None) -> ReportStats:
    """Write the report of `runs` (the first is the baseline of a comparison) into `out`; `specs`
    are the known task specs, `gate` the text of a gate's decision to show on top."""
    from pgeval.reports.plots import plot_runs
    from pgeval.reports.table import model_card_table

    if not runs:
        raise InputError("no runs to report")
    start = time.perf_counter()
    out = output_folder(out, "--out")
    reference = reference or default_reference(runs)
    labels = run_labels(runs)
    counters = [inputs.token_counter(run) for run in runs]
    sections, examples_n, thumbs_n, thumb_bytes, data_bytes = [], 0, 0, 0, 0
    shown = specs_for_runs(runs, specs)
    for spec in shown:
        rows = task_rows(runs, spec.name)
        holder = next(run for run in runs if spec.name in run.tasks)
        examples, root = inputs.examples(holder, spec)
        thumbnails = (Thumbnails(out, spec.name, root, spec, frames=inputs.frames)
                      if examples is not None else None)
        prompt = holder.tasks[spec.name].prompt or spec.prompt
        path = write_task_data(out, spec.name, task_columns(rows, examples, prompt, thumbnails))
        findings = [dataclasses.replace(f, run=label if len(runs) > 1 else "")
                    for run, label, count in zip(runs, labels, counters, strict=True)
                    if spec.name in run.tasks
                    for f in diagnose_task(run, spec.name, spec, examples=examples, count_tokens=count)]
        sections.append(TaskSection(spec.name, spec.title, spec.metric, len(rows.ids),
                                    path.relative_to(out).as_posix(), rows.changed,
                                    examples is not None, findings))
        examples_n += len(rows.ids)
        if thumbnails is not None:
            thumbs_n += len([v for v in thumbnails.written.values() if v])
            thumb_bytes += thumbnails.bytes
        data_bytes += path.stat().st_size
    card = card_table_html(model_card_table(runs, reference, specs), {s.title: s.name for s in shown})
    plots = [p.relative_to(out).as_posix() for p in plot_runs(runs, out / "plots", reference, specs)]
    title = "pgeval report: " + " vs ".join(labels)
    named = [(label, str(run.directory)) for label, run in zip(labels, runs, strict=True)]
    atomic_write_text(out / INDEX, page_html(title=title, runs=named, card=card, plots=plots,
                                             tasks=sections, gate=gate))
    return ReportStats(round(time.perf_counter() - start, 2), examples_n, thumbs_n, thumb_bytes,
                       data_bytes)
