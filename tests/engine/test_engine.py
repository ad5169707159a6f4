"""The engine's batching: fixed shapes, no recompilation between batches, outputs in order."""

import jax
import numpy as np
import pytest

from pgeval.engine.batching import bucket
from pgeval.engine.runner import Engine, Request
from pgeval.model.loading import load_checkpoint
from pgeval.model.tokenizer import Tokenizer

COMPILES: list[str] = []


def _listen(event: str, duration: float, **kw: object) -> None:
    if event == "/jax/core/compile/backend_compile_duration":
        COMPILES.append(str(kw.get("fun_name")))


jax.monitoring.register_event_duration_secs_listener(_listen)


@pytest.fixture(scope="module")
def engine(tiny_checkpoint):
    path, _ = tiny_checkpoint
    return Engine(load_checkpoint(path), Tokenizer(path.parent / "tokenizer.model"), batch_size=2)


def requests(n, prompt, res, seed=0):
    rng = np.random.default_rng(seed)
    return [Request(f"r{i}", (rng.uniform(-1, 1, (res, res, 3)).astype(np.float32),), prompt)
            for i in range(n)]


def test_buckets():
    assert [bucket(n) for n in (1, 16, 17, 32, 33, 100)] == [16, 16, 32, 32, 64, 128]


def test_one_compilation_per_bucket(engine):
    res = engine.res
    short = requests(6, "caption en", res) + requests(2, "answer en what color is it?", res, 1)
    COMPILES.clear()
    seen_after_batch = []
    outputs = []
    for batch in engine.generate(short, 4, progress=False):
        outputs += batch
        seen_after_batch.append(len([c for c in COMPILES if "generate" in c]))
    assert [o.id for o in outputs] == [r.id for r in short]
    assert len(seen_after_batch) == 4  # 8 requests in batches of 2
    assert seen_after_batch == [1, 1, 1, 1]  # compiled for the first batch only
    long_prompt = "answer en " + " ".join(["what color is the big dog on the left"] * 4)
    assert len(engine.tokenizer.encode_prefix(long_prompt)) > 16
    list(engine.generate(requests(4, long_prompt, res), 4, progress=False))
    assert len([c for c in COMPILES if "generate" in c]) == 2  # one more bucket, one more compile
    # a lone example (the last batch padded) encodes one image row: one more shape, once
    list(engine.generate(requests(3, long_prompt, res, 2), 4, progress=False))
    list(engine.generate(requests(1, long_prompt, res, 3), 4, progress=False))
    assert len([c for c in COMPILES if "generate" in c]) == 3


def test_padding_examples_do_not_change_results(engine):
    res = engine.res
    reqs = requests(3, "caption en", res, seed=4)
    alone = [o for b in engine.generate(reqs[:1], 5, progress=False) for o in b]
    together = [o for b in engine.generate(reqs, 5, progress=False) for o in b]
    assert alone[0].tokens == together[0].tokens
    np.testing.assert_allclose(alone[0].logprobs, together[0].logprobs, atol=1e-5)


def test_batches_hold_one_image_count_each(engine, tmp_path):
    """One, two and four images (a clip's frames) per request, interleaved: each count compiles
    once, outputs come grouped by count in input order, and each equals its request run alone."""
    from pgeval.model.video import Clip
    from tests.video_files import write_video

    res = engine.res
    rng = np.random.default_rng(7)

    def image():
        return rng.uniform(-1, 1, (res, res, 3)).astype(np.float32)

    video = write_video(tmp_path / "clip.mp4", 12)
    reqs = [Request("one-a", (image(),), "caption en"),
            Request("pair-a", (image(), image()), "answer en is there a dog?"),
            Request("clip", (Clip(video, 4, 3),), "caption en"),
            Request("one-b", (image(),), "answer en what color?"),
            Request("pair-b", (image(), image()), "caption en"),
            Request("one-c", (image(),), "caption en")]
    assert [r.num_images for r in reqs] == [1, 2, 4, 1, 2, 1]
    COMPILES.clear()
    batches = [[o.id for o in b] for b in engine.generate(reqs, 6, progress=False)]
    assert batches == [["one-a", "one-b"], ["one-c"], ["pair-a", "pair-b"], ["clip"]]
    # decode length 6 is new here; the lone one-c encodes one image row, the others two and one
    assert len([c for c in COMPILES if "generate" in c]) == 4
    together = {o.id: o for b in engine.generate(reqs, 6, progress=False) for o in b}
    for r in reqs:
        alone = next(o for b in engine.generate([r], 6, progress=False) for o in b)
        assert alone.tokens == together[r.id].tokens
        np.testing.assert_allclose(alone.logprobs, together[r.id].logprobs, atol=1e-5)
    # the clip is its frames: the same request with the four sampled frames as arrays
    from pgeval.model.video import load_clip

    frames = tuple(load_clip(Clip(video, 4, 3), res))
    as_images = next(o for b in engine.generate([Request("clip", frames, "caption en")], 6,
                                            progress=False) for o in b)
    assert as_images.tokens == together["clip"].tokens


def test_a_bad_video_goes_to_the_error_handler(engine, tmp_path):
    from pgeval.model.video import Clip

    (tmp_path / "empty.mp4").write_bytes(b"")
    good = Request("good", (np.zeros((engine.res, engine.res, 3), np.float32),), "caption en")
    bad = Request("bad", (Clip(tmp_path / "empty.mp4", 4, 2),), "caption en")
    errors = []
    outputs = [o.id for b in engine.generate([bad, good], 3, progress=False,
                                             on_error=lambda r, e: errors.append((r.id, str(e))))
               for o in b]
    assert outputs == ["good"]
    assert errors == [("bad", f"{tmp_path / 'empty.mp4'}: the video file is empty")]


def test_predictions_do_not_depend_on_the_batch_size(tiny_checkpoint):
    """Batch sizes 1, 3 and 8 over the same requests (prefixes of several lengths, each batch
    padded to its own bucket, partial last batches): the same tokens, and log-probabilities equal
    to float32 rounding.

    XLA picks other matmul kernels for other batch shapes (matrix-vector at batch 1), so sums
    round differently: measured on this tiny random model, at most 1.1e-5 apart on a log-probability
    of -3.27 (3.5e-6 of it, about 50 float32 steps), typically 3e-6."""
    path, _ = tiny_checkpoint
    checkpoint, tok = load_checkpoint(path), Tokenizer(path.parent / "tokenizer.model")
    res = checkpoint.config.vision.image_size
    prompts = ["caption en", "answer en what color is the bus?", "answer en how many?",
               "answer en is there a dog on the left of the big red car?"]
    reqs = [Request(f"r{i}", r.images, prompts[i % 4]) for i, r in enumerate(requests(11, "", res, 9))]
    runs = {}
    for b in (1, 3, 8):
        engine = Engine(checkpoint, tok, batch_size=b)
        runs[b] = {o.id: o for batch in engine.generate(reqs, 7, progress=False) for o in batch}
    assert any(len(o.tokens) > 1 for o in runs[1].values())
    for b in (3, 8):
        assert sorted(runs[b]) == sorted(r.id for r in reqs)
        for a, o in ((runs[1][r.id], runs[b][r.id]) for r in reqs):
            assert (o.tokens, o.text) == (a.tokens, a.text), b
            np.testing.assert_allclose(o.logprobs, a.logprobs, atol=1e-5, rtol=5e-6)
