"""The model against Hugging Face transformers (the bench extra): logits, greedy tokens and both
checkpoint formats."""

import dataclasses
from functools import partial

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest

from pgeval.engine.decode import greedy_generate
from pgeval.model.loading import load_checkpoint
from pgeval.model.npz_checkpoint import save_npz
from pgeval.model.paligemma import PaliGemma
from tests.model.hf_models import RES, hf_greedy, hf_logits

PREFIXES = [[2, 10, 11, 12, 4], [2, 20, 4], [2, 30, 31, 32, 33, 34, 35, 4]]
SUFFIXES = [[40, 41, 42, 1], [50, 1], [60, 61, 62, 63, 64, 1]]
N_IMG = (RES // 14) ** 2


def pixels(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (n, RES, RES, 3)).astype(np.float32)


def our_logits(checkpoint, px, prefixes, suffixes):
    """Logits at every position of `[image][prefix][suffix]` (image tokens included), from one
    jitted forward over the examples, right-padded to a common length."""
    model = PaliGemma(checkpoint.config)
    seqs = [p + s for p, s in zip(prefixes, suffixes, strict=True)]
    width = max(map(len, seqs))
    tokens = np.zeros((len(seqs), width), np.int32)
    ar = np.zeros((len(seqs), width), bool)
    for i, (p, s) in enumerate(zip(prefixes, suffixes, strict=True)):
        tokens[i, : len(p) + len(s)] = p + s
        ar[i, len(p) :] = True
    mask = np.arange(width)[None] < np.array([len(q) for q in seqs])[:, None]
    logits = jax.jit(partial(model.apply, method=PaliGemma.sequence_logits))(
        {"params": checkpoint.params}, px[: len(seqs)], tokens, mask, ar)
    return [np.asarray(logits[i, : N_IMG + len(q)]) for i, q in enumerate(seqs)]


@pytest.mark.parametrize("fixture", ["hf_pg1", "hf_pg1_head", "hf_pg2", "hf_pg2_window"])
def test_logits_match_transformers(fixture, request):
    hf_model, folder = request.getfixturevalue(fixture)
    checkpoint = load_checkpoint(folder)
    px = pixels(3)
    ref = hf_logits(hf_model, px, PREFIXES, SUFFIXES)
    ours = our_logits(checkpoint, px, PREFIXES, SUFFIXES)
    for r, o in zip(ref, ours, strict=True):
        assert np.abs(r[:N_IMG]).max() > 1.0 and np.abs(r[N_IMG:]).max() > 1.0  # differences would show
        np.testing.assert_allclose(o, r, atol=1e-4, rtol=0)


def test_call_gives_the_text_positions_of_sequence_logits(hf_pg2_window):
    checkpoint = load_checkpoint(hf_pg2_window[1])
    model = PaliGemma(checkpoint.config)
    px = pixels(2)
    tokens = np.array([PREFIXES[0] + SUFFIXES[1] + [0], PREFIXES[1] + SUFFIXES[0] + [0]], np.int32)
    mask = tokens > 0
    ar = np.arange(tokens.shape[1])[None] >= np.array([[len(PREFIXES[0])], [len(PREFIXES[1])]])

    @jax.jit
    def both(params):
        args = ({"params": params}, px, tokens, mask, ar)
        return model.apply(*args), model.apply(*args, method=PaliGemma.sequence_logits)

    text, full = both(checkpoint.params)
    assert text.shape == (2, tokens.shape[1], checkpoint.config.text.vocab_size)
    np.testing.assert_allclose(text, full[:, N_IMG:], atol=1e-5, rtol=0)


def test_config_read_from_the_checkpoint(hf_pg1, hf_pg2):
    pg1 = load_checkpoint(hf_pg1[1]).config.text
    assert not pg1.gemma2 and pg1.num_kv_heads == 1 and pg1.query_scale == 16 ** -0.5
    pg2 = load_checkpoint(hf_pg2[1]).config.text
    assert pg2.gemma2 and (pg2.num_heads, pg2.num_kv_heads) == (2, 1)
    assert pg2.query_scale == 144 ** -0.5 and pg2.head_dim == 128
    assert (pg2.attn_softcap, pg2.final_softcap, pg2.sliding_window) == (50.0, 30.0, 4096)


def run_greedy(checkpoint, px, prefixes, max_new, eos, batch=4, width=16):
    b = batch
    tokens = np.zeros((b, width), np.int32)
    mask = np.zeros((b, width), bool)
    for i, p in enumerate(prefixes):
        tokens[i, width - len(p):] = p
        mask[i, width - len(p):] = True
    images = np.zeros((b, *px.shape[1:]), np.float32)  # (B, R, R, 3), or (B, K, R, R, 3)
    images[: len(prefixes)] = px
    active = np.arange(b) < len(prefixes)
    out = greedy_generate(PaliGemma(checkpoint.config), checkpoint.params, images,
                          np.arange(b, dtype=np.int32), tokens, mask, active,
                          max_decode_len=max_new, eos_id=eos)
    lengths = np.asarray(out.lengths)
    return [(np.asarray(out.tokens)[i, : lengths[i]].tolist(),
             np.asarray(out.logprobs)[i, : lengths[i]].tolist()) for i in range(len(prefixes))]


@pytest.mark.parametrize("fixture", ["hf_pg1", "hf_pg2", "hf_pg2_window"])
def test_greedy_tokens_match_transformers(fixture, request):
    hf_model, folder = request.getfixturevalue(fixture)
    checkpoint = load_checkpoint(folder)
    px = pixels(3, seed=5)
    # a token the model does produce serves as EOS, so stopping early is exercised too
    first, _ = hf_greedy(hf_model, px[1], PREFIXES[1], 10, eos=1)
    eos = first[3] if len(first) > 3 else 1
    ours = run_greedy(checkpoint, px, PREFIXES, 10, eos)
    lengths = []
    for i, p in enumerate(PREFIXES):
        ref_tokens, ref_logprobs = hf_greedy(hf_model, px[i], p, 10, eos)
        assert ours[i][0] == ref_tokens
        np.testing.assert_allclose(ours[i][1], ref_logprobs, atol=1e-4)
        lengths.append(len(ref_tokens))
    assert min(lengths) < 10 and max(lengths) > 3  # one example stopped at EOS, one ran on


def test_the_sliding_window_is_exercised(hf_pg2_window):
    """The same weights without the window: image and prompt positions keep their logits (they see
    each other across the window), suffix positions and greedy decoding change."""
    hf_model, folder = hf_pg2_window
    checkpoint = load_checkpoint(folder)
    text = dataclasses.replace(checkpoint.config.text, sliding_window=None)
    unwindowed = dataclasses.replace(checkpoint, config=dataclasses.replace(checkpoint.config, text=text))
    px = pixels(3)
    ref = hf_logits(hf_model, px, PREFIXES, SUFFIXES)
    for r, o, p in zip(ref, our_logits(unwindowed, px, PREFIXES, SUFFIXES), PREFIXES, strict=True):
        n = N_IMG + len(p)
        np.testing.assert_allclose(o[:n], r[:n], atol=1e-4, rtol=0)
        assert np.abs(o[n:] - r[n:]).max() > 1.0
    px = pixels(3, seed=5)
    ours = run_greedy(unwindowed, px, PREFIXES, 10, eos=1)
    assert any(o[0] != hf_greedy(hf_model, px[i], p, 10, eos=1)[0]
               for i, (o, p) in enumerate(zip(ours, PREFIXES, strict=True)))


def test_npz_loads_to_the_same_outputs(hf_pg1, hf_pg2_no_final_cap, tmp_path):
    px = pixels(3, seed=7)
    for hf_model, folder in (hf_pg1, hf_pg2_no_final_cap):
        from_hf = load_checkpoint(folder)
        npz = save_npz(from_hf.params, tmp_path / f"{folder.name}.npz")
        from_npz = load_checkpoint(npz)
        assert from_npz.format == "big_vision npz"
        text = dataclasses.replace(from_hf.config.text, sliding_window=None)
        assert from_npz.config == dataclasses.replace(from_hf.config, text=text,
                                                      image_token_index=None)
        a = our_logits(from_hf, px, PREFIXES, SUFFIXES)
        b = our_logits(from_npz, px, PREFIXES, SUFFIXES)
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)
        ref = hf_logits(hf_model, px, PREFIXES, SUFFIXES)
        np.testing.assert_allclose(b[0], ref[0], atol=1e-4, rtol=0)


def test_bfloat16_npz_and_dtype(hf_pg1, tmp_path):
    params = load_checkpoint(hf_pg1[1]).params
    as_bf16 = jax.tree.map(lambda a: np.asarray(a).astype(ml_dtypes.bfloat16), params)
    path = save_npz(as_bf16, tmp_path / "bf16.npz")
    with np.load(path) as f:
        assert f["params/llm/final_norm/scale"].dtype.kind == "V"  # stored as void, like big_vision
    loaded = load_checkpoint(path, dtype="bfloat16")
    emb = loaded.params["llm"]["embedder"]["input_embedding"]
    assert emb.dtype == jnp.bfloat16
    np.testing.assert_array_equal(np.asarray(emb), as_bf16["llm"]["embedder"]["input_embedding"])
    as_f32 = load_checkpoint(path, dtype="float32")
    assert as_f32.params["llm"]["embedder"]["input_embedding"].dtype == jnp.float32


@pytest.mark.parametrize(("fixture", "count"), [("hf_pg1", 2), ("hf_pg2", 2), ("hf_pg2", 4)])
def test_several_images_match_transformers(fixture, count, request):
    """Two images (an NLVR2 pair) and four frames (a short clip) per example: our concatenated
    SigLIP tokens against transformers' prompt with that many image-token runs."""
    hf_model, folder = request.getfixturevalue(fixture)
    checkpoint = load_checkpoint(folder)
    px = pixels(3 * count, seed=11).reshape(3, count, RES, RES, 3)
    ours = run_greedy(checkpoint, px, PREFIXES, 8, eos=1)
    for i, p in enumerate(PREFIXES):
        ref_tokens, ref_logprobs = hf_greedy(hf_model, px[i], p, 8, eos=1)
        assert ours[i][0] == ref_tokens and len(ref_tokens) > 0
        np.testing.assert_allclose(ours[i][1], ref_logprobs, atol=1e-4)
    swapped = run_greedy(checkpoint, px[:, ::-1].copy(), PREFIXES, 8, eos=1)
    assert any(not np.allclose(a[1][:len(b[1])], b[1][:len(a[1])], atol=1e-3)
               for a, b in zip(ours, swapped, strict=True))  # the order of the images matters
