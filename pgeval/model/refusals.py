"""Checkpoints pgeval cannot run, refused before anything loads: GGUF files and quantized weights
(bitsandbytes 8-bit and 4-bit, or any other `quantization_config`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pgeval.errors import InputError
from pgeval.io import read_json

BF16_HINT = ("pgeval runs float32 or bfloat16 weights: pass the original checkpoint (a Hub id such "
             "as google/paligemma2-3b-pt-448, or its -jax repo's .npz), or save an unquantized copy "
             "with transformers (from_pretrained(..., dtype=torch.bfloat16), then save_pretrained)")
# tensors bitsandbytes stores beside a quantized weight
_BNB_SUFFIXES = (".SCB", ".weight_format", ".absmax", ".quant_map", ".nested_absmax",
                 ".nested_quant_map", ".quant_state.bitsandbytes__nf4",
                 ".quant_state.bitsandbytes__fp4")


def _is_gguf(path: Path) -> bool:
    if path.suffix.lower() == ".gguf":
        return True
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"GGUF"
    except OSError:
        return False


def _quantization(config: dict) -> str | None:
    q = config.get("quantization_config")
    if not isinstance(q, dict):
        return None
    method = str(q.get("quant_method", "unknown"))
    if method == "bitsandbytes":
        bits = "4-bit" if q.get("load_in_4bit") or q.get("_load_in_4bit") else "8-bit"
        return f"bitsandbytes {bits}"
    return method


def refuse_unrunnable(path: Path) -> None:
    """An InputError for a GGUF file (or a folder of them) and for a Hugging Face folder whose
    config.json says its weights are quantized."""
    gguf = [path] if path.is_file() and _is_gguf(path) else (
        sorted(path.glob("*.gguf")) if path.is_dir() else [])
    if gguf and not (path.is_dir() and (path / "config.json").is_file()):
        raise InputError("GGUF (llama.cpp's quantized format) is not a checkpoint pgeval can run",
                         path=str(gguf[0]), hint=BF16_HINT)
    config = path / "config.json"
    if path.is_dir() and config.is_file():
        data = read_json(config)
        method = _quantization(data) if isinstance(data, dict) else None
        if method:
            raise InputError(f"the checkpoint's weights are quantized ({method}), which pgeval "
                             "cannot run", path=str(config), hint=BF16_HINT)


def refuse_quantized_tensors(names: Iterable[str], where: str) -> None:
    """An InputError when tensors carry bitsandbytes' quantization state (a quantized model saved
    without its quantization_config)."""
    found = sorted(n for n in names if n.endswith(_BNB_SUFFIXES))
    if found:
        raise InputError(f"the checkpoint holds bitsandbytes-quantized tensors ({found[0]}, "
                         f"{len(found)} in all), which pgeval cannot run", path=where,
                         hint=BF16_HINT)
