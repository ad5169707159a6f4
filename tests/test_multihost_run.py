"""`pgeval run` whose results do not depend on how it ran: 1 or 2 processes (jax.distributed on
localhost), a mesh over 4 CPU devices or one spanning both processes, a process killed and the
command rerun. Each is compared with one reference run on one device."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from pgeval.config import EngineConfig, RunConfig
from pgeval.run.evaluation import run_evaluation
from tests.synthetic import docvqa_with_images, vqav2_with_images

TASKS = "vqav2,docvqa"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("multihost_data")
    vqav2_with_images(root, 41)
    docvqa_with_images(root, 7)
    return root


@pytest.fixture(scope="module")
def reference(tiny_checkpoint, data, tmp_path_factory):
    """One process, one device, batch size 8."""
    out = tmp_path_factory.mktemp("reference") / "run"
    run_evaluation(EngineConfig(checkpoint=tiny_checkpoint[0], batch_size=8),
                   RunConfig(tasks=tuple(TASKS.split(",")), data_dir=data, out=out, progress=False),
                   log=lambda _: None)
    return out


def command(checkpoint, data, out, *extra):
    return [sys.executable, "-m", "pgeval.cli", "run", "--tasks", TASKS, "--checkpoint",
            str(checkpoint), "--data-dir", str(data), "--out", str(out), "--no-auto-distributed",
            *extra]


def start(checkpoint, data, out, processes, *extra, env=None):
    coordinator = f"127.0.0.1:{free_port()}"
    return [subprocess.Popen(command(checkpoint, data, out, *extra, "--num-processes", str(processes),
                                     "--process-id", str(p), "--coordinator", coordinator),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **(env or {})})
            for p in range(processes)]


def finish(procs):
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]
        outs.append(out)
    return outs


def assert_same_results(out, reference):
    for task in TASKS.split(","):
        assert (out / "predictions" / f"{task}.jsonl").read_text() == \
            (reference / "predictions" / f"{task}.jsonl").read_text(), task
    ours, theirs = (json.loads((d / "results.json").read_text()) for d in (out, reference))
    for task in TASKS.split(","):
        assert ours["tasks"][task]["metrics"] == theirs["tasks"][task]["metrics"]
        assert ours["tasks"][task]["n"] == theirs["tasks"][task]["n"]
    assert not list((out / "predictions").glob("*.partial.jsonl"))
    return ours


@pytest.mark.slow
def test_two_processes_write_the_one_process_run(tiny_checkpoint, data, reference, tmp_path):
    out = tmp_path / "two"
    stdout = finish(start(tiny_checkpoint[0], data, out, 2, "--batch-size", "3"))
    assert "run directory:" in stdout[0]
    # (on CPU, Gloo's own connection notice comes first)
    assert [x for x in stdout[1].strip().splitlines() if not x.startswith("[Gloo]")] == [
        "process 1 of 2: decoded its share of vqav2, docvqa; process 0 scores them and writes the "
        "run directory"]
    results = assert_same_results(out, reference)
    runtime = results["runtime"]
    assert runtime["num_processes"] == 2 and runtime["batch_size"] == 3
    assert runtime["mesh_spans_processes"] is False and runtime["jaxlib_version"]
    record = results["tasks"]["vqav2"]
    assert record["prompt"] == "answer en {question}"
    assert set(record["data_sha256"]) == {"v2_OpenEnded_mscoco_val2014_questions.json",
                                          "v2_mscoco_val2014_annotations.json"}


@pytest.mark.slow
def test_a_killed_process_then_the_same_command_gives_the_same_run(tiny_checkpoint, data, reference,
                                                                 tmp_path):
    out = tmp_path / "killed"
    partial = out / "predictions" / "vqav2.partial.jsonl"
    procs = start(tiny_checkpoint[0], data, out, 2, "--batch-size", "1")
    deadline = time.time() + 300
    while time.time() < deadline and not (partial.is_file() and partial.read_text().count("\n") >= 6):
        time.sleep(0.02)
    procs[1].send_signal(signal.SIGKILL)  # one host dies; the scheduler ends the job
    procs[1].wait()
    procs[0].send_signal(signal.SIGKILL)
    procs[0].wait()
    written = partial.read_text().count("\n")
    assert 6 <= written < 41, "the kill should land mid-task"
    assert not (out / "results.json").exists()
    finish(start(tiny_checkpoint[0], data, out, 2, "--batch-size", "1"))
    assert_same_results(out, reference)


@pytest.mark.slow
def test_a_mesh_spanning_both_processes(tiny_checkpoint, data, reference, tmp_path):
    out = tmp_path / "global"
    flags = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    finish(start(tiny_checkpoint[0], data, out, 2, "--mesh", "data=2,model=2", "--batch-size", "4",
                 env=flags))
    finish(start(tiny_checkpoint[0], data, tmp_path / "model4", 2, "--mesh", "model=4", env=flags))
    results = assert_same_results(out, reference)
    assert results["runtime"]["mesh"] == {"data": 2, "model": 2}  # one host per data row
    assert assert_same_results(tmp_path / "model4", reference)["runtime"]["mesh_spans_processes"]


SCRIPT = """
import sys
from pgeval.config import EngineConfig, RunConfig
from pgeval.run.evaluation import run_evaluation
for spec, out in zip(sys.argv[4::2], sys.argv[5::2]):
    run_evaluation(EngineConfig(checkpoint=sys.argv[1], mesh=spec, batch_size=8),
                   RunConfig(tasks=tuple(sys.argv[2].split(",")), data_dir=sys.argv[3], out=out,
                             progress=False), log=lambda _: None)
"""


@pytest.mark.slow
def test_meshes_over_four_devices(tiny_checkpoint, data, reference, tmp_path):
    meshes = {"data=4": tmp_path / "d4", "data=2,model=2": tmp_path / "d2m2"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tiny_checkpoint[0]), TASKS, str(data),
                           *[x for spec, out in meshes.items() for x in (spec, str(out))]],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    for spec, out in meshes.items():
        results = assert_same_results(out, reference)
        assert results["runtime"]["num_devices"] == 4, spec
