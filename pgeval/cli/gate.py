"""`pgeval gate`: compare a run with a baseline and exit 1 when a metric really got worse."""

from __future__ import annotations

import json

import click

from pgeval.gate.compare import compare
from pgeval.reports.gate_report import render_gate
from pgeval.runs import load_run


@click.command("gate")
@click.option("--baseline", required=True, type=click.Path(),
              help="Baseline run directory, or its results.json.")
@click.option("--current", required=True, type=click.Path(), help="Run directory to check.")
@click.option("--max-drop", type=click.FloatRange(min=0), default=None,
              help="Fail when a metric drops by more than this many points (default: fail on a "
                   "statistically significant drop).")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True, help="Significance level; intervals are at 1 - alpha.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.pass_context
def gate_command(ctx: click.Context, baseline: str, current: str, max_drop: float | None,
                 alpha: float, as_json: bool) -> None:
    """Compare a run against a baseline: exit 1 when a metric got worse, 0 otherwise, 2 when the
    input cannot be compared (a missing or malformed run, nothing in common)."""
    report = compare(load_run(baseline), load_run(current), max_drop=max_drop, alpha=alpha)
    click.echo(json.dumps(report.to_json(), indent=2) if as_json else render_gate(report))
    if report.failed:
        ctx.exit(1)
