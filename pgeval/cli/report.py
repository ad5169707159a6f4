"""`pgeval report`: the per-example report of runs, a page that opens from disk; and the
diagnostics `pgeval run` prints at its end."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from pgeval.cli.options import tasks_dir_option
from pgeval.cli.reports import load_runs, reference_option, run_dirs_argument
from pgeval.runs import Run
from pgeval.tasks import TaskCatalog

data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None,
    help="Folder holding <task>/ data, for the images, prompts and references (default: the one "
         "the run recorded; the demo data for a demo run).")


def echo_findings(runs: Sequence[Run], catalog: TaskCatalog, data_dir: str | None = None) -> None:
    """Print what the diagnostics found, one paragraph each; nothing when none fired."""
    from pgeval.reports.html import run_findings
    from pgeval.run.review import RunInputs

    findings = run_findings(runs, catalog.specs, RunInputs(data_dir))
    if findings:
        click.echo("\ndiagnostics (the usual causes of a gap to the card):")
        for finding in findings:
            click.echo(f"- {finding.text()}")


def report_to(runs: Sequence[Run], out: str, catalog: TaskCatalog, *, data_dir: str | None = None,
              reference: str | None = None, gate: str | None = None) -> None:
    """Write the report and say where to open it."""
    from pgeval.reports.html import INDEX, write_report
    from pgeval.run.review import RunInputs

    stats = write_report(runs, out, specs=catalog.specs, inputs=RunInputs(data_dir), reference=reference,
                         gate=gate)
    click.echo(f"report: open {Path(out) / INDEX} in a browser ({stats.examples} examples, "
               f"{stats.thumbnails} thumbnails, {stats.seconds:.1f} s)")


@click.command("report")
@run_dirs_argument
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder to write the report into (open its index.html).")
@data_dir_option
@reference_option
@tasks_dir_option
def report_command(run_dirs: Sequence[str], out: str, data_dir: str | None, reference: str | None,
                   tasks_dirs: Sequence[str]) -> None:
    """Browse runs example by example: images, prompts, predictions, references and scores; two or
    more runs side by side, the examples whose score changed first."""
    report_to(load_runs(run_dirs), out, TaskCatalog.load(tasks_dirs), data_dir=data_dir,
              reference=reference)
