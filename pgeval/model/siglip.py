"""The SigLIP image encoder with PaliGemma's projection head, in big_vision's parameter layout
(`img/embedding`, `img/pos_embedding`, `img/Transformer/encoderblock/...` stacked over depth,
`img/Transformer/encoder_norm`, `img/head`)."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from pgeval.model.config import VisionConfig
from pgeval.model.gemma import grouped_attention


class MlpBlock(nn.Module):
    mlp_dim: int
    dtype: jnp.dtype

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        width = x.shape[-1]
        x = nn.Dense(self.mlp_dim, dtype=self.dtype, name="Dense_0")(x)
        x = nn.gelu(x, approximate=True)
        return nn.Dense(width, dtype=self.dtype, name="Dense_1")(x)


def _attention(query: jax.Array, key: jax.Array, value: jax.Array, **_: object) -> jax.Array:
    """Unmasked attention for flax's MultiHeadDotProductAttention, as plain batched matmuls."""
    query = query / jnp.sqrt(query.shape[-1]).astype(query.dtype)
    return grouped_attention(query, key.transpose(0, 2, 1, 3), value.transpose(0, 2, 1, 3), None)


class EncoderBlock(nn.Module):
    cfg: VisionConfig
    dtype: jnp.dtype

    @nn.compact
    def __call__(self, x: jax.Array, _: None) -> tuple[jax.Array, None]:
        y = nn.LayerNorm(dtype=self.dtype, name="LayerNorm_0")(x)
        y = nn.MultiHeadDotProductAttention(
            num_heads=self.cfg.num_heads, dtype=self.dtype, attention_fn=_attention,
            name="MultiHeadDotProductAttention_0",
        )(y, y)
        x = x + y
        y = nn.LayerNorm(dtype=self.dtype, name="LayerNorm_1")(x)
        return x + MlpBlock(self.cfg.mlp_dim, self.dtype, name="MlpBlock_0")(y), None


class Transformer(nn.Module):
    cfg: VisionConfig
    dtype: jnp.dtype

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        blocks = nn.scan(EncoderBlock, variable_axes={"params": 0}, split_rngs={"params": True},
                         length=self.cfg.depth)
        x, _ = blocks(self.cfg, self.dtype, name="encoderblock")(x, None)
        return nn.LayerNorm(dtype=self.dtype, name="encoder_norm")(x)


class SigLip(nn.Module):
    """Images in [-1, 1], (B, res, res, 3) -> one LLM-width embedding per patch, (B, N, width)."""

    cfg: VisionConfig
    out_width: int
    dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, images: jax.Array) -> jax.Array:
        p = self.cfg.patch_size
        x = nn.Conv(self.cfg.width, (p, p), strides=(p, p), padding="VALID", dtype=self.dtype,
                    name="embedding")(images.astype(self.dtype))
        x = x.reshape(x.shape[0], -1, x.shape[-1])
        pos = self.param("pos_embedding", nn.initializers.normal(0.02),
                         (1, x.shape[1], self.cfg.width))
        x = x + pos.astype(self.dtype)
        x = Transformer(self.cfg, self.dtype, name="Transformer")(x)
        return nn.Dense(self.out_width, dtype=self.dtype, name="head")(x)
