"""`pgeval data`: where each task's data comes from, and the Hub copies in the local cache."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from pgeval.cli.options import tasks_dir_option
from pgeval.errors import InputError
from pgeval.tasks import TaskCatalog

SPLIT_HELP = "Split of every task, or task=split pairs (default: each task's own)."


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError


def _tasks(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


@click.group("data")
def data_command() -> None:
    """Benchmark data: official files under --data-dir, or Hugging Face Hub copies.

    \b
    pgeval data list               each task's sources and what the Hub cache holds
    pgeval data download T1,T2     fetch the tasks' Hub copies into the cache (resumable, checksummed)
    pgeval data verify T1,T2       row counts, unique ids, answers and checksums of the copies
    """


@data_command.command("list")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Where official files are looked for (default: $PGEVAL_DATA, else ~/.cache/pgeval/data).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@tasks_dir_option
def list_command(data_dir: str | None, as_json: bool, tasks_dirs: Sequence[str]) -> None:
    """Each task's sources: its official files (present or not) and its Hub copy (cached where,
    how large), or why it has none."""
    from pathlib import Path

    from pgeval.run.data import cache_dir, list_data
    from pgeval.run.plan import default_data_dir

    rows = list_data(TaskCatalog.load(tasks_dirs), Path(data_dir) if data_dir else default_data_dir())
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"Hub cache: {cache_dir()}")
    for row in rows:
        files = row["files"][row["split"]]
        state = "present" if not files["missing"] else f"{len(files['missing'])} file(s) missing"
        click.echo(f"{row['name']} (split {row['split']})\n    files: {files['folder']} ({state})")
        hub = row["hub"]
        if hub is None:
            click.echo("    hub:   none")
        elif hub.get("not_mapped"):
            click.echo(f"    hub:   {hub['repo']}: not mapped: {hub['not_mapped']}")
        else:
            splits = ", ".join(hub["splits"])
            click.echo(f"    hub:   {hub['repo']} ({hub['config']}; splits {splits})"
                       + (f"\n           differs: {hub['note']}" if hub["note"] else ""))
            for c in hub["cached"]:
                click.echo(f"           cached: {c['split']} from {c['repo']}@{c['commit'][:12]}, "
                           f"{c['files']} file(s), {_size(c['bytes'])} in {c['folder']}")


@data_command.command("download")
@click.argument("tasks")
@click.option("--split", "splits", default=None, help=SPLIT_HELP)
@click.option("--force", is_flag=True, help="Download again even what the cache holds.")
@tasks_dir_option
def download_command(tasks: str, splits: str | None, force: bool, tasks_dirs: Sequence[str]) -> None:
    """Fetch TASKS' Hub copies (comma-separated) into the huggingface_hub cache (HF_HOME /
    HF_HUB_CACHE; HF_TOKEN for gated copies). An interrupted download resumes; every file is
    checked against the sha256 the Hub gives it."""
    from pgeval.run.data import download_data
    from pgeval.run.plan import parse_splits

    names = _tasks(tasks)
    for r in download_data(TaskCatalog.load(tasks_dirs), names, parse_splits(splits, names), force=force):
        rate = r["bytes"] / max(r["seconds"], 1e-9)
        click.echo(f"{r['task']} {r['split']}: {r['repo']}@{r['commit'][:12]}, {len(r['files'])} file(s), "
                   f"{_size(r['bytes'])} in {r['seconds']:.1f} s ({_size(rate)}/s), checksums ok\n"
                   f"    {r['folder']}")


@data_command.command("verify")
@click.argument("tasks")
@click.option("--split", "splits", default=None, help=SPLIT_HELP)
@tasks_dir_option
def verify_command(tasks: str, splits: str | None, tasks_dirs: Sequence[str]) -> None:
    """Check TASKS' Hub copies: rows against the official split size, unique ids, answers on a
    split that has them, checksums. Exits 2 when any copy fails."""
    from pgeval.run.data import verify_data
    from pgeval.run.plan import parse_splits

    names = _tasks(tasks)
    failed = []
    for r in verify_data(TaskCatalog.load(tasks_dirs), names, parse_splits(splits, names)):
        official = f" (official {r['official_rows']})" if r["official_rows"] else ""
        verdict = "ok" if not r["problems"] else "FAILED"
        click.echo(f"{r['task']} {r['split']}: {r['repo']}@{r['commit'][:12]}, {r['rows']} rows{official}: "
                   f"{verdict}")
        for p in r["problems"]:
            click.echo(f"    {p}")
        if r["problems"]:
            failed.append(r["task"])
    if failed:
        raise InputError(f"Hub copies that fail verification: {', '.join(failed)}",
                         hint="`pgeval data download TASK --force` fetches a copy again")
