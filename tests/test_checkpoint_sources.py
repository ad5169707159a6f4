"""`pgeval run` on checkpoints from where users keep them: a LoRA adapter over the tiny npz
checkpoint, fsspec URLs (checkpoint, tokenizer, --data-dir), a kagglehub cache and a loopback Hub;
what results.json records of each, and the table's column named after it."""

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.model.adapters import write_adapter
from tests.synthetic import vqav2_with_images


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    vqav2_with_images(root, 4)
    return root


def run(checkpoint, data, out: Path, *more) -> dict:
    """`pgeval run` of vqav2, which must succeed: its results.json."""
    result = run_cli("run", "--tasks", "vqav2", "--checkpoint", checkpoint, "--data-dir", data,
                     "--out", out, "--batch-size", "2", *more)
    assert result.exit_code == 0, result.output
    return json.loads((out / "results.json").read_text())


def predictions(out: Path) -> list[str]:
    return [json.loads(line)["prediction"]
            for line in (out / "predictions" / "vqav2.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def local_run(tiny_checkpoint, data, tmp_path_factory):
    """The run of the tiny checkpoint from its local file: what every other source must match."""
    out = tmp_path_factory.mktemp("local") / "run"
    return run(tiny_checkpoint[0], data, out), out


def test_adapter_run_records_adapter_and_base(tiny_checkpoint, data, local_run, tmp_path):
    npz, cfg = tiny_checkpoint
    adapter = write_adapter(tmp_path / "my-adapter", cfg, str(npz))
    raw = run(adapter, data, tmp_path / "run")
    model = raw["model"]
    assert model["name"] == "my-adapter (tiny_56)"
    assert model["format"] == "lora adapter on big_vision npz"
    assert model["checkpoint"] == str(adapter.resolve())
    assert model["base"]["checkpoint"] == str(npz.resolve())
    assert model["source"] == {"kind": "path"} and model["base"]["source"] == {"kind": "path"}
    assert set(model["sha256"]) == {"tiny_56.npz", "adapter_config.json", "adapter_model.safetensors"}
    assert model["sha256"]["tiny_56.npz"] == local_run[0]["model"]["sha256"]["tiny_56.npz"]
    assert predictions(tmp_path / "run") != predictions(local_run[1])  # the adapter is merged
    table = run_cli("table", tmp_path / "run", local_run[1])
    assert table.exit_code == 0, table.output
    assert "my-adapter (tiny_56) @56" in table.stdout and "tiny_56 @56" in table.stdout
    # the same adapter over another base is another run: the folder refuses to mix them
    other = run_cli("run", "--tasks", "vqav2", "--checkpoint", adapter, "--base", adapter.parent /
                    "missing.npz", "--data-dir", data, "--out", tmp_path / "run")
    assert other.exit_code == 2 and "missing.npz" in other.stderr
