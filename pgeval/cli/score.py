"""`pgeval tasks` and `pgeval score`: the task list, and scoring predictions from any model."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from pgeval.cli.options import resource_options, tasks_dir_option
from pgeval.reports.listing import task_rows
from pgeval.resources import Resources
from pgeval.scoring.score import score_file, write_per_example
from pgeval.tasks import TaskCatalog


def hub_lines(hub: dict | None) -> list[str]:
    """A task's Hub copy in words: where, which splits, how it differs; or why it is not read."""
    if hub is None:
        return []
    if hub.get("not_mapped"):
        return [f"{hub['repo']} not mapped: {hub['not_mapped']}"]
    names = " (or " + ", ".join(hub["aliases"]) + ")" if hub["aliases"] else ""
    splits = ", ".join(f"{s}={c}" for s, c in hub["splits"].items())
    config = f" config {hub['config']}," if hub["config"] != "default" else ""
    lines = [f"{hub['repo']}{names},{config} revision {hub['revision'][:12]}, splits {splits}"]
    return lines + ([f"differs: {hub['note']}"] if hub["note"] else [])


@click.command("tasks")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@tasks_dir_option
def tasks_command(as_json: bool, tasks_dirs: Sequence[str]) -> None:
    """List every task: family, metric, split, prompt, expected data files, published numbers."""
    rows = task_rows(TaskCatalog.load(tasks_dirs))
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['name']}  [{row['family']}]  {row['title']}: {row['metric']} "
                   f"(split {row['split']}; adapter {row['adapter']})")
        click.echo(f"    prompt: {row['prompt']!r}  max_decode_len={row['max_decode_len']}")
        if len(row["splits"]) > 1:
            click.echo("    splits: " + ", ".join(
                s + (" (no answers: writes the server's submission file)"
                     if s in row["submission_splits"] else "") for s in row["splits"]))
        if row["video"]:
            click.echo(f"    video:  {row['video']['frames']} frames, {row['video']['stride']} apart")
        if row["resize"] != "antialias":
            click.echo(f"    resize: {row['resize']} (no antialiasing, as big_vision evaluates it)")
        for f in row["files"]:
            click.echo(f"    data:   {f}")
        for line in hub_lines(row["hub"]):
            click.echo(f"    hub:    {line}")
        if row["published"]:
            for card in sorted({p["card"] for p in row["published"]}):
                nums = ", ".join(f"{p['model']}-{p['res']} {p['key']}={p['value']:g}"
                                 for p in row["published"] if p["card"] == card)
                click.echo(f"    published ({card}): {nums}")


@click.command("score")
@click.option("--task", required=True, help="Task name (see `pgeval tasks`).")
@click.option("--predictions", required=True, type=click.Path(dir_okay=False),
              help="Official submission JSON of the benchmark, or pgeval JSONL {id, prediction}.")
@click.option("--data-dir", required=True, type=click.Path(file_okay=False),
              help="Folder holding <task>/ with the official annotation files.")
@click.option("--split", default=None, help="Split to score (default: the task's).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object {task, split, n, metrics}.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Write per-example scores to OUT/<task>.<split>.jsonl.")
@resource_options
@tasks_dir_option
def score_command(task: str, predictions: str, data_dir: str, split: str | None, as_json: bool,
                  out: str | None, vae: str | None, toxicity_scorer: str | None,
                  entailment_judge: str | None, radgraph_scorer: str | None,
                  tasks_dirs: Sequence[str]) -> None:
    """Score a predictions file with the task's official metric."""
    catalog = TaskCatalog.load(tasks_dirs)
    spec = catalog.get(task)
    result = score_file(spec, predictions, data_dir, split,
                        resources=Resources(vae=vae, toxicity_scorer=toxicity_scorer,
                                            entailment_judge=entailment_judge,
                                            radgraph_scorer=radgraph_scorer))
    if out:
        path = write_per_example(result, out)
        click.echo(f"per-example scores: {path}", err=True)
    if as_json:
        click.echo(json.dumps(result.summary()))
        return
    click.echo(f"{spec.title} ({result.task}), split {result.split}, n={result.n}")
    width = max(len(k) for k in result.metrics)
    for key, value in result.metrics.items():
        click.echo(f"  {key:<{width}}  {value:8.2f}")
    for key, value in result.info.items():
        click.echo(f"  {key}: {value}")
