"""The `pgeval` command line: every command is a thin shell over a function of the Python API;
the commands live in this package's modules (run, score, reports, report, gate, data), each
imported only when its command runs, so `pgeval --help` loads none of them."""

from __future__ import annotations

import importlib
import shlex
import signal
import sys
import threading
import warnings
from collections.abc import Sequence

import click
from PIL import Image

from pgeval import __version__
from pgeval.errors import Interrupted, PgevalError

# Each command: the module that defines it and the click command's name there.
COMMANDS = {
    "run": ("pgeval.cli.run", "run_command"),
    "tasks": ("pgeval.cli.score", "tasks_command"),
    "score": ("pgeval.cli.score", "score_command"),
    "infer": ("pgeval.cli.run", "infer_command"),
    "bench": ("pgeval.cli.run", "bench_command"),
    "table": ("pgeval.cli.reports", "table_command"),
    "leaderboard": ("pgeval.cli.reports", "leaderboard_command"),
    "plot": ("pgeval.cli.reports", "plot_command"),
    "report": ("pgeval.cli.report", "report_command"),
    "gate": ("pgeval.cli.gate", "gate_command"),
    "data": ("pgeval.cli.data", "data_command"),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when one is run (or asked for its --help); the
    group's own help lists them from its docstring."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The docstring's table already lists every command with what it does."""


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pgeval")
def cli() -> None:
    """Evaluate PaliGemma-family models with the official metrics.

    \b
    pgeval run --tasks T1,T2 ...  evaluate a checkpoint: results, predictions, model card
    pgeval tasks                  list benchmarks, metrics, data files, published numbers
    pgeval score --task T ...     score predictions from any model
    pgeval infer --checkpoint ... run a checkpoint over {id, image, prefix} requests
    pgeval bench                  time the engine against transformers on one model shape
    pgeval table RUN_DIR...       model-card tables with the published numbers beside yours
    pgeval leaderboard RUN_DIR... runs ranked per task and overall
    pgeval plot RUN_DIR... --out  score against resolution, ours against published (PNG)
    pgeval report RUN_DIR...      examples in the browser, run against run, diagnostics
    pgeval gate --baseline ...    fail CI when a metric really dropped (paired bootstrap)
    pgeval data list|download|verify  benchmark data: official files or Hugging Face Hub copies
    """


def _terminate(_signum: int, _frame: object) -> None:
    """SIGTERM (what schedulers send before SIGKILL) stops a run as Ctrl-C does."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI; a PgevalError prints its message and exits with its code, an
    interrupted run (Ctrl-C, SIGTERM) says what it kept and how to resume, and exits 130."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # PIL warns, in its own words and with a source line, about an image of more than
    # Image.MAX_IMAGE_PIXELS pixels (a 12000x12000 scan), and refuses one of twice as many: the
    # command decodes the first silently (it only costs time, every image is resized to the
    # model's resolution); pgeval.model.images.load_image reports the second as unusable input.
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
    if argv and argv[0] in COMMANDS:
        # loading the command is part of starting: pgeval.__main__'s start-up handler still
        # answers a SIGTERM here, before this one says what a run kept
        importlib.import_module(COMMANDS[argv[0]][0])
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        code = cli.main(args=argv, prog_name="pgeval", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except Interrupted as e:
        click.echo(f"interrupted: {e}; resume with: {shlex.join(['pgeval', *argv])}", err=True)
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except PgevalError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    sys.exit(code if isinstance(code, int) else 0)
