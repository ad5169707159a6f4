"""The example type every data source produces, the data-source interface, and its registry."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
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


# Byte-order marks, longest first (UTF-32-LE's begins with UTF-16-LE's).
BOMS = ((b"\x00\x00\xfe\xff", "UTF-32-BE"), (b"\xff\xfe\x00\x00", "UTF-32-LE"),
        (b"\xef\xbb\xbf", "UTF-8"), (b"\xfe\xff", "UTF-16-BE"), (b"\xff\xfe", "UTF-16-LE"))
SAVE_AS_UTF8 = "save it as UTF-8 without a byte-order mark (e.g. open(path, 'w', encoding='utf-8'))"


def _not_utf8(data: bytes) -> str | None:
    """What a file's bytes are when they are not plain UTF-8 text: UTF-8 with a byte-order mark,
    or UTF-16/32 (with a mark, or without: NUL bytes beside ASCII ones); None otherwise."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return f"{name} with a byte-order mark" if name == "UTF-8" else f"{name} text"
    head = data[:2]
    if len(head) == 2 and (head[0] == 0) != (head[1] == 0):
        return "UTF-16-BE text" if head[0] == 0 else "UTF-16-LE text"
    return None


def read_text(path: Path, *, utf8_bom: bool = False) -> str:
    """A text input file's contents. Every reader of input files (JSON, JSONL, TOML, CSV) goes
    through here, so each problem reads the same: a missing file, a folder, a byte-order mark or
    UTF-16 text (to be saved as UTF-8), bytes that are not UTF-8 (with the line).

    `utf8_bom`: the format's official files begin with a UTF-8 byte-order mark (the ICDAR Robust
    Reading ground truth does), so one is accepted and dropped; UTF-16/32 are still refused."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise InputError("this is a folder, expected a file", path=str(path)) from None
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except OSError as e:
        raise InputError(f"cannot read the file: {e.strerror or e}", path=str(path)) from None
    if utf8_bom and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    encoding = _not_utf8(data)
    if encoding:
        raise InputError(f"the file is {encoding}, pgeval reads UTF-8", path=str(path),
                         hint=SAVE_AS_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text: byte {e.start} is {data[e.start:e.start + 1]!r}",
                         path=str(path), line=data.count(b"\n", 0, e.start) + 1,
                         hint=SAVE_AS_UTF8) from None


def read_json(path: Path) -> Any:
    """Parse a JSON file; an empty file or a syntax error names the file (and line and column)."""
    text = read_text(path)
    if not text.strip():
        raise InputError("empty file, expected a JSON document", path=str(path))
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(
            f"malformed JSON: {e.msg} (column {e.colno})", path=str(path), line=e.lineno
        ) from None


def read_jsonl(path: Path, keep: Callable[[str], bool] | None = None, *, objects: bool = False,
               allow_empty: bool = False) -> list[tuple[int, Any]]:
    """The (line number, value) of each line of a JSON Lines file (data, predictions, runs,
    scores), blank lines skipped; malformed JSON is an error naming the file and the line. The
    whole file is parsed first, so a malformed line is reported before what a caller checks.

    `keep`, when given, picks the lines worth decoding from their raw text (a fast filter over
    a large file, e.g. one split out of PubTabNet's single file). `objects`: a line that is not
    a JSON object is an error. A file without any line is an error, unless `allow_empty` (a
    run's partial predictions, before its first batch).
    """
    rows, lines = [], 0
    for lineno, line in enumerate(read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        lines += 1
        if keep is not None and not keep(line):
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"malformed JSON: {e.msg} (column {e.colno})", path=str(path), line=lineno,
                             hint="JSON Lines: one complete JSON value per line") from None
        rows.append((lineno, value))
    if not lines and not allow_empty:
        raise InputError("empty file, expected one JSON object per line", path=str(path))
    if objects:
        not_object = next((n for n, value in rows if not isinstance(value, dict)), None)
        if not_object is not None:
            raise InputError("each line must be a JSON object", path=str(path), line=not_object)
    return rows


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
