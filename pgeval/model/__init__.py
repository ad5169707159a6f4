"""PaliGemma in JAX/Flax: the SigLIP encoder, the Gemma / Gemma 2 decoder, checkpoint loading,
the tokenizer and image preprocessing."""

from pgeval.model.config import PaliGemmaConfig, TextConfig, VisionConfig, preset
from pgeval.model.loading import Checkpoint, load_checkpoint
from pgeval.model.paligemma import PaliGemma
from pgeval.model.tokenizer import Tokenizer

__all__ = ["Checkpoint", "PaliGemma", "PaliGemmaConfig", "TextConfig", "Tokenizer",
           "VisionConfig", "load_checkpoint", "preset"]
