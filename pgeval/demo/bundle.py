"""The demo model shipped with pgeval and the demo data it is evaluated on.

`pgeval run --demo` evaluates pgeval/demo/assets/demo_<res>.npz (a PaliGemma of 4.6M parameters
trained by `python -m pgeval.demo.train`, see assets/training.json) with its own tokenizer on
synthetic benchmarks written, once, to a cache folder. Everything is labelled as demo.
"""

from __future__ import annotations

import os
from pathlib import Path

from pgeval.demo.datasets import write_demo_data
from pgeval.errors import InputError
from pgeval.io import output_folder

ASSETS = Path(__file__).resolve().parent / "assets"
RESOLUTIONS = (224, 448)
# The demo model is not trained on refcoco (it has no mask codes), so it is not a demo task.
SIZES = {"vqav2": 150, "docvqa": 100, "coco_captions": 50, "chartqa": 60}
EVAL_SEED = 1234


def demo_checkpoint(res: int | None) -> Path:
    res = res or 448
    if res not in RESOLUTIONS:
        raise InputError(f"the demo model comes at {RESOLUTIONS[0]} and {RESOLUTIONS[1]} px, "
                         f"not {res}", hint="use --res 224 or --res 448 with --demo")
    return ASSETS / f"demo_{res}.npz"


def demo_tokenizer() -> Path:
    return ASSETS / "tokenizer.model"


def demo_data_dir() -> Path:
    """$PGEVAL_DEMO_DATA, else ~/.cache/pgeval/demo-data."""
    return Path(os.environ.get("PGEVAL_DEMO_DATA") or Path.home() / ".cache" / "pgeval" / "demo-data")


def prepare_demo_data(tasks: list[str], data_dir: Path, option: str = "--data-dir") -> Path:
    """Write (once) the demo benchmarks the tasks need into `data_dir`, which `option` named (a
    file there is an error naming it)."""
    unknown = [t for t in tasks if t not in SIZES]
    if unknown:
        raise InputError(f"no demo data for {', '.join(unknown)}",
                         hint=f"demo tasks: {', '.join(SIZES)}")
    output_folder(data_dir, option)
    write_demo_data(data_dir, tasks, {t: SIZES[t] for t in tasks}, EVAL_SEED)
    return data_dir
