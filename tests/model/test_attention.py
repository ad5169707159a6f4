"""Gemma's attention in query blocks, checked against attention over the whole query run."""

import jax.numpy as jnp
import numpy as np

from pgeval.model import gemma


def test_long_attention_in_query_blocks_is_exact(monkeypatch):
    """Attention over a long query run goes block by block; the blocks change nothing but the
    matmuls' summation order (an ulp at most)."""
    rng = np.random.default_rng(3)
    q = jnp.asarray(rng.normal(size=(2, 150, 4, 16)).astype(np.float32))
    k, v = (jnp.asarray(rng.normal(size=(2, 2, 170, 16)).astype(np.float32)) for _ in range(2))
    mask = jnp.asarray(rng.random((2, 150, 170)) < 0.7)
    for m, cap in ((mask, 50.0), (None, None)):
        whole = gemma._attend(q, k, v, m, cap)
        for block in (64, 150, 7):  # padded last block, one block, many
            monkeypatch.setattr(gemma, "CPU_QUERY_BLOCK", block)
            monkeypatch.setattr(gemma, "ACCELERATOR_QUERY_BLOCK", block)
            np.testing.assert_allclose(gemma.grouped_attention(q, k, v, m, cap), whole, rtol=0,
                                       atol=5e-7)
