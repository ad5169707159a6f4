"""DOCCI's official release (google.github.io/docci): `docci_descriptions.jsonlines`, one
{"example_id", "split", "image_file", "description"} per line for all of its splits (train,
test, qual_dev, qual_test), and the images unpacked from `docci_images.tar.gz` into `images/`.
"""

from __future__ import annotations

from pathlib import Path

from pgeval.data.base import SOURCES, Example, id_field, text_field
from pgeval.data.files import FileSource
from pgeval.errors import InputError
from pgeval.io import read_jsonl

FIELDS = ("example_id", "split", "image_file", "description")


@SOURCES.register("docci")
class DocciSource(FileSource):
    """A pgeval split's examples are the lines whose `split` is the split's name; the example
    id is `example_id`, the reference the `description`."""

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        path = self.file(root, split, "annotations")
        examples = []
        for line, record in read_jsonl(path, objects=True):
            example_id = id_field(record, "example_id", path, line=line)
            record_split, _, description = (text_field(record, key, path, line=line) for key in FIELDS[1:])
            if record_split != split:
                continue
            examples.append(Example(
                id=example_id, references=(description,),
                images=self.images_for(split, record, where={"path": str(path), "line": line})))
        if not examples:
            raise InputError(f"no line has split {split!r}", path=str(path),
                             hint="DOCCI's splits are train, test, qual_dev and qual_test")
        return examples
