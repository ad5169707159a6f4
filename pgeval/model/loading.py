"""Load a PaliGemma checkpoint (big_vision `.npz`, a Hugging Face folder, or a LoRA adapter
merged into either) into big_vision's parameter tree, in the compute dtype, one tensor at a time.

The config comes from the checkpoint itself. When `res` differs from the checkpoint's
resolution, the position embeddings are resampled (linear, as big_vision does). Tensors go to
their device one by one through `place`, so host memory holds the model plus one tensor.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import ml_dtypes
import numpy as np
import scipy.ndimage

from pgeval.errors import InputError
from pgeval.model import hf_checkpoint as hf
from pgeval.model.config import PaliGemmaConfig, from_big_vision_shapes, from_hf_config
from pgeval.model.host_buffers import aligned_empty, as_aligned
from pgeval.model.locate import Located, locate
from pgeval.model.lora import Adapter, merging_place
from pgeval.model.npz_checkpoint import iter_npz, npz_shapes
from pgeval.model.refusals import refuse_quantized_tensors
from pgeval.model.safetensors_files import read_tensor
from pgeval.model.tree import check_tree, expected_shapes, raise_if_problems, unflatten

DTYPES = {"float32": np.dtype(np.float32), "bfloat16": np.dtype(ml_dtypes.bfloat16)}
POSEMB = "img/pos_embedding"
Place = Callable[[str, np.ndarray], Any]
log = logging.getLogger("pgeval.model")


@dataclass
class Checkpoint:
    """A loaded model: its config, its parameter tree, and where they came from."""

    config: PaliGemmaConfig
    params: dict[str, Any]
    format: str
    files: list[Path] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)  # its name and source, for results.json


def numpy_dtype(name: str) -> np.dtype:
    if name not in DTYPES:
        raise InputError(f"dtype must be one of {sorted(DTYPES)}, got {name!r}")
    return DTYPES[name]


def resample_posemb(posemb: np.ndarray, num_patches: int) -> np.ndarray:
    """(1, N, D) position embeddings on a sqrt(N) grid, linearly resampled to num_patches."""
    old, new = math.isqrt(posemb.shape[1]), math.isqrt(num_patches)
    if old * old != posemb.shape[1] or new * new != num_patches:
        raise InputError(f"cannot resample {posemb.shape[1]} position embeddings to {num_patches}")
    grid = posemb[0].reshape(old, old, -1).astype(np.float32)
    zoomed = scipy.ndimage.zoom(grid, (new / old, new / old, 1), order=1)
    return zoomed.reshape(1, new * new, -1).astype(posemb.dtype)


def _default_place(_key: str, a: np.ndarray) -> jax.Array:
    return jax.device_put(a)


def _resolved(cfg: PaliGemmaConfig, res: int | None) -> PaliGemmaConfig:
    if res is None or res == cfg.vision.image_size:
        return cfg
    patch = cfg.vision.patch_size
    if res < patch or res % patch:
        raise InputError(f"--res {res} is not a positive multiple of the checkpoint's patch size "
                         f"{patch}", hint=f"e.g. --res {cfg.vision.image_size} (the checkpoint's "
                         "own), 224, 448 or 896")
    return cfg.with_resolution(res)


def _finish(key: str, a: np.ndarray, cfg: PaliGemmaConfig, dtype: np.dtype) -> np.ndarray:
    if key == POSEMB and a.shape[1] != cfg.vision.num_patches:
        a = resample_posemb(a, cfg.vision.num_patches)
    return as_aligned(a, dtype)


def _with_adapter(adapter: Adapter | None, native: PaliGemmaConfig, place: Place) -> Place:
    if adapter is None:
        return place
    return merging_place(adapter, native, expected_shapes(native), place)


def load_npz(path: Path, dtype: np.dtype, res: int | None, place: Place,
             adapter: Adapter | None = None) -> Checkpoint:
    shapes = npz_shapes(path)
    native = from_big_vision_shapes(shapes)
    place = _with_adapter(adapter, native, place)
    cfg = _resolved(native, res)
    expected = expected_shapes(cfg)
    found = dict(shapes)
    if POSEMB in found:
        found[POSEMB] = expected.get(POSEMB, found[POSEMB])
    check_tree(found, expected, str(path))
    params = {key: place(key, _finish(key, a, cfg, dtype)) for key, a in iter_npz(path, dtype)}
    return Checkpoint(cfg, unflatten(params), "big_vision npz", [path])


def _missing_slots(slots: dict[str, dict[tuple[int, ...], Any]],
                   expected: dict[str, tuple[int, ...]]) -> list[str]:
    missing = []
    for key, shape in expected.items():
        given = slots.get(key)
        if not given:
            missing.append(key)
            continue
        rank = len(next(iter(given)))
        wanted = itertools.product(*(range(d) for d in shape[:rank]))
        missing += [f"{key}{list(i)}" for i in wanted if i not in given]
    return missing


def assemble_hf(native: PaliGemmaConfig, shapes: Mapping[str, tuple[int, ...]],
                read: Callable[[str], np.ndarray], *, where: str, dtype: np.dtype,
                res: int | None, place: Place) -> tuple[PaliGemmaConfig, dict[str, Any]]:
    """Hugging Face tensors (names and shapes, and `read` to fetch one) as a big_vision tree."""
    expected = expected_shapes(native)
    slots: dict[str, dict[tuple[int, ...], tuple[str, hf.Slot]]] = {}
    unexpected, mismatched, unused = [], [], []
    for name, shape in shapes.items():
        if hf.unused_by_paligemma(name):
            unused.append(name)
            continue
        try:
            slot = hf.slot_for(name, native)
        except KeyError:
            unexpected.append(name)
            continue
        if slot is None:  # the output head, tied to the token embeddings
            continue
        want = expected.get(slot.key)
        if want is None:
            unexpected.append(name)
        elif hf.transformed_shape(slot, shape) != want[len(slot.index):]:
            mismatched.append(f"{name} {shape}: model wants {slot.key}{list(slot.index)} "
                              f"of shape {want[len(slot.index):]}")
        else:
            slots.setdefault(slot.key, {})[slot.index] = (name, slot)
    raise_if_problems(where, _missing_slots(slots, expected), sorted(unexpected), mismatched)
    if unused:
        log.warning("%s: skipped %d tensor(s) of the SigLIP pooling head, which PaliGemma does not "
                    "use: %s", where, len(unused), ", ".join(sorted(unused)))
    cfg = _resolved(native, res)
    params = {}
    for key, entries in slots.items():
        if () in entries:
            name, slot = entries[()]
            a = _finish(key, slot.transform(read(name)), cfg, dtype)
        else:
            a = aligned_empty(expected[key], dtype)
            for index, (name, slot) in entries.items():
                a[index] = slot.transform(read(name))
        params[key] = place(key, a)
        del a
    return cfg, unflatten(params)


def load_hf(folder: Path, dtype: np.dtype, res: int | None, place: Place,
            adapter: Adapter | None = None) -> Checkpoint:
    native = from_hf_config(hf.read_hf_config(folder), str(folder / "config.json"))
    infos = hf.tensor_infos(folder)
    refuse_quantized_tensors(infos, str(folder))
    cfg, params = assemble_hf(native, {n: i.shape for n, i in infos.items()},
                              lambda name: read_tensor(infos[name]), where=str(folder),
                              dtype=dtype, res=res, place=_with_adapter(adapter, native, place))
    files = [*sorted({i.file for i in infos.values()}), folder / "config.json"]
    return Checkpoint(cfg, params, "hugging face", files)


def checkpoint_config(path: str | Path | Located, res: int | None = None) -> PaliGemmaConfig:
    """The model's config at `res` (default: the checkpoint's own), from the checkpoint's
    config.json or tensor shapes alone: no tensor is read (an adapter's is its base's)."""
    found = path if isinstance(path, Located) else locate(path)
    if found.kind == "hf":
        native = from_hf_config(hf.read_hf_config(found.path), str(found.path / "config.json"))
    else:
        native = from_big_vision_shapes(npz_shapes(found.path))
    return _resolved(native, res)


def load_checkpoint(path: str | Path | Located, *, dtype: str = "float32", res: int | None = None,
                    place: Place | None = None, base: str | Path | None = None) -> Checkpoint:
    """Load a big_vision `.npz` file (or a folder holding exactly one), a Hugging Face folder, or
    a LoRA adapter folder merged into its base (`base`, else the one its config names)."""
    np_dtype = numpy_dtype(dtype)
    found = path if isinstance(path, Located) else locate(path, base=base)
    load = load_hf if found.kind == "hf" else load_npz
    checkpoint = load(found.path, np_dtype, res, _finite(place or _default_place, found.path),
                      found.adapter)
    if found.adapter is None:
        return dataclasses.replace(checkpoint, record=found.record())
    return dataclasses.replace(checkpoint, format=f"lora adapter on {checkpoint.format}",
                               files=[*checkpoint.files, *found.adapter.files],
                               record=found.record())


CHUNK = 1 << 20  # elements checked at once: a 4 MB temporary, whatever the tensor's size


def _finite(place: Place, where: Path) -> Place:
    """`place`, refusing a tensor that holds NaN or infinite values (checked on the host as it
    streams in, a chunk at a time): such weights decode nonsense at full speed, with no other
    sign."""
    def checked(key: str, a: np.ndarray) -> Any:
        flat = a.reshape(-1)
        if not all(np.isfinite(flat[i : i + CHUNK]).all() for i in range(0, flat.size, CHUNK)):
            bad = sum(int(np.count_nonzero(~np.isfinite(flat[i : i + CHUNK])))
                      for i in range(0, flat.size, CHUNK))
            raise InputError(f"tensor {key} holds {bad} NaN or infinite value(s) out of "
                             f"{flat.size}", path=str(where),
                             hint="the checkpoint is damaged or its training diverged; use "
                                  "another one")
        return place(key, a)
    return checked
