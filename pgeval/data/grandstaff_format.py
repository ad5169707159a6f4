"""GrandStaff (Ríos-Vila et al., "End-to-end optical music recognition for pianoform sheet music",
IJDAR 2023), read as its release lays it out.

The release (grandstaff.tgz, unpacked as `grandstaff_dataset/`) holds, for each system,
`<name>.krn` (its **kern), `<name>.bekrn` (**bekern: the same, each token cut into parts by `·`),
`<name>.jpg` (the clean rendering) and `<name>_distorted.jpg` (Camera GrandStaff). The partition
files list one `.krn` path per line, relative to the GrandStaff folder; the "types" partition
(`partitions_grandstaff/types/{train,val,test}.txt`, as antoniorv6/SMT trains and tests with) has
the original excerpts as its test set and augmented ones as train and val.

Split keys: `partition` (the list file), `transcription` (which file beside each listed path is
the reference: "bekrn", what SMT reads, or "krn"), `images` (the image pattern, filled with `stem`,
the listed path without its extension: "{stem}.jpg"). An example's id is its stem.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from pgeval.data.base import SOURCES, Example
from pgeval.data.files import FileSource
from pgeval.errors import InputError
from pgeval.io import read_text

TRANSCRIPTIONS = ("bekrn", "krn")


@SOURCES.register("grandstaff")
class GrandStaffSource(FileSource):
    """`[data.splits.<split>] partition = "partitions_grandstaff/types/test.txt"`,
    `transcription = "bekrn"`, `images = "{stem}.jpg"`."""

    file_keys = ("partition",)
    optional_keys: ClassVar[tuple[str, ...]] = ("images", "transcription")

    def __init__(self, **args: Any) -> None:
        super().__init__(**args)
        for name, split_args in self.split_args.items():
            if split_args.get("transcription", "bekrn") not in TRANSCRIPTIONS:
                raise InputError(f"split {name!r} of grandstaff: transcription must be one of "
                                 f"{list(TRANSCRIPTIONS)}, got {split_args['transcription']!r}")

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        path = self.file(root, split, "partition")
        extension = self.split_args[split].get("transcription", "bekrn")
        examples = []
        for lineno, line in enumerate(read_text(path).splitlines(), start=1):
            if not line.strip():
                continue
            listed = PurePosixPath(line.strip())
            if listed.is_absolute() or ".." in listed.parts or listed.suffix != ".krn":
                raise InputError(f"expected a relative path to a .krn file, got {line.strip()!r}",
                                 path=str(path), line=lineno,
                                 hint="GrandStaff's partition files list paths like "
                                      "grandstaff_dataset/<author>/<work>/<piece>/original_m-0-4.krn")
            stem = str(listed.with_suffix(""))
            transcription = root / f"{stem}.{extension}"
            if not transcription.is_file():
                raise InputError(f"the listed system has no .{extension} file: {transcription}",
                                 path=str(path), line=lineno, example_id=stem,
                                 hint="unpack grandstaff.tgz as grandstaff_dataset/ beside "
                                      "partitions_grandstaff/")
            text = read_text(transcription)
            if not text.strip():
                raise InputError("empty transcription", path=str(transcription), example_id=stem)
            examples.append(Example(id=stem, references=(text,),
                                    images=self.images_for(split, {"stem": stem},
                                                           where={"path": str(path), "line": lineno})))
        if not examples:
            raise InputError("the partition file lists no system", path=str(path))
        return examples
