"""Checkpoint loading: both HF naming schemes, shards, errors that name every problem,
resolution changes, and streaming within 1.3x the checkpoint's size."""

import json
import re
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest
import scipy.ndimage

from pgeval.errors import InputError
from pgeval.model.config import PaliGemmaConfig, TextConfig, VisionConfig
from pgeval.model.loading import load_checkpoint, resample_posemb
from pgeval.model.npz_checkpoint import save_npz
from pgeval.model.tree import expected_shapes, flatten, unflatten
from tests.helpers import needs_extra

RENAMES = (("vision_tower.vision_model.", "model.vision_tower."),
           ("multi_modal_projector.", "model.multi_modal_projector."),
           ("language_model.model.", "model.language_model."))


def tensors(folder):
    safe_open = needs_extra("test", "safetensors").safe_open
    with safe_open(next(folder.glob("*.safetensors")), framework="numpy") as f:
        return {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118


def write_folder(folder, tensors_by_name, config_src, shards=1):
    save_file = needs_extra("test", "safetensors.numpy").save_file
    folder.mkdir()
    (folder / "config.json").write_text((config_src / "config.json").read_text())
    names = sorted(tensors_by_name)
    weight_map = {}
    for s in range(shards):
        file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        part = {n: tensors_by_name[n] for n in names[s::shards]}
        save_file(part, folder / file)
        weight_map.update(dict.fromkeys(part, file))
    if shards > 1:
        (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    return folder


def test_transformers5_names_and_shards(hf_pg1, tmp_path):
    original = tensors(hf_pg1[1])
    renamed = {}
    for name, t in original.items():
        for old, new in RENAMES:
            name = name.replace(old, new, 1) if name.startswith(old) else name
        renamed[name] = t
    renamed["lm_head.weight"] = original["language_model.model.embed_tokens.weight"]
    folder = write_folder(tmp_path / "v5", renamed, hf_pg1[1], shards=3)
    a = flatten(load_checkpoint(hf_pg1[1]).params)
    b = flatten(load_checkpoint(folder).params)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]))


def test_errors_list_missing_unexpected_and_mismatched(hf_pg1, tmp_path):
    t = tensors(hf_pg1[1])
    del t["language_model.model.layers.1.mlp.up_proj.weight"]
    del t["language_model.model.norm.weight"]
    t["language_model.model.extra.weight"] = np.zeros(3, np.float32)
    t["vision_tower.vision_model.post_layernorm.bias"] = np.zeros(5, np.float32)
    folder = write_folder(tmp_path / "broken", t, hf_pg1[1])
    with pytest.raises(InputError) as e:
        load_checkpoint(folder)
    msg = str(e.value)
    assert str(folder) in msg
    assert "llm/layers/mlp/gating_einsum[1, 1]" in msg and "llm/final_norm/scale" in msg
    assert "language_model.model.extra.weight" in msg
    assert "vision_tower.vision_model.post_layernorm.bias (5,)" in msg


def test_siglip_pooling_head_is_skipped_with_one_warning(hf_pg1_head, tmp_path, caplog):
    folder = hf_pg1_head[1]
    t = tensors(folder)
    head = sorted(n for n in t if re.match(r"vision_tower\.(vision_model\.)?head\.", n))
    assert len(head) == 11  # probe, attention, layernorm and MLP of the pooling head
    with caplog.at_level("WARNING", logger="pgeval.model"):
        loaded = flatten(load_checkpoint(folder).params)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert str(folder) in warnings[0] and all(n in warnings[0] for n in head)
    # the same tensors without the head load to the same parameters, with no warning
    caplog.clear()
    without = write_folder(tmp_path / "no_head", {n: a for n, a in t.items() if n not in head},
                           folder)
    plain = flatten(load_checkpoint(without).params)
    assert not caplog.records and plain.keys() == loaded.keys()
    for k in plain:
        np.testing.assert_array_equal(np.asarray(plain[k]), np.asarray(loaded[k]))
    # any other unexpected tensor, in the vision tower too, stays an error
    t["vision_tower.vision_model.head_extra.weight"] = np.zeros(3, np.float32)
    with pytest.raises(InputError, match=r"unexpected keys \(1\):\n\s+vision_tower.vision_model.head_extra"):
        load_checkpoint(write_folder(tmp_path / "extra", t, folder))


def test_npz_shape_mismatch_is_named(hf_pg1, tmp_path):
    params = flatten(load_checkpoint(hf_pg1[1]).params)
    params["img/head/bias"] = np.zeros(7, np.float32)
    del params["llm/final_norm/scale"]
    path = save_npz(unflatten(params), tmp_path / "bad.npz")
    with pytest.raises(InputError, match=r"img/head/bias: checkpoint \(7,\), model \(64,\)") as e:
        load_checkpoint(path)
    assert "llm/final_norm/scale" in str(e.value)


def test_res_resamples_position_embeddings(hf_pg1):
    native = load_checkpoint(hf_pg1[1])
    half = load_checkpoint(hf_pg1[1], res=28)
    assert half.config.vision.image_size == 28
    pos = np.asarray(native.params["img"]["pos_embedding"])
    got = np.asarray(half.params["img"]["pos_embedding"])
    assert got.shape == (1, 4, 32)
    want = scipy.ndimage.zoom(pos[0].reshape(4, 4, 32), (0.5, 0.5, 1), order=1).reshape(1, 4, 32)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    # corners of a linear resample keep the original corner values
    np.testing.assert_allclose(got[0, 0], pos[0, 0], rtol=1e-6)
    for res in (30, 7, 0):
        with pytest.raises(InputError, match="is not a positive multiple of the checkpoint's patch"):
            load_checkpoint(hf_pg1[1], res=res)


def test_resample_rejects_non_square_grids():
    with pytest.raises(InputError):
        resample_posemb(np.zeros((1, 6, 4), np.float32), 16)


def test_not_a_checkpoint(tmp_path):
    with pytest.raises(InputError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "nothing.npz")
    with pytest.raises(InputError, match="not a checkpoint folder"):
        load_checkpoint(tmp_path)


MEMORY_PROBE = textwrap.dedent("""
    import sys, jax, jax.numpy as jnp
    from pgeval.model.config import preset
    from pgeval.model.loading import load_checkpoint
    from pgeval.model.tree import expected_shapes
    jnp.zeros(8).block_until_ready()
    expected_shapes(preset("tiny"))  # one-time tracing machinery, whatever the checkpoint's size
    def kb(field):
        for line in open("/proc/self/status"):
            if line.startswith(field):
                return int(line.split()[1])
    open("/proc/self/clear_refs", "w").write("5")
    base = kb("VmRSS")
    checkpoint = load_checkpoint(sys.argv[1])
    jax.block_until_ready(checkpoint.params)
    print((kb("VmHWM") - base) * 1024)
""")


@pytest.mark.parametrize("fmt", ["npz", "hf"])
def test_streaming_load_peak_memory(tmp_path, fmt):
    """Peak host memory while loading stays under 1.3x the checkpoint's size."""
    cfg = PaliGemmaConfig(
        vision=VisionConfig(width=128, depth=4, mlp_dim=512, num_heads=4, image_size=112),
        text=TextConfig(width=256, depth=8, mlp_dim=1024, num_heads=4, num_kv_heads=1,
                        head_dim=64, query_pre_attn_scalar=64, vocab_size=120_000))
    rng = np.random.default_rng(0)
    params = {k: rng.standard_normal(s, dtype=np.float32) for k, s in expected_shapes(cfg).items()}
    if fmt == "npz":
        path = save_npz(unflatten(params), tmp_path / "model.npz")
        size = path.stat().st_size
    else:
        transformers = needs_extra("bench", "transformers")
        from tests.model.hf_models import build

        text = transformers.GemmaConfig(hidden_size=256, intermediate_size=1024, num_hidden_layers=8,
                                        num_attention_heads=4, num_key_value_heads=1, head_dim=64,
                                        vocab_size=120_000, hidden_act="gelu_pytorch_tanh")
        path = tmp_path / "hf"
        build(text, path, vision=dict(hidden_size=128, intermediate_size=512,
                                      num_hidden_layers=4, num_attention_heads=4, image_size=112))
        size = sum(p.stat().st_size for p in path.glob("*.safetensors"))
    del params
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path)], capture_output=True,
                         text=True, check=True)
    peak = int(out.stdout.strip().splitlines()[-1])
    assert size > 100e6
    assert peak <= 1.3 * size, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB checkpoint"
    jax.clear_caches()


def test_the_config_names_its_family_and_published_size():
    from pgeval.model.config import preset

    sizes = {name: (preset(name).family, preset(name).size)
             for name in ("paligemma-3b", "paligemma2-3b", "paligemma2-10b", "paligemma2-28b", "tiny")}
    assert sizes == {"paligemma-3b": ("paligemma", "3b"), "paligemma2-3b": ("paligemma2", "3b"),
                     "paligemma2-10b": ("paligemma2", "10b"), "paligemma2-28b": ("paligemma2", "28b"),
                     "tiny": ("paligemma", None)}
