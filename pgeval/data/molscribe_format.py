"""MolScribe's benchmark tables (thomas0809/MolScribe), as its data release lays them out: the
PaliGemma 2 report evaluates its PubChem transfer on `synthetic/chemdraw.csv`.

A table has the columns `image_id`, `file_path` (the image, relative to the data folder the table
is under: `synthetic/chemdraw/<image_id>.png`) and `SMILES` (the reference), as MolScribe's
evaluate.py and dataset reader use them. An example's id is its `image_id`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pgeval.data.base import SOURCES, Example
from pgeval.data.files import FileSource
from pgeval.errors import InputError
from pgeval.io import read_text

COLUMNS = ("image_id", "SMILES")


@SOURCES.register("molscribe_csv")
class MolScribeCsvSource(FileSource):
    """`[data.splits.<split>] annotations = "synthetic/chemdraw.csv"`, `images = "{file_path}"`."""

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        path = self.file(root, split, "annotations")
        reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
        examples = []
        try:
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"missing column(s) {missing}", path=str(path), line=1,
                                 hint="MolScribe's tables have the columns image_id, file_path, SMILES")
            for row in reader:
                line = reader.line_num
                if None in row or None in row.values():
                    raise InputError("row has a different number of columns than the header",
                                     path=str(path), line=line)
                image_id, smiles = row["image_id"].strip(), row["SMILES"].strip()
                if not image_id or not smiles:
                    raise InputError("image_id and SMILES must not be empty", path=str(path),
                                     line=line, example_id=image_id or None)
                examples.append(Example(id=image_id, references=(smiles,),
                                        images=self.images_for(split, row,
                                                               where={"path": str(path), "line": line})))
        except csv.Error as e:
            raise InputError(f"malformed CSV: {e}", path=str(path), line=reader.line_num) from None
        if not examples:
            raise InputError("no rows", path=str(path))
        return examples
