"""The `pgeval` command (and `python -m pgeval`): installs the start-up SIGTERM handler before
anything heavy is imported, then runs the CLI (pgeval.cli.main).

Loading the command line takes seconds (NumPy, pandas, the task registry); a scheduler's SIGTERM
in those seconds would otherwise end the process without a word. Once the CLI runs, its own
handler takes over (an interrupted run says what it kept)."""

import signal
import sys
import threading


def _stopped_while_starting(_signum: int, _frame: object) -> None:
    sys.stderr.write("interrupted while starting (SIGTERM): nothing was run\n")
    sys.exit(130)


def main() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stopped_while_starting)
    from pgeval.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
