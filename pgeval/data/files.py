"""Data sources whose splits are named in the task spec: `[data.splits.<split>]` file arguments."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from pgeval.data.base import DataSource
from pgeval.errors import InputError
from pgeval.io import read_json


class FileSource(DataSource):
    """A source configured per split with file names (`file_keys`) and an `images` pattern.

    The task spec says, for each split, where the official files live under the task's data
    folder; the source class knows how to read them.
    """

    file_keys: ClassVar[tuple[str, ...]] = ("annotations",)
    optional_keys: ClassVar[tuple[str, ...]] = ("images",)
    # Of `file_keys`, those only a split with answers has (VQAv2's annotations); a source that
    # can read a test split without answers (`with_answers = false`) says so with
    # `reads_unanswered`.
    answer_keys: ClassVar[tuple[str, ...]] = ()
    reads_unanswered: ClassVar[bool] = False
    # Keys every split may have: `with_answers = false` for a split without references (a test
    # split: its predictions become the server's submission file), and that file's name.
    split_keys: ClassVar[tuple[str, ...]] = ("with_answers", "submission_file")

    def __init__(self, splits: Mapping[str, Mapping[str, Any]] | None = None, **args: Any) -> None:
        super().__init__(**args)
        if not splits:
            raise InputError(f"{type(self).__name__} needs a [data.splits.<name>] table")
        known = set(self.file_keys) | set(self.optional_keys) | set(self.split_keys)
        for name, split_args in splits.items():
            answered = split_args.get("with_answers", True)
            if not isinstance(answered, bool) or not (answered or self.reads_unanswered):
                raise InputError(f"split {name!r} of {type(self).__name__}: with_answers must be "
                                 "true or false, and only sources of test-server benchmarks read "
                                 "a split without answers")
            needed = [k for k in self.file_keys if answered or k not in self.answer_keys]
            missing = [k for k in needed if k not in split_args]
            unknown = sorted(set(split_args) - known)
            if missing or unknown:
                raise InputError(
                    f"split {name!r} of {type(self).__name__}: "
                    + (f"missing {missing} " if missing else "")
                    + (f"unknown {unknown}" if unknown else ""),
                    hint=f"expected keys: {sorted(known)}",
                )
        self.split_args = {name: dict(a) for name, a in splits.items()}

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(self.split_args)

    def files(self, split: str) -> list[str]:
        self.check_split(split)
        return [self.split_args[split][k] for k in self.file_keys if k in self.split_args[split]]

    def answered(self, split: str) -> bool:
        self.check_split(split)
        return self.split_args[split].get("with_answers", True)

    def submission_file(self, split: str) -> str | None:
        self.check_split(split)
        return self.split_args[split].get("submission_file")

    def image_pattern(self, split: str) -> str | None:
        self.check_split(split)
        return self.split_args[split].get("images")

    def file(self, root: Path, split: str, key: str) -> Path:
        return root / self.split_args[split][key]

    def read(self, root: Path, split: str, key: str = "annotations") -> Any:
        self.require_files(root, split)
        return read_json(self.file(root, split, key))

    def images_for(self, split: str, record: Mapping[str, Any], *each: Mapping[str, Any],
                   where: Mapping[str, Any] | None = None) -> tuple[str, ...]:
        """The image paths of one annotation record, from the split's `images` pattern (none
        without a pattern): one, or one per mapping in `each`, whose names fill the pattern
        beside the record's (the `{side}` of a pair's left and right images). `where` (path,
        index or line) locates the record in an error."""
        pattern = self.image_pattern(split)
        if pattern is None:
            return ()
        for extra in each or ({},):
            _check_name_fields(pattern, {**record, **extra}, where or {})
        try:
            return tuple(pattern.format_map({**record, **extra}) for extra in each or ({},))
        except KeyError as e:
            raise InputError(f"the images pattern {pattern!r} of split {split!r} needs {e.args[0]!r}, "
                             f"which the record lacks (it has {sorted(record)})", **(where or {})) from None
        except (IndexError, ValueError, AttributeError, TypeError) as e:
            raise InputError(f"the images pattern {pattern!r} of split {split!r} does not fit the "
                             f"record: {e}", **(where or {})) from None


def _check_name_fields(pattern: str, record: Mapping[str, Any], where: Mapping[str, Any]) -> None:
    """The record's values that fill an image name must be non-empty strings or numbers: a null
    would make the image "None", a list its text."""
    for _, name, _, _ in string.Formatter().parse(pattern):
        key = re.split(r"[.\[]", name)[0] if name else None
        if not key or key not in record:
            continue  # a missing key is reported by the pattern's own formatting
        value = record[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
            raise InputError(f"{key!r} is {json.dumps(value, default=str)}, not an image name (the images "
                             f"pattern is {pattern!r})", **where,
                             hint="each record needs its image's file name (or id)")
