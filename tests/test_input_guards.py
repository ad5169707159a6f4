"""Guards that the bad-input table cannot show (it runs the CLI in-process and expects a failing
exit): a SIGTERM while the command starts, progress bars in a log file, PIL's warning for a
large image, log-probabilities that are not numbers, an allocation failure on the device, and
the flag that lets a data file name images outside --data-dir."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time

import pytest
from jax.errors import JaxRuntimeError
from PIL import Image

from pgeval import io
from pgeval.engine.runner import Output
from pgeval.model.images import load_image
from pgeval.run.inference import write_outputs
from tests.helpers import run_cli
from tests.reports.runs_fixture import make_run
from tests.synthetic import docvqa_with_images, write_image, write_jsonl


def test_sigterm_while_the_command_starts_says_nothing_ran():
    start = time.perf_counter()  # how long starting takes on this machine now
    subprocess.run([sys.executable, "-m", "pgeval", "tasks", "--help"], capture_output=True, check=True)
    starting = time.perf_counter() - start
    proc = subprocess.Popen([sys.executable, "-m", "pgeval", "tasks"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(0.6 * starting)  # past the interpreter's start, inside loading the command
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == "interrupted while starting (SIGTERM): nothing was run\n"


def test_a_progress_bar_in_a_log_file_is_a_line_every_few_seconds(capsys, monkeypatch):
    monkeypatch.setattr(io, "LOG_EVERY_S", 0.25)  # the test's "every few seconds"
    start = time.perf_counter()
    with io.progress_bar(total=40, unit="ex") as bar:  # pytest's stderr is not a terminal
        for _ in range(40):
            time.sleep(0.02)
            bar.update(1)
    elapsed = time.perf_counter() - start
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    # the first line, one per 0.25 s, the last (and tqdm's closing copy of it): not one per update
    assert 3 <= len(lines) <= elapsed / 0.25 + 3 < 40, (elapsed, lines)
    assert lines[0].startswith("  0%") and lines[-1].startswith("100%") and "40/40" in lines[-1]


def test_an_image_over_pils_warning_size_decodes_without_the_warning(tiny_checkpoint, tmp_path,
                                                                     monkeypatch, recwarn):
    npz, _ = tiny_checkpoint
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2000)  # a 50x50 image stands for 12000x12000
    Image.new("RGB", (50, 50), (255, 0, 0)).save(tmp_path / "big.png")
    with pytest.warns(Image.DecompressionBombWarning):  # PIL warns, as a library does
        load_image(tmp_path / "big.png", 14)
    requests = write_jsonl(tmp_path / "r.jsonl", [{"id": "a", "image": "big.png", "prefix": "hi"}])
    result = run_cli("infer", "--checkpoint", npz, "--input", requests, "--output",
                     tmp_path / "out.jsonl", "--max-decode-len", "2")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out.jsonl").read_text())["id"] == "a"
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]
    assert "DecompressionBomb" not in result.output


def test_a_nan_metric_is_shown_as_missing(tmp_path):
    """As the gate leaves it uncompared (tests/test_gate.py): a metric the run could not compute."""
    run = make_run(tmp_path / "run", "pt_224", 224, {"vqav2": {"accuracy": 80.0}}).path
    results = run / "results.json"
    results.write_text(results.read_text().replace('"accuracy": 80.0', '"accuracy": NaN'))
    table = run_cli("table", run)
    assert table.exit_code == 0, table.output
    (row,) = [line for line in table.stdout.splitlines() if line.startswith("| VQAv2")]
    assert [c.strip() for c in row.split("|")][1:-1] == ["VQAv2", "Accuracy (val)", "–", "83.19", "–"]


def test_a_logprob_that_is_not_a_number_is_written_as_null(tmp_path):
    path = tmp_path / "out.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        write_outputs([Output("a", "hi", [5, 6, 7], [math.nan, -0.25, -math.inf])], f)

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    row = json.loads(path.read_text(), parse_constant=refuse)
    assert row == {"id": "a", "text": "hi", "tokens": [5, 6, 7], "logprobs": [None, -0.25, None]}


def test_an_allocation_failure_names_the_flag_to_lower(tiny_checkpoint, tmp_path, monkeypatch):
    npz, _ = tiny_checkpoint

    def exhausted(*_args, **_kwargs):
        raise JaxRuntimeError("RESOURCE_EXHAUSTED: Out of memory while trying to allocate "
                              "17179869184 bytes.\nBufferAssignment OOM Debugging.")

    monkeypatch.setattr("pgeval.engine.runner.greedy_generate", exhausted)
    write_image(tmp_path / "img.png", 0)
    requests = write_jsonl(tmp_path / "r.jsonl", [{"id": "a", "image": "img.png", "prefix": "hi"}])
    result = run_cli("infer", "--checkpoint", npz, "--input", requests, "--output",
                     tmp_path / "out.jsonl", "--batch-size", "4", "--max-decode-len", "3")
    assert result.exit_code == 2, result.output
    assert result.stderr.endswith(  # after the progress bar's first line
        "error: the device ran out of memory on a batch of 4 decoding up to 3 tokens "
        "(RESOURCE_EXHAUSTED: Out of memory while trying to allocate 17179869184 bytes.)\n"
        "  hint: lower --batch-size (or --max-decode-len, or use --dtype bfloat16)\n")
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("allowed", [False, True])
def test_images_outside_the_data_dir_are_read_only_with_the_flag(tiny_checkpoint, tmp_path,
                                                                  allowed):
    npz, _ = tiny_checkpoint
    data = tmp_path / "data"
    docvqa_with_images(data, 2)
    write_image(tmp_path / "shared" / "doc.png", 7)
    annotations = data / "docvqa" / "val" / "val_v1.0.json"
    raw = json.loads(annotations.read_text())
    raw["data"][0]["image"] = "../../../shared/doc.png"
    annotations.write_text(json.dumps(raw))
    argv = ["run", "--tasks", "docvqa", "--checkpoint", npz, "--data-dir", data, "--out",
            tmp_path / "run", "--limit", "2", "--batch-size", "2"]
    result = run_cli(*argv, *(["--allow-outside-data-dir"] if allowed else []))
    if allowed:
        assert result.exit_code == 0, result.output
        assert "docvqa (val, n=2)" in result.stdout
    else:
        assert result.exit_code == 2
        assert "the image path 'val/../../../shared/doc.png' leads outside --data-dir" in result.stderr
        assert not (tmp_path / "run").exists()
