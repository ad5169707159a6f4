"""`pgeval run` on checkpoints from where users keep them: a LoRA adapter over the tiny npz
checkpoint, fsspec URLs (checkpoint, tokenizer, --data-dir), a kagglehub cache and a loopback Hub;
what results.json records of each, and the table's column named after it."""

import json
import os
from pathlib import Path

import pytest

from tests.fake_hub import use_hub
from tests.helpers import needs_extra, run_cli
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


def put_tree(fs, local: Path, remote: str) -> None:
    """Copy a local file or folder onto an fsspec filesystem."""
    if local.is_dir():
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            fs.pipe(f"{remote}/{path.relative_to(local).as_posix()}", path.read_bytes())
    else:
        fs.pipe(remote, local.read_bytes())


@pytest.fixture
def memory_bucket(tiny_checkpoint, data, monkeypatch, tmp_path):
    """The tiny checkpoint, its tokenizer and the data folder in fsspec's memory filesystem; the
    cache in tmp_path."""
    import fsspec

    monkeypatch.setenv("PGEVAL_CACHE", str(tmp_path / "cache"))
    fs = fsspec.filesystem("memory")
    npz = tiny_checkpoint[0]
    put_tree(fs, npz, "memory://bucket/ckpt/tiny_56.npz")
    put_tree(fs, npz.parent / "tokenizer.model", "memory://bucket/tok/tokenizer.model")
    put_tree(fs, data, "memory://bucket/data")
    fs.pipe("memory://bucket/data/unused_task/big.bin", b"x" * 100)
    yield fs
    fs.rm("memory://bucket", recursive=True)


def test_urls_for_checkpoint_tokenizer_and_data(memory_bucket, local_run, tmp_path):
    url = "memory://bucket/ckpt/tiny_56.npz"
    args = ("--tokenizer", "memory://bucket/tok/tokenizer.model")
    raw = run(url, "memory://bucket/data", tmp_path / "run", *args)
    assert raw["model"]["source"] == {"kind": "url", "url": url}
    assert raw["model"]["name"] == "tiny_56"
    assert raw["model"]["sha256"] == local_run[0]["model"]["sha256"]
    assert predictions(tmp_path / "run") == predictions(local_run[1])
    assert raw["tasks"]["vqav2"]["metrics"] == local_run[0]["tasks"]["vqav2"]["metrics"]
    cache = tmp_path / "cache" / "remote"
    copied = sorted(p.relative_to(cache).as_posix().split("/", 1)[1] for p in cache.rglob("*")
                    if p.is_file() and p.name != "manifest.json")
    assert "tiny_56.npz" in copied and "tokenizer.model" in copied
    assert not [c for c in copied if "unused_task" in c]  # only the run's task folders are copied
    # a second run fetches nothing; a changed file is fetched again
    npz_copy = next(cache.rglob("tiny_56.npz"))
    before = npz_copy.stat().st_mtime_ns
    run(url, "memory://bucket/data", tmp_path / "run2", *args)
    assert npz_copy.stat().st_mtime_ns == before
    memory_bucket.pipe("memory://bucket/ckpt/tiny_56.npz", b"not a zip")
    bad = run_cli("run", "--tasks", "vqav2", "--checkpoint", url, "--data-dir", "memory://bucket/data",
                  "--out", tmp_path / "run3", *args)
    assert bad.exit_code == 2 and "tiny_56.npz" in bad.stderr and "not a readable .npz" in bad.stderr


def test_a_checkpoint_folder_by_file_url_finds_its_tokenizer(tiny_checkpoint, data, local_run,
                                                             monkeypatch, tmp_path):
    monkeypatch.setenv("PGEVAL_CACHE", str(tmp_path / "cache"))
    url = f"file://{tiny_checkpoint[0].parent}"
    raw = run(url, data, tmp_path / "run")
    assert raw["model"]["source"] == {"kind": "url", "url": url}
    assert predictions(tmp_path / "run") == predictions(local_run[1])


def test_a_missing_url_names_it(tiny_checkpoint, data, monkeypatch, tmp_path):
    monkeypatch.setenv("PGEVAL_CACHE", str(tmp_path / "cache"))
    result = run_cli("run", "--tasks", "vqav2", "--checkpoint", "memory://nowhere/ckpt.npz",
                     "--data-dir", data, "--out", tmp_path / "run")
    assert result.exit_code == 2 and "memory://nowhere/ckpt.npz: not found" in result.stderr


@pytest.fixture
def kaggle_cache(tiny_checkpoint, monkeypatch, tmp_path):
    """A kagglehub cache in tmp_path holding version 3 of a model handle (the tiny checkpoint and
    its tokenizer, as model_download leaves them); any call to Kaggle's API goes to a closed
    loopback port."""
    import shutil

    needs_extra("kaggle", "kagglehub")
    from kagglehub.cache import Cache
    from kagglehub.handle import parse_model_handle

    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kagglehub"))
    monkeypatch.setenv("KAGGLE_API_ENVIRONMENT", "TEST")  # http://localhost:7777, nothing listens
    handle = parse_model_handle("google/paligemma-2/jax/tiny-56/3")
    folder = Path(Cache().get_path(handle))
    folder.mkdir(parents=True)
    shutil.copy(tiny_checkpoint[0], folder / "tiny-56.b16.npz")
    shutil.copy(tiny_checkpoint[0].parent / "tokenizer.model", folder / "tokenizer.model")
    Cache().mark_as_complete(handle)
    return "kaggle:google/paligemma-2/jax/tiny-56"


def test_a_kaggle_handle_from_the_kagglehub_cache(kaggle_cache, data, local_run, tmp_path):
    raw = run(kaggle_cache + "/3", data, tmp_path / "run")
    source = {"kind": "kaggle", "handle": "google/paligemma-2/jax/tiny-56", "version": 3}
    assert raw["model"]["source"] == source and raw["model"]["name"] == "tiny-56"
    assert predictions(tmp_path / "run") == predictions(local_run[1])
    # without a version, Kaggle is asked for the latest; unreachable, the latest cached one is used
    raw = run(kaggle_cache, data, tmp_path / "run2")
    assert raw["model"]["source"] == source
    missing = run_cli("run", "--tasks", "vqav2", "--checkpoint", "kaggle:google/paligemma-2/jax/other",
                      "--data-dir", data, "--out", tmp_path / "run3")
    assert missing.exit_code == 2 and "kaggle:google/paligemma-2/jax/other" in missing.stderr


@pytest.fixture
def hub_repo(fake_hub, tiny_checkpoint):
    """The tiny checkpoint as a -jax repo on the loopback Hub: (hub, repo id, commit)."""
    npz = tiny_checkpoint[0]
    files = {"tiny_56.b16.npz": npz.read_bytes(),
             "paligemma_tokenizer.model": (npz.parent / "tokenizer.model").read_bytes(),
             "README.md": b"# tiny\n"}
    return fake_hub, "google/paligemma-tiny-56-jax", fake_hub.publish("google/paligemma-tiny-56-jax", files)


def test_a_hub_id_runs_from_the_hub_then_offline_from_its_cache(hub_repo, data, local_run,
                                                                monkeypatch, tmp_path):
    hub, repo, commit = hub_repo
    raw = run(repo, data, tmp_path / "run")
    assert raw["model"]["source"] == {"kind": "hub", "repo": repo, "revision": "main", "commit": commit}
    assert raw["model"]["name"] == "paligemma-tiny-56"
    assert raw["model"]["sha256"]["tiny_56.b16.npz"] == local_run[0]["model"]["sha256"]["tiny_56.npz"]
    assert predictions(tmp_path / "run") == predictions(local_run[1])
    assert not any("README.md" in path for _, path, _, _ in hub.requests)
    table = run_cli("table", tmp_path / "run")
    assert "paligemma-tiny-56 @56" in table.stdout
    seen = len(hub.requests)
    use_hub(monkeypatch, hub.endpoint, Path(os.environ["HF_HOME"]), offline=True)
    offline = run(repo, data, tmp_path / "offline")
    assert len(hub.requests) == seen  # nothing asked of the Hub
    assert offline["model"]["source"] == raw["model"]["source"]
    assert predictions(tmp_path / "offline") == predictions(local_run[1])
    result = run_cli("run", "--tasks", "vqav2", "--checkpoint", "google/other", "--data-dir", data,
                     "--out", tmp_path / "x")
    assert result.exit_code == 2 and "google/other" in result.stderr and "HF_HUB_OFFLINE" in result.stderr


def test_a_hub_revision_and_an_adapter_whose_base_is_a_hub_id(hub_repo, data, local_run,
                                                              tiny_checkpoint, tmp_path):
    hub, repo, first = hub_repo
    hub.publish(repo, {"tiny_56.b16.npz": b"a newer, broken upload"})
    raw = run(f"{repo}@{first}", data, tmp_path / "run")
    assert raw["model"]["source"]["commit"] == first and raw["model"]["source"]["revision"] == first
    assert predictions(tmp_path / "run") == predictions(local_run[1])
    adapter = write_adapter(tmp_path / "adapter", tiny_checkpoint[1], f"{repo}@{first}")
    adapter_commit = hub.publish("me/my-adapter", adapter)
    raw = run("me/my-adapter", data, tmp_path / "adapter_run")
    model = raw["model"]
    assert model["name"] == "my-adapter (paligemma-tiny-56)"
    assert model["source"]["commit"] == adapter_commit
    assert model["base"]["source"] == {"kind": "hub", "repo": repo, "revision": first, "commit": first}
    assert set(model["sha256"]) == {"tiny_56.b16.npz", "adapter_config.json", "adapter_model.safetensors"}


@pytest.mark.parametrize(("publish", "names"), [
    (dict(gated=True), ["gated", "accept", "HF_TOKEN", "/google/paligemma-tiny-56-jax"]),
    (dict(), ["no such local path, nor Hub repo"]),
    (dict(files={"model.gguf": b"GGUF" + bytes(8)}), ["no PaliGemma checkpoint", "GGUF"]),
])
def test_hub_repos_that_cannot_run_are_named(publish, names, fake_hub, data, tmp_path):
    repo = "google/paligemma-tiny-56-jax" if publish else "google/nothing"
    if publish:
        options = dict(publish)
        fake_hub.publish(repo, options.pop("files", {"a.npz": b"x"}), **options)
    result = run_cli("run", "--tasks", "vqav2", "--checkpoint", repo,
                     "--data-dir", data, "--out", tmp_path / "run")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert all(n in result.stderr for n in names), result.stderr





def test_a_gated_repo_downloads_with_a_token_that_has_access(fake_hub, tiny_checkpoint, data,
                                                             local_run, monkeypatch, tmp_path):
    npz = tiny_checkpoint[0]
    repo = "google/paligemma-tiny-56-jax"
    fake_hub.publish(repo, {"tiny_56.npz": npz.read_bytes(),
                            "tokenizer.model": (npz.parent / "tokenizer.model").read_bytes()}, gated=True)
    fake_hub.grant("hf_granted")
    use_hub(monkeypatch, fake_hub.endpoint, Path(os.environ["HF_HOME"]), token="hf_granted")
    run(repo, data, tmp_path / "run")
    assert predictions(tmp_path / "run") == predictions(local_run[1])
