"""Helpers shared by the tests: running the command line as a user does, writing a task spec, and
skipping what needs an optional extra that is not installed."""

import json
from pathlib import Path
from types import ModuleType

import click
import pytest
from click.testing import CliRunner, Result

from pgeval.cli import main


@click.command(add_help_option=False, context_settings={"ignore_unknown_options": True})
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def _pgeval(argv: tuple[str, ...]) -> None:
    main(list(argv))


def run_cli(*args: object) -> Result:
    """`pgeval ARGS...` through pgeval.cli.main (its exit codes and error messages): the result's
    exit_code, stdout, stderr and output (both, interleaved). An exception other than the exit
    is raised, as from main."""
    return CliRunner().invoke(_pgeval, [str(a) for a in args], catch_exceptions=False)


def cli_output(*args: object) -> str:
    """What `pgeval ARGS...`, which must succeed, prints on stdout."""
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def score_json(*args: object) -> dict:
    """`pgeval score --json ARGS...`, which must succeed: the JSON object it prints last."""
    return json.loads(cli_output("score", "--json", *args).strip().splitlines()[-1])


def task_toml(name: str = "mytask", *, split: str = "val", adapter: str = "exact_match") -> str:
    """A small task spec: JSONL questions prompted `answer en {question}`, scored by `adapter`."""
    return f"""name = "{name}"
title = "My task"
family = "qa"
metric = "Accuracy"
prompt = "answer en {{question}}"
max_decode_len = 8

[data]
source = "jsonl"
split = "{split}"

[data.splits.{split}]
annotations = "{split}.jsonl"

[scoring]
adapter = "{adapter}"
keys = ["accuracy"]
"""


def write_task_file(folder: Path, text: str | None = None, *, name: str = "mytask", **spec: str) -> Path:
    """`folder/<name>.toml` (the folder created) holding `text`, by default task_toml(name, **spec)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(task_toml(name, **spec) if text is None else text, encoding="utf-8")
    return path


def needs_extra(extra: str, module: str) -> ModuleType:
    """`module` imported, or the test skipped (the whole file when called at its top) with the
    extra of pyproject.toml that installs it: `pip install -e .` runs the suite with these skips,
    `pip install -e ".[test]"` runs everything."""
    return pytest.importorskip(module, reason=f"needs the {extra} extra: pip install -e '.[{extra}]'")
