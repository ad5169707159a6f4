"""Host buffers that JAX can adopt without copying, filled straight from checkpoint files.

On the CPU backend `jax.device_put` takes a 64-byte aligned NumPy array as it is; tensors read
into such buffers never exist twice on the host, which keeps loading within the checkpoint's size.
"""

from __future__ import annotations

from typing import BinaryIO

import numpy as np

ALIGN = 64
CHUNK = 1 << 24  # file objects such as zip members read through a temporary bytes of this size


def aligned_empty(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + ALIGN, np.uint8)
    offset = (-raw.ctypes.data) % ALIGN
    return raw[offset : offset + nbytes].view(dtype).reshape(shape)


def read_into(fp: BinaryIO, out: np.ndarray) -> np.ndarray:
    """Fill a C-contiguous array with the next bytes of a file, a chunk at a time."""
    view = memoryview(out.reshape(-1).view(np.uint8))
    filled = 0
    while filled < len(view):
        n = fp.readinto(view[filled : filled + CHUNK])
        if not n:
            raise EOFError(f"file ended after {filled} of {len(view)} bytes")
        filled += n
    return out


def as_aligned(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`a` in `dtype`, in an aligned buffer (no copy when it already is one)."""
    dtype = np.dtype(dtype)
    if a.dtype == dtype and a.flags.c_contiguous and a.ctypes.data % ALIGN == 0:
        return a
    out = aligned_empty(a.shape, dtype)
    out[...] = a
    return out
