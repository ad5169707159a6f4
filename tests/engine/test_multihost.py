"""Two processes on one machine write the same outputs as one."""

import json
import socket
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_processes_match_one(tiny_checkpoint, tmp_path):
    path, _ = tiny_checkpoint
    rng = np.random.default_rng(0)
    lines = []
    for i in range(7):
        Image.fromarray(rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)).save(tmp_path / f"{i}.png")
        lines.append(json.dumps({"id": f"x{i}", "image": f"{i}.png",
                                 "prefix": ["caption en", "answer en how many dogs?"][i % 2]}))
    requests = tmp_path / "requests.jsonl"
    requests.write_text("\n".join(lines) + "\n")
    base = [sys.executable, "-m", "pgeval.cli", "infer", "--checkpoint", str(path),
            "--input", str(requests), "--max-decode-len", "5", "--batch-size", "2"]
    single = subprocess.run([*base, "--output", str(tmp_path / "one.jsonl")], capture_output=True,
                            text=True, timeout=600)
    assert single.returncode == 0, single.stderr[-2000:]
    coordinator = f"127.0.0.1:{free_port()}"
    procs = [subprocess.Popen([*base, "--output", str(tmp_path / "two.jsonl"), "--num-processes",
                               "2", "--process-id", str(p), "--coordinator", coordinator],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
    one = [json.loads(x) for x in (tmp_path / "one.jsonl").read_text().splitlines()]
    two = [json.loads(x) for x in (tmp_path / "two.jsonl").read_text().splitlines()]
    assert [r["id"] for r in two] == [f"x{i}" for i in range(7)]
    assert [r["tokens"] for r in two] == [r["tokens"] for r in one]
    assert [r["text"] for r in two] == [r["text"] for r in one]
    for a, b in zip(one, two, strict=True):
        np.testing.assert_allclose(a["logprobs"], b["logprobs"], atol=1e-5)
