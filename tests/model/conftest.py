"""Shared fixtures: a tiny SentencePiece tokenizer and tiny Hugging Face PaliGemma checkpoints."""

import random
import shutil

import pytest

from pgeval.model.tokenizer import train_sentencepiece

WORDS = ("a the dog cat man woman bus car red blue green white on in with of is are what how many "
         "color there picture answer caption en de yes no left right small big one two three").split()


def corpus(n: int = 3000, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    marks = ["", "?", ".", "!", ",", " 12", " 3.5"]
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 9))) + rng.choice(marks)
            for _ in range(n)]


@pytest.fixture(scope="session")
def tiny_tokenizer(tmp_path_factory):
    return train_sentencepiece(corpus(), tmp_path_factory.mktemp("tok") / "tokenizer.model", 1299)


@pytest.fixture(scope="session")
def hf_pg1(tmp_path_factory, tiny_tokenizer):
    from tests.model import hf_models

    folder = tmp_path_factory.mktemp("hf_pg1")
    model = hf_models.build(hf_models.gemma1_text(), folder, seed=0)
    shutil.copy(tiny_tokenizer, folder / "tokenizer.model")
    return model, folder


@pytest.fixture(scope="session")
def hf_pg2(tmp_path_factory):
    from tests.model import hf_models

    folder = tmp_path_factory.mktemp("hf_pg2")
    return hf_models.build(hf_models.gemma2_text(), folder, seed=1, std=0.15), folder


@pytest.fixture(scope="session")
def hf_pg2_no_final_cap(tmp_path_factory):
    """PaliGemma 2 as big_vision runs it (no final-logit soft-cap), to compare with npz files."""
    from tests.model import hf_models

    folder = tmp_path_factory.mktemp("hf_pg2_nocap")
    return hf_models.build(hf_models.gemma2_text(final_softcap=None), folder, seed=2), folder
