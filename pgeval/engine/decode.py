"""Prefill and decoding (greedy or beam search) as one compiled function per shape.

Prefixes are right-aligned (left-padded) after the image tokens, so every example's cache ends at
the same slot and each decode step writes one shared slot. Decoding is a `lax.while_loop` that
stops when every active example is finished or `max_decode_len` is reached. The KV cache is kept
in the compute dtype.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from pgeval.model.gemma import AttentionMasks, KVCache
from pgeval.model.paligemma import PaliGemma, positions_from_mask


class Generated(NamedTuple):
    """Per example: generated tokens and their log-probabilities (only the first `lengths`, the
    tokens before EOS, are meaningful)."""

    tokens: jax.Array  # (B, L) int32
    logprobs: jax.Array  # (B, L) float32
    lengths: jax.Array  # (B,) int32


class Context(NamedTuple):
    """What a decode step needs besides the new token: the cache and which slots hold what."""

    cache: KVCache
    key_valid: jax.Array  # (B, slots) bool
    key_positions: jax.Array  # (B, slots) int32
    next_position: jax.Array  # (B,) position of the first generated token
    prefix_len: int


def _masks(model: PaliGemma, valid: jax.Array, query_pos: jax.Array | None,
           key_pos: jax.Array) -> AttentionMasks:
    """Masks (B, queries, slots). Prefill queries (query_pos None) are all prefix tokens, which
    see each other however far apart; a decode query also needs keys inside the window."""
    window = model.cfg.text.sliding_window
    if query_pos is None:
        full = valid[:, :, None] & valid[:, None, :]
        return AttentionMasks(full, full if window else None)
    full = valid[:, None, :]
    if not window:
        return AttentionMasks(full)
    return AttentionMasks(full, full & ((query_pos[:, None, None] - key_pos[:, None, :]) < window))


def prefill(model: PaliGemma, params: dict, images: jax.Array, image_index: jax.Array,
            tokens: jax.Array, mask: jax.Array, max_decode_len: int) -> tuple[jax.Array, Context]:
    """Run image + prefix through the model; the log-probabilities of the first generated token
    (V, B: vocabulary first, the layout the logits are fastest in) and the context to continue
    from. SigLIP encodes the U distinct `images` once each; example i shows row image_index[i]."""
    variables = {"params": params}
    img = model.apply(variables, images, method=PaliGemma.embed_image)[image_index]
    b, n = img.shape[:2]
    prefix_len = n + tokens.shape[1]
    x = jnp.concatenate([img.astype(model.dtype),
                         model.apply(variables, tokens, method=PaliGemma.embed_text)], axis=1)
    valid = jnp.concatenate([jnp.ones((b, n), bool), mask.astype(bool)], axis=1)
    positions = positions_from_mask(valid)
    pad = ((0, 0), (0, max_decode_len))
    c = model.cfg.text
    zeros = jnp.zeros((c.depth, b, c.num_kv_heads, prefix_len + max_decode_len, c.head_dim),
                      model.dtype)
    masks = AttentionMasks(*(None if m is None else jnp.pad(m, ((0, 0), *pad))
                             for m in _masks(model, valid, None, positions)))
    hidden, cache = model.apply(variables, x, positions, masks, KVCache(zeros, zeros),
                                jnp.int32(0), method=PaliGemma.decode)
    logits = model.apply(variables, hidden[:, -1:], method=PaliGemma.next_logits)
    context = Context(cache, jnp.pad(valid, pad), jnp.pad(positions, pad),
                      positions[:, -1] + 1, prefix_len)
    return jax.nn.log_softmax(logits, axis=0), context


def step(model: PaliGemma, params: dict, token: jax.Array, context: Context,
         index: jax.Array) -> tuple[jax.Array, Context]:
    """Feed the `index`-th generated token (B,); the log-probabilities (V, B) of the next one."""
    variables = {"params": params}
    slot = context.prefix_len + index
    pos = context.next_position + index
    key_valid = context.key_valid.at[:, slot].set(True)
    key_positions = context.key_positions.at[:, slot].set(pos)
    x = model.apply(variables, token[:, None], method=PaliGemma.embed_text)
    masks = _masks(model, key_valid, pos, key_positions)
    hidden, cache = model.apply(variables, x, pos[:, None], masks, context.cache, slot,
                                method=PaliGemma.decode)
    logits = model.apply(variables, hidden, method=PaliGemma.next_logits)
    return jax.nn.log_softmax(logits, axis=0), context._replace(
        cache=cache, key_valid=key_valid, key_positions=key_positions)


class _Greedy(NamedTuple):
    step: jax.Array
    token: jax.Array
    done: jax.Array
    lengths: jax.Array
    tokens: jax.Array
    logprobs: jax.Array
    context: Context


def _pick(logp: jax.Array) -> tuple[jax.Array, jax.Array]:
    """The most likely token of each example and its log-probability, from (V, B)."""
    token = jnp.argmax(logp, axis=0).astype(jnp.int32)
    return token, jnp.take_along_axis(logp, token[None], axis=0)[0]


@partial(jax.jit, static_argnames=("model", "max_decode_len", "eos_id"))
def greedy_generate(model: PaliGemma, params: dict, images: jax.Array, image_index: jax.Array,
                    tokens: jax.Array, mask: jax.Array, active: jax.Array, *, max_decode_len: int,
                    eos_id: int) -> Generated:
    """Greedy decoding for a batch: the batch's distinct images (U, R, R, 3), or (U, K, R, R, 3)
    for K per example, with image_index (B,) int32 saying which row each example shows (without
    sharing U = B and image_index = arange(B)), right-aligned prefix tokens (B, P) with their
    mask, and `active` (B,) False for the padding examples that fill the batch."""
    logp, context = prefill(model, params, images, image_index, tokens, mask, max_decode_len)
    b = tokens.shape[0]
    token, token_logp = _pick(logp)
    done = ~active | (token == eos_id)
    state = _Greedy(
        step=jnp.int32(0), token=token, done=done, lengths=(~done).astype(jnp.int32),
        tokens=jnp.zeros((b, max_decode_len), jnp.int32).at[:, 0].set(token),
        logprobs=jnp.zeros((b, max_decode_len), jnp.float32).at[:, 0].set(token_logp),
        context=context)

    def cond(s: _Greedy) -> jax.Array:
        return (s.step + 1 < max_decode_len) & ~jnp.all(s.done)

    def body(s: _Greedy) -> _Greedy:
        logp, context = step(model, params, s.token, s.context, s.step)
        token, token_logp = _pick(logp)
        done = s.done | (token == eos_id)
        i = s.step + 1
        return _Greedy(i, token, done, s.lengths + (~done), s.tokens.at[:, i].set(token),
                       s.logprobs.at[:, i].set(token_logp), context)

    s = jax.lax.while_loop(cond, body, state)
    return Generated(s.tokens, s.logprobs, s.lengths)
