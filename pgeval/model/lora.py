"""PEFT LoRA adapters, merged into their base model's weights as the base loads.

An adapter folder holds `adapter_config.json` and `adapter_model.safetensors`. Each targeted
Linear layer of the Hugging Face model gets `W + s * B @ A`, with `s = alpha / r` (or
`alpha / sqrt(r)` under rsLoRA; per-module ranks and alphas from `rank_pattern` and
`alpha_pattern`). The delta goes through the same transform as the layer's own weight (a
transpose, a split into heads), so it merges into a Hugging Face base and a big_vision `.npz`
base alike. Keys of both transformers layouts are read (`language_model.model.layers` before
4.52, `model.language_model.layers` after, and the projector under either prefix). What cannot be
merged into plain weights (DoRA, trained biases, extra trainable tokens, whole modules saved beside
the adapter, a layer this mapping does not know) stops the load, naming it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pgeval.errors import InputError
from pgeval.io import read_json
from pgeval.model import hf_checkpoint as hf
from pgeval.model.config import PaliGemmaConfig
from pgeval.model.host_buffers import as_aligned
from pgeval.model.safetensors_files import TensorInfo, read_header, read_tensor

CONFIG = "adapter_config.json"
WEIGHTS = "adapter_model.safetensors"
_PREFIX = "base_model.model."
_LORA_KEY = re.compile(r"^(.+)\.lora_([AB])\.weight$")
Place = Callable[[str, np.ndarray], Any]

# Config entries that change what the adapter computes beyond W + s * B @ A: (entry, what it is).
_UNMERGEABLE = (
    ("use_dora", "DoRA (weight-decomposed LoRA)"),
    ("lora_bias", "a bias on lora_B"),
    ("trainable_token_indices", "extra trainable tokens"),
    ("modules_to_save", "fully trained modules saved beside the adapter"),
    ("layer_replication", "layer replication"),
    ("target_parameters", "LoRA on raw parameters"),
    ("alora_invocation_tokens", "activated LoRA (aLoRA)"),
    ("use_qalora", "QA-LoRA"),
    ("arrow_config", "Arrow routing over several adapters"),
)


@dataclass(frozen=True)
class Module:
    """One adapted Linear layer: its Hugging Face weight name, its factors and its scale."""

    weight: str
    a: TensorInfo
    b: TensorInfo
    scale: float


@dataclass(frozen=True)
class Adapter:
    """A LoRA adapter folder: its base (as its config names it), files and adapted layers."""

    folder: Path
    base: str | None
    files: list[Path]
    modules: list[Module]


def is_adapter(folder: Path) -> bool:
    return folder.is_dir() and (folder / CONFIG).is_file()


def _refuse(what: str, folder: Path, hint: str = "merge it with peft (merge_and_unload) and save "
            "the merged model with save_pretrained; pgeval loads that folder") -> InputError:
    return InputError(f"this adapter uses {what}, which pgeval cannot merge into the base's "
                      "weights", path=str(folder), hint=hint)


def _read_config(folder: Path) -> dict:
    path = folder / CONFIG
    config = read_json(path)
    if not isinstance(config, dict):
        raise InputError("adapter_config.json must be a JSON object", path=str(path))
    kind = config.get("peft_type", "LORA")
    if kind != "LORA":
        raise _refuse(f"peft_type {kind!r} (pgeval merges LoRA adapters)", folder)
    for entry, what in _UNMERGEABLE:
        if config.get(entry):
            raise _refuse(f"{what} ({entry}: {config[entry]!r})", folder)
    if config.get("bias", "none") != "none":
        raise _refuse(f"trained biases (bias: {config['bias']!r})", folder)
    for entry in ("r", "lora_alpha"):
        if not isinstance(config.get(entry), int | float) or config[entry] <= 0:
            raise InputError(f"{entry!r} must be a positive number, got {config.get(entry)!r}",
                             path=str(path))
    return config


def _pattern_value(patterns: dict, module: str, default: float) -> float:
    """peft's rule: the first pattern that matches the end of the module's dotted name."""
    for pattern, value in patterns.items():
        if re.match(rf"(.*\.)?({pattern})$", module):
            return value
    return default


def _weights_file(folder: Path) -> Path:
    path = folder / WEIGHTS
    if path.is_file():
        return path
    if (folder / "adapter_model.bin").is_file():
        raise InputError("the adapter's weights are a pickled adapter_model.bin, which pgeval "
                         "does not read", path=str(folder / "adapter_model.bin"),
                         hint="load it with peft and save it again: save_pretrained writes "
                              "adapter_model.safetensors")
    raise InputError(f"no {WEIGHTS} in the adapter folder", path=str(folder))


def read_adapter(folder: Path) -> Adapter:
    """The adapter's config and its layers (their factors are read when they merge)."""
    config = _read_config(folder)
    weights = _weights_file(folder)
    pairs: dict[str, dict[str, TensorInfo]] = {}
    for key, info in read_header(weights).items():
        m = _LORA_KEY.match(key)
        if m is None or not m.group(1).startswith(_PREFIX):
            what = ("DoRA magnitudes" if "lora_magnitude_vector" in key else
                    "extra trainable tokens" if "trainable_tokens" in key else
                    "an embedding-layer LoRA" if "lora_embedding" in key else
                    "full weights saved with the adapter, as peft does when an embedding or the "
                    "output layer is targeted" if key.endswith(".base_layer.weight") else
                    "a tensor that is not a LoRA factor")
            raise _refuse(f"{what} ({key})", folder)
        pairs.setdefault(m.group(1).removeprefix(_PREFIX), {})[m.group(2)] = info
    modules = []
    r, alpha = config["r"], config["lora_alpha"]
    for name, pair in sorted(pairs.items()):
        if set(pair) != {"A", "B"}:
            raise InputError(f"{name}: lora_A or lora_B is missing", path=str(weights))
        a, b = pair["A"], pair["B"]
        if len(a.shape) != 2 or len(b.shape) != 2:
            raise _refuse(f"a LoRA on a layer that is not Linear ({name}, lora_A {a.shape})", folder)
        rank = _pattern_value(config.get("rank_pattern") or {}, name, r)
        if a.shape[0] != b.shape[1] or a.shape[0] != rank:
            raise InputError(f"{name}: lora_A {a.shape} and lora_B {b.shape} are not factors of "
                             f"rank {rank}", path=str(weights))
        mod_alpha = _pattern_value(config.get("alpha_pattern") or {}, name, alpha)
        scale = mod_alpha / (math.sqrt(rank) if config.get("use_rslora") else rank)
        modules.append(Module(f"{name}.weight", a, b, scale))
    if not modules:
        raise InputError("the adapter has no LoRA layers", path=str(weights))
    base = config.get("base_model_name_or_path")
    return Adapter(folder, str(base) if base else None, [folder / CONFIG, weights], modules)


def _delta(module: Module) -> np.ndarray:
    a = read_tensor(module.a).astype(np.float32)
    b = read_tensor(module.b).astype(np.float32)
    return module.scale * (b @ a)


def merging_place(adapter: Adapter, cfg: PaliGemmaConfig,
                  expected: dict[str, tuple[int, ...]], place: Place) -> Place:
    """`place` that first adds the adapter's deltas to the tensors they target. Every layer is
    checked before any tensor loads: one that maps to no weight of this model stops the load."""
    targets: dict[str, list[tuple[Module, hf.Slot]]] = {}
    for module in adapter.modules:
        try:
            slot = hf.slot_for(module.weight, cfg)
        except KeyError:
            slot = None
        want = expected.get(slot.key) if slot is not None else None
        if slot is None or want is None:
            raise _refuse(f"a layer pgeval does not know how to merge ({module.weight})",
                          adapter.folder, hint="adapters of the Linear layers of the language "
                          "model, the vision tower and the projector merge; train without this one")
        shape = (module.b.shape[0], module.a.shape[1])
        if hf.transformed_shape(slot, shape) != want[len(slot.index):]:
            raise InputError(f"{module.weight}: the adapter's {shape} delta does not fit the "
                             f"base's {slot.key}{list(slot.index)} {want[len(slot.index):]}",
                             path=str(adapter.folder), hint="is --base the model this adapter "
                             "was trained on?")
        targets.setdefault(slot.key, []).append((module, slot))

    def merged(key: str, a: np.ndarray) -> Any:
        for module, slot in targets.get(key, ()):
            delta = slot.transform(_delta(module))
            if slot.index:
                if not a.flags.writeable:
                    a = a.copy()
                a[slot.index] = (a[slot.index].astype(np.float32) + delta).astype(a.dtype)
            else:
                a = as_aligned(a.astype(np.float32) + delta, a.dtype)
        return place(key, a)

    return merged
