"""`pgeval bench` runs both engines on the same model and reports its figures as JSON."""

import json

import pytest

from pgeval.bench import model_flops
from pgeval.cli import main
from pgeval.model.config import preset


def test_bench_tiny_json(capsys):
    with pytest.raises(SystemExit) as e:
        main(["bench", "--config", "tiny", "--repeats", "1", "--decode-len", "4", "--json"])
    assert e.value.code == 0
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    assert {"pgeval_ex_per_s", "hf_ex_per_s", "ratio", "flops_fraction"} <= set(result)
    assert result["pgeval_ex_per_s"] > 0 and result["hf_ex_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["pgeval_ex_per_s"] / result["hf_ex_per_s"])
    assert 0 < result["flops_fraction"] < 1
    assert "ratio" in out[-2]


def test_flop_count_grows_with_work():
    cfg = preset("small")
    one = model_flops(cfg, 1, 12, 16)
    assert model_flops(cfg, 8, 12, 16) == pytest.approx(8 * one)
    assert model_flops(cfg, 1, 12, 32) > one
    # the prefill of 268 tokens through 6 layers dominates: about 2 x 12.2 GFLOP per example
    assert 20e9 < one < 30e9
