"""LoRA adapter folders written without peft, in the layout peft saves (new transformers key
names), for a model of any config: for CLI runs on the tiny npz checkpoint and for bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pgeval.model.config import PaliGemmaConfig
from tests.helpers import needs_extra

P = "base_model.model.model."


def lora_shapes(cfg: PaliGemmaConfig, r: int) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
    """(lora_A, lora_B) shapes of every text layer's q_proj and down_proj, every vision layer's
    fc1, and the projector."""
    v, t = cfg.vision, cfg.text
    shapes = {P + "multi_modal_projector.linear": ((r, v.width), (t.width, r))}
    for i in range(t.depth):
        shapes[f"{P}language_model.layers.{i}.self_attn.q_proj"] = ((r, t.width),
                                                                     (t.num_heads * t.head_dim, r))
        shapes[f"{P}language_model.layers.{i}.mlp.down_proj"] = ((r, t.mlp_dim), (t.width, r))
    for i in range(v.depth):
        shapes[f"{P}vision_tower.encoder.layers.{i}.mlp.fc1"] = ((r, v.width), (v.mlp_dim, r))
    return shapes


def write_adapter(folder: Path, cfg: PaliGemmaConfig, base: str | None, *, seed: int = 0,
                  extra: dict[str, np.ndarray] | None = None, **config) -> Path:
    """adapter_config.json (r 4, alpha 8, `config` entries on top) and adapter_model.safetensors
    of random factors (std 0.2), plus `extra` tensors."""
    save_file = needs_extra("test", "safetensors.numpy").save_file
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tensors = {}
    for name, (a, b) in lora_shapes(cfg, 4).items():
        tensors[f"{name}.lora_A.weight"] = rng.normal(0, 0.2, a).astype(np.float32)
        tensors[f"{name}.lora_B.weight"] = rng.normal(0, 0.2, b).astype(np.float32)
    save_file(tensors | (extra or {}), str(folder / "adapter_model.safetensors"))
    settings = {"peft_type": "LORA", "r": 4, "lora_alpha": 8, "base_model_name_or_path": base,
                "target_modules": ["q_proj", "down_proj", "fc1", "linear"], "bias": "none",
                "use_dora": False, "use_rslora": False} | config
    (folder / "adapter_config.json").write_text(json.dumps(settings, indent=1), encoding="utf-8")
    return folder
