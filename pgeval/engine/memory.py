"""Will a batch fit in device memory? Checked before the first batch compiles, from the shapes
alone, so that an impossible `--batch-size` or prompt is an error naming the flag instead of an
allocation failure minutes later (or, on a CPU, the kernel's out-of-memory kill).

The estimate is a lower bound: the buffers one batch must hold at once (the KV cache, the
attention masks, the images, and the largest of the transient activations: a block of
attention logits, the MLP's hidden layer, the next-token logits). A batch it refuses cannot run;
one it lets through may still not fit, and the allocation failure is then reported the same way
(`out_of_memory`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp

from pgeval.errors import InputError
from pgeval.model.config import PaliGemmaConfig
from pgeval.model.gemma import ACCELERATOR_QUERY_BLOCK, CPU_QUERY_BLOCK


def _size(n: float) -> str:
    """Bytes in GiB, MiB or KiB, one decimal."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 1024:.1f} KiB"


@dataclass(frozen=True)
class BatchShape:
    """One batch as the device sees it: examples per device, beams, image rows per device and
    images per example, prefix tokens (bucketed), tokens decoded."""

    examples: int
    beams: int
    image_rows: int
    images: int
    prefix: int
    decode: int


def batch_bytes(cfg: PaliGemmaConfig, shape: BatchShape, dtype: str) -> int:
    """The bytes a batch of `shape` must hold at once on one device (a lower bound)."""
    t, v = cfg.text, cfg.vision
    item = jnp.dtype(dtype).itemsize
    b = shape.examples * shape.beams
    seq = shape.images * v.num_patches + shape.prefix  # the prefill's tokens
    slots = seq + shape.decode
    block = CPU_QUERY_BLOCK if jax.default_backend() == "cpu" else ACCELERATOR_QUERY_BLOCK
    cache = 2 * t.depth * b * t.num_kv_heads * slots * t.head_dim * item
    masks = shape.examples * seq * slots * (2 if t.sliding_window else 1)
    images = shape.image_rows * shape.images * v.image_size ** 2 * 3 * 4
    transient = max(shape.examples * t.num_heads * min(seq, block) * seq * 4,
                    shape.examples * seq * 2 * t.mlp_dim * item,
                    b * t.vocab_size * 4)
    return cache + masks + images + transient


def free_bytes(device: jax.Device) -> int | None:
    """Memory free on `device`: an accelerator's allocator limit less what it holds (the
    weights), a CPU's available memory (Linux); None when unknown."""
    stats = device.memory_stats() if device.platform != "cpu" else None
    if stats and "bytes_limit" in stats:
        return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_fits(cfg: PaliGemmaConfig, shape: BatchShape, dtype: str, batch_size: int,
               prompt: tuple[str, int], device: jax.Device) -> None:
    """Raise an InputError naming --batch-size (or, when one example alone does not fit, the
    longest prompt: `prompt` is its id and token count) when a batch of `shape` cannot fit in
    `device`'s free memory."""
    free = free_bytes(device)
    need = batch_bytes(cfg, shape, dtype)
    if free is None or need <= free:
        return
    one = batch_bytes(cfg, BatchShape(1, shape.beams, 1, shape.images, shape.prefix, shape.decode),
                      dtype)
    where = f"{device.platform} device memory ({_size(free)} free)"
    if one > free:
        raise InputError(
            f"one example with the longest prompt ({prompt[1]:,} tokens) and {shape.decode} "
            f"decoded tokens needs at least {_size(one)} of {where}",
            example_id=prompt[0], hint="shorten that prompt (or lower --max-decode-len, or use "
                                       "--dtype bfloat16)")
    fits = max(1, math.floor(batch_size * free / need))
    raise InputError(
        f"--batch-size {batch_size} needs at least {_size(need)} of {where} for prompts "
        f"of up to {prompt[1]:,} tokens", hint=f"lower --batch-size (about {fits} fits)")


def out_of_memory(error: Exception, batch_size: int, decode: int) -> InputError | None:
    """An allocation failure (XLA's RESOURCE_EXHAUSTED) as an InputError naming the flags to
    lower; None for any other error."""
    if "RESOURCE_EXHAUSTED" not in str(error):
        return None
    first = str(error).strip().splitlines()[0][:200]
    return InputError(f"the device ran out of memory on a batch of {batch_size} decoding up to "
                      f"{decode} tokens ({first})",
                      hint="lower --batch-size (or --max-decode-len, or use --dtype bfloat16)")
