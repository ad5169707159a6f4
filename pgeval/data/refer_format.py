"""RefCOCO, RefCOCO+ and RefCOCOg in the refer layout (github.com/lichengunc/refer): a refs
pickle (`refs(unc).p`, `refs(umd).p`) and the COCO `instances.json` beside it.

One example per referring sentence, id "<ref_id>-<sent_id>", prompted with the sentence's `sent`
text (field `sentence`), as big_vision's flattened RefCOCO splits are. A split selects the refs
whose pickle `split` field equals the split's name (or its `refs_split` argument): val / testA /
testB for the unc partitions, val / test for umd. The ground truth is the referred annotation's
mask, rasterized from its COCO polygons with pycocotools exactly as `COCO.annToMask` does, kept
as a compressed RLE in the example's `target` with the image size and the box.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pycocotools.mask as mask_utils

from pgeval.data.base import SOURCES, Example, field_of
from pgeval.data.files import FileSource
from pgeval.errors import InputError
from pgeval.segmentation import SegmentationTarget


class _PlainUnpickler(pickle.Unpickler):
    """A refs pickle holds only lists, dicts, strings and numbers: refuse anything that would
    import code."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refuses to load {module}.{name}")


def read_refs(path: Path) -> list[dict[str, Any]]:
    """The refs list of a refer pickle (Python 2 strings are read as UTF-8)."""
    try:
        with open(path, "rb") as f:
            refs = _PlainUnpickler(f, encoding="utf-8").load()
    except (pickle.UnpicklingError, EOFError, UnicodeDecodeError, ValueError) as e:
        raise InputError(f"not a refer refs pickle: {e}", path=str(path)) from None
    if not isinstance(refs, list) or not all(isinstance(r, dict) for r in refs):
        raise InputError("a refs pickle must hold a list of ref dicts", path=str(path))
    return refs


def annotation_rle(segmentation: Any, height: int, width: int) -> dict[str, Any]:
    """COCO's annToRLE: polygons are rasterized and merged, uncompressed RLE is compressed."""
    if isinstance(segmentation, list):
        return mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
    if isinstance(segmentation, dict) and isinstance(segmentation.get("counts"), list):
        return mask_utils.frPyObjects(segmentation, height, width)
    if isinstance(segmentation, dict) and isinstance(segmentation.get("counts"), str | bytes):
        counts = segmentation["counts"]
        return {"size": [height, width], "counts": counts.encode() if isinstance(counts, str) else counts}
    raise ValueError("segmentation must be polygons or an RLE")


@SOURCES.register("refer")
class ReferSource(FileSource):
    """Refer-layout RefCOCO / RefCOCO+ / RefCOCOg. Per split: `refs` (the pickle), `instances`
    (COCO instances JSON), `images` (pattern over `image_id` and `file_name`) and optionally
    `refs_split` (the pickle's split label, when it differs from the split's name)."""

    file_keys = ("refs", "instances")
    optional_keys = ("images", "refs_split")

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        refs_path = self.file(root, split, "refs")
        inst_path = self.file(root, split, "instances")
        wanted = self.split_args[split].get("refs_split", split)
        refs = [r for r in read_refs(refs_path) if r.get("split") == wanted]
        if not refs:
            found = sorted({str(r.get("split")) for r in read_refs(refs_path)})
            raise InputError(f"no ref has split {wanted!r}", path=str(refs_path),
                             hint=f"the file's splits: {', '.join(found)}")
        instances = self.read(root, split, "instances")
        images = {field_of(im, "id", inst_path, i): im
                  for i, im in enumerate(field_of(instances, "images", inst_path))}
        annotations = {field_of(a, "id", inst_path, i): (i, a)
                       for i, a in enumerate(field_of(instances, "annotations", inst_path))}
        targets: dict[Any, SegmentationTarget] = {}
        examples: list[Example] = []
        seen: set[str] = set()
        for k, ref in enumerate(refs):
            ann_id = field_of(ref, "ann_id", refs_path, k)
            if ann_id not in annotations:
                raise InputError(f"ref {ref.get('ref_id')} names annotation {ann_id}, which is not in "
                                 "the instances file", path=str(inst_path))
            if ann_id not in targets:
                targets[ann_id] = self._target(annotations[ann_id], images, inst_path)
            image_id = annotations[ann_id][1]["image_id"]
            paths = self.images_for(split, {"image_id": image_id,
                                            "file_name": images[image_id].get("file_name", "")})
            ref_id = field_of(ref, "ref_id", refs_path, k)
            for sent in field_of(ref, "sentences", refs_path, k):
                example_id = f"{ref_id}-{field_of(sent, 'sent_id', refs_path, k)}"
                if example_id in seen:
                    raise InputError("duplicate ref and sentence id", path=str(refs_path),
                                     example_id=example_id)
                seen.add(example_id)
                examples.append(Example(id=example_id, references=(), images=paths,
                                        fields={"sentence": field_of(sent, "sent", refs_path, k)},
                                        target=targets[ann_id]))
        return examples

    @staticmethod
    def _target(indexed: tuple[int, Mapping[str, Any]], images: Mapping[Any, Mapping[str, Any]],
                path: Path) -> SegmentationTarget:
        index, ann = indexed
        image_id = field_of(ann, "image_id", path, index)
        if image_id not in images:
            raise InputError(f"annotation's image {image_id} is not in the images list",
                             path=str(path), index=index)
        image = images[image_id]
        height, width = int(field_of(image, "height", path)), int(field_of(image, "width", path))
        segmentation = field_of(ann, "segmentation", path, index)
        bbox = field_of(ann, "bbox", path, index)
        try:
            rle = annotation_rle(segmentation, height, width)
            x, y, w, h = (float(v) for v in bbox)
        except Exception as e:  # pycocotools raises bare Exceptions on malformed input
            raise InputError(f"annotation {ann.get('id')}: unusable segmentation or bbox: {e}",
                             path=str(path), index=index) from None
        return SegmentationTarget(height, width, (y, x, y + h, x + w), rle["counts"])
