"""`pgeval gate`: compare a run with a baseline and exit 1 when a metric really got worse."""

from __future__ import annotations

import json

import click

from pgeval.cli.options import FiniteRange, tasks_dir_option
from pgeval.cli.report import data_dir_option, report_to
from pgeval.gate.compare import compare
from pgeval.reports.gate_report import render_gate
from pgeval.runs import load_run
from pgeval.tasks import TaskCatalog


@click.command("gate")
@click.option("--baseline", required=True, type=click.Path(),
              help="Baseline run directory, or its results.json.")
@click.option("--current", required=True, type=click.Path(), help="Run directory to check.")
@click.option("--max-drop", type=FiniteRange(min=0), default=None,
              help="Fail when a metric drops by more than this many points (default: fail on a "
                   "statistically significant drop).")
@click.option("--alpha", type=FiniteRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True, help="Significance level; intervals are at 1 - alpha.")
@click.option("--allow-missing", is_flag=True,
              help="Pass although the current run lacks some of the baseline's tasks (by default "
                   "each one fails the gate).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False), default=None,
              help="Also write the per-example report of the two runs here (as pgeval report "
                   "does, with this decision on top).")
@data_dir_option
@tasks_dir_option
@click.pass_context
def gate_command(ctx: click.Context, baseline: str, current: str, max_drop: float | None,
                 alpha: float, allow_missing: bool, as_json: bool, report_dir: str | None,
                 data_dir: str | None, tasks_dirs: tuple[str, ...]) -> None:
    """Compare a run against a baseline on the examples both scored: exit 1 when a metric got
    worse or a baseline task is missing, 0 otherwise, 2 when the input cannot be compared (a
    missing or malformed run, nothing in common)."""
    runs = load_run(baseline), load_run(current)
    report = compare(*runs, max_drop=max_drop, alpha=alpha, allow_missing=allow_missing)
    text = render_gate(report)
    click.echo(json.dumps(report.to_json(), indent=2) if as_json else text)
    if report_dir is not None:
        report_to(runs, report_dir, TaskCatalog.load(tasks_dirs), data_dir=data_dir, gate=text)
    if report.failed:
        ctx.exit(1)
