"""Table-recognition ground truth in PubTabNet's JSON Lines layout: PubTabNet and FinTabNet.

Each line holds one table: {"filename", "split", "html": {"structure": {"tokens": [...]},
"cells": [{"tokens": [...], "bbox": [...]}, ...]}} (FinTabNet adds "table_id"; its "filename" is
the PDF page). The reference HTML is rebuilt from the tokens as PubTabNet's notebook does
(pgeval.metrics.table_html.rebuild_html).

- PubTabNet 2.0.0 (ibm-aur-nlp/PubTabNet README): one file, PubTabNet_2.0.0.jsonl, for every
  split; a split's tables are the lines whose "split" names it. Example ids are the filenames,
  images `{split}/{filename}` in the release.
- FinTabNet 1.0.0 (IBM's release: FinTabNet_1.0.0_cell_{train,val,test}.jsonl beside pdf/): one
  file per split; example ids are the table_ids. The release has PDF pages only; the images are
  table crops named by table_id (the spec's `images` pattern says where).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from pgeval.data.base import SOURCES, Example, check_unique_ids, field_of, id_field, list_field
from pgeval.data.files import FileSource
from pgeval.errors import InputError
from pgeval.io import read_jsonl
from pgeval.metrics.table_html import rebuild_html


def _tokens(value: Any, path: Path, what: str, line: int) -> list[str]:
    tokens = list_field(value, path, what, line=line)
    if not all(isinstance(t, str) for t in tokens):
        raise InputError(f"{what} must be a list of strings", path=str(path), line=line)
    return tokens


def reference_html(record: dict[str, Any], path: Path, line: int) -> str:
    """The table HTML of one annotation line, from its structure and cell tokens."""
    annotation = field_of(record, "html", path, line=line)
    structure = field_of(field_of(annotation, "structure", path, line=line), "tokens", path, line=line)
    cells = list_field(field_of(annotation, "cells", path, line=line), path, "html.cells", line=line)
    return rebuild_html(_tokens(structure, path, "html.structure.tokens", line),
                        [_tokens(field_of(c, "tokens", path, line=line), path, "a cell's tokens", line)
                         for c in cells])


class TabNetSource(FileSource):
    """Lines in PubTabNet's layout; `id_key` names the id, `one_file` says whether all splits
    share the file (their lines then carry the split's name)."""

    id_key: ClassVar[str]
    one_file: ClassVar[bool]

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        path = self.file(root, split, "annotations")
        # JSON's own spelling of `"split": "<name>"`, to skip other splits' lines undecoded.
        named = re.compile(r'"split"\s*:\s*' + re.escape(f'"{split}"')).search if self.one_file else None
        examples = []
        for lineno, r in read_jsonl(path, keep=named, objects=True):
            if named and r.get("split") != split:
                continue
            example_id = id_field(r, self.id_key, path, line=lineno)
            examples.append(Example(
                id=example_id,
                references=(reference_html(r, path, lineno),),
                images=self.images_for(split, r, where=dict(path=str(path), line=lineno,
                                                            example_id=example_id)),
            ))
        if not examples:
            raise InputError(f"no table of split {split!r}", path=str(path),
                             hint="each line names its split in a \"split\" field")
        check_unique_ids(examples, path, split)
        return examples


@SOURCES.register("pubtabnet")
class PubTabNetSource(TabNetSource):
    """PubTabNet_2.0.0.jsonl: every split in one file, ids are the image filenames."""

    id_key = "filename"
    one_file = True


@SOURCES.register("fintabnet")
class FinTabNetSource(TabNetSource):
    """FinTabNet_1.0.0_cell_<split>.jsonl: one file per split, ids are the table_ids."""

    id_key = "table_id"
    one_file = False
