"""Fixtures shared by every test folder: a tiny SentencePiece tokenizer and a tiny random
PaliGemma checkpoint in big_vision's npz layout with that tokenizer beside it."""

import random

import jax
import numpy as np
import pytest

from pgeval.model.config import preset
from pgeval.model.npz_checkpoint import save_npz
from pgeval.model.tree import expected_shapes, unflatten
from tests.fake_hub import fake_hub  # noqa: F401  (the loopback Hub fixture)

WORDS = ("a the dog cat man woman bus car red blue green white on in with of is are what how many "
         "color there picture answer caption en de yes no left right small big one two three").split()


def corpus(n: int = 3000, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    marks = ["", "?", ".", "!", ",", " 12", " 3.5"]
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 9))) + rng.choice(marks)
            for _ in range(n)]


@pytest.fixture(scope="session")
def tiny_tokenizer(tmp_path_factory):
    from pgeval.model.tokenizer import train_sentencepiece

    return train_sentencepiece(corpus(), tmp_path_factory.mktemp("tok") / "tokenizer.model", 1299)


def random_params(cfg, seed: int = 0, std: float = 0.3) -> dict:
    """Random weights large enough that every token's logit differs visibly."""
    rng = np.random.default_rng(seed)
    flat = {}
    for key, shape in expected_shapes(cfg).items():
        scale = 0.1 if key.endswith(("scale", "bias")) else std
        flat[key] = rng.normal(0, scale, shape).astype(np.float32)
    return unflatten(flat)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, tiny_tokenizer):
    """(npz path, config): the "tiny" shape with a vocabulary matching the tiny tokenizer."""
    import dataclasses

    base = preset("tiny")
    cfg = dataclasses.replace(base, text=dataclasses.replace(base.text, vocab_size=1299))
    folder = tmp_path_factory.mktemp("tiny_ckpt")
    path = save_npz(random_params(cfg), folder / "tiny_56.npz")
    (folder / "tokenizer.model").write_bytes(tiny_tokenizer.read_bytes())
    jax.clear_caches()
    return path, cfg
