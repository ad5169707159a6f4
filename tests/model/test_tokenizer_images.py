"""The tokenizer's prompt layout and special pieces, and image preprocessing."""

import numpy as np
import pytest
from PIL import Image

from pgeval.errors import InputError
from pgeval.model.images import load_image, preprocess
from pgeval.model.tokenizer import Tokenizer, find_tokenizer


def test_prompt_layout(tiny_tokenizer):
    tok = Tokenizer(tiny_tokenizer)
    assert (tok.pad_id, tok.eos_id, tok.bos_id) == (0, 1, 2)
    ids = tok.encode_prefix("answer en what color is the dog?")
    assert ids[0] == tok.bos_id
    assert ids[-len(tok.separator):] == tok.separator == [tok.sp.piece_to_id("\n")]
    assert tok.decode(ids[1 : -len(tok.separator)]) == "answer en what color is the dog?"
    assert tok.encode_suffix("yes")[-1] == tok.eos_id


def test_location_and_segment_pieces(tiny_tokenizer):
    tok = Tokenizer(tiny_tokenizer)
    text = "<loc0000><loc1023><seg000><seg127> the dog"
    ids = tok.sp.encode(text)
    assert [tok.sp.id_to_piece(i) for i in ids[:4]] == ["<loc0000>", "<loc1023>", "<seg000>",
                                                        "<seg127>"]
    assert tok.decode(ids) == text
    assert tok.vocab_size > 1152


def test_tokenizer_is_found_beside_the_checkpoint(tmp_path, tiny_tokenizer):
    (tmp_path / "tokenizer.model").write_bytes(tiny_tokenizer.read_bytes())
    assert find_tokenizer(tmp_path, None) == tmp_path / "tokenizer.model"
    assert find_tokenizer(tmp_path / "pt_224.npz", None) == tmp_path / "tokenizer.model"
    with pytest.raises(InputError, match="no tokenizer given"):
        find_tokenizer(tmp_path / "elsewhere" / "x.npz", None)
    with pytest.raises(InputError, match="not a SentencePiece model"):
        Tokenizer(_garbage(tmp_path))


def _garbage(tmp_path):
    path = tmp_path / "bad.model"
    path.write_bytes(b"not a model")
    return path


def test_preprocess_resizes_to_minus_one_one(tmp_path):
    gradient = np.tile(np.linspace(0, 255, 100, dtype=np.uint8), (60, 1))
    image = Image.fromarray(np.stack([gradient, gradient, np.full_like(gradient, 255)], -1))
    out = preprocess(image, 28)
    assert out.shape == (28, 28, 3) and out.dtype == np.float32
    assert out.min() >= -1.0 and out.max() <= 1.0
    np.testing.assert_allclose(out[..., 2], 1.0)
    expected = np.asarray(image.resize((28, 28), Image.Resampling.BILINEAR), np.float32) / 127.5 - 1
    np.testing.assert_array_equal(out, expected)
    assert out[0, 0, 0] < -0.9 and out[0, -1, 0] > 0.9  # left dark, right bright
    gray = tmp_path / "gray.png"
    Image.fromarray(gradient).save(gray)  # one channel in, three out
    assert load_image(gray, 14).shape == (14, 14, 3)


def test_bad_images_are_named(tmp_path):
    with pytest.raises(InputError, match="image not found"):
        load_image(tmp_path / "missing.jpg", 28)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\x00" * 10)
    with pytest.raises(InputError, match="cannot decode image") as e:
        load_image(bad, 28)
    assert str(bad) in str(e.value)
