"""`pgeval run` on a benchmark's Hub copy gives what it gives on the official files: the same
predictions, results.json metrics and submission file, online and offline from the cache; with no
--data-dir the Hub copy is the default; results.json says which source a task came from. And
`pgeval data` lists, downloads and verifies copies on a loopback Hub."""

import json
import re
from pathlib import Path

import pytest

from tests.fake_hub import use_hub
from tests.helpers import run_cli
from tests.hub_copies import DOC_ROWS, TESTDEV, docvqa_copy, vqav2_copy, write_official

TASKS = Path(__file__).resolve().parents[1] / "tasks"


@pytest.fixture(scope="module")
def official(tmp_path_factory):
    root = tmp_path_factory.mktemp("official")
    return root, write_official(root)


def published(hub, official, tmp_path) -> Path:
    """The copies on the loopback Hub and a tasks folder whose vqav2 and docvqa specs pin them
    (without the official row counts, which the small copies do not have)."""
    root, rows = official
    shas = {"vqav2": hub.publish("lmms-lab-encoder/VQAv2", vqav2_copy(root, rows, TESTDEV),
                                 repo_type="dataset"),
            "docvqa": hub.publish("lmms-lab/DocVQA", docvqa_copy(root, DOC_ROWS), repo_type="dataset")}
    folder = tmp_path / "tasks"
    folder.mkdir()
    for task, sha in shas.items():
        text = (TASKS / f"{task}.toml").read_text()
        text = text[:text.index("[data.hub.rows]")]
        text = re.sub(r'(?m)^revision = ".*"\n', "", text).replace(
            "[data.hub]\n", f'[data.hub]\nrevision = "{sha}"\n')
        (folder / f"{task}.toml").write_text(text)
    return folder


def outputs(out: Path, task: str) -> tuple:
    results = json.loads((out / "results.json").read_text())["tasks"][task]
    lines = (out / "predictions" / f"{task}.jsonl").read_text().splitlines()
    return results["metrics"], sorted(lines), results["source"]


@pytest.mark.slow  # three runs of two tasks: about 30 s on two CPU cores
def test_hub_copy_and_official_files_give_the_same_run(tiny_checkpoint, fake_hub, official, tmp_path,
                                                       monkeypatch):
    ckpt, _ = tiny_checkpoint
    tasks = published(fake_hub, official, tmp_path)
    common = ("run", "--tasks", "vqav2,docvqa", "--checkpoint", ckpt, "--batch-size", "2",
              "--tasks-dir", tasks)
    files = run_cli(*common, "--data-dir", official[0], "--out", tmp_path / "files")
    hub = run_cli(*common, "--out", tmp_path / "hub")  # no --data-dir: the Hub copies
    assert files.exit_code == 0 and hub.exit_code == 0, files.stderr + hub.stderr
    use_hub(monkeypatch, fake_hub.endpoint, tmp_path / "hf", offline=True)
    sent = len(fake_hub.requests)
    offline = run_cli(*common, "--out", tmp_path / "offline", "--source", "hub")
    assert offline.exit_code == 0, offline.stderr
    assert len(fake_hub.requests) == sent
    for task, repo in (("vqav2", "lmms-lab-encoder/VQAv2"), ("docvqa", "lmms-lab/DocVQA")):
        metrics, predictions, source = outputs(tmp_path / "files", task)
        assert source == {"kind": "files"} and len(predictions) in (9, 5)
        for run in ("hub", "offline"):
            assert outputs(tmp_path / run, task)[:2] == (metrics, predictions)
            recorded = outputs(tmp_path / run, task)[2]
            assert recorded["kind"] == "hub" and recorded["repo"] == repo and len(recorded["commit"]) == 40
        digests = json.loads((tmp_path / "hub" / "results.json").read_text())["tasks"][task]["data_sha256"]
        assert digests and all(name.endswith(".parquet") and len(d) == 64 for name, d in digests.items())


def test_a_test_split_writes_the_same_submission_file(tiny_checkpoint, fake_hub, official, tmp_path):
    ckpt, _ = tiny_checkpoint
    tasks = published(fake_hub, official, tmp_path)
    common = ("run", "--tasks", "vqav2", "--split", "test-dev", "--checkpoint", ckpt, "--batch-size", "2",
              "--tasks-dir", tasks)
    for out, extra in (("files", ("--data-dir", official[0])), ("hub", ("--source", "hub"))):
        result = run_cli(*common, *extra, "--out", tmp_path / out)
        assert result.exit_code == 0, result.stderr
    name = "submissions/vqa_OpenEnded_mscoco_test-dev2015_pgeval_results.json"
    files, hub = (json.loads((tmp_path / out / name).read_text()) for out in ("files", "hub"))
    assert hub == files and sorted(a["question_id"] for a in files) == [9001, 9002, 9003]


def test_a_resume_does_not_keep_a_task_recorded_from_the_other_source(tiny_checkpoint, fake_hub, official,
                                                                       tmp_path):
    ckpt, _ = tiny_checkpoint
    tasks = published(fake_hub, official, tmp_path)
    common = ("run", "--tasks", "docvqa", "--checkpoint", ckpt, "--batch-size", "2", "--tasks-dir", tasks,
              "--out", tmp_path / "run")
    assert run_cli(*common, "--data-dir", official[0]).exit_code == 0
    again = run_cli(*common, "--data-dir", official[0])
    assert "already done" in again.stderr
    refused = run_cli(*common)  # the same directory, now the Hub copy: another recipe
    assert refused.exit_code == 2
    assert 'provenance ({"kind": "files"} then, {' in refused.stderr
    assert "--overwrite docvqa" in refused.stderr
    switched = run_cli(*common, "--overwrite", "docvqa")
    assert switched.exit_code == 0 and "already done" not in switched.stderr
    assert outputs(tmp_path / "run", "docvqa")[2]["kind"] == "hub"


def test_pgeval_data_download_verify_and_list(fake_hub, official, tmp_path, monkeypatch):
    from huggingface_hub import constants

    tasks = published(fake_hub, official, tmp_path)
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 1024)  # bytes reach disk before the drop
    fake_hub.cut_download("data/validation-00000-of-00002.parquet", after_bytes=3000)
    result = run_cli("data", "download", "vqav2,docvqa", "--tasks-dir", tasks)
    assert result.exit_code == 0, result.stderr
    resumed = [(r, s) for m, p, r, s in fake_hub.requests
               if m == "GET" and p.endswith("/data/validation-00000-of-00002.parquet")]
    assert resumed == [(None, 200), ("bytes=2048-", 206)]  # two 1 kB chunks were on disk
    assert "vqav2 val: lmms-lab-encoder/VQAv2@" in result.stdout and "checksums ok" in result.stdout
    assert "2 file(s)" in result.stdout and "/s)" in result.stdout
    verified = run_cli("data", "verify", "vqav2,docvqa", "--tasks-dir", tasks)
    assert verified.exit_code == 0, verified.stderr
    assert "vqav2 val: lmms-lab-encoder/VQAv2@" in verified.stdout and "9 rows: ok" in verified.stdout
    listing = run_cli("data", "list", "--tasks-dir", TASKS, "--tasks-dir", tasks, "--json")
    rows = {r["name"]: r for r in json.loads(listing.stdout)}
    cached = rows["vqav2"]["hub"]["cached"]  # val and minival read the same validation files
    assert {c["split"] for c in cached} == {"val", "minival"} and cached[0]["files"] == 2
    assert {c["repo"] for c in cached} == {"lmms-lab-encoder/VQAv2"} and cached[0]["bytes"] > 0
    assert rows["chartqa"]["hub"]["not_mapped"] and rows["coco_captions"]["hub"] is None
    # a copy with the official row count in its spec fails verification when it has other rows
    spec = tasks / "docvqa.toml"
    spec.write_text(spec.read_text() + "\n[data.hub.rows]\nvalidation = 5349\n")
    failed = run_cli("data", "verify", "docvqa", "--tasks-dir", tasks)
    assert failed.exit_code == 2 and "5 rows, the official split has 5349" in failed.stdout
    nothing = run_cli("data", "download", "chartqa", "--tasks-dir", TASKS)
    assert nothing.exit_code == 2 and "has no Hub copy to download" in nothing.stderr


def test_errors_exit_2_and_leave_no_run_directory(tiny_checkpoint, fake_hub, official, tmp_path,
                                                   monkeypatch):
    ckpt, _ = tiny_checkpoint
    tasks = published(fake_hub, official, tmp_path)
    use_hub(monkeypatch, fake_hub.endpoint, tmp_path / "empty-cache", offline=True)
    result = run_cli("run", "--tasks", "vqav2", "--checkpoint", ckpt, "--tasks-dir", tasks,
                     "--out", tmp_path / "run")
    assert result.exit_code == 2 and "vqav2: offline (HF_HUB_OFFLINE=1)" in result.stderr
    assert "lmms-lab-encoder/VQAv2 (not in the cache)" in result.stderr
    assert "pgeval data download vqav2 --split val" in result.stderr
    assert not (tmp_path / "run").exists()
    # a task without a Hub copy, and no official files: what to download and where
    monkeypatch.setenv("PGEVAL_DATA", str(tmp_path / "data"))
    result = run_cli("run", "--tasks", "chartqa", "--checkpoint", ckpt, "--tasks-dir", TASKS,
                     "--out", tmp_path / "run")
    assert result.exit_code == 2 and "missing data files, nothing was run" in result.stderr
    assert str(tmp_path / "data" / "chartqa" / "test" / "test_human.json") in result.stderr
    assert "(no Hub copy: the copy has only type" in result.stderr
    result = run_cli("run", "--tasks", "chartqa", "--checkpoint", ckpt, "--tasks-dir", TASKS,
                     "--source", "hub", "--out", tmp_path / "run")
    assert result.exit_code == 2 and "task chartqa: no Hub copy of split 'test'" in result.stderr
    assert not (tmp_path / "run").exists()


def test_the_environment_alone_points_a_new_process_at_the_hub_and_its_cache(fake_hub, official, tmp_path):
    """HF_ENDPOINT, HF_HOME and HF_HUB_OFFLINE as a user sets them, read by a new process."""
    import os
    import subprocess
    import sys

    tasks = published(fake_hub, official, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_ENDPOINT=fake_hub.endpoint, HF_HOME=str(tmp_path / "home"), PYTHONPATH=str(TASKS.parent))
    command = [sys.executable, "-m", "pgeval.cli", "data", "download", "docvqa", "--tasks-dir", str(tasks)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "home" / "hub" / "datasets--lmms-lab--DocVQA" / "snapshots").is_dir()
    offline = subprocess.run([*command[:4], "verify", *command[5:]], capture_output=True, text=True,
                             env={**env, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"},
                             timeout=120)
    assert offline.returncode == 0 and "5 rows: ok" in offline.stdout, offline.stderr
