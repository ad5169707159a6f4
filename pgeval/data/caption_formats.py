"""Caption formats: COCO captions JSON (COCO, NoCaps, and TextCaps converted to it), Karpathy's
dataset_coco.json, TextCaps."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from pgeval.data.base import SOURCES, Example, SubmissionFormat, field_of, id_field, list_field, text_field
from pgeval.data.files import FileSource
from pgeval.errors import InputError


@SOURCES.register("coco_captions")
class CocoCaptionsSource(FileSource):
    """{"images": [{id, file_name}], "annotations": [{image_id, caption}]}: one example per image.

    With `karpathy_split` (e.g. "val"), the split's `annotations` is instead Karpathy and Li's
    dataset_coco.json ({"images": [{filepath, filename, cocoid, split, sentences: [{raw}]}]}),
    and the split is its images whose `split` is that value: id = cocoid (the COCO image id, as
    in COCO's submission format), references = the sentences' `raw` text; the `images` pattern
    fills from the image record ("{filepath}/{filename}").
    """

    optional_keys = ("images", "karpathy_split")
    submission = SubmissionFormat("image_id", "caption")

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        data = self.read(root, split)
        wanted = self.split_args[split].get("karpathy_split")
        if wanted is not None:
            return self._karpathy(data, path, split, wanted)
        captions: dict[object, list[str]] = defaultdict(list)
        for i, a in enumerate(field_of(data, "annotations", path, 0)):
            caption = field_of(a, "caption", path, i)
            if not isinstance(caption, str):
                raise InputError("caption must be a string", path=str(path), index=i)
            captions[field_of(a, "image_id", path, i)].append(caption)
        examples = []
        for i, img in enumerate(field_of(data, "images", path, 0)):
            image_id = field_of(img, "id", path, i)
            if not captions.get(image_id):
                raise InputError("image has no reference captions", path=str(path),
                                 example_id=str(image_id))
            examples.append(
                Example(
                    id=str(image_id),
                    references=tuple(captions[image_id]),
                    images=self.images_for(split, img, where={"path": str(path), "index": i}),
                )
            )
        return examples

    def _karpathy(self, data: Any, path: Path, split: str, wanted: str) -> list[Example]:
        """The images of dataset_coco.json whose `split` is `wanted`, in file order."""
        images = list_field(field_of(data, "images", path), path, "images")
        examples = []
        for i, img in enumerate(images):
            if field_of(img, "split", path, i) != wanted:
                continue
            sentences = list_field(field_of(img, "sentences", path, i), path, "sentences", index=i)
            image_id = id_field(img, "cocoid", path, index=i)
            if not sentences:
                raise InputError("image has no reference captions", path=str(path), example_id=image_id)
            examples.append(Example(
                id=image_id,
                references=tuple(text_field(s, "raw", path, index=i) for s in sentences),
                images=self.images_for(split, img, where={"path": str(path), "index": i}),
            ))
        if not examples:
            found = sorted({str(img.get("split")) for img in images if isinstance(img, dict)})
            raise InputError(f"no image has split {wanted!r}", path=str(path),
                             hint=f"the file's splits: {', '.join(found)}")
        return examples


@SOURCES.register("textcaps")
class TextCapsSource(FileSource):
    """TextCaps: {"data": [{image_id, image_name, caption_str}]}, one row per caption, grouped
    into one example per image."""

    submission = SubmissionFormat("image_id", "caption")

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        captions: dict[str, list[str]] = defaultdict(list)
        first_row: dict[str, dict] = {}
        for i, r in enumerate(field_of(self.read(root, split), "data", path, 0)):
            image_id = str(field_of(r, "image_id", path, i))
            captions[image_id].append(field_of(r, "caption_str", path, i))
            first_row.setdefault(image_id, r)
        return [
            Example(id=k, references=tuple(v), images=self.images_for(split, first_row[k]))
            for k, v in captions.items()
        ]
