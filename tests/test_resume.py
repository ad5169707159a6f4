"""Interrupted runs: a SIGKILL, a Ctrl-C or a SIGTERM mid-task, a second writer on the same run
directory, and a write that fails (a full disk) all leave a directory that the same command
completes to exactly the results of an uninterrupted run."""

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

import pgeval.run.partial
from pgeval.errors import WriteError
from pgeval.io import atomic_write_text
from pgeval.run.partial import read_progress
from tests.helpers import run_cli
from tests.synthetic import vqav2_with_images

N = 150


def command(checkpoint, data, out):
    return [sys.executable, "-m", "pgeval.cli", "run", "--tasks", "vqav2", "--checkpoint",
            str(checkpoint), "--data-dir", str(data), "--out", str(out), "--batch-size", "1"]


@pytest.fixture(scope="module")
def setup(tiny_checkpoint, tmp_path_factory):
    """The data, and the run directory of an uninterrupted run over it."""
    path, _ = tiny_checkpoint
    root = tmp_path_factory.mktemp("resume")
    vqav2_with_images(root / "data", N)
    whole = subprocess.run(command(path, root / "data", root / "whole"), capture_output=True,
                           text=True, timeout=600)
    assert whole.returncode == 0, whole.stderr[-2000:]
    return path, root / "data", root / "whole"


def start_and_wait(cmd, partial, lines):
    """Start a run and return it once its partial file holds `lines` finished examples."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        # the head (the recipe), then `lines` examples
        if partial.is_file() and partial.read_text().count("\n") >= 1 + lines:
            return proc
        time.sleep(0.02)
    raise AssertionError(f"the run did not reach {lines} predictions: {proc.communicate()[1]}")


def assert_same_as_whole(out, whole, n=N):
    a = json.loads((whole / "results.json").read_text())["tasks"]["vqav2"]
    b = json.loads((out / "results.json").read_text())["tasks"]["vqav2"]
    assert b["n"] == a["n"] == n
    assert b["metrics"] == a["metrics"]
    assert (out / "predictions" / "vqav2.jsonl").read_text() == \
        (whole / "predictions" / "vqav2.jsonl").read_text()
    assert not (out / "predictions" / "vqav2.partial.jsonl").exists()


def resume(cmd):
    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    return resumed


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted(setup, tmp_path):
    path, data, whole = setup
    out = tmp_path / "killed"
    partial = out / "predictions" / "vqav2.partial.jsonl"
    proc = start_and_wait(command(path, data, out), partial, 20)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = read_progress(partial)  # a torn last line is cut off, every kept line is whole JSON
    assert 20 <= len(done.predictions) < N, "the kill should land mid-task"
    assert not (out / "predictions" / "vqav2.jsonl").exists()
    for line in partial.read_text().splitlines():
        json.loads(line)

    resume(command(path, data, out))  # the killed process's lock went with it
    assert_same_as_whole(out, whole)
    # a third run of the same command keeps the finished task
    again = resume(command(path, data, out))
    assert "already done" in again.stderr


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_exit_130_saying_what_was_kept(setup, tmp_path, signum):
    path, data, whole = setup
    out = tmp_path / "stopped"
    partial = out / "predictions" / "vqav2.partial.jsonl"
    cmd = command(path, data, out)
    proc = start_and_wait(cmd, partial, 20)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    kept = len(read_progress(partial).predictions)
    assert 20 <= kept < N
    last = err.strip().splitlines()[-1]
    assert last == (f"interrupted: kept in {out}: vqav2 {kept} predictions; resume with: pgeval "
                    + " ".join(cmd[3:]))
    resume(cmd)
    assert_same_as_whole(out, whole)


@pytest.mark.slow
def test_a_second_writer_is_refused_and_the_first_finishes_as_if_alone(setup, tmp_path):
    path, data, whole = setup
    out = tmp_path / "shared"
    cmd = command(path, data, out)
    first = start_and_wait(cmd, out / "predictions" / "vqav2.partial.jsonl", 5)
    first.send_signal(signal.SIGSTOP)  # paused mid-task, the first run still holds the directory
    try:
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    finally:
        first.send_signal(signal.SIGCONT)
    assert second.returncode == 2 and "Traceback" not in second.stderr
    assert (f"error: {out}: another pgeval run is writing this run directory (pid {first.pid} on "
            f"{socket.gethostname()}, since ") in second.stderr
    assert "hint: wait for it to end" in second.stderr
    _, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-2000:]
    assert_same_as_whole(out, whole)


def test_a_failing_write_stops_the_run_and_a_rerun_resumes(tiny_checkpoint, tmp_path, monkeypatch):
    """The disk fills up in the middle of a batch's lines: the run stops with exit 1 naming the
    file, and the same command, once there is room, completes it exactly."""
    path, _ = tiny_checkpoint
    data = tmp_path / "data"
    vqav2_with_images(data, 12)

    def run(out):
        result = run_cli("run", "--tasks", "vqav2", "--checkpoint", str(path), "--data-dir", str(data),
                         "--out", str(out), "--batch-size", "4")
        return result.exit_code, result.stderr

    assert run(tmp_path / "whole")[0] == 0
    out = tmp_path / "full"
    partial = out / "predictions" / "vqav2.partial.jsonl"
    real_write, calls = os.write, []

    def disk_fills(fd, data):
        if os.path.realpath(f"/proc/self/fd/{fd}") != str(partial):
            return real_write(fd, data)
        calls.append(len(data))
        if len(calls) < 2:  # the head (the task's recipe) and the first batch
            return real_write(fd, data)
        if len(calls) == 2:  # half of the second batch's lines fit, then the disk is full
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pgeval.run.partial.os, "write", disk_fills)
    code, err = run(out)
    monkeypatch.undo()
    assert code == 1 and "Traceback" not in err
    assert (f"error: {partial}: cannot write: No space left on device\n  the lines before it are "
            "kept: free space (or fix the disk) and rerun the same command to resume") in err
    assert not (out / "results.json").exists()
    kept = read_progress(partial)  # the torn line is cut off; the whole ones stay
    assert 4 < len(kept.predictions) < 8
    code, err = run(out)
    assert code == 0, err
    assert_same_as_whole(out, tmp_path / "whole", 12)


def test_atomic_write_keeps_the_old_file_when_the_disk_is_full(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text("old")

    def full(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(WriteError, match=r"results\.json: cannot write: No space left on device"):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
