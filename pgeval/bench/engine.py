"""`pgeval bench`: our engine against Hugging Face transformers' `generate`, side by side.

A random-init model of the chosen shape is built in transformers, converted to our tree (the
same weights), and both decode the same batch greedily for exactly `decode_len` tokens. Runs
alternate after a warm-up; the report gives examples/s for each, their ratio, and our achieved
FLOP/s as a fraction of a matmul peak measured on the same device.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pgeval.engine.batching import bucket
from pgeval.engine.decode import greedy_generate
from pgeval.errors import PgevalError
from pgeval.model.config import PaliGemmaConfig, from_hf_config, preset
from pgeval.model.loading import assemble_hf, numpy_dtype
from pgeval.model.paligemma import PaliGemma

CONFIGS = {"tiny": "tiny", "small": "small", "3b": "paligemma-3b"}


@dataclass(frozen=True)
class BenchResult:
    config: str
    device: str
    batch_size: int
    res: int
    decode_len: int
    images: int
    pgeval_ex_per_s: float
    hf_ex_per_s: float
    ratio: float
    flops_fraction: float
    model_tflops: float
    peak_tflops: float


def model_flops(cfg: PaliGemmaConfig, batch: int, prefix: int, decode: int, images: int = 1) -> float:
    """Multiply-adds x 2 for one batch: image encoder (`images` per example), prefill, and every
    decode step."""
    v, t = cfg.vision, cfg.text
    n = v.num_patches
    vision = n * v.patch_size ** 2 * 3 * v.width + n * v.width * t.width
    vision += v.depth * (n * (4 * v.width ** 2 + 2 * v.width * v.mlp_dim) + 2 * n * n * v.width)
    vision *= images
    proj = t.width * t.num_heads * t.head_dim * 2 + 2 * t.width * t.num_kv_heads * t.head_dim
    per_token = proj + 3 * t.width * t.mlp_dim
    length = images * n + prefix
    llm = t.depth * (length * per_token + 2 * length * length * t.num_heads * t.head_dim)
    llm += t.width * t.vocab_size
    for i in range(decode - 1):
        llm += t.depth * (per_token + 2 * (length + i + 1) * t.num_heads * t.head_dim)
        llm += t.width * t.vocab_size
    return 2.0 * batch * (vision + llm)


def matmul_peak(dtype: jnp.dtype) -> float:
    """FLOP/s of a large square matmul on the default device."""
    n = 4096 if jax.default_backend() != "cpu" else 2048
    a = jnp.ones((n, n), dtype)
    f = jax.jit(lambda x: x @ x)
    f(a).block_until_ready()
    start = time.perf_counter()
    reps = 10
    for _ in range(reps):
        out = f(a)
    out.block_until_ready()
    return 2 * n ** 3 * reps / (time.perf_counter() - start)


def _hf_model(cfg: PaliGemmaConfig, torch_dtype, device):
    import torch
    from transformers import (
        Gemma2Config,
        GemmaConfig,
        PaliGemmaForConditionalGeneration,
        SiglipVisionConfig,
    )
    from transformers import (
        PaliGemmaConfig as HFConfig,
    )

    v, t = cfg.vision, cfg.text
    vision = SiglipVisionConfig(hidden_size=v.width, intermediate_size=v.mlp_dim,
                                num_hidden_layers=v.depth, num_attention_heads=v.num_heads,
                                patch_size=v.patch_size, image_size=v.image_size,
                                vision_use_head=False, hidden_act="gelu_pytorch_tanh")
    common = dict(hidden_size=t.width, intermediate_size=t.mlp_dim, num_hidden_layers=t.depth,
                  num_attention_heads=t.num_heads, num_key_value_heads=t.num_kv_heads,
                  head_dim=t.head_dim, vocab_size=t.vocab_size + 1)
    text = (Gemma2Config(**common, query_pre_attn_scalar=t.query_pre_attn_scalar,
                         hidden_activation="gelu_pytorch_tanh") if t.gemma2
            else GemmaConfig(**common, hidden_act="gelu_pytorch_tanh"))
    config = HFConfig(vision_config=vision, text_config=text, image_token_index=t.vocab_size,
                      projection_dim=t.width, hidden_size=t.width)
    torch.manual_seed(0)
    return PaliGemmaForConditionalGeneration(config).eval().to(device=device, dtype=torch_dtype)


def stopwatch(fn: Callable[[], None]) -> Callable[[], float]:
    """`fn` as a function returning how many seconds it ran."""
    def timed() -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    return timed


def interleaved_medians(ours: Callable[[], None], theirs: Callable[[], None], *, repeats: int,
                        examples: int, log: Callable[[str], None]) -> tuple[float, float]:
    """Median seconds of each engine over `repeats` rounds, one of each per round (so a machine's
    slow moment costs both alike); each round's examples/s is logged."""
    ours_t, hf_t = [], []
    for i in range(repeats):
        ours_t.append(stopwatch(ours)())
        hf_t.append(stopwatch(theirs)())
        log(f"  run {i + 1}: pgeval {examples / ours_t[-1]:.2f} ex/s, "
            f"transformers {examples / hf_t[-1]:.2f} ex/s")
    return statistics.median(ours_t), statistics.median(hf_t)


@dataclass(frozen=True)
class RandomModels:
    """One random model of a shape in transformers, and the same weights in our tree."""

    shape: PaliGemmaConfig  # the preset asked for
    hf: Any  # transformers' PaliGemmaForConditionalGeneration
    cfg: PaliGemmaConfig  # ours, converted from transformers' (its image token in the vocabulary)
    model: PaliGemma
    params: dict
    device: str  # torch's
    torch_dtype: Any


def random_models(config: str, res: int | None, dtype: str, log: Callable[[str], None]) -> RandomModels:
    """Build the `config` shape with random weights in transformers (on CUDA when there is one)
    and convert them to our tree; PgevalError without transformers or for an unknown shape."""
    try:
        import torch
    except ImportError:
        raise PgevalError("pgeval bench compares against transformers: "
                          "pip install 'pgeval[bench]'") from None
    if config not in CONFIGS:
        raise PgevalError(f"--config must be one of {sorted(CONFIGS)}")
    cfg = preset(CONFIGS[config])
    cfg = cfg.with_resolution(res or cfg.vision.image_size)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[dtype]
    log(f"building a random {config} model ({cfg.vision.image_size} px) in transformers on {device}")
    hf = _hf_model(cfg, torch_dtype, device)
    state = hf.state_dict()
    native = from_hf_config(hf.config.to_dict())
    native = dataclasses.replace(native, vision=cfg.vision)
    _, params = assemble_hf(native, {k: tuple(v.shape) for k, v in state.items()},
                            lambda name: state[name].float().cpu().numpy(), where="transformers",
                            dtype=numpy_dtype(dtype), res=None,
                            place=lambda _k, a: jax.device_put(a))
    return RandomModels(cfg, hf, native, PaliGemma(native, dtype=jnp.dtype(dtype)), params,
                        device, torch_dtype)


def torch_sync(device: str) -> None:
    """Wait for transformers' queued work, so that a timing covers it."""
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


def run_bench(config: str = "small", *, batch_size: int = 8, res: int | None = None,
              decode_len: int = 16, prefix_len: int = 12, images: int = 1, dtype: str = "float32",
              repeats: int = 3, log: Callable[[str], None] = print) -> BenchResult:
    """Both engines on one random model and batch; `images` per example (a video's frames, an
    NLVR2 pair) reach transformers as that many image-token runs in each prompt."""
    m = random_models(config, res, dtype, log)  # says which extra to install when torch is missing
    import torch

    cfg, hf, model, params, device = m.shape, m.hf, m.model, m.params, m.device
    rng = np.random.default_rng(0)
    r = cfg.vision.image_size
    pixels = rng.uniform(-1, 1, (batch_size, images, r, r, 3)).astype(np.float32)
    prefix = np.concatenate([np.full((batch_size, 1), 2),
                             rng.integers(5, 1000, (batch_size, prefix_len - 1))], axis=1)
    width = bucket(prefix_len)
    tokens = np.zeros((batch_size, width), np.int32)
    tokens[:, width - prefix_len:] = prefix
    mask = np.zeros((batch_size, width), bool)
    mask[:, width - prefix_len:] = True
    active = np.ones((batch_size,), bool)
    ours_images = pixels[:, 0] if images == 1 else pixels  # as the engine batches them
    index = np.arange(batch_size, dtype=np.int32)  # every example its own image, as transformers
    images_j, index_j, tokens_j, mask_j, active_j = jax.device_put(
        (ours_images, index, tokens, mask, active))

    def ours() -> None:
        out = greedy_generate(model, params, images_j, index_j, tokens_j, mask_j, active_j,
                              max_decode_len=decode_len, eos_id=-1)
        jax.block_until_ready(out)

    n = cfg.vision.num_patches
    ids = torch.tensor(np.concatenate([np.full((batch_size, images * n), cfg.text.vocab_size),
                                       prefix], 1), device=device)
    pixel_values = torch.tensor(pixels.reshape(-1, r, r, 3).transpose(0, 3, 1, 2), device=device,
                                dtype=m.torch_dtype)

    def theirs() -> None:
        with torch.inference_mode():
            hf.generate(input_ids=ids, pixel_values=pixel_values, token_type_ids=torch.zeros_like(ids),
                        attention_mask=torch.ones_like(ids), max_new_tokens=decode_len,
                        min_new_tokens=decode_len, do_sample=False)
        torch_sync(device)

    log("warming up (compiling)")
    ours()
    theirs()
    ours_s, hf_s = interleaved_medians(ours, theirs, repeats=repeats, examples=batch_size, log=log)
    flops = model_flops(cfg, batch_size, prefix_len, decode_len, images)
    peak = matmul_peak(jnp.dtype(dtype))
    device_name = jax.devices()[0].device_kind
    return BenchResult(config=config, device=device_name, batch_size=batch_size,
                       res=cfg.vision.image_size, decode_len=decode_len, images=images,
                       pgeval_ex_per_s=batch_size / ours_s, hf_ex_per_s=batch_size / hf_s,
                       ratio=hf_s / ours_s, flops_fraction=flops / ours_s / peak,
                       model_tflops=flops / ours_s / 1e12, peak_tflops=peak / 1e12)
