"""Official formats of the two-image benchmarks: NLVR2 and MaRVL. Each example shows a left and a
right image and a sentence about them; the reference is "True" or "False"."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pgeval.data.base import SOURCES, Example, field_of, text_field
from pgeval.data.files import FileSource
from pgeval.errors import InputError
from pgeval.io import read_jsonl

LABELS = {"true": "True", "false": "False", "1": "True", "0": "False"}
MARVL_LANGUAGES = ("id", "sw", "ta", "tr", "zh")


def truth_label(record: Any, path: Path, line: int) -> str:
    """The record's label as "True" or "False", from NLVR2's strings, MaRVL's booleans, or the
    0/1 of derived copies."""
    value = field_of(record, "label", path, line=line)
    text = str(value).lower() if isinstance(value, bool | int | str) else None
    if text not in LABELS:
        raise InputError(f"label must be True or False, got {value!r}", path=str(path), line=line)
    return LABELS[text]


@SOURCES.register("nlvr2")
class Nlvr2Source(FileSource):
    """NLVR2's `dev.json` / `test1.json` (JSON Lines despite the name) of {identifier, sentence,
    label, ...}. The pair's images are `<identifier without its last part>-img0.png` (left) and
    `-img1.png` (right): {pair} and {side} in the images pattern, beside the record's keys (train
    lines add {directory})."""

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        path = self.file(root, split, "annotations")
        examples = []
        for lineno, r in read_jsonl(path):
            identifier = text_field(r, "identifier", path, line=lineno)
            record = {**r, "pair": identifier.rsplit("-", 1)[0]}
            examples.append(Example(
                id=identifier, references=(truth_label(r, path, lineno),),
                images=self.images_for(split, record, {"side": 0}, {"side": 1},
                                       where={"path": str(path), "line": lineno}),
                fields={"sentence": text_field(r, "sentence", path, line=lineno)}))
        return examples


@SOURCES.register("marvl")
class MarvlSource(FileSource):
    """MaRVL's `marvl-<language>.jsonl` files of {id, concept, language, caption, left_img,
    right_img, label (a boolean)}, one per language: the split's `annotations` pattern names them
    with {language}, `languages` lists them (default id, sw, ta, tr, zh). Each example's slice is
    its language; the caption is the prompt's {sentence}; {img} in the images pattern is the
    left, then the right image."""

    optional_keys = ("images", "languages")

    def languages(self, split: str) -> Sequence[str]:
        languages = self.split_args[split].get("languages", MARVL_LANGUAGES)
        if not isinstance(languages, list | tuple) or not all(isinstance(x, str) for x in languages):
            raise InputError(f"split {split!r}: languages must be a list of language codes")
        return languages

    def files(self, split: str) -> list[str]:
        self.check_split(split)
        pattern = self.split_args[split]["annotations"]
        try:
            return [pattern.format(language=lang) for lang in self.languages(split)]
        except (KeyError, IndexError, ValueError) as e:
            raise InputError(f"split {split!r}: the annotations pattern {pattern!r} may use only "
                             f"{{language}} ({type(e).__name__}: {e})") from None

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        examples = []
        for language, name in zip(self.languages(split), self.files(split), strict=True):
            path = root / name
            for lineno, r in read_jsonl(path):
                left, right = (text_field(r, k, path, line=lineno) for k in ("left_img", "right_img"))
                examples.append(Example(
                    id=text_field(r, "id", path, line=lineno),
                    references=(truth_label(r, path, lineno),),
                    images=self.images_for(split, {**r, "language": language}, {"img": left},
                                           {"img": right}, where={"path": str(path), "line": lineno}),
                    fields={"sentence": text_field(r, "caption", path, line=lineno)}, slice=language))
        return examples
