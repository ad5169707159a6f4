"""TensorFlow Datasets (TFDS) as a data source: a dataset prepared under the task's data folder.

The task's data folder is the TFDS `data_dir`; the dataset must already be prepared there
(`<root>/<builder>[/<config>]/<version>/`), since pgeval never downloads. It is read from its
files (`tfds.builder_from_directory`), so no dataset code is needed and a dataset prepared by a
user-defined builder reads like a catalogue one. Neither format needs TensorFlow: array_record
shards are read with `as_data_source`, TFRecord shards with the small reader below.

Each example's encoded image is written once to `<root>/<images_dir>/<builder>/<config>/<version>/
<split>/<id>.<ext>`, since the engine loads images from paths. A `[data]` table:

    source = "tfds"
    split = "val"
    builder = "coco_captions"
    config = "2014"                   # optional: the only prepared config otherwise
    version = "1.1.0"                 # optional: the newest prepared version otherwise
    features = { image = "image", id = "image/id", references = "captions/text" }
    splits = { val = { tfds_split = "val" } }   # tfds_split defaults to the split's name

`features` may also name `slice` (a feature whose value is the example's slice) and `fields`
({prompt field: feature}). Sources that make several examples per record (one per referring
expression of RefCOCO, with a mask as `target`) subclass `TfdsSource` and override `examples_of`.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from pgeval.data.base import SOURCES, DataSource, Example, SubmissionFormat
from pgeval.errors import InputError

INSTALL_HINT = "install the TFDS extra: pip install 'pgeval[tfds]'"
FEATURE_KEYS = ("image", "id", "references", "slice", "fields")
DEFAULT_FEATURES = {"image": "image", "id": "image/id"}
_VERSION = re.compile(r"\d+\.\d+\.\d+")
_SAFE_NAME = re.compile(r"[A-Za-z0-9._-]+")


def import_tfds() -> ModuleType:
    """`tensorflow_datasets`, or an InputError saying how to install it."""
    try:
        import tensorflow_datasets as tfds
    except ImportError as e:
        raise InputError(f"the tfds data source needs tensorflow-datasets ({e})", hint=INSTALL_HINT) from None
    return tfds


def feature_value(record: Mapping[str, Any], path: str) -> Any:
    """The value at a feature path: `image/id` is a top-level key, `captions/text` a nested one."""
    if path in record:
        return record[path]
    for i in range(path.find("/"), len(path)):
        if path[i] == "/" and isinstance(record.get(path[:i]), Mapping):
            try:
                return feature_value(record[path[:i]], path[i + 1:])
            except KeyError:
                pass
    raise KeyError(path)


def as_text(value: Any) -> str:
    """A TFDS scalar (bytes, numpy scalar, int) as a string."""
    if isinstance(value, np.ndarray | np.generic):
        value = value.item() if value.size == 1 else value.tolist()
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def as_texts(value: Any) -> tuple[str, ...]:
    """A TFDS sequence of strings (list or numpy array), or one string, as a tuple of strings."""
    if (isinstance(value, np.ndarray) and value.ndim > 0) or isinstance(value, list | tuple):
        return tuple(as_text(v) for v in value)
    return (as_text(value),)


def image_suffix(data: bytes) -> str:
    """The file extension of encoded image bytes, from their magic number."""
    for magic, suffix in ((b"\xff\xd8", "jpg"), (b"\x89PNG", "png"), (b"GIF8", "gif"), (b"BM", "bmp")):
        if data.startswith(magic):
            return suffix
    return "webp" if data[8:12] == b"WEBP" else "img"


def file_stem(example_id: str) -> str:
    """A file name for an id: the id itself when safe, else a readable part and a hash."""
    if _SAFE_NAME.fullmatch(example_id) and not example_id.startswith("."):
        return example_id
    digest = hashlib.sha1(example_id.encode()).hexdigest()[:12]
    return "_".join(_SAFE_NAME.findall(example_id))[:40] + "-" + digest


def tfrecord_records(path: Path, skip: int = 0, take: int = -1) -> Iterator[bytes]:
    """Records `skip .. skip + take` of a TFRecord file (length, its CRC, data, its CRC; CRCs are not
    checked), without TensorFlow."""
    with open(path, "rb") as f:
        index = 0
        while take < 0 or index < skip + take:
            header = f.read(12)
            if not header:
                break
            if len(header) < 12:
                raise InputError("truncated TFRecord file", path=str(path))
            (length,) = struct.unpack("<Q", header[:8])
            if index < skip:
                f.seek(length + 4, 1)
            else:
                data = f.read(length)
                if len(data) < length or len(f.read(4)) < 4:
                    raise InputError("truncated TFRecord file", path=str(path))
                yield data
            index += 1
        if take >= 0 and index < skip + take:
            raise InputError(f"TFRecord file has {index} records, expected {skip + take}", path=str(path))


def split_names(tfds_split: str) -> list[str]:
    """The prepared splits a TFDS split expression reads: `train[:10%]+restval` -> train, restval."""
    return [re.sub(r"\[.*\]$", "", part).strip() for part in tfds_split.split("+")]


@SOURCES.register("tfds")
class TfdsSource(DataSource):
    """Examples read from a TFDS dataset prepared under the task's data folder (see the module doc)."""

    def __init__(
        self,
        builder: str | None = None,
        splits: Mapping[str, Mapping[str, Any]] | None = None,
        features: Mapping[str, Any] | None = None,
        config: str | None = None,
        version: str | None = None,
        images_dir: str = "tfds_images",
        submission: Sequence[str] | None = None,
        **args: Any,
    ) -> None:
        super().__init__(**args)
        if not builder or not isinstance(builder, str):
            raise InputError("the tfds source needs `builder`, the TFDS dataset name (e.g. 'coco_captions')")
        if not splits:
            raise InputError("the tfds source needs `splits`, e.g. splits = {val = {tfds_split = 'val'}}")
        for name, split_args in splits.items():
            unknown = sorted(set(split_args) - {"tfds_split"})
            if unknown:
                raise InputError(f"split {name!r} of the tfds source: unknown {unknown}",
                                 hint="expected keys: ['tfds_split']")
        features = {**DEFAULT_FEATURES, **(features or {})}
        unknown = sorted(set(features) - set(FEATURE_KEYS))
        if unknown or "references" not in features:
            raise InputError(f"tfds source features: unknown {unknown}" if unknown
                             else "tfds source features: `references` is required",
                             hint=f"keys: {list(FEATURE_KEYS)}, e.g. references = 'captions/text'")
        if version is not None and not _VERSION.fullmatch(str(version)):
            raise InputError(f"tfds source version must look like 1.2.0, got {version!r}")
        self.builder = builder
        self.config = config
        self.version = None if version is None else str(version)
        self.features = features
        self.images_dir = images_dir
        self.tfds_splits = {name: str(a.get("tfds_split", name)) for name, a in splits.items()}
        if submission is not None:
            if len(submission) != 2:
                raise InputError("tfds source submission must be [id key, text key]: ['image_id', 'caption']")
            self.submission = SubmissionFormat(*submission)

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(self.tfds_splits)

    def files(self, split: str) -> list[str]:
        """The prepared dataset's folder ('*' where config or version is left to what is on disk)."""
        self.check_split(split)
        parts = [self.builder, *([self.config] if self.config else []), self.version or "*"]
        return ["/".join(parts) + "/"]

    # -- finding the prepared dataset -------------------------------------------------------------

    def _versions(self, folder: Path) -> list[Path]:
        """Prepared version folders under a builder (or config) folder, newest first."""
        if self.version is not None:
            found = [folder / self.version]
        elif folder.is_dir():
            found = [d for d in folder.iterdir() if _VERSION.fullmatch(d.name)]
        else:
            found = []
        found = [d for d in found if (d / "dataset_info.json").is_file()]
        return sorted(found, key=lambda d: tuple(int(x) for x in d.name.split(".")), reverse=True)

    def dataset_dir(self, root: Path) -> Path | None:
        """The prepared dataset's folder, or None; an InputError when configs are ambiguous."""
        base = root / self.builder
        if self.config:
            versions = self._versions(base / self.config)
            return versions[0] if versions else None
        versions = self._versions(base)
        if versions:
            return versions[0]
        subfolders = sorted(d for d in base.iterdir() if d.is_dir()) if base.is_dir() else []
        configs = {d.name: v[0] for d in subfolders if (v := self._versions(d))}
        if len(configs) > 1:
            raise InputError(f"TFDS dataset {self.builder} is prepared in several configs {sorted(configs)}",
                             path=str(base), hint="set `config` in the task's [data] table")
        return next(iter(configs.values()), None)

    def expected_dir(self, root: Path) -> Path:
        """Where the prepared dataset should be, for messages."""
        return root / self.files(next(iter(self.tfds_splits)))[0].rstrip("/")

    def missing_files(self, root: Path, split: str) -> list[Path]:
        """The dataset's folder when it is not prepared, else the split's missing shard files."""
        self.check_split(split)
        folder = self.dataset_dir(root)
        if folder is None:
            return [self.expected_dir(root)]
        info = self._builder(folder).info
        missing = []
        for name in split_names(self.tfds_splits[split]):
            if name not in info.splits:
                missing.append(folder / f"{self.builder}-{name}.*  (split {name!r} is not prepared; "
                                        f"prepared: {', '.join(info.splits)})")
                continue
            missing += [Path(p) for p in info.splits[name].filepaths if not Path(p).is_file()]
        return missing

    def require_files(self, root: Path, split: str) -> None:
        missing = self.missing_files(root, split)
        if missing:
            raise InputError(
                f"TFDS dataset {self.builder} is not prepared:\n" + "\n".join(f"  {p}" for p in missing),
                hint=f"prepare it with `tfds build {self.builder} --data_dir {root} "
                     "--file_format array_record` (pgeval reads it but never downloads it)",
            )

    def _builder(self, folder: Path) -> Any:
        tfds = import_tfds()
        try:
            return tfds.builder_from_directory(str(folder))
        except Exception as e:
            raise InputError(f"cannot read the prepared TFDS dataset: {e}", path=str(folder)) from None

    # -- reading ----------------------------------------------------------------------------------

    def records(self, builder: Any, tfds_split: str) -> Iterable[Mapping[str, Any]]:
        """The split's records as nested dicts, top-level images left encoded (bytes)."""
        tfds = import_tfds()
        info = builder.info
        features = info.features
        decoders = {k: tfds.decode.SkipDecoding() for k, f in features.items()
                    if isinstance(f, tfds.features.Image)}
        formats = {f.value for f in info.available_file_formats()} or {"tfrecord"}  # legacy: tfrecord
        try:
            if "array_record" in formats:
                return builder.as_data_source(tfds_split, decoders=decoders, file_format="array_record")
            if "tfrecord" in formats:
                return (features.deserialize_example_np(raw, decoders=decoders)
                        for fi in info.splits[tfds_split].file_instructions
                        for raw in tfrecord_records(Path(fi.filename), fi.skip, fi.take))
        except ImportError as e:
            raise InputError(f"reading TFDS {formats} files needs {e.name}", hint=INSTALL_HINT) from None
        except (KeyError, ValueError) as e:
            raise InputError(f"bad TFDS split {tfds_split!r}: {e}", path=str(builder.data_dir)) from None
        raise InputError(f"TFDS file format(s) {sorted(formats)} are not readable by pgeval",
                         path=str(builder.data_dir), hint="prepare it with --file_format array_record")

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        folder = self.dataset_dir(root)
        assert folder is not None  # require_files checked it
        builder = self._builder(folder)
        split_dir = file_stem("_".join(split_names(self.tfds_splits[split])))  # val[:100] -> val
        image_dir = Path(self.images_dir) / folder.relative_to(root) / split_dir
        examples: list[Example] = []
        seen: dict[str, int] = {}
        for index, record in enumerate(self.records(builder, self.tfds_splits[split])):
            for example in self.examples_of(record, root, image_dir, index, folder):
                if example.id in seen:
                    raise InputError(f"duplicate id (first in record {seen[example.id]})",
                                     path=str(folder), index=index, example_id=example.id)
                seen[example.id] = index
                examples.append(example)
        return examples

    def value(self, record: Mapping[str, Any], path: str, index: int, folder: Path) -> Any:
        """The record's value at a feature path, or an InputError naming the feature."""
        try:
            return feature_value(record, path)
        except KeyError:
            raise InputError(f"record has no feature {path!r}; its features: {sorted(record)}",
                             path=str(folder), index=index) from None

    def examples_of(self, record: Mapping[str, Any], root: Path, image_dir: Path, index: int,
                    folder: Path) -> list[Example]:
        """The examples of one TFDS record (one here; a subclass may make one per annotation)."""
        f = self.features
        example_id = as_text(self.value(record, f["id"], index, folder))
        references = as_texts(self.value(record, f["references"], index, folder))
        if not references:
            raise InputError("record has no references", path=str(folder), index=index, example_id=example_id)
        fields = {name: as_text(self.value(record, path, index, folder))
                  for name, path in f.get("fields", {}).items()}
        slice_ = as_text(self.value(record, f["slice"], index, folder)) if "slice" in f else None
        image = self.write_image(self.value(record, f["image"], index, folder), root, image_dir, example_id)
        return [Example(id=example_id, references=references, images=(image,), fields=fields, slice=slice_)]

    def write_image(self, data: Any, root: Path, image_dir: Path, key: str) -> str:
        """Write encoded image bytes once to `image_dir/<key>.<ext>`; the path relative to `root`."""
        if not isinstance(data, bytes):
            raise InputError(f"feature {self.features['image']!r} is not an encoded image",
                             example_id=key, hint="features.image must name a tfds.features.Image")
        relative = image_dir / f"{file_stem(key)}.{image_suffix(data)}"
        path = root / relative
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return relative.as_posix()
