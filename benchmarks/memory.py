"""Device memory of each PaliGemma size, worked out from its parameter shapes and its KV cache.

    python benchmarks/memory.py [--per-device 8] [--text-tokens 128]

For PaliGemma 3B and PaliGemma 2 3B / 10B / 28B, in float32 and bfloat16, it prints the parameter
count, the weights' bytes, the KV cache of one example at 224 / 448 / 896 px, and the smallest
`--mesh model=M` whose per-device share fits a TPU v5e chip (16 GB HBM) and an 80 GB GPU with
`--per-device` examples on each device. The README's memory table is this script's output
(tests/test_memory_table.py checks that they agree).

What one device holds, as pgeval's engine lays a run out:
- weights: every parameter in the compute dtype, split over the `model` axis by the sharding
  rules (pgeval/engine/sharding.py) where the dimension divides, whole otherwise;
- per example, the KV cache, keys and values of (depth, kv_heads, image + text tokens, head_dim)
  in the compute dtype, split over `model` where the KV heads divide (XLA places it as the key and
  value projections are split; PaliGemma 1's single KV head stays whole);
- per example, the prefill's largest intermediate: the Gemma MLP's gate and up projections
  (2 x tokens x mlp) or one block of 512 queries' float32 attention logits over every key,
  whichever is larger, split over `model` where the heads or hidden units divide.
A tenth of the memory is kept free for XLA's own buffers.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pgeval.engine.sharding import param_spec
from pgeval.model.config import PaliGemmaConfig, TextConfig, preset
from pgeval.model.gemma import ACCELERATOR_QUERY_BLOCK
from pgeval.model.tree import expected_shapes

MODELS = {"PaliGemma 3B": "paligemma-3b", "PaliGemma 2 3B": "paligemma2-3b",
          "PaliGemma 2 10B": "paligemma2-10b", "PaliGemma 2 28B": "paligemma2-28b"}
DTYPES = {"float32": 4, "bfloat16": 2}
RESOLUTIONS = (224, 448, 896)
DEVICES = {"v5e (16 GB)": 16e9, "80 GB GPU": 80e9}
MODEL_AXES = (1, 2, 4, 8, 16, 32)
FREE = 0.1
GB = 1e9


@dataclass(frozen=True)
class Footprint:
    """Bytes on one device for a model axis of `model`."""

    weights: float
    per_example: float

    def total(self, examples: int) -> float:
        return self.weights + examples * self.per_example


_shapes = functools.cache(expected_shapes)


def parameter_count(cfg: PaliGemmaConfig) -> int:
    return sum(math.prod(s) for s in _shapes(cfg).values())


def weight_bytes(cfg: PaliGemmaConfig, dtype_bytes: int, model: int) -> float:
    """The weights one device holds when the mesh's model axis has `model` devices."""
    mesh = SimpleNamespace(shape={"model": model})
    total = 0.0
    for key, shape in _shapes(cfg).items():
        split = model if any(param_spec(key, shape, mesh)) else 1
        total += math.prod(shape) * dtype_bytes / split
    return total


def _divided(n: int, model: int) -> int:
    return model if n % model == 0 else 1


def kv_cache_bytes(text: TextConfig, tokens: int, dtype_bytes: int) -> int:
    """Keys and values of every layer for one example of `tokens` positions."""
    return 2 * text.depth * text.num_kv_heads * tokens * text.head_dim * dtype_bytes


def prefill_peak_bytes(text: TextConfig, tokens: int, dtype_bytes: int, model: int) -> float:
    mlp = 2 * tokens * text.mlp_dim * dtype_bytes / _divided(text.mlp_dim, model)
    block = min(tokens, ACCELERATOR_QUERY_BLOCK)
    logits = text.num_heads * block * tokens * 4 / _divided(text.num_heads, model)
    return max(mlp, logits)


def footprint(cfg: PaliGemmaConfig, res: int, dtype_bytes: int, model: int,
              text_tokens: int) -> Footprint:
    tokens = cfg.with_resolution(res).vision.num_patches + text_tokens
    kv = kv_cache_bytes(cfg.text, tokens, dtype_bytes) / _divided(cfg.text.num_kv_heads, model)
    per_example = (kv + prefill_peak_bytes(cfg.text, tokens, dtype_bytes, model))
    return Footprint(weight_bytes(cfg, dtype_bytes, model), per_example)


def smallest_model_axis(cfg: PaliGemmaConfig, res: int, dtype_bytes: int, capacity: float,
                        examples: int, text_tokens: int) -> int | None:
    for model in MODEL_AXES:
        if footprint(cfg, res, dtype_bytes, model, text_tokens).total(examples) <= (1 - FREE) * capacity:
            return model
    return None


def table(per_device: int = 8, text_tokens: int = 128) -> str:
    """The README's memory table, in markdown."""
    res_list = " / ".join(map(str, RESOLUTIONS))
    head = ["model", "params", "dtype", "weights", f"KV cache per example at {res_list} px"]
    head += [f"smallest model axis, {name}, at {res_list} px" for name in DEVICES]
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for label, name in MODELS.items():
        cfg = preset(name)
        params = parameter_count(cfg)
        for dtype, nbytes in DTYPES.items():
            kv = [kv_cache_bytes(cfg.text, cfg.with_resolution(r).vision.num_patches + text_tokens,
                                 nbytes) for r in RESOLUTIONS]
            meshes = []
            for capacity in DEVICES.values():
                axes = [smallest_model_axis(cfg, r, nbytes, capacity, per_device, text_tokens)
                        for r in RESOLUTIONS]
                meshes.append(" / ".join("-" if m is None else str(m) for m in axes))
            rows.append("| " + " | ".join([
                label, f"{params / 1e9:.2f}B", dtype, f"{weight_bytes(cfg, nbytes, 1) / GB:.1f} GB",
                " / ".join(f"{b / GB:.2f}" for b in kv) + " GB", *meshes]) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-device", type=int, default=8, help="examples on each device")
    parser.add_argument("--text-tokens", type=int, default=128,
                        help="prefix bucket + decode length of each example")
    args = parser.parse_args()
    print(table(args.per_device, args.text_tokens))


if __name__ == "__main__":
    main()
