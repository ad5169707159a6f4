"""`pgeval bench` runs both engines on the same model and reports its figures as JSON."""

import json
import sys

import pytest

from pgeval.bench.engine import model_flops
from pgeval.model.config import preset
from tests.helpers import needs_extra, run_cli


@pytest.mark.parametrize("images", [1, 3])
def test_bench_tiny_json(images):
    needs_extra("bench", "torch")
    result = run_cli("bench", "--config", "tiny", "--repeats", "1", "--decode-len", "4", "--json",
                     "--images", str(images))
    assert result.exit_code == 0
    out = result.stdout.strip().splitlines()
    result = json.loads(out[-1])
    assert result["images"] == images and f"{images} image" in out[-2]
    assert {"pgeval_ex_per_s", "hf_ex_per_s", "ratio", "flops_fraction"} <= set(result)
    assert result["pgeval_ex_per_s"] > 0 and result["hf_ex_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["pgeval_ex_per_s"] / result["hf_ex_per_s"])
    assert 0 < result["flops_fraction"] < 1
    assert "ratio" in out[-2]


@pytest.mark.parametrize("workload", [[], ["--workload", "vqav2"]], ids=["batch", "workload"])
def test_bench_without_torch_names_the_extra(monkeypatch, workload):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if the bench extra were not installed
    result = run_cli("bench", "--config", "tiny", *workload)
    assert result.exit_code == 1
    assert "pgeval bench compares against transformers: pip install 'pgeval[bench]'" in result.output


def test_flop_count_grows_with_work():
    cfg = preset("small")
    one = model_flops(cfg, 1, 12, 16)
    assert model_flops(cfg, 8, 12, 16) == pytest.approx(8 * one)
    assert model_flops(cfg, 1, 12, 32) > one
    # the prefill of 268 tokens through 6 layers dominates: about 2 x 12.2 GFLOP per example
    assert 20e9 < one < 30e9


def test_flop_count_of_several_images():
    cfg = preset("small")
    n = cfg.vision.num_patches
    encoder = model_flops(cfg, 1, 12, 1, images=1) - model_flops(cfg, 1, 12 + n, 1, images=0)
    assert encoder > 0  # one image's SigLIP pass, apart from the LLM's work on its tokens
    four = model_flops(cfg, 1, 12, 1, images=4)
    # four encoder passes and a prefill of 4 x n image tokens + 12 text tokens
    assert four == pytest.approx(4 * encoder + model_flops(cfg, 1, 12 + 4 * n, 1, images=0))
