"""The Gemma / Gemma 2 decoder in big_vision's parameter layout (`llm/embedder`,
`llm/layers/...` stacked over depth, `llm/final_norm`), with an explicit KV cache.

Text embeddings are scaled by sqrt(width); attention logits are computed in float32; Gemma 2
soft-caps them, adds post-norms, and may use a sliding window on even-numbered layers.
"""

from __future__ import annotations

from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp

from pgeval.model.config import TextConfig

NEG_INF = -2.3819763e38
# Queries per step of long attention (see grouped_attention): 64 measured fastest on CPU (a
# prefill of 4 x 256 image tokens: 0.95 s against 1.5 s unblocked); on accelerators the block only
# bounds memory, and larger blocks keep their matmuls big.
CPU_QUERY_BLOCK = 64
ACCELERATOR_QUERY_BLOCK = 512


class KVCache(NamedTuple):
    """Keys and values of every layer: (depth, batch, kv_heads, slots, head_dim) each."""

    k: jax.Array
    v: jax.Array


class AttentionMasks(NamedTuple):
    """Which keys each query sees, (batch, queries, keys): everywhere, and on sliding-window
    layers (None when the model has no sliding window)."""

    full: jax.Array
    local: jax.Array | None = None


class RMSNorm(nn.Module):
    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        scale = self.param("scale", nn.initializers.zeros_init(), (x.shape[-1],))
        x32 = x.astype(jnp.float32)
        y = x32 * jax.lax.rsqrt(jnp.mean(x32 * x32, axis=-1, keepdims=True) + 1e-6)
        return (y * (1.0 + scale.astype(jnp.float32))).astype(x.dtype)


class Einsum(nn.Module):
    shape: tuple[int, ...]

    @nn.compact
    def __call__(self, spec: str, x: jax.Array) -> jax.Array:
        w = self.param("w", nn.initializers.normal(0.02), self.shape)
        return jnp.einsum(spec, x, w.astype(x.dtype))


def apply_rope(x: jax.Array, positions: jax.Array, base: float) -> jax.Array:
    """Rotary embedding over the two halves of each head: x (B, T, heads, H), positions (B, T)."""
    half = x.shape[-1] // 2
    timescale = base ** ((2.0 / x.shape[-1]) * jnp.arange(half, dtype=jnp.float32))
    radians = positions.astype(jnp.float32)[..., None, None] / timescale
    sin, cos = jnp.sin(radians), jnp.cos(radians)
    x1, x2 = jnp.split(x.astype(jnp.float32), 2, axis=-1)
    return jnp.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1).astype(x.dtype)


def grouped_attention(q: jax.Array, k: jax.Array, v: jax.Array, mask: jax.Array | None,
                      softcap: float | None = None) -> jax.Array:
    """Softmax attention with query heads grouped over shared KV heads.

    q (B, T, N, H); k and v (B, K, S, H) with N a multiple of K; mask (B, T, S) or None. Each KV head's
    query heads are stacked into one matrix, so the scores are K plain batched matmuls; logits
    and softmax run in float32. Long query runs (a prefill of several images, SigLIP at 448 or
    896 px) go a block of queries at a time: each query's softmax is its own, so the result is the
    same, while the float32 logits held at once shrink from T x S to block x S.
    """
    t = q.shape[1]
    block = CPU_QUERY_BLOCK if jax.default_backend() == "cpu" else ACCELERATOR_QUERY_BLOCK
    if t <= block:
        return _attend(q, k, v, mask, softcap)
    pad = -t % block

    def blocks(x: jax.Array) -> jax.Array:
        x = jnp.pad(x, [(0, 0), (0, pad)] + [(0, 0)] * (x.ndim - 2))
        return jnp.moveaxis(x.reshape(x.shape[0], -1, block, *x.shape[2:]), 1, 0)

    if mask is None:
        out = jax.lax.map(lambda qb: _attend(qb, k, v, None, softcap), blocks(q))
    else:
        out = jax.lax.map(lambda a: _attend(a[0], k, v, a[1], softcap), (blocks(q), blocks(mask)))
    out = jnp.moveaxis(out, 0, 1)
    return out.reshape(out.shape[0], -1, *out.shape[3:])[:, :t]


def _attend(q: jax.Array, k: jax.Array, v: jax.Array, mask: jax.Array | None,
            softcap: float | None) -> jax.Array:
    b, t, n, h = q.shape
    kh, s = k.shape[1], k.shape[2]
    g = n // kh
    q = q.reshape(b, t, kh, g, h).transpose(0, 2, 3, 1, 4).reshape(b, kh, g * t, h)
    logits = jnp.einsum("BKMH,BKSH->BKMS", q, k.astype(q.dtype)).astype(jnp.float32)
    logits = logits.reshape(b, kh, g, t, s)
    if softcap:
        logits = jnp.tanh(logits / softcap) * softcap
    if mask is not None:
        logits = jnp.where(mask[:, None, None, :, :], logits, NEG_INF)
    probs = jax.nn.softmax(logits, axis=-1).astype(q.dtype).reshape(b, kh, g * t, s)
    out = jnp.einsum("BKMS,BKSH->BKMH", probs, v.astype(q.dtype))
    return out.reshape(b, kh, g, t, h).transpose(0, 3, 1, 2, 4).reshape(b, t, n, h)


class Attention(nn.Module):
    cfg: TextConfig

    @nn.compact
    def __call__(self, x: jax.Array, positions: jax.Array, mask: jax.Array,
                 cache: tuple[jax.Array, jax.Array] | None, cache_index: jax.Array | None
                 ) -> tuple[jax.Array, tuple[jax.Array, jax.Array] | None]:
        c = self.cfg
        n, k_heads, h, w = c.num_heads, c.num_kv_heads, c.head_dim, c.width
        if n == k_heads:
            q, k, v = Einsum((3, n, w, h), name="qkv_einsum")("BTD,SNDH->SBTNH", x)
            k, v = k.transpose(0, 2, 1, 3), v.transpose(0, 2, 1, 3)
        else:
            q = Einsum((n, w, h), name="q_einsum")("BTD,NDH->BTNH", x)
            k, v = Einsum((2, k_heads, w, h), name="kv_einsum")("BSD,CKDH->CBKSH", x)
        q = apply_rope(q, positions, c.rope_base) * jnp.asarray(c.query_scale, x.dtype)
        k = apply_rope(k.transpose(0, 2, 1, 3), positions, c.rope_base).transpose(0, 2, 1, 3)
        if cache is not None:
            k = jax.lax.dynamic_update_slice(cache[0], k.astype(cache[0].dtype), (0, 0, cache_index, 0))
            v = jax.lax.dynamic_update_slice(cache[1], v.astype(cache[1].dtype), (0, 0, cache_index, 0))
            cache = (k, v)
        out = grouped_attention(q, k, v, mask, c.attn_softcap)
        return Einsum((n, h, w), name="attn_vec_einsum")("BTNH,NHD->BTD", out), cache


class FeedForward(nn.Module):
    cfg: TextConfig

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        c = self.cfg
        gating = self.param("gating_einsum", nn.initializers.normal(0.02), (2, c.width, c.mlp_dim))
        linear = self.param("linear", nn.initializers.normal(0.02), (c.mlp_dim, c.width))
        gating = gating.astype(x.dtype)
        hidden = nn.gelu(x @ gating[0], approximate=True) * (x @ gating[1])
        return hidden @ linear.astype(x.dtype)


class Embedder(nn.Module):
    """The token table, shared by the input embedding and the output logits."""

    vocab_size: int
    width: int

    def setup(self) -> None:
        self.input_embedding = self.param("input_embedding", nn.initializers.normal(1.0),
                                          (self.vocab_size, self.width))

    def encode(self, tokens: jax.Array, dtype: jnp.dtype) -> jax.Array:
        return self.input_embedding.astype(dtype)[tokens] * jnp.sqrt(float(self.width)).astype(dtype)

    def decode(self, hidden: jax.Array) -> jax.Array:
        return jnp.einsum("BTD,VD->BTV", hidden, self.input_embedding.astype(hidden.dtype))

    def decode_vocab_major(self, hidden: jax.Array) -> jax.Array:
        """Logits (V, B) of one position per example, hidden (B, D). Memory-bound on the table;
        XLA reads it faster producing this layout than (B, V)."""
        return jnp.einsum("VD,BD->VB", self.input_embedding.astype(hidden.dtype), hidden)


class Block(nn.Module):
    cfg: TextConfig

    @nn.compact
    def __call__(self, x: jax.Array, positions: jax.Array, masks: AttentionMasks,
                 cache_index: jax.Array | None, layer: jax.Array,
                 cache: tuple[jax.Array, jax.Array] | None):
        c = self.cfg
        mask = masks.full
        if masks.local is not None:
            mask = jnp.where(layer % 2 == 0, masks.local, masks.full)
        y, cache = Attention(c, name="attn")(RMSNorm(name="pre_attention_norm")(x), positions,
                                             mask, cache, cache_index)
        if c.gemma2:
            y = RMSNorm(name="post_attention_norm")(y)
        x = x + y
        y = FeedForward(c, name="mlp")(RMSNorm(name="pre_ffw_norm")(x))
        if c.gemma2:
            y = RMSNorm(name="post_ffw_norm")(y)
        return x + y, cache


class Gemma(nn.Module):
    """embed (tokens -> scaled embeddings), __call__ (embeddings -> final-norm hidden states,
    updating the cache at `cache_index` when one is given) and logits (hidden -> vocabulary)."""

    cfg: TextConfig
    dtype: jnp.dtype = jnp.float32

    def setup(self) -> None:
        c = self.cfg
        self.embedder = Embedder(c.vocab_size, c.width)
        self.layers = nn.scan(
            Block, variable_axes={"params": 0}, split_rngs={"params": True},
            in_axes=(nn.broadcast, nn.broadcast, nn.broadcast, 0, 0), length=c.depth,
        )(c, name="layers")
        self.final_norm = RMSNorm(name="final_norm")

    def embed(self, tokens: jax.Array) -> jax.Array:
        return self.embedder.encode(tokens, self.dtype)

    def __call__(self, x: jax.Array, positions: jax.Array, masks: AttentionMasks,
                 cache: KVCache | None = None, cache_index: jax.Array | None = None
                 ) -> tuple[jax.Array, KVCache | None]:
        layer_ids = jnp.arange(self.cfg.depth)
        per_layer = None if cache is None else (cache.k, cache.v)
        x, new = self.layers(x.astype(self.dtype), positions, masks, cache_index, layer_ids,
                             per_layer)
        return self.final_norm(x), None if new is None else KVCache(*new)

    def _softcap(self, logits: jax.Array) -> jax.Array:
        logits = logits.astype(jnp.float32)
        if self.cfg.final_softcap:
            logits = jnp.tanh(logits / self.cfg.final_softcap) * self.cfg.final_softcap
        return logits

    def logits(self, hidden: jax.Array) -> jax.Array:
        """(B, T, V) logits of every position."""
        return self._softcap(self.embedder.decode(hidden))

    def next_logits(self, hidden: jax.Array) -> jax.Array:
        """(V, B) logits of the one position in hidden (B, 1, D), as decoding needs them."""
        return self._softcap(self.embedder.decode_vocab_major(hidden[:, 0]))
