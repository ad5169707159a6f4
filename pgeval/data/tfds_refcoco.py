"""RefCOCO, RefCOCO+ and RefCOCOg from a prepared TFDS dataset: TFDS's own `ref_coco`, or big_vision's
`ref_coco_bv`. The TFDS counterpart of the refer-layout reader (pgeval.data.refer_format).

A record is one COCO image with the referred objects of the split, each with its mask (a PNG image
of the full image's size), its box (tfds BBox: ymin, xmin, ymax, xmax as fractions) and its
referring expressions. One example per expression, id "<object id>-<expression id>" (the COCO
annotation id and the refer `sent_id`), prompted with the expression (field `sentence`); the
ground truth is the object's mask (pixels whose first channel is > 0, as big_vision reads it) and
its box in pixels (the fractions times the mask's height and width), shared by the object's
expressions. The image is written once per COCO image, as the tfds source does.

    [data]
    source = "tfds_refcoco"
    split = "val"
    builder = "ref_coco"              # or "ref_coco_bv"
    config = "refcoco_unc"            # refcocoplus_unc, refcocog_umd, refcocog_google, refcoco_google
    splits = { val = { tfds_split = "validation" }, testA = {}, testB = {} }

The feature names default to the builder's layout (`ref_coco`'s for any builder but `ref_coco_bv`);
`features` overrides them. Paths under `objects` are relative to it:

    ref_coco:    image, id = "image/id", objects, object_id = "id", mask, bbox,
                 refexp_id = "refexp/refexp_id", sentence = "refexp/raw"
    ref_coco_bv: id = "id", refexp_id = "refs/id", sentence = "refs/sentence" (the rest as above)

Two differences from the refer reader: the ids name the annotation rather than the ref (prediction
files of the two do not mix), and TFDS's `ref_coco` keeps only each expression's `raw` text (as
typed), while the refer pickles' `sent`, which big_vision prompts with, is lower-cased and
tokenized; `ref_coco_bv` keeps `sent`. `ref_coco` has masks from version 1.1.0 on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pgeval.data.base import SOURCES, Example
from pgeval.data.tfds_source import TfdsSource, as_text, as_texts, feature_value
from pgeval.errors import InputError
from pgeval.segmentation import SegmentationTarget

LAYOUTS: dict[str, dict[str, str]] = {
    "ref_coco": {"image": "image", "id": "image/id", "objects": "objects", "object_id": "id",
                 "mask": "mask", "bbox": "bbox", "refexp_id": "refexp/refexp_id", "sentence": "refexp/raw"},
}
LAYOUTS["ref_coco_bv"] = {**LAYOUTS["ref_coco"], "id": "id", "refexp_id": "refs/id",
                          "sentence": "refs/sentence"}
OBJECT_KEYS = ("object_id", "mask", "bbox", "refexp_id", "sentence")


@SOURCES.register("tfds_refcoco")
class TfdsRefcocoSource(TfdsSource):
    """Referring segmentation examples from a prepared TFDS `ref_coco` / `ref_coco_bv` dataset (see
    the module doc); the other arguments are the tfds source's, without `references`."""

    def __init__(self, builder: str = "ref_coco", splits: Mapping[str, Mapping[str, Any]] | None = None,
                 features: Mapping[str, str] | None = None, **args: Any) -> None:
        layout = {**LAYOUTS.get(str(builder), LAYOUTS["ref_coco"]), **(features or {})}
        unknown = sorted(set(layout) - set(LAYOUTS["ref_coco"]))
        if unknown:
            raise InputError(f"tfds_refcoco source features: unknown {unknown}",
                             hint=f"keys: {list(LAYOUTS['ref_coco'])}")
        base = {"image": layout["image"], "id": layout["id"],
                "references": f"{layout['objects']}/{layout['sentence']}"}
        super().__init__(builder=builder, splits=splits, features=base, **args)
        self.features = layout

    def examples_of(self, record: Mapping[str, Any], root: Path, image_dir: Path, index: int,
                    folder: Path) -> list[Example]:
        """One example per referring expression of each object of the record."""
        f = self.features
        image_id = as_text(self.value(record, f["id"], index, folder))
        objects = self.value(record, f["objects"], index, folder)
        if not isinstance(objects, Mapping):
            raise InputError(f"feature {f['objects']!r} is not a sequence of objects",
                             path=str(folder), index=index, example_id=image_id)
        columns = {key: self._column(objects, key, index, folder) for key in OBJECT_KEYS}
        sizes = {len(c) for c in columns.values()}
        if len(sizes) != 1:
            raise InputError(f"the object features {[f[k] for k in OBJECT_KEYS]} have different lengths",
                             path=str(folder), index=index, example_id=image_id)
        image = None
        examples: list[Example] = []
        for k in range(sizes.pop()):
            object_id = as_text(columns["object_id"][k])
            refexp_ids, sentences = as_texts(columns["refexp_id"][k]), as_texts(columns["sentence"][k])
            if len(refexp_ids) != len(sentences):
                raise InputError(f"object {object_id}: {len(refexp_ids)} expression ids for "
                                 f"{len(sentences)} sentences", path=str(folder), index=index)
            if not sentences:
                continue
            target = self._target(columns["mask"][k], columns["bbox"][k], f"{image_id}/{object_id}")
            if image is None:
                image = self.write_image(self.value(record, f["image"], index, folder), root, image_dir,
                                         image_id)
            examples += [Example(id=f"{object_id}-{refexp_id}", references=(), images=(image,),
                                 fields={"sentence": sentence}, target=target)
                         for refexp_id, sentence in zip(refexp_ids, sentences, strict=True)]
        return examples

    def _column(self, objects: Mapping[str, Any], key: str, index: int, folder: Path) -> Sequence[Any]:
        """One object feature, a value per object (the feature's path is relative to `objects`)."""
        path = self.features[key]
        try:
            return feature_value(objects, path)
        except KeyError:
            hint = ("TFDS's ref_coco has masks from version 1.1.0 on" if key == "mask"
                    else "set the path in the [data] table's `features`")
            raise InputError(f"objects have no feature {path!r} ({key}); their features: {sorted(objects)}",
                             path=str(folder), index=index, hint=hint) from None

    @staticmethod
    def _target(mask: Any, bbox: Any, key: str) -> SegmentationTarget:
        """The ground truth of one object: its decoded mask image and its fractional box."""
        mask = np.asarray(mask)
        if mask.ndim == 3:
            mask = mask[..., 0]
        box = np.asarray(bbox, dtype=np.float64)
        if mask.ndim != 2 or mask.size == 0 or box.shape != (4,):
            raise InputError(f"object {key}: the mask must be an image and the box 4 fractions, got "
                             f"shapes {mask.shape} and {box.shape}")
        height, width = mask.shape
        y1, x1, y2, x2 = box * (height, width, height, width)
        return SegmentationTarget.from_mask(mask > 0, (y1, x1, y2, x2))
