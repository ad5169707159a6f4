"""Text-spotting ground truth: ICDAR 2015 Incidental Scene Text and Total-Text, one file per image.

Per split, `annotations` names the folder of the official per-image files (unzipped) and `images`
the image pattern over `{name}`, the file's image name (`img_12` for `gt_img_12.txt`). One example
per file, in the files' numeric order, with id `{name}`; its target (a SpottingTarget) holds the
words and the image's pixel size, read from the image file's header (the predicted boxes are
fractions of it). An image that cannot be read leaves the size unknown, so that a run can report
or skip it like any missing image; scoring such an example is an error.

- ICDAR 2015 (`icdar15`, Robust Reading Challenge 4, `Challenge4_Test_Task1_GT.zip`):
  `gt_img_N.txt`, UTF-8 with a byte-order mark, a line per word `x1,y1,x2,y2,x3,y3,x4,y4,text`,
  read as the RRC's rrc_evaluation_funcs.py reads them: integers with optional spaces around the
  commas, the transcription everything after the eighth comma (commas included), unquoted when
  wrapped in double quotes; `###` marks "do not care".
- Total-Text (`totaltext`, the official `txt_format.zip`, folder `txt_format/Test`): the legacy
  test ground truth, the one the dataset's authors keep for benchmarking (github.com/cs-chan/
  Total-Text-Dataset: no new test version is released), `poly_gt_imgN.txt` with a record per word
  `x: [[x1 x2 ...]], y: [[y1 y2 ...]], ornt: [u'c'], transcriptions: [u'TEXT']`. A record may wrap
  onto several lines (each record begins with `x:`); the transcription is a Python literal
  (`[u"Joe's"]`). `#` as the transcription or the orientation marks "do not care". Image suffixes
  mix `.jpg` and `.JPG`: an image missing under the pattern's suffix is looked for under the same
  suffix in the other case.
"""

from __future__ import annotations

import ast
import re
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import ClassVar

import PIL.Image

from pgeval.data.base import SOURCES, Example
from pgeval.data.files import FileSource
from pgeval.errors import InputError
from pgeval.io import natural_key, read_text
from pgeval.metrics.spotting import Word


@dataclass(frozen=True, slots=True)
class SpottingTarget:
    """An image's ground-truth words, its path (relative to the task's data folder) and its
    (width, height) in pixels, None when the image could not be read."""

    image: str
    size: tuple[int, int] | None
    words: tuple[Word, ...]


def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from an image file's header, None when it cannot be read."""
    try:
        with PIL.Image.open(path) as image:
            return image.size
    except (OSError, PIL.Image.DecompressionBombError):  # missing, unreadable, not an image, too big
        return None


class WordFileSource(FileSource):
    """A folder of one ground-truth file `<prefix><name>.txt` per image."""

    file_keys = ("annotations", "images")
    optional_keys = ()
    prefix: ClassVar[str]

    def files(self, split: str) -> list[str]:
        self.check_split(split)
        return [self.split_args[split]["annotations"].rstrip("/") + "/"]

    def folder(self, root: Path, split: str) -> Path:
        return root / self.split_args[split]["annotations"]

    def ground_truth_files(self, root: Path, split: str) -> list[Path]:
        return sorted(self.folder(root, split).glob(f"{self.prefix}*.txt"), key=lambda p: natural_key(p.name))

    def missing_files(self, root: Path, split: str) -> list[Path]:
        """The annotations folder when it is not there, or its file pattern when it holds none."""
        self.check_split(split)
        folder = self.folder(root, split)
        if not folder.is_dir():
            return [folder]
        if not self.ground_truth_files(root, split):
            return [folder / f"{self.prefix}*.txt  (the folder holds no ground-truth file)"]
        return []

    def image_for(self, root: Path, split: str, name: str, path: Path) -> str:
        (image,) = self.images_for(split, {"name": name}, where={"path": str(path)})
        return image

    @abstractmethod
    def read_words(self, path: Path) -> list[Word]:
        """The words of one ground-truth file."""

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        examples = []
        for path in self.ground_truth_files(root, split):
            name = path.name[len(self.prefix):-len(".txt")]
            image = self.image_for(root, split, name, path)
            target = SpottingTarget(image, image_size(root / image), tuple(self.read_words(path)))
            examples.append(Example(id=name, references=(), images=(image,), target=target))
        return examples


_ICDAR_LINE = re.compile(r"^\s*" + r"\s*,\s*".join([r"(-?[0-9]+)"] * 8) + r"\s*,(.*)$")
_QUOTED = re.compile(r'^\s*"(.*)"\s*$')


@SOURCES.register("icdar15")
class Icdar15Source(WordFileSource):
    """ICDAR 2015 Incidental Scene Text: `annotations` = the unzipped Challenge4_Test_Task1_GT
    folder, `images` = e.g. "ch4_test_images/{name}.jpg"."""

    prefix = "gt_"

    def read_words(self, path: Path) -> list[Word]:
        words = []
        for lineno, line in enumerate(read_text(path, utf8_bom=True).split("\n"), start=1):
            line = line.replace("\r", "")
            if not line:
                continue
            m = _ICDAR_LINE.match(line)
            if m is None:
                raise InputError("expected x1,y1,x2,y2,x3,y3,x4,y4,transcription", path=str(path),
                                 line=lineno)
            xy = [int(v) for v in m.groups()[:8]]
            text = m.group(9)
            if quoted := _QUOTED.match(text):
                text = quoted.group(1).replace("\\\\", "\\").replace('\\"', '"')
            words.append(Word(tuple(zip(xy[0::2], xy[1::2], strict=True)), text, text == "###"))
        return words


_TOTALTEXT_RECORD = re.compile(
    r"x:\s*\[\[(?P<x>[^\]]*)\]\],\s*y:\s*\[\[(?P<y>[^\]]*)\]\],\s*"
    r"ornt:\s*(?P<ornt>\[.*?\]),\s*transcriptions:\s*(?P<text>\[.*\])\s*", re.DOTALL)


def _literal_string(value: str, path: Path, line: int, what: str) -> str:
    """The one string of a Python list literal like [u'TEXT']."""
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        parsed = None
    if not (isinstance(parsed, list) and len(parsed) == 1 and isinstance(parsed[0], str)):
        raise InputError(f"{what} must be a list of one string like [u'TEXT'], got {value}",
                         path=str(path), line=line)
    return parsed[0]


def _integers(value: str, path: Path, line: int) -> list[int]:
    try:
        return [int(v) for v in value.split()]
    except ValueError:
        raise InputError(f"coordinates must be integers, got [[{value.strip()}]]", path=str(path),
                         line=line) from None


@SOURCES.register("totaltext")
class TotalTextSource(WordFileSource):
    """Total-Text: `annotations` = txt_format/Test of the official txt_format.zip, `images` = e.g.
    "totaltext/Images/Test/{name}.jpg"."""

    prefix = "poly_gt_"

    def image_for(self, root: Path, split: str, name: str, path: Path) -> str:
        image = super().image_for(root, split, name, path)
        pattern = PurePosixPath(image)
        for suffix in (pattern.suffix, pattern.suffix.swapcase()):
            if (root / pattern.with_suffix(suffix)).is_file():
                return str(pattern.with_suffix(suffix))
        return image

    def read_words(self, path: Path) -> list[Word]:
        records: list[tuple[int, str]] = []
        for lineno, line in enumerate(read_text(path).splitlines(), start=1):
            if line.lstrip().startswith("x:") or not records:
                records.append((lineno, line))
            else:
                records[-1] = (records[-1][0], records[-1][1] + " " + line)
        words = []
        for lineno, record in records:
            if not record.strip():
                continue
            m = _TOTALTEXT_RECORD.fullmatch(record.strip())
            if m is None:
                raise InputError("expected x: [[...]], y: [[...]], ornt: [u'...'], transcriptions: [u'...']",
                                 path=str(path), line=lineno)
            xs, ys = _integers(m["x"], path, lineno), _integers(m["y"], path, lineno)
            if len(xs) != len(ys):
                raise InputError(f"{len(xs)} x but {len(ys)} y coordinates", path=str(path), line=lineno)
            text = _literal_string(m["text"], path, lineno, "transcriptions")
            ornt = _literal_string(m["ornt"], path, lineno, "ornt")
            words.append(Word(tuple(zip(xs, ys, strict=True)), text, "#" in (text, ornt)))
        return words
