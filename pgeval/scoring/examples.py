"""A task's examples: the split its data source reads from the data folder, with unique ids and,
in a task averaged over slices, each in a slice."""

from __future__ import annotations

from pathlib import Path

from pgeval.data import Example
from pgeval.data.base import check_unique_ids
from pgeval.errors import InputError
from pgeval.tasks import TaskSpec


def load_examples(spec: TaskSpec, data_dir: str | Path, split: str | None = None) -> list[Example]:
    """The split's examples, read from `data_dir/<task data folder>/` by the spec's source, each
    in a slice where the task averages its slices (check_slices)."""
    split = split or spec.split
    source = spec.data_source()
    source.check_split(split)
    root = Path(data_dir) / spec.data_dir
    examples = source.load(root, split)
    where = root / next(iter(source.files(split)), "")
    check_unique_ids(examples, where, split)
    check_slices(spec, examples, where)
    return examples


def check_slices(spec: TaskSpec, examples: list[Example], where: Path) -> None:
    """In a task whose value is the mean over slices, an example without a slice would count in
    no slice's mean: an error naming the file (`where`) and the id."""
    if spec.aggregate != "slice_mean":
        return
    lost = [e.id for e in examples if e.slice is None]
    if lost:
        raise InputError(f"task {spec.name} averages its slices, but {len(lost)} example(s) "
                         f"have no slice, so they would count in none", path=str(where),
                         example_id=lost[0], hint="give every example its slice (the field "
                         "the task's data source reads it from), or set aggregate = "
                         f"\"pooled\" in {spec.path or 'the task spec'}")
