"""A Hub copy's rows as pgeval examples: its parquet files read with pyarrow, row group by row
group and only the columns the spec names (the image column only when images are told apart by
a digest of their bytes), so a 200k-row split never sits in memory at once.

Each example's image is named by where it is stored, `<file>:<row group>:<row>`; rows showing
the same image (the same `image_id`, or the same bytes) all name the first such row, so the
engine encodes each image once however many questions ask about it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pgeval.data.base import Example
from pgeval.data.hub.images import EmbeddedImage, row_group_images
from pgeval.data.hub.spec import HubSpec
from pgeval.data.vqa_formats import answer_strings
from pgeval.errors import InputError

REFETCH = "the file may be truncated or damaged: `pgeval data download {task}` fetches it again"


def location(file: str, group: int, row: int) -> str:
    return f"{file}:{group}:{row}"


def embedded_image(root: Path, name: str, column: str) -> EmbeddedImage:
    """The EmbeddedImage an example's image name (`location`) points at, under the copy's folder."""
    file, group, row = name.rsplit(":", 2)
    return EmbeddedImage(root / file, int(group), int(row), column, name)


def _open(path: Path, task: str) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"not a readable parquet file: {e}", path=str(path),
                         hint=REFETCH.format(task=task)) from None


def _groups(path: Path, columns: list[str], task: str) -> Iterator[tuple[int, list[dict]]]:
    """Each row group's rows (the named columns only) as dicts."""
    import pyarrow as pa

    parquet = _open(path, task)
    for group in range(parquet.num_row_groups):
        try:
            yield group, parquet.read_row_group(group, columns=columns).to_pylist()
        except (pa.ArrowException, OSError) as e:
            raise InputError(f"cannot read row group {group}: {e}", path=str(path),
                             hint=REFETCH.format(task=task)) from None


def check_columns(path: Path, spec: HubSpec, repo: str, task: str) -> None:
    """The copy's file has every column the spec reads; else the copy changed since the spec was written."""
    names = set(_open(path, task).schema_arrow.names)
    missing = [c for c in (*spec.columns, spec.image) if c not in names]
    if missing:
        raise InputError(f"the Hub copy {repo} has no column(s) {missing} (it has {sorted(names)}): "
                         "its layout changed since the task spec was written", path=str(path),
                         hint=f"pin the spec's [data.hub] revision to a commit with the expected "
                              f"columns, or run {task} from the official files with --source files")


def _text(row: dict, column: str, path: Path, index: int) -> str:
    value = row.get(column)
    if not isinstance(value, str):
        raise InputError(f"column {column!r} must hold text, got {value!r:.60}", path=str(path), index=index)
    return value


def read_rows(root: Path, files: Sequence[str], spec: HubSpec, *, answered: bool, repo: str,
              task: str) -> list[Example]:
    """The examples of a split stored in `files` (relative to the copy's folder `root`), in file
    and row order."""
    examples: list[Example] = []
    first: dict[str, str] = {}  # image key -> location of the first row showing it
    for name in files:
        path = root / name
        check_columns(path, spec, repo, task)
        index = 0
        for group, rows in _groups(path, spec.columns, task):
            digests = None if spec.image_id else [
                hashlib.sha256(b or b"").hexdigest() for b in row_group_images(str(path), group, spec.image)]
            for row_in_group, row in enumerate(rows):
                key = str(row[spec.image_id]) if spec.image_id else f"sha256:{digests[row_in_group]}"
                image = first.setdefault(key, location(name, group, row_in_group))
                try:
                    example_id = spec.id.format_map(row)
                except (KeyError, ValueError) as e:
                    raise InputError(f"id template {spec.id!r} does not fit the row: {e}", path=str(path),
                                     index=index) from None
                examples.append(Example(
                    id=example_id,
                    references=answer_strings({"answers": row.get(spec.answers)}, path, index, example_id)
                    if answered else (),
                    images=(image,),
                    fields={f: _text(row, c, path, index) for f, c in spec.fields.items()},
                    slice=row.get(spec.slice) if spec.slice else None,
                ))
                index += 1
    return examples

