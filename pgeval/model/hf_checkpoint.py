"""Hugging Face `PaliGemmaForConditionalGeneration` checkpoints: `config.json` plus one or several
`*.safetensors` (with `model.safetensors.index.json`), mapped tensor by tensor onto big_vision's
layout (per-layer tensors stacked over depth, torch Linear weights transposed, heads split)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from pgeval.errors import InputError
from pgeval.io import read_json
from pgeval.model.config import PaliGemmaConfig
from pgeval.model.safetensors_files import TensorInfo, read_header

Transform = Callable[[np.ndarray], np.ndarray]

# Checkpoints written by transformers 4.x and 5.x name the same modules differently.
_PREFIXES = (
    (re.compile(r"^(?:model\.)?vision_tower\.(?:vision_model\.)?"), "vision."),
    (re.compile(r"^(?:model\.)?multi_modal_projector\."), "projector."),
    (re.compile(r"^(?:model\.)?language_model\.lm_head\."), "text.lm_head."),
    (re.compile(r"^lm_head\."), "text.lm_head."),
    (re.compile(r"^(?:model\.)?language_model\.(?:model\.)?"), "text."),
)
_LAYER = re.compile(r"^(vision\.encoder|text)\.layers\.(\d+)\.(.+)$")
ENC = "img/Transformer/encoderblock/"
ATT = ENC + "MultiHeadDotProductAttention_0/"


@dataclass(frozen=True)
class Slot:
    """Where a Hugging Face tensor goes: a big_vision key, an index into it, and a transform."""

    key: str
    index: tuple[int, ...]
    transform: Transform


def canonical(name: str) -> str | None:
    for pattern, prefix in _PREFIXES:
        if pattern.match(name):
            return pattern.sub(prefix, name, count=1)
    return None


def unused_by_paligemma(name: str) -> bool:
    """A tensor of a module transformers may build but PaliGemma never runs: the SigLIP pooling
    head (`vision_tower.head.*`, built when the vision config leaves `vision_use_head` on)."""
    c = canonical(name)
    return c is not None and c.startswith("vision.head.")


def _t(a: np.ndarray) -> np.ndarray:
    return a.T


def _same(a: np.ndarray) -> np.ndarray:
    return a


def slot_for(name: str, cfg: PaliGemmaConfig) -> Slot | None:
    """The big_vision slot of one HF tensor (None: the tied lm_head, which is not read)."""
    v, t = cfg.vision, cfg.text
    hv = v.width // v.num_heads
    c = canonical(name)
    if c is None:
        raise KeyError(name)
    if c.startswith("text.lm_head."):
        return None
    fixed = {
        "vision.embeddings.patch_embedding.weight":
            Slot("img/embedding/kernel", (), lambda a: a.transpose(2, 3, 1, 0)),
        "vision.embeddings.patch_embedding.bias": Slot("img/embedding/bias", (), _same),
        "vision.embeddings.position_embedding.weight":
            Slot("img/pos_embedding", (), lambda a: a[None]),
        "vision.post_layernorm.weight": Slot("img/Transformer/encoder_norm/scale", (), _same),
        "vision.post_layernorm.bias": Slot("img/Transformer/encoder_norm/bias", (), _same),
        "projector.linear.weight": Slot("img/head/kernel", (), _t),
        "projector.linear.bias": Slot("img/head/bias", (), _same),
        "text.embed_tokens.weight": Slot("llm/embedder/input_embedding", (), _same),
        "text.norm.weight": Slot("llm/final_norm/scale", (), _same),
    }
    if c in fixed:
        return fixed[c]
    m = _LAYER.match(c)
    if m is None:
        raise KeyError(name)
    tower, i, rest = m.group(1), int(m.group(2)), m.group(3)
    if tower == "vision.encoder":
        heads = lambda a: a.T.reshape(v.width, v.num_heads, hv)  # noqa: E731
        per_layer = {
            "layer_norm1.weight": ("LayerNorm_0/scale", _same),
            "layer_norm1.bias": ("LayerNorm_0/bias", _same),
            "layer_norm2.weight": ("LayerNorm_1/scale", _same),
            "layer_norm2.bias": ("LayerNorm_1/bias", _same),
            "self_attn.q_proj.weight": ("MultiHeadDotProductAttention_0/query/kernel", heads),
            "self_attn.k_proj.weight": ("MultiHeadDotProductAttention_0/key/kernel", heads),
            "self_attn.v_proj.weight": ("MultiHeadDotProductAttention_0/value/kernel", heads),
            "self_attn.q_proj.bias": ("MultiHeadDotProductAttention_0/query/bias",
                                      lambda a: a.reshape(v.num_heads, hv)),
            "self_attn.k_proj.bias": ("MultiHeadDotProductAttention_0/key/bias",
                                      lambda a: a.reshape(v.num_heads, hv)),
            "self_attn.v_proj.bias": ("MultiHeadDotProductAttention_0/value/bias",
                                      lambda a: a.reshape(v.num_heads, hv)),
            "self_attn.out_proj.weight": ("MultiHeadDotProductAttention_0/out/kernel",
                                          lambda a: a.T.reshape(v.num_heads, hv, v.width)),
            "self_attn.out_proj.bias": ("MultiHeadDotProductAttention_0/out/bias", _same),
            "mlp.fc1.weight": ("MlpBlock_0/Dense_0/kernel", _t),
            "mlp.fc1.bias": ("MlpBlock_0/Dense_0/bias", _same),
            "mlp.fc2.weight": ("MlpBlock_0/Dense_1/kernel", _t),
            "mlp.fc2.bias": ("MlpBlock_0/Dense_1/bias", _same),
        }
        if rest not in per_layer:
            raise KeyError(name)
        key, fn = per_layer[rest]
        return Slot(ENC + key, (i,), fn)
    split = lambda heads: (lambda a: a.reshape(heads, t.head_dim, t.width).transpose(0, 2, 1))  # noqa: E731
    fused = t.num_heads == t.num_kv_heads
    qkv = "llm/layers/attn/qkv_einsum/w"
    per_layer_text = {
        "self_attn.q_proj.weight": (qkv, (i, 0)) if fused else ("llm/layers/attn/q_einsum/w", (i,)),
        "self_attn.k_proj.weight": (qkv, (i, 1)) if fused else ("llm/layers/attn/kv_einsum/w", (i, 0)),
        "self_attn.v_proj.weight": (qkv, (i, 2)) if fused else ("llm/layers/attn/kv_einsum/w", (i, 1)),
    }
    if rest in per_layer_text:
        key, index = per_layer_text[rest]
        heads = t.num_heads if rest.startswith("self_attn.q") else t.num_kv_heads
        return Slot(key, index, split(heads))
    norm_after_attention = "post_attention_norm" if t.gemma2 else "pre_ffw_norm"
    simple = {
        "self_attn.o_proj.weight": ("llm/layers/attn/attn_vec_einsum/w", (i,),
                                    lambda a: a.T.reshape(t.num_heads, t.head_dim, t.width)),
        "mlp.gate_proj.weight": ("llm/layers/mlp/gating_einsum", (i, 0), _t),
        "mlp.up_proj.weight": ("llm/layers/mlp/gating_einsum", (i, 1), _t),
        "mlp.down_proj.weight": ("llm/layers/mlp/linear", (i,), _t),
        "input_layernorm.weight": ("llm/layers/pre_attention_norm/scale", (i,), _same),
        "post_attention_layernorm.weight":
            (f"llm/layers/{norm_after_attention}/scale", (i,), _same),
        "pre_feedforward_layernorm.weight": ("llm/layers/pre_ffw_norm/scale", (i,), _same),
        "post_feedforward_layernorm.weight": ("llm/layers/post_ffw_norm/scale", (i,), _same),
    }
    if rest not in simple:
        raise KeyError(name)
    return Slot(*simple[rest])


def transformed_shape(slot: Slot, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape a tensor of `shape` takes in its slot; None when the transform cannot take it."""
    try:
        out = jax.eval_shape(slot.transform, jax.ShapeDtypeStruct(shape, jnp.float32))
    except (TypeError, ValueError):
        return None
    return tuple(out.shape)


def read_hf_config(folder: Path) -> dict:
    path = folder / "config.json"
    if not path.is_file():
        raise InputError("no config.json in the checkpoint folder", path=str(folder))
    config = read_json(path)
    if not isinstance(config, dict):
        raise InputError("config.json must be a JSON object", path=str(path))
    return config


def tensor_infos(folder: Path) -> dict[str, TensorInfo]:
    """Every tensor of the checkpoint: its file, dtype, shape and where its data starts."""
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        data = read_json(index)
        weight_map = data.get("weight_map") if isinstance(data, dict) else None
        if not isinstance(weight_map, dict):
            raise InputError("no 'weight_map' object {tensor name: file}", path=str(index))
        files = sorted({folder / str(f) for f in weight_map.values()})
    else:
        files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise InputError("no *.safetensors files in the checkpoint folder", path=str(folder))
    infos: dict[str, TensorInfo] = {}
    for file in files:
        infos.update(read_header(file))
    return infos
