"""pgeval: an evaluation harness for PaliGemma-family vision-language models."""

__version__ = "0.1.0"
