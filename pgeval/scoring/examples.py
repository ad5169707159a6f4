"""A task's examples: the split its data source reads from the data folder, with unique ids."""

from __future__ import annotations

from pathlib import Path

from pgeval.data import Example
from pgeval.data.base import check_unique_ids
from pgeval.tasks import TaskSpec


def load_examples(spec: TaskSpec, data_dir: str | Path, split: str | None = None) -> list[Example]:
    """The split's examples, read from `data_dir/<task data folder>/` by the spec's source."""
    split = split or spec.split
    source = spec.data_source()
    source.check_split(split)
    root = Path(data_dir) / spec.data_dir
    examples = source.load(root, split)
    check_unique_ids(examples, root / next(iter(source.files(split)), ""), split)
    return examples
