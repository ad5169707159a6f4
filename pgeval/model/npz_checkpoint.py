"""big_vision `.npz` checkpoints: flat '/'-joined keys, optionally under `params/`, with bf16
arrays stored as 2-byte void. Headers are read first (the config comes from the shapes), then
arrays one at a time, so host memory holds one tensor beyond the model. `save_npz` writes the
same layout (to convert a Hugging Face checkpoint, or to ship a small model)."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import ml_dtypes
import numpy as np
from flax.traverse_util import flatten_dict

from pgeval.errors import InputError
from pgeval.model.host_buffers import aligned_empty, as_aligned, read_into


def _key(member: str) -> str:
    name = member.removesuffix(".npy")
    return name.removeprefix("params/")


def _read_header(fp: BinaryIO) -> tuple[tuple[int, ...], bool, np.dtype]:
    version = np.lib.format.read_magic(fp)
    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
            else np.lib.format.read_array_header_2_0)
    return read(fp)


def npz_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Every array's shape, from the .npy headers inside the archive."""
    shapes = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                with zf.open(info) as fp:
                    shapes[_key(info.filename)] = tuple(_read_header(fp)[0])
    except (zipfile.BadZipFile, ValueError) as e:
        raise InputError(f"not a readable .npz checkpoint: {e}", path=str(path),
                         hint="a big_vision .npz is a zip of .npy arrays; a truncated download "
                              "is not readable: fetch the file again") from None
    return shapes


def restore_dtype(dtype: np.dtype) -> np.dtype:
    """big_vision saves bfloat16 as 2-byte void: read those bytes as bfloat16."""
    if dtype.kind == "V":
        if dtype.itemsize != 2:
            raise ValueError(f"unexpected void dtype {dtype}")
        return np.dtype(ml_dtypes.bfloat16)
    return dtype


def iter_npz(path: Path, dtype: np.dtype) -> Iterator[tuple[str, np.ndarray]]:
    """(key without `params/`, array in `dtype`) pairs, each read straight into an aligned buffer;
    an array whose bytes are damaged (a CRC mismatch, a short member) is an InputError."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            try:
                with zf.open(info) as fp:
                    shape, fortran, stored = _read_header(fp)
                    stored = restore_dtype(stored)
                    a = read_into(fp, aligned_empty(shape[::-1] if fortran else shape, stored))
            except (zipfile.BadZipFile, EOFError, ValueError, zlib.error) as e:
                raise InputError(f"damaged .npz checkpoint: array {_key(info.filename)!r}: {e}",
                                 path=str(path), hint="fetch or copy the file again") from None
            yield _key(info.filename), as_aligned(a.T if fortran else a, dtype)


def save_npz(params: Mapping[str, Any], path: str | Path) -> Path:
    """Write a parameter tree in big_vision's layout (keys under `params/`, bf16 as void)."""
    arrays = {}
    for key, value in flatten_dict(dict(params), sep="/").items():
        a = np.asarray(value)
        arrays[f"params/{key}"] = a.view(np.dtype("V2")) if a.dtype == ml_dtypes.bfloat16 else a
    path = Path(path)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path
