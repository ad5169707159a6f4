"""PaliGemma in JAX/Flax: the SigLIP encoder, the Gemma / Gemma 2 decoder, checkpoint loading,
the tokenizer and image preprocessing.

The names below are imported on first use: the light modules of this package (`images`,
`video`, `config`, `tokenizer`) serve commands that never load JAX."""

import importlib

_EXPORTS = {
    "Checkpoint": "pgeval.model.loading",
    "load_checkpoint": "pgeval.model.loading",
    "PaliGemma": "pgeval.model.paligemma",
    "PaliGemmaConfig": "pgeval.model.config",
    "TextConfig": "pgeval.model.config",
    "VisionConfig": "pgeval.model.config",
    "preset": "pgeval.model.config",
    "Tokenizer": "pgeval.model.tokenizer",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'pgeval.model' has no attribute {name!r}")
