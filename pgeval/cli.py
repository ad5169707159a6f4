"""The `pgeval` command line: every command is a thin shell over a function of the Python API."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import click

from pgeval import __version__
from pgeval.errors import PgevalError
from pgeval.listing import task_rows
from pgeval.scoring import score_file, write_per_example
from pgeval.tasks import get_task, load_tasks

tasks_dir_option = click.option(
    "--tasks-dir", "tasks_dirs", multiple=True, type=click.Path(file_okay=False),
    help="Extra folder of task spec files (repeatable); its tasks replace built-ins of the same name.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pgeval")
def cli() -> None:
    """Evaluate PaliGemma-family models with the official metrics.

    \b
    pgeval tasks                  list benchmarks, metrics, data files, published numbers
    pgeval score --task T ...     score predictions from any model
    pgeval infer --checkpoint ... run a checkpoint over {id, image, prefix} requests
    """


@cli.command("tasks")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@tasks_dir_option
def tasks_command(as_json: bool, tasks_dirs: Sequence[str]) -> None:
    """List every task: family, metric, split, prompt, expected data files, published numbers."""
    rows = task_rows(load_tasks(tasks_dirs).values())
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['name']}  [{row['family']}]  {row['title']}: {row['metric']} "
                   f"(split {row['split']}; adapter {row['adapter']})")
        click.echo(f"    prompt: {row['prompt']!r}  max_decode_len={row['max_decode_len']}")
        for f in row["files"]:
            click.echo(f"    data:   {f}")
        if row["published"]:
            for card in sorted({p["card"] for p in row["published"]}):
                nums = ", ".join(f"{p['model']}-{p['res']} {p['key']}={p['value']:g}"
                                 for p in row["published"] if p["card"] == card)
                click.echo(f"    published ({card}): {nums}")


@cli.command("score")
@click.option("--task", required=True, help="Task name (see `pgeval tasks`).")
@click.option("--predictions", required=True, type=click.Path(dir_okay=False),
              help="Official submission JSON of the benchmark, or pgeval JSONL {id, prediction}.")
@click.option("--data-dir", required=True, type=click.Path(file_okay=False),
              help="Folder holding <task>/ with the official annotation files.")
@click.option("--split", default=None, help="Split to score (default: the task's).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object {task, split, n, metrics}.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Write per-example scores to OUT/<task>.<split>.jsonl.")
@tasks_dir_option
def score_command(task: str, predictions: str, data_dir: str, split: str | None, as_json: bool,
                  out: str | None, tasks_dirs: Sequence[str]) -> None:
    """Score a predictions file with the task's official metric."""
    spec = get_task(task, tasks_dirs)
    result = score_file(spec, predictions, data_dir, split)
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


@cli.command("infer")
@click.option("--checkpoint", required=True, type=click.Path(exists=True),
              help="big_vision .npz file, or a Hugging Face PaliGemma folder.")
@click.option("--tokenizer", type=click.Path(dir_okay=False), default=None,
              help="SentencePiece model (default: tokenizer.model beside the checkpoint).")
@click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False),
              help="JSONL of {id, image, prefix}; image paths relative to this file.")
@click.option("--output", required=True, type=click.Path(dir_okay=False),
              help="JSONL written in input order: {id, text, tokens, logprobs}.")
@click.option("--res", type=int, default=None,
              help="Image resolution (default: the checkpoint's; others resample the position embeddings).")
@click.option("--max-decode-len", type=int, default=32, show_default=True)
@click.option("--batch-size", type=int, default=8, show_default=True)
@click.option("--dtype", type=click.Choice(["float32", "bfloat16"]), default="float32",
              show_default=True)
def infer_command(checkpoint: str, tokenizer: str | None, input_path: str, output: str,
                  res: int | None, max_decode_len: int, batch_size: int, dtype: str) -> None:
    """Generate text for each request with greedy decoding."""
    from pgeval.inference import infer  # the model stack loads only for commands that need it

    path = infer(checkpoint, input_path, output, tokenizer=tokenizer, res=res,
                 max_decode_len=max_decode_len, batch_size=batch_size, dtype=dtype)
    click.echo(f"wrote {path}", err=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI; a PgevalError prints its message and exits with its code."""
    try:
        code = cli.main(args=argv, prog_name="pgeval", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except PgevalError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main(sys.argv[1:])

