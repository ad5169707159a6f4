"""One configuration type for every PaliGemma: PaliGemma 1 3B, PaliGemma 2 3B / 10B / 28B and the
tiny and small shapes tests and benchmarks use. Configs come from a preset, a Hugging Face
`config.json`, or the shapes of a big_vision parameter tree."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pgeval.errors import InputError

PALIGEMMA_VOCAB = 256_000 + 1024 + 128  # Gemma pieces, <locNNNN>, <segNNN>


@dataclass(frozen=True, kw_only=True)
class VisionConfig:
    """SigLIP image encoder with its projection head."""

    width: int = 1152
    depth: int = 27
    mlp_dim: int = 4304
    num_heads: int = 16
    patch_size: int = 14
    image_size: int = 224  # the resolution the checkpoint's position embeddings were trained at

    @property
    def num_patches(self) -> int:
        return (self.image_size // self.patch_size) ** 2


# Decoder widths of the published sizes: Gemma 2B (PaliGemma 3B), Gemma 2 2B / 9B / 27B.
SIZES_BY_WIDTH = {2048: "3b", 2304: "3b", 3584: "10b", 4608: "28b"}


@dataclass(frozen=True, kw_only=True)
class TextConfig:
    """Gemma (PaliGemma 1) or Gemma 2 (PaliGemma 2) decoder.

    `query_pre_attn_scalar` sets the query scale (scalar ** -0.5): the head dimension, except for
    the 27B Gemma 2 whose queries are scaled by (width / heads) ** -0.5. Gemma 2 soft-caps the
    attention logits, adds post-attention and post-MLP norms, and may soft-cap the final logits
    and use sliding-window attention on even-numbered layers, as the checkpoint's config says.
    """

    gemma2: bool = False
    width: int = 2048
    depth: int = 18
    mlp_dim: int = 16384
    num_heads: int = 8
    num_kv_heads: int = 1
    head_dim: int = 256
    vocab_size: int = PALIGEMMA_VOCAB
    query_pre_attn_scalar: float = 256.0
    attn_softcap: float | None = None
    final_softcap: float | None = None
    sliding_window: int | None = None
    rope_base: float = 10_000.0

    @property
    def query_scale(self) -> float:
        return self.query_pre_attn_scalar ** -0.5


@dataclass(frozen=True, kw_only=True)
class PaliGemmaConfig:
    vision: VisionConfig = field(default_factory=VisionConfig)
    text: TextConfig = field(default_factory=TextConfig)
    image_token_index: int | None = None  # Hugging Face checkpoints mark image slots with it

    def with_resolution(self, res: int) -> PaliGemmaConfig:
        return dataclasses.replace(self, vision=dataclasses.replace(self.vision, image_size=res))

    @property
    def family(self) -> str:
        """"paligemma2" for a Gemma 2 decoder, else "paligemma"."""
        return "paligemma2" if self.text.gemma2 else "paligemma"

    @property
    def size(self) -> str | None:
        """The published size this shape is ("3b", "10b", "28b", as the cards name them), read
        from the decoder's width; None for a shape no card has (a tiny or demo model, whose
        vocabulary is not PaliGemma's)."""
        if self.text.vocab_size < PALIGEMMA_VOCAB:
            return None
        return SIZES_BY_WIDTH.get(self.text.width)


def gemma2_text(width: int, depth: int, mlp_dim: int, heads: int, kv_heads: int, head_dim: int,
                query_pre_attn_scalar: float | None = None, **kw: Any) -> TextConfig:
    return TextConfig(gemma2=True, width=width, depth=depth, mlp_dim=mlp_dim, num_heads=heads,
                      num_kv_heads=kv_heads, head_dim=head_dim,
                      query_pre_attn_scalar=query_pre_attn_scalar or head_dim, attn_softcap=50.0,
                      **kw)


PRESETS: dict[str, PaliGemmaConfig] = {
    "paligemma-3b": PaliGemmaConfig(),
    "paligemma2-3b": PaliGemmaConfig(text=gemma2_text(2304, 26, 9216, 8, 4, 256)),
    "paligemma2-10b": PaliGemmaConfig(text=gemma2_text(3584, 42, 14336, 16, 8, 256)),
    "paligemma2-28b": PaliGemmaConfig(text=gemma2_text(4608, 46, 36864, 32, 16, 128, 4608 / 32)),
    "small": PaliGemmaConfig(
        vision=VisionConfig(width=384, depth=6, mlp_dim=1536, num_heads=6),
        text=TextConfig(width=512, depth=6, mlp_dim=2048, num_heads=8, num_kv_heads=1,
                        head_dim=64, query_pre_attn_scalar=64)),
    "tiny": PaliGemmaConfig(
        vision=VisionConfig(width=32, depth=2, mlp_dim=64, num_heads=2, image_size=56),
        text=TextConfig(width=64, depth=2, mlp_dim=128, num_heads=4, num_kv_heads=1, head_dim=16,
                        query_pre_attn_scalar=16, vocab_size=1024)),
}


def preset(name: str) -> PaliGemmaConfig:
    if name not in PRESETS:
        raise InputError(f"unknown model config {name!r}; known: {', '.join(PRESETS)}")
    return PRESETS[name]


def _check_hf_layer_types(text: Mapping[str, Any]) -> None:
    types = text.get("layer_types")
    if types is None:
        return
    expected = ["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(len(types))]
    if list(types) != expected:
        raise InputError(f"unsupported layer_types {types}: pgeval runs Gemma 2's alternating "
                         "sliding (even layers) and full (odd layers) attention")


def from_hf_config(cfg: Mapping[str, Any], path: str = "config.json") -> PaliGemmaConfig:
    """The config of a Hugging Face PaliGemmaForConditionalGeneration checkpoint."""
    try:
        v, t = cfg["vision_config"], cfg["text_config"]
    except KeyError as e:
        raise InputError(f"not a PaliGemma config: no {e.args[0]!r}", path=path) from None
    gemma2 = t.get("model_type", "gemma") == "gemma2"
    if gemma2:
        _check_hf_layer_types(t)
    heads = t.get("num_attention_heads", 8)
    head_dim = t.get("head_dim", 256)
    vision = VisionConfig(
        width=v.get("hidden_size", 1152), depth=v.get("num_hidden_layers", 27),
        mlp_dim=v.get("intermediate_size", 4304), num_heads=v.get("num_attention_heads", 16),
        patch_size=v.get("patch_size", 14), image_size=v.get("image_size", 224))
    text = TextConfig(
        gemma2=gemma2, width=t.get("hidden_size", 2048), depth=t.get("num_hidden_layers", 18),
        mlp_dim=t.get("intermediate_size", 16384), num_heads=heads,
        num_kv_heads=t.get("num_key_value_heads", 1), head_dim=head_dim,
        vocab_size=t.get("vocab_size", PALIGEMMA_VOCAB),
        query_pre_attn_scalar=t.get("query_pre_attn_scalar", head_dim) if gemma2 else head_dim,
        attn_softcap=t.get("attn_logit_softcapping") if gemma2 else None,
        final_softcap=t.get("final_logit_softcapping") if gemma2 else None,
        sliding_window=t.get("sliding_window") if gemma2 else None,
        rope_base=_rope_theta(t),
    )
    return PaliGemmaConfig(vision=vision, text=text,
                           image_token_index=cfg.get("image_token_index", cfg.get("image_token_id")))


def _rope_theta(text: Mapping[str, Any]) -> float:
    params = text.get("rope_parameters") or {}
    return float(params.get("rope_theta", text.get("rope_theta", 10_000.0)))


def from_big_vision_shapes(shapes: Mapping[str, tuple[int, ...]]) -> PaliGemmaConfig:
    """Infer the config from a big_vision tree's shapes (keys without the `params/` prefix).

    Gemma 2 is recognised by its post-norms; head counts come from the einsum shapes. big_vision
    runs PaliGemma 2 without the final-logit soft-cap and without sliding windows, so an npz
    checkpoint gets neither.
    """
    def get(key: str) -> tuple[int, ...]:
        if key not in shapes:
            raise InputError(f"checkpoint has no {key!r}: not a big_vision PaliGemma tree")
        return tuple(shapes[key])

    depth_v, width_v, mlp_v = get("img/Transformer/encoderblock/MlpBlock_0/Dense_0/kernel")
    _, _, heads_v, _ = get("img/Transformer/encoderblock/MultiHeadDotProductAttention_0/query/kernel")
    patch = get("img/embedding/kernel")[0]
    num_patches = get("img/pos_embedding")[1]
    vocab, width = get("llm/embedder/input_embedding")
    if "llm/layers/attn/qkv_einsum/w" in shapes:
        depth, _, heads, _, head_dim = get("llm/layers/attn/qkv_einsum/w")
        kv_heads = heads
    else:
        depth, heads, _, head_dim = get("llm/layers/attn/q_einsum/w")
        kv_heads = get("llm/layers/attn/kv_einsum/w")[2]
    mlp = get("llm/layers/mlp/linear")[1]
    gemma2 = "llm/layers/post_attention_norm/scale" in shapes
    grid = math.isqrt(num_patches)
    vision = VisionConfig(width=width_v, depth=depth_v, mlp_dim=mlp_v, num_heads=heads_v,
                          patch_size=patch, image_size=grid * patch)
    # The one Gemma 2 with 128-wide heads (27B) scales queries by (width / heads) ** -0.5.
    scalar = width / heads if gemma2 and head_dim == 128 else head_dim
    text = TextConfig(gemma2=gemma2, width=width, depth=depth, mlp_dim=mlp, num_heads=heads,
                      num_kv_heads=kv_heads, head_dim=head_dim, vocab_size=vocab,
                      query_pre_attn_scalar=scalar, attn_softcap=50.0 if gemma2 else None)
    return PaliGemmaConfig(vision=vision, text=text)
