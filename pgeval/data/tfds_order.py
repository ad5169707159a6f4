"""The order in which TensorFlow Datasets stores a split, and slices of that order.

Subsets that model cards report on are often TFDS slices such as big_vision's VQAv2 minival,
`validation[-10240:]` of its own `vqa` builder (big_vision/configs/proj/paligemma/transfers/
vqav2.py; the builder is big_vision/datasets/vqa/vqa.py). A slice is taken in the order TFDS
stored the split, which, for a builder without `disable_shuffling`, is not the order of the
source file: TFDS writes the examples sorted by a 128-bit hash of the key each was generated
with (tensorflow_datasets/core/split_builder.py passes the split name as `hash_salt`;
tensorflow_datasets/core/hashing.py computes the hash). That hash is the MD5 digest of the salt's
bytes followed by the key's bytes, read as a hexadecimal integer; an integer key is hashed as
its decimal string, and TFDS writes a backslash in a text key as "/" first. Sorting the examples
of the official files by that hash therefore gives the stored order, and a slice of it gives the
same examples as the TFDS slice, as long as the builder yields the same keys (the public builder
does; a privately changed one may not).

A split table selects such a subset with two optional keys (`TFDS_KEYS`):

    tfds_order = "validation"   # the TFDS split name: sort as TFDS stores that split
    tfds_slice = "-10240:"      # then keep this Python slice of it (start:stop, integers)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pgeval.errors import InputError

TFDS_KEYS = ("tfds_order", "tfds_slice")

T = TypeVar("T")


def _as_bytes(value: str | int) -> bytes:
    return str(value).replace("\\", "/").encode("utf-8")


def tfds_key_hash(salt: str, key: str | int) -> int:
    """TFDS's hash of an example key within split `salt`: int(md5(salt + str(key)), 16)."""
    return int(hashlib.md5(_as_bytes(salt) + _as_bytes(key)).hexdigest(), 16)


def tfds_storage_order(items: Sequence[T], key: Callable[[T], str | int], salt: str) -> list[T]:
    """`items` in the order TFDS stores them in split `salt`, given each item's generator key."""
    return sorted(items, key=lambda item: tfds_key_hash(salt, key(item)))


def parse_slice(text: str) -> slice:
    """A "start:stop" slice of integers, either bound optional ("-10240:", ":5120", "10:20")."""
    bounds = text.split(":")
    try:
        if len(bounds) != 2:
            raise ValueError
        start, stop = (int(b) if b.strip() else None for b in bounds)
    except ValueError:
        raise InputError(f"tfds_slice must be 'start:stop' with integer bounds, got {text!r}",
                         hint="e.g. '-10240:' for the last 10240 examples (percent slices are not "
                              "supported)") from None
    return slice(start, stop)


@dataclass(frozen=True)
class StoredSlice:
    """A split's selection: its examples in TFDS's stored order of split `salt`, then `window`."""

    salt: str
    window: slice

    @classmethod
    def from_split_args(cls, args: Mapping[str, Any], split: str) -> StoredSlice | None:
        """The selection a `[data.splits.<split>]` table asks for with TFDS_KEYS, or None."""
        salt, window = args.get("tfds_order"), args.get("tfds_slice")
        if salt is None and window is None:
            return None
        if not isinstance(salt, str) or not salt:
            raise InputError(f"split {split!r}: tfds_order must name the TFDS split whose stored "
                             f"order to use, e.g. 'validation' (got {salt!r})",
                             hint="tfds_slice slices that order, so it needs tfds_order")
        if window is not None and not isinstance(window, str):
            raise InputError(f"split {split!r}: tfds_slice must be a string such as '-10240:', "
                             f"got {window!r}")
        return cls(salt, parse_slice(window) if window is not None else slice(None))

    def select(self, items: Sequence[T], key: Callable[[T], str | int], path: str) -> list[T]:
        """The selected items, in stored order; `path` (the file they came from) names an empty
        selection in the error."""
        chosen = tfds_storage_order(items, key, self.salt)[self.window]
        if not chosen:
            bounds = ("" if b is None else str(b) for b in (self.window.start, self.window.stop))
            raise InputError(f"tfds_slice {':'.join(bounds)} of {len(items)} examples selects none",
                             path=path)
        return chosen
