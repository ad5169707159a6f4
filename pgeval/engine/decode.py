"""Prefill and greedy decoding as one compiled function per shape.

Prefixes are right-aligned (left-padded) after the image tokens, so every example's cache ends at
the same slot and each decode step writes one shared slot. The decode loop is a `lax.while_loop`
that stops when every active example has emitted EOS or `max_decode_len` tokens.
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


class _State(NamedTuple):
    step: jax.Array
    token: jax.Array
    done: jax.Array
    lengths: jax.Array
    tokens: jax.Array
    logprobs: jax.Array
    cache: KVCache
    key_valid: jax.Array
    key_positions: jax.Array


def _pick(logits: jax.Array) -> tuple[jax.Array, jax.Array]:
    logp = jax.nn.log_softmax(logits.astype(jnp.float32), axis=-1)
    token = jnp.argmax(logp, axis=-1).astype(jnp.int32)
    return token, jnp.take_along_axis(logp, token[:, None], axis=-1)[:, 0]


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


@partial(jax.jit, static_argnames=("model", "max_decode_len", "eos_id"))
def greedy_generate(model: PaliGemma, params: dict, images: jax.Array, tokens: jax.Array,
                    mask: jax.Array, active: jax.Array, *, max_decode_len: int,
                    eos_id: int) -> Generated:
    """Greedy decoding for a batch: images (B, R, R, 3), right-aligned prefix tokens (B, P) with
    their mask, and `active` (B,) False for the padding examples that fill the batch."""
    variables = {"params": params}
    img = model.apply(variables, images, method=PaliGemma.embed_image)
    b, n = img.shape[:2]
    prefix_len = n + tokens.shape[1]
    slots = prefix_len + max_decode_len
    x = jnp.concatenate([img.astype(model.dtype),
                         model.apply(variables, tokens, method=PaliGemma.embed_text)], axis=1)
    valid = jnp.concatenate([jnp.ones((b, n), bool), mask.astype(bool)], axis=1)
    positions = positions_from_mask(valid)
    key_valid = jnp.pad(valid, ((0, 0), (0, max_decode_len)))
    key_positions = jnp.pad(positions, ((0, 0), (0, max_decode_len)))
    c = model.cfg.text
    zeros = jnp.zeros((c.depth, b, slots, c.num_kv_heads, c.head_dim), model.dtype)
    prefill_masks = _masks(model, valid, None, positions)
    prefill_masks = AttentionMasks(*(jnp.pad(m, ((0, 0), (0, 0), (0, max_decode_len)))
                                     if m is not None else None for m in prefill_masks))
    hidden, cache = model.apply(variables, x, positions, prefill_masks, KVCache(zeros, zeros),
                                jnp.int32(0), method=PaliGemma.decode)
    logits = model.apply(variables, hidden[:, -1:], method=PaliGemma.logits)[:, 0]
    token, logprob = _pick(logits)
    done = ~active | (token == eos_id)
    lengths = (~done).astype(jnp.int32)
    out_tokens = jnp.zeros((b, max_decode_len), jnp.int32).at[:, 0].set(token)
    out_logprobs = jnp.zeros((b, max_decode_len), jnp.float32).at[:, 0].set(logprob)
    next_position = positions[:, -1] + 1

    def cond(s: _State) -> jax.Array:
        return (s.step + 1 < max_decode_len) & ~jnp.all(s.done)

    def body(s: _State) -> _State:
        slot = prefix_len + s.step
        pos = next_position + s.step
        key_valid = s.key_valid.at[:, slot].set(True)
        key_positions = s.key_positions.at[:, slot].set(pos)
        x = model.apply(variables, s.token[:, None], method=PaliGemma.embed_text)
        masks = _masks(model, key_valid, pos, key_positions)
        hidden, cache = model.apply(variables, x, pos[:, None], masks, s.cache, slot,
                                    method=PaliGemma.decode)
        logits = model.apply(variables, hidden, method=PaliGemma.logits)[:, 0]
        token, logprob = _pick(logits)
        ended = s.done | (token == eos_id)
        step = s.step + 1
        return _State(
            step=step, token=token, done=ended, lengths=s.lengths + (~ended),
            tokens=s.tokens.at[:, step].set(token),
            logprobs=s.logprobs.at[:, step].set(logprob),
            cache=cache, key_valid=key_valid, key_positions=key_positions,
        )

    state = jax.lax.while_loop(cond, body, _State(
        jnp.int32(0), token, done, lengths, out_tokens, out_logprobs, cache, key_valid,
        key_positions))
    return Generated(state.tokens, state.logprobs, state.lengths)
