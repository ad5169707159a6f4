"""What a report reads of a run beyond its directory: the examples the run was made on (images,
prompt fields, references), the frames of a video clip the model saw, and the number of tokens
of an output as the run's tokenizer counts them. `RunInputs` is what `pgeval report`, `pgeval
gate --report` and `pgeval run` hand to the reports (the Inputs of pgeval.reports.html).

The data folder is the one named, else the one results.json records (`runtime.data_dir`), else
the demo data for a demo run (written again if it is gone: it is deterministic), else
$PGEVAL_DATA or ~/.cache/pgeval/data. A task whose data files are not there has no examples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pgeval.data import Example
from pgeval.errors import InputError
from pgeval.runs import Run
from pgeval.tasks import TaskSpec


def data_dir_of(run: Run, data_dir: str | Path | None = None) -> Path:
    """Where the run's benchmarks are (see the module notes)."""
    if data_dir is not None:
        return Path(data_dir)
    recorded = run.runtime.get("data_dir")
    if recorded and Path(recorded).is_dir():
        return Path(recorded)
    if run.model.get("demo"):
        from pgeval.demo.bundle import demo_data_dir

        return demo_data_dir()
    from pgeval.run.plan import default_data_dir

    return default_data_dir()


def token_counter(run: Run) -> Callable[[str], int] | None:
    """Counts the tokens of an output with the run's tokenizer: the one results.json records,
    the demo's for a demo run, else tokenizer.model beside the checkpoint; None when none is
    found."""
    from pgeval.model.tokenizer import Tokenizer

    path = run.model.get("tokenizer")
    if not path and run.model.get("demo"):
        from pgeval.demo.bundle import demo_tokenizer

        path = demo_tokenizer()
    if not path and run.model.get("checkpoint"):
        checkpoint = Path(run.model["checkpoint"])
        path = (checkpoint if checkpoint.is_dir() else checkpoint.parent) / "tokenizer.model"
    if not path or not Path(path).is_file():
        return None
    sp = Tokenizer(path).sp
    return lambda text: len(sp.encode(text))


@dataclass(frozen=True)
class RunInputs:
    """The examples, frames and token counts of runs, from `data_dir` when one is named."""

    data_dir: str | Path | None = None

    def examples(self, run: Run, spec: TaskSpec) -> tuple[list[Example] | None, Path]:
        """The examples of the run's split of `spec` and the task's data folder; None for the
        examples when its files are not there (or do not read)."""
        from pgeval.scoring.examples import load_examples

        root = data_dir_of(run, self.data_dir)
        if not spec.source:  # a task no spec folder defines: results.json alone
            return None, root
        if run.model.get("demo") and self.data_dir is None:
            from pgeval.demo.bundle import SIZES, prepare_demo_data

            if spec.name in SIZES:
                prepare_demo_data([spec.name], root)
        try:
            return load_examples(spec, root, run.tasks[spec.name].split), root / spec.data_dir
        except InputError:
            return None, root / spec.data_dir

    def token_counter(self, run: Run) -> Callable[[str], int] | None:
        return token_counter(run)

    def frames(self, spec: TaskSpec, path: Path, example: Example, size: int) -> list[np.ndarray]:
        """The frames of a video clip the model sees (as uint8 size x size images)."""
        from pgeval.model.video import Clip, load_clip, resolve_video

        video = spec.video
        clip = Clip(resolve_video(path), video.frames, video.stride, example.segment, video.fps)
        return [((f + 1) * 127.5).clip(0, 255).astype(np.uint8) for f in load_clip(clip, size)]
