"""Images embedded in a Hub copy's parquet rows, read one row group at a time.

A row group's image column is read once and kept while the decoding threads work through it
(a few row groups at a time), so a split is never held in memory whole."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pgeval.errors import InputError

ROW_GROUPS_KEPT = 4


def cell_bytes(cell: object) -> bytes | None:
    """An image cell's bytes: the `datasets` Image feature stores {bytes, path}; a plain binary
    column stores the bytes."""
    if isinstance(cell, dict):
        cell = cell.get("bytes")
    return cell if isinstance(cell, bytes) else None


@functools.lru_cache(maxsize=ROW_GROUPS_KEPT)
def row_group_images(path: str, group: int, column: str) -> tuple[bytes | None, ...]:
    """The image bytes of one row group of a parquet file, row by row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path).read_row_group(group, columns=[column])
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"cannot read row group {group}: {e}", path=path,
                         hint="the file may be truncated: `pgeval data download` fetches it again") from None
    return tuple(cell_bytes(c) for c in table.column(column).to_pylist())


@dataclass(frozen=True)
class EmbeddedImage:
    """The image of row `row` of row group `group` of a parquet file, as the engine reads it (a
    pgeval.model.images.StoredImage); `key` is the location of the first row showing the same
    image (see pgeval.data.hub.rows), so rows sharing it share one encoding."""

    file: Path
    group: int
    row: int
    column: str
    key: str

    def read(self) -> bytes:
        data = row_group_images(str(self.file), self.group, self.column)[self.row]
        if data is None:
            raise InputError(f"row {self.row} of row group {self.group} has no image bytes in column "
                             f"{self.column!r}", path=str(self.file))
        return data
