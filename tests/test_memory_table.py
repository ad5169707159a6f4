"""The README's memory table: parameter counts and KV caches worked out by hand, and the table
printed by benchmarks/memory.py is the one in the README."""

from pathlib import Path

from benchmarks.memory import kv_cache_bytes, parameter_count, table, weight_bytes
from pgeval.model.config import preset

README = Path(__file__).resolve().parents[1] / "README.md"


def test_paligemma_3b_parameter_count_by_hand():
    # SigLIP So400m/14 at 224 px: patch embedding 14*14*3*1152 + 1152, 256 position embeddings,
    # 27 layers of (2 LayerNorms 4*1152, q/k/v/out 4*(1152*1152 + 1152), MLP 1152*4304 + 4304 +
    # 4304*1152 + 1152), final LayerNorm 2*1152, projection 1152*2048 + 2048.
    layer = 4 * 1152 + 4 * (1152 * 1152 + 1152) + 1152 * 4304 + 4304 + 4304 * 1152 + 1152
    vision = 14 * 14 * 3 * 1152 + 1152 + 256 * 1152 + 27 * layer + 2 * 1152 + 1152 * 2048 + 2048
    # Gemma 2B over PaliGemma's 257,152 tokens: 18 layers of (q 8*2048*256, kv 2*2048*256,
    # out 8*256*2048, gate+up 2*2048*16384, down 16384*2048, 2 norms), final norm.
    gemma = (257_152 * 2048 + 2048 + 18 * (8 * 2048 * 256 + 2 * 2048 * 256 + 8 * 256 * 2048
                                          + 2 * 2048 * 16384 + 16384 * 2048 + 2 * 2048))
    assert vision + gemma == 2_923_335_408
    assert parameter_count(preset("paligemma-3b")) == 2_923_335_408


def test_kv_cache_by_hand():
    # PaliGemma 2 3B: 26 layers, 4 KV heads of 256; 448 px = 1024 image tokens, + 128 text.
    assert kv_cache_bytes(preset("paligemma2-3b").text, 1024 + 128, 2) == \
        2 * 26 * 4 * 1152 * 256 * 2 == 122_683_392


def test_a_model_axis_splits_the_big_tensors():
    cfg = preset("paligemma2-3b")
    whole, halves = weight_bytes(cfg, 2, 1), weight_bytes(cfg, 2, 2)
    assert whole == 2 * parameter_count(cfg)
    # everything but norms, biases, embeddings of the image and the projection is split
    assert 0.5 * whole < halves < 0.52 * whole


def test_the_readme_shows_the_table_the_script_prints():
    assert table() in README.read_text()
