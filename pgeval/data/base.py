"""The example type every data source produces, the data-source interface, and its registry."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pgeval.errors import InputError
from pgeval.registry import Registry


@dataclass(frozen=True, slots=True)
class Example:
    """One scored unit: an id, its image(s), the prompt fields, and the references.

    `images` are paths relative to the task's data folder (or absolute), in the order the model
    sees them: one for most benchmarks, two for NLVR2-style pairs; for a video task (a task spec
    with a [video] table) each is a video file or a folder of its frames, and `segment` the
    (start, end) seconds of the clip within it. `fields` fills the task's prompt template
    (`question`, `lang`, ...) and carries source-specific extras; `slice` names the subset the
    example belongs to (answer type, language, POPE split, ...) for per-slice metrics; `target`
    holds a reference that is not text (a ground-truth mask and box, for segmentation).
    """

    id: str
    references: tuple[str, ...]
    images: tuple[str, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict)
    slice: str | None = None
    target: Any = None
    segment: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class SubmissionFormat:
    """The keys of a benchmark's official prediction file: a JSON list of {id_key, text_key}."""

    id_key: str
    text_key: str
    integer_ids: bool = False  # the server wants ids as JSON integers (question ids)


SOURCES: Registry[type[DataSource]] = Registry("data source", "pgeval.sources")


class DataSource(ABC):
    """Reads one official annotation format. Constructed with the task spec's `[data]` arguments."""

    submission: ClassVar[SubmissionFormat | None] = None

    def __init__(self, **args: Any) -> None:
        if args:
            raise InputError(f"{type(self).__name__} takes no arguments, got {sorted(args)}")

    @property
    @abstractmethod
    def splits(self) -> tuple[str, ...]:
        """The split names this source can read."""

    @abstractmethod
    def files(self, split: str) -> list[str]:
        """Annotation files the split needs, relative to the task's data folder."""

    def image_pattern(self, split: str) -> str | None:
        """Where the images live, relative to the task's data folder (for listings), or None."""
        return None

    @abstractmethod
    def load(self, root: Path, split: str) -> list[Example]:
        """Read the split's examples from the task's data folder `root`."""

    def answered(self, split: str) -> bool:
        """Whether the split holds references to score against (a test split may not)."""
        return True

    def finish(self, examples: list[Example], split: str, where: str) -> list[Example]:
        """What the source does to a split's examples once read (keeps a stored slice of them,
        adds references): applied to the official files' examples and to a Hub copy's alike.
        `where` names the data in errors."""
        return examples

    def submission_file(self, split: str) -> str | None:
        """The name the benchmark's server gives its submission file, if the split says one."""
        return None

    def check_split(self, split: str) -> None:
        if split not in self.splits:
            raise InputError(
                f"{type(self).__name__} has no split {split!r}",
                hint=f"available splits: {', '.join(self.splits)}",
            )

    def missing_files(self, root: Path, split: str) -> list[Path]:
        """The split's files that are not there (a folder in a file's place says so)."""
        self.check_split(split)
        return [root / (f"{f}  (a folder, where this file belongs)" if (root / f).is_dir() else f)
                for f in self.files(split) if not (root / f).is_file()]

    def require_files(self, root: Path, split: str) -> None:
        missing = self.missing_files(root, split)
        if missing:
            raise InputError(
                "missing data file(s):\n" + "\n".join(f"  {p}" for p in missing),
                hint=f"put the official annotation files under {root}/ with these names",
            )


def check_unique_ids(examples: Sequence[Example], path: Path, split: str) -> None:
    """Every example of a split needs its own id: predictions, scores and resumed runs are keyed
    by it. `path` is the file the ids come from (for the message)."""
    seen: dict[str, int] = {}
    for i, e in enumerate(examples):
        if e.id in seen:
            raise InputError(f"duplicate id: examples {seen[e.id]} and {i} of split {split!r} both "
                             "have it", path=str(path), example_id=e.id,
                             hint="every example of a split needs its own id")
        seen[e.id] = i


def field_of(
    record: Mapping[str, Any], key: str, path: Path, index: int | None = None, *, line: int | None = None
) -> Any:
    """record[key], or an error naming the file, the entry (or line) and the missing key."""
    try:
        return record[key]
    except (KeyError, TypeError):
        raise InputError(
            f"entry has no {key!r} field", path=str(path), index=index, line=line
        ) from None


def text_field(record: Mapping[str, Any], key: str, path: Path, **where: Any) -> str:
    """record[key] as a string, or an error naming the file, the entry or line (`where`) and the key."""
    value = field_of(record, key, path, where.get("index"), line=where.get("line"))
    if not isinstance(value, str):
        raise InputError(f"{key!r} must be a string, got {value!r}", path=str(path), **where)
    return value


def id_field(record: Mapping[str, Any], key: str, path: Path, **where: Any) -> str:
    """An id (a string or an integer in the file) as a string."""
    value = field_of(record, key, path, where.get("index"), line=where.get("line"))
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(f"{key!r} must be a string or an integer, got {value!r}", path=str(path),
                         **where)
    return str(value)


def list_field(value: Any, path: Path, what: str, **where: Any) -> list[Any]:
    """A value that must be a JSON list."""
    if not isinstance(value, list):
        raise InputError(f"{what} must be a list, got {type(value).__name__}", path=str(path), **where)
    return value


def segment_bounds(value: Any, path: Path, **where: Any) -> tuple[float, float]:
    """[start, end] in seconds (numbers) as floats."""
    ok = isinstance(value, list | tuple) and len(value) == 2 and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    if not ok:
        raise InputError(f"a segment must be [start, end] in seconds, got {value!r}", path=str(path),
                         **where)
    return float(value[0]), float(value[1])
