"""A run killed with SIGKILL mid-task resumes to exactly the results of an uninterrupted run."""

import json
import signal
import subprocess
import sys
import time

import pytest

from pgeval.partial import read_progress
from tests.synthetic import vqav2_with_images


def command(checkpoint, data, out):
    return [sys.executable, "-m", "pgeval.cli", "run", "--tasks", "vqav2", "--checkpoint",
            str(checkpoint), "--data-dir", str(data), "--out", str(out), "--batch-size", "1"]


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted(tiny_checkpoint, tmp_path):
    path, _ = tiny_checkpoint
    data = tmp_path / "data"
    vqav2_with_images(data, 150)
    whole = subprocess.run(command(path, data, tmp_path / "whole"), capture_output=True, text=True,
                           timeout=600)
    assert whole.returncode == 0, whole.stderr[-2000:]

    out = tmp_path / "killed"
    partial = out / "predictions" / "vqav2.partial.jsonl"
    proc = subprocess.Popen(command(path, data, out), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline:
        if partial.is_file() and partial.read_text().count("\n") >= 20:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = read_progress(partial)  # a torn last line is cut off, every kept line is whole JSON
    assert 20 <= len(done.predictions) < 150, "the kill should land mid-task"
    assert not (out / "predictions" / "vqav2.jsonl").exists()
    for line in partial.read_text().splitlines():
        json.loads(line)

    resumed = subprocess.run(command(path, data, out), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    a = json.loads((tmp_path / "whole" / "results.json").read_text())["tasks"]["vqav2"]
    b = json.loads((out / "results.json").read_text())["tasks"]["vqav2"]
    assert b["n"] == a["n"] == 150
    assert b["metrics"] == a["metrics"]
    assert (out / "predictions" / "vqav2.jsonl").read_text() == \
        (tmp_path / "whole" / "predictions" / "vqav2.jsonl").read_text()
    # a third run of the same command keeps the finished task
    again = subprocess.run(command(path, data, out), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "already done" in again.stderr
