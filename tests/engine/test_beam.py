"""Beam search against a plain reference that re-runs the whole model for every candidate."""

import jax
import jax.numpy as jnp
import numpy as np

from pgeval.engine.beam import beam_generate
from pgeval.engine.decode import greedy_generate
from pgeval.model.loading import load_checkpoint
from pgeval.model.paligemma import PaliGemma

PREFIXES = [[2, 10, 11, 12, 4], [2, 20, 4], [2, 30, 31, 4]]
INDEX = np.arange(4, dtype=np.int32)  # each example its own image row


def batch(prefixes, res, width=8, b=4, seed=0):
    rng = np.random.default_rng(seed)
    images = np.zeros((b, res, res, 3), np.float32)
    images[: len(prefixes)] = rng.uniform(-1, 1, (len(prefixes), res, res, 3))
    tokens = np.zeros((b, width), np.int32)
    mask = np.zeros((b, width), bool)
    for i, p in enumerate(prefixes):
        tokens[i, width - len(p):] = p
        mask[i, width - len(p):] = True
    return images, tokens, mask, np.arange(b) < len(prefixes)


def reference_beam(model, params, image, prefix, length, beams, eos):
    """big_vision's beam rules, each candidate scored by a full forward pass."""
    forward = jax.jit(model.apply)
    width = len(prefix) + length

    def next_logp(seq):
        n = len(prefix) + len(seq)
        tokens = jnp.array([prefix + list(seq) + [0] * (width - n)])
        ar = jnp.array([[0] * len(prefix) + [1] * (width - len(prefix))])
        mask = jnp.arange(width)[None] < n
        logits = forward({"params": params}, image[None], tokens, mask, ar)
        return np.asarray(jax.nn.log_softmax(logits[0, n - 1]))

    live = [((), 0.0, ())]
    best, best_score = None, -np.inf
    for index in range(length):
        expansions = []
        for seq, score, lps in live:
            lp = next_logp(seq)
            if score + lp[eos] > best_score:
                best, best_score = (seq, (*lps, lp[eos])), score + lp[eos]
            for t in np.argsort(-lp)[: beams + 1]:
                if t != eos:
                    expansions.append((score + lp[t], (*seq, int(t)), (*lps, lp[t])))
        expansions.sort(key=lambda e: -e[0])
        live = [(seq, score, lps) for score, seq, lps in expansions[:beams]]
        if index + 1 >= length or max(s for _, s, _ in live) < best_score:
            break
    return list(best[0]), list(best[1][:-1])


def test_beam_matches_reference(tiny_checkpoint):
    path, cfg = tiny_checkpoint
    checkpoint = load_checkpoint(path)
    model = PaliGemma(checkpoint.config)
    images, tokens, mask, active = batch(PREFIXES, cfg.vision.image_size)
    eos = 7
    out = beam_generate(model, checkpoint.params, images, INDEX, tokens, mask, active,
                        max_decode_len=6, eos_id=eos, beam_size=3)
    greedy = greedy_generate(model, checkpoint.params, images, INDEX, tokens, mask, active,
                             max_decode_len=6, eos_id=eos)
    differs = 0
    for i, p in enumerate(PREFIXES):
        want_tokens, want_logp = reference_beam(model, checkpoint.params, images[i], p, 6, 3, eos)
        n = int(out.lengths[i])
        assert np.asarray(out.tokens[i, :n]).tolist() == want_tokens
        np.testing.assert_allclose(np.asarray(out.logprobs[i, :n]), want_logp, atol=1e-4)
        differs += want_tokens != np.asarray(greedy.tokens[i, : int(greedy.lengths[i])]).tolist()
    assert differs  # the search found something greedy decoding did not


def test_beam_of_one_is_greedy_up_to_the_last_token(tiny_checkpoint):
    path, cfg = tiny_checkpoint
    checkpoint = load_checkpoint(path)
    model = PaliGemma(checkpoint.config)
    images, tokens, mask, active = batch(PREFIXES, cfg.vision.image_size, seed=3)
    greedy = greedy_generate(model, checkpoint.params, images, INDEX, tokens, mask, active,
                             max_decode_len=8, eos_id=1)
    beam = beam_generate(model, checkpoint.params, images, INDEX, tokens, mask, active,
                         max_decode_len=8, eos_id=1, beam_size=1)
    for i in range(len(PREFIXES)):
        n = int(beam.lengths[i])
        # a single beam follows the greedy path; it keeps at most max_decode_len - 1 tokens
        assert np.asarray(beam.tokens[i, :n]).tolist() == np.asarray(greedy.tokens[i, :n]).tolist()
        assert n <= 7
