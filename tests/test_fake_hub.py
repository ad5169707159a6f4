"""The loopback Hub in tests/fake_hub.py answers the real huggingface_hub client: downloads into the
cache layout, snapshots, listings, revision resolution, resumed downloads, gated and missing repos,
and offline reads from the cache."""

import hashlib
from pathlib import Path

import huggingface_hub as hf
import pytest
from huggingface_hub import errors

from tests.fake_hub import FakeHub, use_hub

WEIGHTS = bytes(range(256)) * 400  # 102,400 bytes, LFS-tracked by suffix


def test_model_and_dataset_downloads_land_in_the_cache_layout(fake_hub, tmp_path):
    sha = fake_hub.publish("org/tiny", {"config.json": b'{"a": 1}', "model.safetensors": WEIGHTS})
    dsha = fake_hub.publish("org/bench", {"data/validation-00000-of-00001.parquet": b"PAR1xxPAR1",
                                          "README.md": b"# card"}, repo_type="dataset")
    path = Path(hf.hf_hub_download("org/tiny", "model.safetensors"))
    assert path.read_bytes() == WEIGHTS
    assert path.parent == tmp_path / "hf" / "hub" / "models--org--tiny" / "snapshots" / sha
    blob = path.resolve()
    assert blob.name == hashlib.sha256(WEIGHTS).hexdigest()  # LFS files are stored under their sha256
    assert (tmp_path / "hf/hub/models--org--tiny/refs/main").read_text() == sha

    folder = Path(hf.snapshot_download("org/bench", repo_type="dataset"))
    assert folder == tmp_path / "hf" / "hub" / "datasets--org--bench" / "snapshots" / dsha
    assert (folder / "data/validation-00000-of-00001.parquet").read_bytes() == b"PAR1xxPAR1"
    assert sorted(hf.list_repo_files("org/bench", repo_type="dataset")) == [
        "README.md", "data/validation-00000-of-00001.parquet"]
    verification = hf.HfApi().verify_repo_checksums("org/bench", repo_type="dataset")
    assert not verification.mismatches and not verification.missing_paths


def test_revisions_resolve_to_commits_and_old_commits_stay_readable(fake_hub):
    first = fake_hub.publish("org/tiny", {"config.json": b"1"})
    second = fake_hub.publish("org/tiny", {"config.json": b"2"})
    assert first != second
    assert hf.HfApi().repo_info("org/tiny").sha == second
    assert hf.HfApi().resolve_revision("org/tiny", revision="main").resolved == second
    assert Path(hf.hf_hub_download("org/tiny", "config.json", revision=first)).read_bytes() == b"1"
    assert Path(hf.hf_hub_download("org/tiny", "config.json")).read_bytes() == b"2"
    refs = hf.HfApi().list_repo_refs("org/tiny")
    assert [(b.name, b.target_commit) for b in refs.branches] == [("main", second)]
    tree = list(hf.HfApi().list_repo_tree("org/tiny", revision=first))
    assert [(e.path, e.size) for e in tree] == [("config.json", 1)]


def test_a_dropped_download_resumes_with_a_range_request(fake_hub, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 16_384)  # so bytes reach disk before the drop
    fake_hub.publish("org/tiny", {"model.safetensors": WEIGHTS})
    fake_hub.cut_download("model.safetensors", after_bytes=40_000)
    path = hf.hf_hub_download("org/tiny", "model.safetensors")
    assert Path(path).read_bytes() == WEIGHTS
    gets = [(r, s) for m, p, r, s in fake_hub.requests if m == "GET" and p.endswith("model.safetensors")]
    assert gets == [(None, 200), ("bytes=32768-", 206)]


def test_gated_private_and_missing(fake_hub, monkeypatch):
    fake_hub.publish("google/gated", {"config.json": b"{}"}, gated=True)
    fake_hub.publish("org/secret", {"config.json": b"{}"}, repo_type="dataset", private=True)
    fake_hub.publish("org/tiny", {"config.json": b"{}"})
    with pytest.raises(errors.GatedRepoError) as no_token:
        hf.hf_hub_download("google/gated", "config.json")
    assert no_token.value.response.status_code == 401
    with pytest.raises(errors.GatedRepoError) as wrong_token:
        hf.hf_hub_download("google/gated", "config.json", token="hf_nope")
    assert wrong_token.value.response.status_code == 403
    fake_hub.grant("hf_yes")
    monkeypatch.setenv("HF_TOKEN", "hf_yes")
    assert Path(hf.hf_hub_download("google/gated", "config.json")).read_bytes() == b"{}"
    assert hf.snapshot_download("org/secret", repo_type="dataset")
    monkeypatch.delenv("HF_TOKEN")
    with pytest.raises(errors.RepositoryNotFoundError):
        hf.HfApi().dataset_info("org/secret")
    with pytest.raises(errors.RepositoryNotFoundError):
        hf.hf_hub_download("org/none", "config.json")
    with pytest.raises(errors.RevisionNotFoundError):
        hf.hf_hub_download("org/tiny", "config.json", revision="v9")
    with pytest.raises(errors.EntryNotFoundError):
        hf.hf_hub_download("org/tiny", "missing.json")


def test_offline_reads_the_prepared_cache_and_sends_nothing(fake_hub, monkeypatch, tmp_path):
    sha = fake_hub.publish("org/bench", {"data/test.parquet": b"PAR1PAR1"}, repo_type="dataset")
    hf.snapshot_download("org/bench", repo_type="dataset")
    seen = len(fake_hub.requests)
    use_hub(monkeypatch, fake_hub.endpoint, tmp_path / "hf", offline=True)
    folder = Path(hf.snapshot_download("org/bench", repo_type="dataset"))
    assert folder.name == sha and (folder / "data/test.parquet").read_bytes() == b"PAR1PAR1"
    assert len(fake_hub.requests) == seen
    with pytest.raises(errors.LocalEntryNotFoundError):
        hf.snapshot_download("org/other", repo_type="dataset")


def test_a_hub_serves_a_folder(tmp_path, monkeypatch):
    (tmp_path / "repo/sub").mkdir(parents=True)
    (tmp_path / "repo/sub/a.txt").write_text("A")
    (tmp_path / "repo/b.txt").write_text("B")
    with FakeHub() as hub:
        hub.publish("one", tmp_path / "repo")
        use_hub(monkeypatch, hub.endpoint, tmp_path / "cache")
        assert sorted(hf.list_repo_files("one")) == ["b.txt", "sub/a.txt"]
        top = sorted((type(e).__name__, e.path) for e in hf.HfApi().list_repo_tree("one"))
        assert top == [("RepoFile", "b.txt"), ("RepoFolder", "sub")]
        infos = hf.HfApi().get_paths_info("one", ["sub/a.txt"])
        assert [(i.path, i.size) for i in infos] == [("sub/a.txt", 1)]
