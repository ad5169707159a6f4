"""Examples showing the same image file run together and SigLIP encodes that image once per
batch, with the predictions of encoding every example's image; batches pad to their own bucket."""

import numpy as np
import pytest
from PIL import Image

from pgeval.engine import runner
from pgeval.engine.batching import bucket, image_rows, plan_batches
from pgeval.engine.runner import Engine, Request
from pgeval.model.images import load_image
from pgeval.model.loading import load_checkpoint
from pgeval.model.tokenizer import Tokenizer
from pgeval.model.video import Clip

PROMPTS = ["caption en", "answer en what color is the bus?", "answer en how many?",
           "answer en is there a dog on the left of the big red car?"]


@pytest.fixture(scope="module")
def model(tiny_checkpoint):
    path, _ = tiny_checkpoint
    return load_checkpoint(path), Tokenizer(path.parent / "tokenizer.model")


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Three image files of different sizes."""
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(3)
    paths = []
    for i, (h, w) in enumerate([(40, 60), (56, 56), (90, 30)]):
        paths.append(folder / f"p{i}.png")
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(paths[-1])
    return paths


def questions(photos, n=11):
    """n requests over the photos, interleaved (photo i % 3), prompts cycling."""
    return [Request(f"q{i}", (photos[i % len(photos)],), PROMPTS[i % len(PROMPTS)])
            for i in range(n)]


def as_arrays(requests, res):
    """The same requests with their images as preprocessed arrays, which are never shared."""
    return [Request(r.id, tuple(load_image(p, res) for p in r.images), r.prefix) for r in requests]


def by_id(engine, requests, **kw):
    return {o.id: o for batch in engine.generate(requests, 6, progress=False, **kw) for o in batch}


def test_image_keys():
    assert Request("a", ("x.png",), "p").image_key == Request("b", ("./x.png",), "q").image_key
    assert Request("a", ("x.png",), "p").image_key != Request("b", ("x.png",), "p", "bilinear").image_key
    assert Request("a", ("x.png", "y.png"), "p").image_key == ("antialias", "x.png", "y.png")
    assert Request("a", (np.zeros((2, 2, 3)),), "p").image_key is None
    assert Request("a", (Clip("v.mp4", 4, 2),), "p").image_key is None


def test_plan_groups_images_then_orders_by_count_and_bucket():
    keys = ["A", "B", "A", None, "B", "C", None, "A"]
    counts = [1, 1, 1, 1, 1, 2, 1, 1]
    lengths = [5, 40, 5, 5, 5, 5, 70, 5]
    # groups A (0, 2, 7: bucket 16), B (1, 4: bucket 64 by its longest), [3] (16), C (5: two
    # images, last), [6] (128)
    assert plan_batches(keys, counts, lengths, 3) == [[0, 2, 7], [3, 1, 4], [6], [5]]
    assert plan_batches(keys, counts, lengths, 8) == [[0, 2, 7, 3, 1, 4, 6], [5]]


def test_image_rows_are_a_few_buckets_that_split_over_the_mesh():
    assert [image_rows(d, 8, 1) for d in range(1, 9)] == [1, 2, 4, 4, 8, 8, 8, 8]
    assert [image_rows(d, 8, 2) for d in range(1, 9)] == [2, 2, 4, 4, 8, 8, 8, 8]
    assert [image_rows(d, 6, 1) for d in range(1, 7)] == [3, 3, 3, 6, 6, 6]  # 6/4, 6/8 not whole
    assert image_rows(1, 1, 1) == 1
    assert image_rows(1, 16, 4) == 4


@pytest.mark.parametrize("batch_size", [1, 4, 8])
def test_shared_images_give_the_predictions_of_encoding_each(model, photos, batch_size):
    """11 questions over 3 image files: the same tokens and texts, and log-probabilities to
    float32 rounding (other SigLIP batch shapes), as the same requests with arrays."""
    checkpoint, tok = model
    engine = Engine(checkpoint, tok, batch_size=batch_size)
    reqs = questions(photos)
    shared = by_id(engine, reqs)
    alone = by_id(engine, as_arrays(reqs, engine.res))
    assert sorted(shared) == sorted(alone) == sorted(r.id for r in reqs)
    assert any(len(o.tokens) > 1 for o in shared.values())
    for r in reqs:
        assert (shared[r.id].tokens, shared[r.id].text) == (alone[r.id].tokens, alone[r.id].text)
        np.testing.assert_allclose(shared[r.id].logprobs, alone[r.id].logprobs, rtol=2e-5, atol=1e-5)


def test_beam_search_with_shared_images(model, photos):
    checkpoint, tok = model
    engine = Engine(checkpoint, tok, batch_size=4)
    reqs = questions(photos, 7)
    shared = by_id(engine, reqs, beam_size=3)
    alone = by_id(engine, as_arrays(reqs, engine.res), beam_size=3)
    for r in reqs:
        assert shared[r.id].tokens == alone[r.id].tokens
        np.testing.assert_allclose(shared[r.id].logprobs, alone[r.id].logprobs, atol=1e-5)


def test_each_batch_encodes_its_distinct_images_at_its_own_width(model, photos, monkeypatch):
    """Batches of 8 over 11 questions on 3 images (A: q0, q3, ...; B: q1, ...; C: q2, ...).
    C's prompts all fit 16 tokens, A's and B's longest needs 32, so C runs first:
    [C C C A A A A B] encodes 3 images (in 4 rows) and [B B B] one; as arrays, never shared,
    the 11 take 8 + 4 rows. Each batch pads to its own bucket."""
    checkpoint, tok = model
    runs: list[tuple[int, int]] = []
    original = runner.greedy_generate

    def recording(model, params, images, image_index, tokens, *args, **kw):
        runs.append((images.shape[0], tokens.shape[1]))
        return original(model, params, images, image_index, tokens, *args, **kw)

    monkeypatch.setattr(runner, "greedy_generate", recording)
    engine = Engine(checkpoint, tok, batch_size=8)
    reqs = questions(photos)
    batches = [[o.id for o in b] for b in engine.generate(reqs, 4, progress=False)]
    assert batches == [["q2", "q5", "q8", "q0", "q3", "q6", "q9", "q1"], ["q4", "q7", "q10"]]
    assert [rows for rows, _ in runs] == [4, 1]
    assert engine.encoded_images == 5
    list(engine.generate(as_arrays(reqs, engine.res), 4, progress=False))
    assert [rows for rows, _ in runs[2:]] == [8, 4] and engine.encoded_images == 5 + 12

    long_prompt = "answer en " + " ".join(["what color is the big dog on the left"] * 4)
    assert bucket(len(tok.encode_prefix(long_prompt))) > 16
    short = [Request(f"s{i}", (photos[0],), "caption en") for i in range(4)]
    long = [Request(f"l{i}", (photos[1],), long_prompt) for i in range(2)]
    runs.clear()
    small = Engine(checkpoint, tok, batch_size=2)
    order = [o.id for b in small.generate(long + short, 4, progress=False) for o in b]
    assert order == ["s0", "s1", "s2", "s3", "l0", "l1"]  # the short bucket first
    assert [width for _, width in runs] == [16, 16, bucket(len(tok.encode_prefix(long_prompt)))]
