"""Beam search as big_vision decodes captions: sequences score by the sum of their token
log-probabilities (EOS included, no length penalty). At every step each live beam may end with
EOS, which competes for the best finished sequence; live beams expand without EOS. An example
stops once no live beam can beat its best finished sequence; sequences hold at most
`max_decode_len - 1` tokens before EOS."""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from pgeval.engine.decode import Context, Generated, prefill, step
from pgeval.model.gemma import KVCache
from pgeval.model.paligemma import PaliGemma

NEG = -1e30


class _Beams(NamedTuple):
    length: jax.Array  # tokens in every live beam so far
    logp: jax.Array  # (B, N, V) next-token log-probabilities of the live beams
    tokens: jax.Array  # (B, N, L)
    token_logp: jax.Array  # (B, N, L)
    score: jax.Array  # (B, N)
    best_tokens: jax.Array  # (B, L)
    best_logp: jax.Array  # (B, L)
    best_score: jax.Array  # (B,)
    best_length: jax.Array  # (B,)
    context: Context


def _finish(s: _Beams, eos_id: int) -> _Beams:
    """Let each live beam end here with EOS; keep the best finished sequence per example."""
    ending = s.score + s.logp[..., eos_id]
    n = jnp.argmax(ending, axis=1)
    candidate = jnp.max(ending, axis=1)
    better = candidate > s.best_score
    pick = lambda x: jnp.take_along_axis(x, n[:, None, None], axis=1)[:, 0]  # noqa: E731
    tokens = pick(s.tokens).at[:, s.length].set(eos_id)
    logp = pick(s.token_logp).at[:, s.length].set(
        jnp.take_along_axis(s.logp[..., eos_id], n[:, None], axis=1)[:, 0])
    return s._replace(
        best_tokens=jnp.where(better[:, None], tokens, s.best_tokens),
        best_logp=jnp.where(better[:, None], logp, s.best_logp),
        best_score=jnp.where(better, candidate, s.best_score),
        best_length=jnp.where(better, s.length, s.best_length))


def _expand(s: _Beams, eos_id: int) -> tuple[_Beams, jax.Array]:
    """The N best one-token extensions (EOS excluded) of the live beams, and their new tokens."""
    b, n, _ = s.logp.shape
    top_logp, top_tokens = jax.lax.top_k(s.logp, n + 1)
    scores = jnp.where(top_tokens == eos_id, NEG, s.score[..., None] + top_logp)
    score, chosen = jax.lax.top_k(scores.reshape(b, -1), n)
    parent = chosen // (n + 1)
    token = jnp.take_along_axis(top_tokens.reshape(b, -1), chosen, axis=1)
    token_logp = jnp.take_along_axis(top_logp.reshape(b, -1), chosen, axis=1)
    follow = lambda x: jnp.take_along_axis(x, parent[..., None], axis=1)  # noqa: E731
    rows = (jnp.arange(b)[:, None] * n + parent).reshape(-1)
    cache = KVCache(s.context.cache.k[:, rows], s.context.cache.v[:, rows])
    return s._replace(
        length=s.length + 1,
        tokens=follow(s.tokens).at[:, :, s.length].set(token),
        token_logp=follow(s.token_logp).at[:, :, s.length].set(token_logp),
        score=score, context=s.context._replace(cache=cache)), token.reshape(-1)


def _repeat(context: Context, n: int) -> Context:
    rep = partial(jnp.repeat, repeats=n, axis=0)
    cache = KVCache(*(jnp.repeat(c, n, axis=1) for c in context.cache))
    return context._replace(cache=cache, key_valid=rep(context.key_valid),
                            key_positions=rep(context.key_positions),
                            next_position=rep(context.next_position))


@partial(jax.jit, static_argnames=("model", "max_decode_len", "eos_id", "beam_size"))
def beam_generate(model: PaliGemma, params: dict, images: jax.Array, image_index: jax.Array,
                  tokens: jax.Array, mask: jax.Array, active: jax.Array, *, max_decode_len: int,
                  eos_id: int, beam_size: int) -> Generated:
    """Beam search over a batch; inputs as for greedy_generate."""
    logp, context = prefill(model, params, images, image_index, tokens, mask, max_decode_len)
    b, n, length = tokens.shape[0], beam_size, max_decode_len
    s = _Beams(
        length=jnp.int32(0), logp=jnp.repeat(logp.T[:, None], n, axis=1),
        tokens=jnp.zeros((b, n, length), jnp.int32),
        token_logp=jnp.zeros((b, n, length), jnp.float32),
        score=jnp.full((b, n), NEG).at[:, 0].set(0.0),
        best_tokens=jnp.zeros((b, length), jnp.int32),
        best_logp=jnp.zeros((b, length), jnp.float32),
        best_score=jnp.full((b,), -jnp.inf), best_length=jnp.zeros((b,), jnp.int32),
        context=_repeat(context, n))

    def cond(s: _Beams) -> jax.Array:
        settled = ~active | (jnp.max(s.score, axis=1) < s.best_score)
        return (s.length < length - 1) & ~jnp.all(settled)

    def body(s: _Beams) -> _Beams:
        s, token = _expand(_finish(s, eos_id), eos_id)
        logp, context = step(model, params, token, s.context, s.length - 1)
        return s._replace(logp=logp.T.reshape(b, n, -1), context=context)

    s = _finish(jax.lax.while_loop(cond, body, s), eos_id)
    return Generated(s.best_tokens, s.best_logp, s.best_length)
