"""LoRA adapters made by the peft library, merged at load, against transformers + peft running the
unmerged adapter: logits, greedy tokens and log-probabilities; both key layouts, rsLoRA, vision
and projector targets, an npz base; and the adapters pgeval refuses."""

from pathlib import Path

import numpy as np
import pytest

from tests.helpers import needs_extra

torch = needs_extra("bench", "torch")
needs_extra("bench", "peft")

from peft import LoraConfig, get_peft_model  # noqa: E402
from safetensors.numpy import load_file, save_file  # noqa: E402  (transformers installs it)
from transformers import PaliGemmaForConditionalGeneration  # noqa: E402

from pgeval.errors import InputError  # noqa: E402
from pgeval.model.loading import load_checkpoint  # noqa: E402
from pgeval.model.npz_checkpoint import save_npz  # noqa: E402
from pgeval.model.tree import flatten  # noqa: E402
from tests.model.hf_models import hf_greedy, hf_logits  # noqa: E402
from tests.model.test_parity import PREFIXES, SUFFIXES, our_logits, pixels, run_greedy  # noqa: E402

# every Linear layer: Gemma's attention and MLP, SigLIP's attention and MLP, the projector
EVERY_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
                "out_proj", "fc1", "fc2", "linear"]
# transformers < 4.52 names of the same modules, as adapters trained then carry them
OLD_NAMES = (("base_model.model.model.language_model.", "base_model.model.language_model.model."),
             ("base_model.model.model.vision_tower.", "base_model.model.vision_tower.vision_model."),
             ("base_model.model.model.multi_modal_projector.", "base_model.model.multi_modal_projector."))


def make_adapter(base: Path, folder: Path, seed: int, **config) -> torch.nn.Module:
    """A peft LoRA model on the saved base, its factors drawn large enough to change every output;
    saved to `folder` (adapter_config.json names `base` as the base)."""
    model = PaliGemmaForConditionalGeneration.from_pretrained(base, attn_implementation="eager")
    args = dict(r=4, lora_alpha=8, target_modules=EVERY_LINEAR, init_lora_weights=False) | config
    peft_model = get_peft_model(model, LoraConfig(**args))
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if ".lora_A." in name or ".lora_B." in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.15)
    peft_model.save_pretrained(folder)
    return peft_model.eval()


@pytest.fixture(scope="module")
def pg1_adapter(hf_pg1, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lora_pg1")
    return make_adapter(hf_pg1[1], folder, seed=0), folder


@pytest.fixture(scope="module")
def pg2_rslora(hf_pg2, tmp_path_factory):
    """rsLoRA with a per-module rank and alpha (rank_pattern, alpha_pattern) on PaliGemma 2."""
    folder = tmp_path_factory.mktemp("lora_pg2")
    return make_adapter(hf_pg2[1], folder, seed=1, use_rslora=True, lora_alpha=6,
                        rank_pattern={"down_proj": 2}, alpha_pattern={"fc1": 3}), folder


@pytest.mark.parametrize("fixture", ["pg1_adapter", "pg2_rslora"])
def test_merged_adapter_gives_peft_logits(fixture, request):
    peft_model, folder = request.getfixturevalue(fixture)
    merged = load_checkpoint(folder)
    assert merged.format == "lora adapter on hugging face"
    base = load_checkpoint(merged.record["base"]["checkpoint"])
    px = pixels(3)
    ref = hf_logits(peft_model, px, PREFIXES, SUFFIXES)
    ours = our_logits(merged, px, PREFIXES, SUFFIXES)
    without = our_logits(base, px, PREFIXES, SUFFIXES)
    for r, o, w in zip(ref, ours, without, strict=True):
        assert np.abs(o - w).max() > 0.5  # the adapter changes the outputs
        np.testing.assert_allclose(o, r, atol=1e-4, rtol=0)


@pytest.mark.parametrize("fixture", ["pg1_adapter", "pg2_rslora"])
def test_merged_adapter_gives_peft_greedy_tokens(fixture, request):
    peft_model, folder = request.getfixturevalue(fixture)
    merged = load_checkpoint(folder)
    px = pixels(3, seed=5)
    ours = run_greedy(merged, px, PREFIXES, 10, eos=1)
    for i, p in enumerate(PREFIXES):
        ref_tokens, ref_logprobs = hf_greedy(peft_model, px[i], p, 10, eos=1)
        assert ours[i][0] == ref_tokens and len(ref_tokens) > 2
        np.testing.assert_allclose(ours[i][1], ref_logprobs, atol=1e-4)


def test_adapter_record_names_adapter_and_base(pg1_adapter, hf_pg1):
    _, folder = pg1_adapter
    merged = load_checkpoint(folder)
    assert merged.record["name"] == f"{folder.name} ({hf_pg1[1].name})"
    assert merged.record["base"]["checkpoint"] == str(hf_pg1[1].resolve())
    names = [p.name for p in merged.files]
    assert "adapter_model.safetensors" in names and "adapter_config.json" in names
    assert "model.safetensors" in names


def test_old_key_layout_merges_the_same(pg1_adapter, hf_pg1, tmp_path):
    """Keys as peft wrote them before transformers 4.52 (the projector without `model.`)."""
    _, folder = pg1_adapter
    tensors = load_file(folder / "adapter_model.safetensors")
    renamed = {}
    for key, value in tensors.items():
        for new, old in OLD_NAMES:
            key = key.replace(new, old)
        renamed[key] = value
    assert "base_model.model.multi_modal_projector.linear.lora_A.weight" in renamed
    old = tmp_path / "old_layout"
    old.mkdir()
    save_file(renamed, old / "adapter_model.safetensors")
    (old / "adapter_config.json").write_text((folder / "adapter_config.json").read_text())
    a, b = flatten(load_checkpoint(folder).params), flatten(load_checkpoint(old).params)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]))


def test_adapter_on_an_npz_base(pg1_adapter, hf_pg1, tmp_path):
    """--base given as a big_vision .npz of the same weights: the same merged model."""
    _, folder = pg1_adapter
    npz = save_npz(load_checkpoint(hf_pg1[1]).params, tmp_path / "base.npz")
    on_npz = load_checkpoint(folder, base=npz)
    assert on_npz.format == "lora adapter on big_vision npz"
    assert on_npz.record["name"] == f"{folder.name} (base)"
    a, b = flatten(load_checkpoint(folder).params), flatten(on_npz.params)
    for key in a:
        np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]))


@pytest.mark.parametrize(("config", "named"), [
    (dict(use_dora=True), ["DoRA", "use_dora"]),
    (dict(trainable_token_indices=[5, 6]), ["trainable tokens", "trainable_token_indices"]),
    (dict(target_modules=["q_proj", "lm_head"]), ["lm_head", "output layer"]),
    (dict(target_modules=["patch_embedding"]), ["patch_embedding", "not Linear"]),
    (dict(target_modules=["embed_tokens"]), ["embed_tokens", "embedding"]),
    (dict(target_modules=["q_proj"], bias="lora_only"), ["trained biases"]),
])
def test_unmergeable_adapters_are_refused(config, named, hf_pg1, tmp_path):
    make_adapter(hf_pg1[1], tmp_path / "adapter", seed=2, **config)
    with pytest.raises(InputError) as e:
        load_checkpoint(tmp_path / "adapter")
    text = str(e.value)
    assert str(tmp_path / "adapter") in text and "cannot merge" in text
    assert all(n in text for n in named), text


@pytest.mark.parametrize(("base", "named"), [(None, "names no base"),
                                             ("/home/trainer/paligemma", "/home/trainer/paligemma")])
def test_an_adapter_whose_base_is_missing_asks_for_base(base, named, pg1_adapter, tmp_path):
    import json

    _, folder = pg1_adapter
    target = tmp_path / "moved"
    target.mkdir()
    config = json.loads((folder / "adapter_config.json").read_text())
    (target / "adapter_config.json").write_text(json.dumps(config | {"base_model_name_or_path": base}))
    (target / "adapter_model.safetensors").write_bytes((folder / "adapter_model.safetensors").read_bytes())
    with pytest.raises(InputError) as e:
        load_checkpoint(target)
    assert named in str(e.value) and "--base" in str(e.value)


def test_adapter_merges_into_bfloat16_weights(pg1_adapter):
    """The delta is added in float32 to the weight in the compute dtype and the sum rounded to it:
    within a bfloat16 rounding or two of the float32 merge, at each tensor's scale."""
    import ml_dtypes

    _, folder = pg1_adapter
    f32 = flatten(load_checkpoint(folder).params)
    bf16 = flatten(load_checkpoint(folder, dtype="bfloat16").params)
    for key in f32:
        want = np.asarray(f32[key])
        np.testing.assert_allclose(np.asarray(bf16[key]).astype(np.float32), want, rtol=0,
                                   atol=2 ** -7 * np.abs(want).max())
        assert np.asarray(bf16[key]).dtype == ml_dtypes.bfloat16
