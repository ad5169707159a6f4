"""Reading `.safetensors` files tensor by tensor with plain reads into aligned buffers.

The format is an 8-byte little-endian header length, a JSON header (dtype, shape and byte range
of each tensor), then the data. Reading with `readinto` rather than a memory map keeps the file's
pages out of the process's resident memory, so loading stays within the checkpoint's size.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import ml_dtypes
import numpy as np

from pgeval.errors import InputError
from pgeval.model.host_buffers import aligned_empty, read_into

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": ml_dtypes.bfloat16,
          "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8,
          "BOOL": np.bool_}


@dataclass(frozen=True)
class TensorInfo:
    file: Path
    dtype: np.dtype
    shape: tuple[int, ...]
    offset: int  # absolute byte offset of the data in the file


def read_header(file: Path) -> dict[str, TensorInfo]:
    """Every tensor's dtype, shape and offset; a file that is not safetensors, or is shorter than
    its header says (a truncated download), is an InputError naming it."""
    try:
        file_size = file.stat().st_size
        with open(file, "rb") as f:
            if file_size < 8:
                raise ValueError(f"the file has {file_size} bytes, too few for a header")
            (size,) = struct.unpack("<Q", f.read(8))
            if size > file_size - 8:
                raise ValueError(f"its header claims {size} bytes, the file has {file_size}")
            header = json.loads(f.read(size))
        if not isinstance(header, dict):
            raise ValueError("its header is not a JSON object")
    except (OSError, struct.error, ValueError) as e:  # JSONDecodeError, UnicodeDecodeError are ValueErrors
        raise InputError(f"not a readable .safetensors file: {e}", path=str(file)) from None
    infos = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = entry["dtype"], tuple(entry["shape"]), entry["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise InputError(f"tensor {name!r}: malformed header entry {entry!r:.80}",
                             path=str(file)) from None
        if dtype not in DTYPES:
            raise InputError(f"tensor {name!r} has unsupported dtype {dtype}", path=str(file))
        if 8 + size + end > file_size:
            raise InputError(f"truncated: tensor {name!r} ends at byte {8 + size + end}, the file has "
                             f"{file_size} bytes", path=str(file),
                             hint="the download or copy did not finish; fetch the file again")
        infos[name] = TensorInfo(file, np.dtype(DTYPES[dtype]), shape, 8 + size + begin)
    return infos


def read_tensor(info: TensorInfo) -> np.ndarray:
    """The tensor in its stored dtype, in a freshly allocated aligned buffer."""
    try:
        with open(info.file, "rb") as f:
            f.seek(info.offset)
            return read_into(f, aligned_empty(info.shape, info.dtype))
    except (OSError, EOFError) as e:  # the file changed since its header was read
        raise InputError(f"cannot read a tensor: {e}", path=str(info.file)) from None
