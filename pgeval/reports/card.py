"""model_card.md: a run's `pgeval table`, written into its run directory after the run."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from pgeval.io import atomic_write_text
from pgeval.reports.cells import model_and_resolution
from pgeval.reports.table import tables_text
from pgeval.runs import MODEL_CARD, Run
from pgeval.tasks import TaskCatalog


def write_model_card(run: Run, catalog: TaskCatalog, tasks: Iterable[str] = ()) -> Path:
    """The run's table against the card of its own model family, laid out with the catalog's
    specs (a --tasks-dir folder's included); `tasks`, the ones this run evaluated, on the split
    the run recorded."""
    specs = dict(catalog.specs)
    for name in tasks:
        specs[name] = dataclasses.replace(specs[name], split=run.tasks[name].split)
    heading = f"# {'Demo: ' if run.model.get('demo') else ''}{model_and_resolution(run)}"
    path = run.directory / MODEL_CARD
    atomic_write_text(path, f"{heading}\n\n{tables_text([run], 'md', tasks=specs)}\n")
    return path
