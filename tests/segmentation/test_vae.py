"""The Flax VQ-VAE mask decoder on weights saved in vae-oid.npz's PyTorch layout."""

import numpy as np
import pytest

from pgeval.errors import InputError
from pgeval.segmentation import vae
from pgeval.segmentation.vae import MaskDecoder, load_mask_decoder
from tests.segmentation.refer_data import (
    numpy_decode,
    random_vae_weights,
    save_vae,
    sign_vae_weights,
)


@pytest.fixture(scope="module")
def random_vae(tmp_path_factory):
    weights = random_vae_weights(dim=8, seed=1)
    return weights, save_vae(tmp_path_factory.mktemp("vae") / "vae-oid.npz", weights)


def test_matches_a_numpy_decoder_of_pytorch_semantics(random_vae):
    weights, path = random_vae
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 128, (3, 16))
    codes[0] = np.arange(16) * 8  # every grid cell different: a transposed grid would show
    got = MaskDecoder(path).decode(codes)
    want = numpy_decode(weights, codes)
    assert got.shape == (3, 64, 64) and got.dtype == np.float32
    assert np.isfinite(got).all() and want.std() > 0.1  # the maps really vary
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_grid_is_filled_row_by_row(random_vae):
    """Swapping two codes of the grid's first row moves the map; the numpy decoder agrees."""
    weights, path = random_vae
    codes = np.zeros((2, 16), int)
    codes[0, 1] = 5  # row 0, column 1
    codes[1, 4] = 5  # row 1, column 0
    got = MaskDecoder(path).decode(codes)
    np.testing.assert_allclose(got, numpy_decode(weights, codes), rtol=1e-4,
                               atol=1e-4 * np.abs(got).max())
    assert not np.allclose(got[0], got[1])


def test_batched_chunks_equal_one_by_one(random_vae, monkeypatch):
    _, path = random_vae
    decoder = MaskDecoder(path)
    codes = np.random.default_rng(2).integers(0, 128, (11, 16))
    assert [vae.chunk_size(n) for n in (0, 1, 8, 9, 100, 5000)] == [8, 8, 8, 16, 128, 256]
    monkeypatch.setattr(vae, "MAX_CHUNK", 8)  # 11 codes: a chunk of 8, then 3 padded to 8
    batched = decoder.decode(codes)
    single = np.concatenate([decoder.decode(c[None]) for c in codes])
    np.testing.assert_allclose(batched, single, rtol=1e-5, atol=1e-5)
    assert decoder.decode(np.zeros((0, 16), int)).shape == (0, 64, 64)


def test_sign_decoder_output_in_range(tmp_path):
    decoder = MaskDecoder(save_vae(tmp_path / "v.npz", sign_vae_weights()))
    maps = decoder.decode([[0] * 16, [1] * 16, [127] * 16])
    assert maps.shape == (3, 64, 64)
    assert (maps >= -1).all() and (maps <= 1).all()
    assert (maps[0] > 0).all()
    np.testing.assert_allclose(maps[1:], -0.001, rtol=1e-6)


def test_loader_is_cached_per_file(random_vae):
    _, path = random_vae
    assert load_mask_decoder(path) is load_mask_decoder(str(path))


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(InputError, match="mask decoder not found") as e:
        load_mask_decoder(tmp_path / "nope" / "vae-oid.npz")
    assert "nope/vae-oid.npz" in str(e.value) and "--vae" in str(e.value)


def test_not_an_npz(tmp_path):
    bad = tmp_path / "vae-oid.npz"
    bad.write_text("not a zip")
    with pytest.raises(InputError, match=r"not a readable \.npz") as e:
        MaskDecoder(bad)
    assert str(bad) in str(e.value)


def test_missing_key_and_wrong_shape(tmp_path):
    weights = sign_vae_weights()
    missing = dict(weights)
    del missing["decoder.12.weight"]
    with pytest.raises(InputError, match=r"no 'decoder\.12\.weight' array") as e:
        MaskDecoder(save_vae(tmp_path / "a.npz", missing))
    assert "a.npz" in str(e.value)
    flipped = dict(weights, **{"decoder.6.weight": weights["decoder.6.weight"].transpose(1, 0, 2, 3)})
    with pytest.raises(InputError, match=r"'decoder.6.weight' is float32\[64, 128, 4, 4\], expected "
                                         r"float\[128, 64, 4, 4\]"):
        MaskDecoder(save_vae(tmp_path / "b.npz", flipped))
    no_codebook = {k: v for k, v in weights.items() if not k.startswith("_vq_vae")}
    with pytest.raises(InputError, match="codebook"):
        MaskDecoder(save_vae(tmp_path / "c.npz", no_codebook))
    small_codebook = dict(weights, **{"_vq_vae._embedding": np.zeros((64, 4), np.float32)})
    with pytest.raises(InputError, match=r"expected float\[128, 4\]"):
        MaskDecoder(save_vae(tmp_path / "d.npz", small_codebook))
