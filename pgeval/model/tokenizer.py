"""The PaliGemma tokenizer: Gemma's SentencePiece model with `<locNNNN>` and `<segNNN>` pieces.

A prompt is encoded as `[BOS] prompt-tokens "\\n"-tokens` (the separator is tokenized on its own,
as big_vision does); generated text ends at EOS.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sentencepiece as spm

from pgeval.errors import InputError
from pgeval.io import check_file


class Tokenizer:
    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if path.is_dir():
            raise InputError("--tokenizer is a directory, not a SentencePiece model file",
                             path=str(path), hint="pass the .model file itself")
        check_file(path, "tokenizer model",
                   hint="pass --tokenizer FILE or put tokenizer.model in the checkpoint folder")
        try:
            self.sp = spm.SentencePieceProcessor(model_file=str(path))
        except (RuntimeError, OSError) as e:
            raise InputError(f"not a SentencePiece model: {e}", path=str(path)) from None
        self.path = path
        self.bos_id, self.eos_id, self.pad_id = self.sp.bos_id(), self.sp.eos_id(), self.sp.pad_id()
        self.separator = self.sp.encode("\n")

    @property
    def vocab_size(self) -> int:
        return self.sp.get_piece_size()

    def encode_prefix(self, prompt: str) -> list[int]:
        return [self.bos_id, *self.sp.encode(prompt), *self.separator]

    def encode_suffix(self, text: str) -> list[int]:
        return [*self.sp.encode(text), self.eos_id]

    def decode(self, ids: Sequence[int]) -> str:
        return self.sp.decode([i for i in ids if 0 <= i < self.vocab_size])


TOKENIZER_NAMES = ("tokenizer.model", "paligemma_tokenizer.model")


def find_tokenizer(checkpoint: str | Path | Sequence[Path], tokenizer: str | Path | None) -> Path:
    """The explicit --tokenizer, else tokenizer.model (or big_vision's paligemma_tokenizer.model)
    inside the checkpoint folder or beside a .npz file; `checkpoint` may also be the folders to
    look in, in order (an adapter's, then its base's)."""
    if tokenizer is not None:
        return Path(tokenizer)
    if isinstance(checkpoint, str | Path):
        checkpoint = Path(checkpoint)
        checkpoint = [checkpoint if checkpoint.is_dir() else checkpoint.parent]
    for folder in checkpoint:
        for name in TOKENIZER_NAMES:
            if (folder / name).is_file():
                return folder / name
    raise InputError("no tokenizer given and no tokenizer.model beside the checkpoint",
                     path=str(checkpoint[-1] / TOKENIZER_NAMES[0]),
                     hint="pass --tokenizer path/to/paligemma_tokenizer.model")


def special_pieces() -> list[str]:
    """The pieces PaliGemma adds to Gemma's vocabulary: 1024 locations and 128 segment codes."""
    return [f"<loc{i:04d}>" for i in range(1024)] + [f"<seg{i:03d}>" for i in range(128)]


def train_sentencepiece(sentences: Sequence[str], path: str | Path, vocab_size: int) -> Path:
    """Train a small SentencePiece model laid out like PaliGemma's (pad 0, eos 1, bos 2, unk 3, a
    newline piece, the loc/seg pieces, digits split one per piece as in Gemma's), for tests and
    small demo models."""
    path = Path(path)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences), model_prefix=str(path.with_suffix("")),
        vocab_size=vocab_size, model_type="bpe", character_coverage=1.0,
        pad_id=0, eos_id=1, bos_id=2, unk_id=3,
        user_defined_symbols=["\n", *special_pieces()],
        normalization_rule_name="identity", add_dummy_prefix=False, split_digits=True,
        remove_extra_whitespaces=False, hard_vocab_limit=False, minloglevel=2,
    )
    return path.with_suffix(".model")
