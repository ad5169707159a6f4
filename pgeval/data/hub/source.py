"""The `hub` data source: a task's examples read from its Hugging Face Hub copy, the same examples
(ids, prompt fields, references, slices, split selections) its official reader gives."""

from __future__ import annotations

from pathlib import Path

from pgeval.data.base import DataSource, Example, check_unique_ids
from pgeval.data.hub.fetch import HubCopy
from pgeval.data.hub.images import EmbeddedImage
from pgeval.data.hub.rows import embedded_image, read_rows
from pgeval.data.hub.spec import HubSpec
from pgeval.errors import InputError


def hub_splits(spec: HubSpec | None) -> tuple[str, ...]:
    """The pgeval splits a task's Hub copy gives (none when it has no copy or it is not mapped)."""
    return () if spec is None or spec.not_mapped else tuple(spec.splits)


class HubSource(DataSource):
    """Reads one split of a Hub copy already on disk (`copy`), as `official` would read the split
    from the official files: that source says whether the split has answers, its submission
    format and file name, and finishes the examples (`official.finish`: a stored TFDS slice,
    every order of multi-span answers)."""

    def __init__(self, spec: HubSpec, official: DataSource, copy: HubCopy, task: str) -> None:
        super().__init__()
        self.spec, self.official, self.copy, self.task = spec, official, copy, task
        self.submission = official.submission

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(s for s in self.spec.splits if s in self.official.splits)

    def files(self, split: str) -> list[str]:
        self.check_split(split)
        return list(self.copy.files)

    def answered(self, split: str) -> bool:
        return self.official.answered(split)

    def submission_file(self, split: str) -> str | None:
        return self.official.submission_file(split)

    def missing_files(self, root: Path, split: str) -> list[Path]:
        self.check_split(split)
        return [root / f for f in self.copy.files if not (root / f).is_file()]

    def load(self, root: Path, split: str) -> list[Example]:
        self.check_split(split)
        rows = read_rows(root, self.copy.files, self.spec, answered=self.answered(split),
                         repo=self.copy.repo, task=self.task)
        where = f"{self.copy.repo}@{self.copy.commit[:12]}/{self.copy.files[0]}"
        check_unique_ids(rows, Path(where), split)
        expected = self.spec.rows.get(self.spec.splits[split])
        if expected is not None and len(rows) != expected:
            copy_split = self.spec.splits[split]
            raise InputError(f"{self.task}: split {copy_split!r} of the Hub copy {self.copy.repo} "
                             f"has {len(rows)} rows, the official split {expected}", path=where,
                             hint="a changed copy: pin the spec's [data.hub] revision, or use --source files")
        examples = self.official.finish(rows, split, where)
        return examples

    def image_input(self, root: Path, image: str) -> EmbeddedImage:
        """The stored image an example's image name points at."""
        return embedded_image(root, image, self.spec.image)
