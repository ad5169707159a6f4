"""The engine's batching: fixed shapes, no recompilation between batches, outputs in order."""

import jax
import numpy as np
import pytest

from pgeval.engine.runner import Engine, Request, bucket
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
    short = requests(5, "caption en", res) + requests(2, "answer en what color is it?", res, 1)
    COMPILES.clear()
    seen_after_batch = []
    outputs = []
    for batch in engine.generate(short, 4, progress=False):
        outputs += batch
        seen_after_batch.append(len([c for c in COMPILES if "generate" in c]))
    assert [o.id for o in outputs] == [r.id for r in short]
    assert len(seen_after_batch) == 4  # 7 requests in batches of 2, the last one padded
    assert seen_after_batch == [1, 1, 1, 1]  # compiled for the first batch only
    long_prompt = "answer en " + " ".join(["what color is the big dog on the left"] * 4)
    assert len(engine.tokenizer.encode_prefix(long_prompt)) > 16
    list(engine.generate(requests(3, long_prompt, res), 4, progress=False))
    assert len([c for c in COMPILES if "generate" in c]) == 2  # one more bucket, one more compile


def test_padding_examples_do_not_change_results(engine):
    res = engine.res
    reqs = requests(3, "caption en", res, seed=4)
    alone = [o for b in engine.generate(reqs[:1], 5, progress=False) for o in b]
    together = [o for b in engine.generate(reqs, 5, progress=False) for o in b]
    assert alone[0].tokens == together[0].tokens
    np.testing.assert_allclose(alone[0].logprobs, together[0].logprobs, atol=1e-5)
