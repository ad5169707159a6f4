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
    try:
        with open(file, "rb") as f:
            (size,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(size))
    except (OSError, struct.error, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"not a readable .safetensors file: {e}", path=str(file)) from None
    infos = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in DTYPES:
            raise InputError(f"tensor {name!r} has unsupported dtype {entry['dtype']}", path=str(file))
        begin, _ = entry["data_offsets"]
        infos[name] = TensorInfo(file, np.dtype(DTYPES[entry["dtype"]]), tuple(entry["shape"]),
                                 8 + size + begin)
    return infos


def read_tensor(info: TensorInfo) -> np.ndarray:
    """The tensor in its stored dtype, in a freshly allocated aligned buffer."""
    with open(info.file, "rb") as f:
        f.seek(info.offset)
        return read_into(f, aligned_empty(info.shape, info.dtype))
