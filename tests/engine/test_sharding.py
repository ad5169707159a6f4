"""The same tokens on one device and on 4 and 8 CPU devices, data-parallel and data x model."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from jax.sharding import PartitionSpec as P

from pgeval.engine.sharding import param_spec, parse_mesh
from pgeval.errors import InputError

PROBE = textwrap.dedent("""
    import json, sys
    import jax, numpy as np
    from pgeval.engine.runner import Engine, Request
    from pgeval.engine.sharding import parse_mesh
    from pgeval.model.loading import load_checkpoint
    from pgeval.model.tokenizer import Tokenizer

    path = sys.argv[1]
    tok = Tokenizer(sys.argv[2])
    ckpt = load_checkpoint(path)
    res = ckpt.config.vision.image_size
    rng = np.random.default_rng(0)
    prompts = ["caption en", "answer en what color is the dog?", "answer en how many?"]
    reqs = [Request(str(i), (rng.uniform(-1, 1, (res, res, 3)).astype(np.float32),), prompts[i % 3])
            for i in range(10)]
    out = {}
    for spec, devices in (("data=1", jax.devices()[:1]), ("data=4", jax.devices()[:4]),
                          ("data=2,model=2", jax.devices()[:4]), ("data=8", None),
                          ("data=4,model=2", None), ("data=2,model=4", None)):
        engine = Engine(ckpt, tok, batch_size=8, mesh=parse_mesh(spec, devices))
        sharded = list(engine.params["llm"]["layers"]["mlp"]["linear"].sharding.spec)
        rows = [o for b in engine.generate(reqs, 6, progress=False) for o in b]
        beam = [o for b in engine.generate(reqs[:4], 5, beam_size=2, progress=False) for o in b]
        out[spec] = {"devices": len(engine.mesh.devices.flat), "mlp": sharded,
                     "tokens": [o.tokens for o in rows], "logprobs": [o.logprobs for o in rows],
                     "beam": [o.tokens for o in beam]}
    print(json.dumps(out))
""")


def test_mesh_parsing():
    devices = ["a", "b", "c", "d"]
    assert dict(parse_mesh(None, devices).shape) == {"data": 4, "model": 1}
    assert dict(parse_mesh("model=2", devices).shape) == {"data": 2, "model": 2}
    assert dict(parse_mesh("data=1,model=4", devices).shape) == {"data": 1, "model": 4}
    with pytest.raises(InputError, match="needs 8 devices"):
        parse_mesh("data=4,model=2", devices)
    with pytest.raises(InputError, match="bad --mesh"):
        parse_mesh("tensor=2", devices)


def test_sharding_rules():
    mesh = parse_mesh("data=2,model=2", ["a", "b", "c", "d"])
    assert param_spec("llm/embedder/input_embedding", (1024, 64), mesh) == P("model", None)
    assert param_spec("llm/layers/attn/q_einsum/w", (2, 4, 64, 16), mesh) == \
        P(None, "model", None, None)
    # one KV head cannot be split: it stays whole
    assert param_spec("llm/layers/attn/kv_einsum/w", (2, 2, 1, 64, 16), mesh) == P()
    assert param_spec("llm/final_norm/scale", (64,), mesh) == P()
    assert param_spec("img/Transformer/encoderblock/MlpBlock_0/Dense_0/kernel", (2, 32, 64),
                      mesh) == P(None, None, "model")


@pytest.mark.slow
def test_same_tokens_on_every_mesh(tiny_checkpoint):
    path, _ = tiny_checkpoint
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8")
    proc = subprocess.run([sys.executable, "-c", PROBE, str(path), str(path.parent / "tokenizer.model")],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    ref = out["data=1"]
    assert ref["devices"] == 1 and out["data=8"]["devices"] == 8
    assert out["data=4,model=2"]["mlp"] == [None, "model", None]
    for spec in ("data=4", "data=2,model=2", "data=8", "data=4,model=2", "data=2,model=4"):
        assert out[spec]["tokens"] == ref["tokens"], spec
        assert out[spec]["beam"] == ref["beam"], spec
        # other per-device batch shapes pick other kernels and a model axis splits a layer's sums:
        # float32 rounding apart, as across batch sizes (measured at most 9.5e-6, data=2,model=4)
        for a, b in zip(out[spec]["logprobs"], ref["logprobs"], strict=True):
            np.testing.assert_allclose(a, b, atol=1e-5, rtol=5e-6, err_msg=spec)
