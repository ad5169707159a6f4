"""Tiny Hugging Face PaliGemma checkpoints, the reference models of the parity tests."""

import shutil

import pytest


@pytest.fixture(scope="session")
def hf_pg1(tmp_path_factory, tiny_tokenizer):
    from tests.model import hf_models

    folder = tmp_path_factory.mktemp("hf_pg1")
    model = hf_models.build(hf_models.gemma1_text(), folder, seed=0)
    shutil.copy(tiny_tokenizer, folder / "tokenizer.model")
    return model, folder


@pytest.fixture(scope="session")
def hf_pg1_head(tmp_path_factory):
    """hf_pg1's shape saved with SigLIP's pooling head (`vision_use_head=True`), which transformers
    builds and stores but PaliGemma never runs."""
    from tests.model import hf_models

    folder = tmp_path_factory.mktemp("hf_pg1_head")
    return hf_models.build(hf_models.gemma1_text(), folder, seed=3,
                           vision={"vision_use_head": True}), folder


@pytest.fixture(scope="session")
def hf_pg2(tmp_path_factory):
    from tests.model import hf_models

    folder = tmp_path_factory.mktemp("hf_pg2")
    # post-norms large enough that greedy decoding produces varied tokens
    return hf_models.build(hf_models.gemma2_text(), folder, seed=1, std=0.1, post_norm_std=8.0), folder


@pytest.fixture(scope="session")
def hf_pg2_window(tmp_path_factory):
    """hf_pg2 whose sliding-window layers (0 and 2) see only WINDOW positions back, far fewer than
    image + prompt (19 to 24 tokens) and than the tests generate."""
    from tests.model import hf_models

    folder = tmp_path_factory.mktemp("hf_pg2_window")
    model = hf_models.build(hf_models.gemma2_text(sliding_window=hf_models.WINDOW), folder, seed=1,
                            std=0.1, post_norm_std=8.0)
    return model, folder


@pytest.fixture(scope="session")
def hf_pg2_no_final_cap(tmp_path_factory):
    """PaliGemma 2 as big_vision runs it (no final-logit soft-cap), to compare with npz files."""
    from tests.model import hf_models

    folder = tmp_path_factory.mktemp("hf_pg2_nocap")
    return hf_models.build(hf_models.gemma2_text(final_softcap=None), folder, seed=2, std=0.1), folder
