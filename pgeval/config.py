"""What a run is configured with, built once by the command line (or by a Python caller) and
passed down: the model side (`EngineConfig`) and the evaluation side (`RunConfig`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pgeval.errors import InputError

if TYPE_CHECKING:
    from pgeval.tasks import TaskCatalog

ON_ERROR = ("fail", "skip")


def check_count(option: str, value: object, *, minimum: int = 1, hint: str,
                optional: bool = False) -> None:
    """The one check of every whole-number option (--limit, --batch-size, --res,
    --max-decode-len, --beam-size): an integer of at least `minimum` (None too when
    `optional`), else an InputError naming the option and the value, with a hint. Python's
    slicing would read --limit -1 as "all but the last"; decoders would read a beam of 0 as
    greedy."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(f"{option} {value!r}: must be a whole number of {minimum} or more",
                         hint=hint)


@dataclass(frozen=True, kw_only=True)
class EngineConfig:
    """The checkpoint (and for a LoRA adapter, its `base`) and how it runs: resolution, tokenizer,
    batch, mesh and dtype, and the processes of a multi-host run (`coordinator`,
    `num_processes`, `process_id`, JAX's variables, or with `auto_distributed` the cluster JAX
    detects)."""

    checkpoint: str | Path | None = None
    base: str | Path | None = None
    res: int | None = None
    tokenizer: str | Path | None = None
    batch_size: int = 8
    mesh: str | None = None
    dtype: str = "float32"
    coordinator: str | None = None
    num_processes: int | None = None
    process_id: int | None = None
    auto_distributed: bool = False

    def __post_init__(self) -> None:
        check_count("--batch-size", self.batch_size,
                    hint="examples decoded together; lower it when the device runs out of memory")
        check_count("--res", self.res, optional=True,
                    hint="leave --res out for the checkpoint's own resolution, or pass 224, 448 "
                         "or 896")


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """What a run evaluates and where it writes.

    `catalog` holds the task specs (default: the built-in and plugin ones; a command loads it
    once, with its --tasks-dir folders, and shares it with the model card). `splits` is
    `--split`: one split for every task, or "task=split" pairs. `source` (`--source`): each
    task's Hub copy ("hub"), the official files under `data_dir` ("files"), or the Hub copy
    where a task has one and the files otherwise ("auto", the default without a data_dir).
    `demo` evaluates the bundled demo model (when no checkpoint is given) on the demo data,
    written on first use to `data_dir` (default ~/.cache/pgeval/demo-data).
    `allow_outside_data_dir` lets data files name images outside `data_dir` (`../`, absolute
    paths), refused otherwise.
    `overwrite` names the tasks whose record and predictions in the run directory are dropped
    and run again (a rerun otherwise reuses only what the same recipe produced, and stops on
    anything else).
    """

    tasks: tuple[str, ...]
    data_dir: str | Path | None = None
    source: str | None = None  # "hub", "files" or "auto"; None: files with a data_dir, else auto
    out: str | Path | None = None
    limit: int | None = None
    splits: str | None = None
    on_error: str = "fail"
    catalog: TaskCatalog | None = None
    progress: bool = True
    demo: bool = False
    allow_outside_data_dir: bool = False
    overwrite: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_count("--limit", self.limit, optional=True,
                    hint="--limit N runs the first N examples of each task; leave it out to run "
                         "them all")
