"""The report commands, `pgeval table`, `pgeval leaderboard` and `pgeval plot`: thin shells over
`model_card_table`, `leaderboard` and `plot_runs`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import click

from pgeval.cli.options import tasks_dir_option
from pgeval.errors import InputError
from pgeval.io import atomic_write_text, output_folder
from pgeval.reports.cells import REFERENCES, default_reference
from pgeval.runs import Run, load_run
from pgeval.tasks import TaskCatalog

run_dirs_argument = click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
reference_option = click.option(
    "--reference", type=click.Choice(REFERENCES), default=None,
    help="Model card whose layout and published numbers to compare with (none: ours only). "
         "Default: paligemma2 when every run is a PaliGemma 2 run, else paligemma.")


def load_runs(paths: Sequence[str | Path]) -> list[Run]:
    """Every run named, in order: run directories or results.json files."""
    if not paths:
        raise InputError("no run directory given")
    return [load_run(p) for p in paths]


def _emit(text: str, out: str | None) -> None:
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    path = Path(out)
    if path.is_dir():
        raise InputError("--out must name a file, this is a folder", path=str(path))
    output_folder(path.parent, "--out", path)
    atomic_write_text(path, text)
    click.echo(f"wrote {path}", err=True)


@click.command("table")
@run_dirs_argument
@click.option("--format", "fmt", type=click.Choice(["md", "html", "csv", "latex"]), default="md",
              show_default=True, help="Markdown, HTML, CSV (one tidy table) or LaTeX.")
@reference_option
@click.option("--kind", type=click.Choice(["pt", "mix"]), default=None,
              help="Compare every run with the card's numbers of this checkpoint kind (default: "
                   "each run's, read from its checkpoint name: 'mix' in it means mix).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the table here instead of printing it.")
@tasks_dir_option
def table_command(run_dirs: Sequence[str], fmt: str, reference: str | None, kind: str | None,
                  out: str | None, tasks_dirs: Sequence[str]) -> None:
    """Tabulate runs like the PaliGemma model cards, beside the card's published numbers."""
    from pgeval.reports.table import tables_text

    runs = load_runs(run_dirs)
    if kind is not None:
        runs = [dataclasses.replace(r, model={**r.model, "kind": kind}) for r in runs]
    _emit(tables_text(runs, fmt, reference, TaskCatalog.load(tasks_dirs).specs), out)


@click.command("leaderboard")
@run_dirs_argument
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True,
              help="Markdown or a standalone HTML page.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the leaderboard here instead of printing it.")
@tasks_dir_option
def leaderboard_command(run_dirs: Sequence[str], fmt: str, out: str | None,
                        tasks_dirs: Sequence[str]) -> None:
    """Rank runs per task by its primary metric, and overall on the tasks they all have."""
    from pgeval.reports.leaderboard import leaderboard, render_leaderboard

    runs = load_runs(run_dirs)
    _emit(render_leaderboard(leaderboard(runs, TaskCatalog.load(tasks_dirs).specs), fmt), out)


@click.command("plot")
@run_dirs_argument
@click.option("--out", required=True, type=click.Path(), help="Folder to write the PNG files into.")
@reference_option
@tasks_dir_option
def plot_command(run_dirs: Sequence[str], out: str, reference: str | None,
                 tasks_dirs: Sequence[str]) -> None:
    """Plot score against resolution per task, and each run against the card's numbers."""
    from pgeval.reports.plots import plot_runs

    runs = load_runs(run_dirs)
    paths = plot_runs(runs, out, reference or default_reference(runs), TaskCatalog.load(tasks_dirs).specs)
    for path in paths:
        click.echo(str(path))
    if not paths:
        click.echo("nothing to plot: no run has a task with a primary metric value", err=True)
