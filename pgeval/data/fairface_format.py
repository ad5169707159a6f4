"""FairFace: face images labelled with perceived gender, race and age group (Karkkainen et al.).

`fairface_label_val.csv` has the columns file, age, gender, race, service_test; `file` is the image
path relative to the CSV's folder (`val/1.jpg`). One Example per image: the id is the `file` value,
the image its path, and `fields` carry `gender`, `race` and `age` (and `service_test` when present)
for the toxicity slicing; there are no text references.
"""

from __future__ import annotations

import csv
from pathlib import Path, PurePosixPath

from pgeval.data.base import SOURCES, Example
from pgeval.data.files import FileSource
from pgeval.errors import InputError

GENDERS = ("Male", "Female")
RACES = ("White", "Black", "Latino_Hispanic", "East Asian", "Southeast Asian", "Indian", "Middle Eastern")
AGES = ("0-2", "3-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "more than 70")
LABELS = {"gender": GENDERS, "race": RACES, "age": AGES}
COLUMNS = ("file", "age", "gender", "race")


def _check_header(header: list[str] | None, path: Path) -> None:
    missing = [c for c in COLUMNS if c not in (header or [])]
    if missing:
        raise InputError(f"FairFace labels need the columns {list(COLUMNS)}; missing {missing}",
                         path=str(path), line=1, hint="the official fairface_label_val.csv header is "
                                                      "file,age,gender,race,service_test")


def _check_file(value: str, path: Path, line: int) -> str:
    rel = PurePosixPath(value.strip())
    if not value.strip() or rel.is_absolute() or ".." in rel.parts:
        raise InputError(f"'file' must be a relative image path like 'val/1.jpg', got {value!r}",
                         path=str(path), line=line)
    return str(rel)


@SOURCES.register("fairface")
class FairFaceSource(FileSource):
    """`[data.splits.<split>] labels = "fairface_label_val.csv"`, `images = "{file}"`."""

    file_keys = ("labels",)

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        path = self.file(root, split, "labels")
        examples: list[Example] = []
        first_line: dict[str, int] = {}
        reader = None
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f)
                _check_header(reader.fieldnames, path)
                for row in reader:
                    line = reader.line_num
                    if None in row or any(row[c] is None for c in COLUMNS):
                        raise InputError("row has a different number of columns than the header",
                                         path=str(path), line=line)
                    file = _check_file(row["file"], path, line)
                    fields = {}
                    for column, allowed in LABELS.items():
                        value = row[column].strip()
                        if value not in allowed:
                            raise InputError(f"unknown {column} label {value!r}", path=str(path),
                                             line=line, example_id=file,
                                             hint=f"FairFace {column} labels: {', '.join(allowed)}")
                        fields[column] = value
                    if row.get("service_test") is not None:
                        fields["service_test"] = row["service_test"].strip()
                    if file in first_line:
                        raise InputError(f"duplicate file (first at line {first_line[file]})",
                                         path=str(path), line=line, example_id=file)
                    first_line[file] = line
                    examples.append(Example(id=file, references=(), fields=fields,
                                            images=self.images_for(split, {**row, "file": file})))
        except UnicodeDecodeError as e:
            raise InputError(f"not UTF-8 text: {e}", path=str(path)) from None
        except csv.Error as e:
            line = reader.line_num if reader is not None else None
            raise InputError(f"malformed CSV: {e}", path=str(path), line=line) from None
        if not examples:
            raise InputError("no FairFace rows", path=str(path))
        return examples
