"""Plots: PNG files that open, at the sizes asked for, one per task and one per run."""

import numpy as np
import pytest
from PIL import Image

from pgeval.errors import InputError
from pgeval.reports.plots import DPI, RESOLUTION_SIZE, plot_runs, published_size
from tests.helpers import run_cli
from tests.reports.runs_fixture import DEMO, PT224, PT448, TASKS, make_run

RESOLUTION_PX = (round(RESOLUTION_SIZE[0] * DPI), round(RESOLUTION_SIZE[1] * DPI))


def opened(path):
    assert path.stat().st_size > 1000
    with Image.open(path) as im:
        im.load()
        return im.format, im.size, np.asarray(im.convert("L"))


@pytest.fixture
def pair(tmp_path):
    return [make_run(tmp_path / "runs" / "pt_224", "pt_224", 224, PT224),
            make_run(tmp_path / "runs" / "pt_448", "pt_448", 448, PT448)]


def test_a_224_448_pair_gives_one_plot_per_task_and_one_per_run(pair, tmp_path):
    out = tmp_path / "plots" / "nested"
    paths = plot_runs(pair, out, "paligemma", TASKS)
    assert [p.name for p in paths] == [
        "resolution_coco_captions.png", "resolution_vqav2.png", "resolution_pope.png",
        "resolution_chartqa.png", "resolution_tallyqa.png", "published_pt_224.png",
        "published_pt_448.png"]
    assert sorted(out.iterdir()) == sorted(paths)
    for path in paths[:5]:
        fmt, size, pixels = opened(path)
        assert (fmt, size) == ("PNG", RESOLUTION_PX)
        assert pixels.min() < 100 and pixels.max() > 200  # something is drawn on a light background
    # pt_224 has five tasks with a card number, pt_448 four (no TallyQA).
    assert opened(paths[5])[:2] == ("PNG", (round(published_size(5)[0] * DPI), 480))
    assert opened(paths[6])[:2] == ("PNG", (round(published_size(4)[0] * DPI), 480))


def test_plots_differ_with_the_numbers(pair, tmp_path):
    first = plot_runs(pair, tmp_path / "a", "paligemma", TASKS)
    worse = {**PT448, "vqav2": {"accuracy": 60.0}}
    other = [pair[0], make_run(tmp_path / "runs" / "x", "pt_448", 448, worse)]
    second = plot_runs(other, tmp_path / "b", "paligemma", TASKS)
    same = {p.name: opened(p)[2] for p in first}
    changed = {p.name: opened(p)[2] for p in second}
    assert not np.array_equal(same["resolution_vqav2.png"], changed["resolution_vqav2.png"])
    assert np.array_equal(same["resolution_pope.png"], changed["resolution_pope.png"])


def test_no_reference_no_comparison_charts_and_demo_runs_are_plotted(pair, tmp_path):
    demo = make_run(tmp_path / "runs" / "demo", "tiny_56", 224, DEMO, size=None, demo=True)
    paths = plot_runs([*pair, demo], tmp_path / "none", "none", TASKS)
    assert not any(p.name.startswith("published_") for p in paths)
    assert len(paths) == 5
    paths = plot_runs([*pair, demo], tmp_path / "pg", "paligemma", TASKS)
    assert "published_demo_tiny_56_224.png" in [p.name for p in paths]
    # PaliGemma 2 numbers: ChartQA compares its human split, the first value of that card's cell.
    paths = plot_runs([pair[0]], tmp_path / "pg2", "paligemma2", TASKS)
    assert [p.name for p in paths if p.name.startswith("published_")] == ["published_pt_224.png"]


def test_bad_output_folder(pair, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="folder"):
        plot_runs(pair, tmp_path / "file", "paligemma", TASKS)
    with pytest.raises(InputError, match="reference"):
        plot_runs(pair, tmp_path / "p", "pg1", TASKS)


def test_plot_command(pair, tmp_path):
    out = tmp_path / "cli"
    result = run_cli("plot", *(r.path for r in pair), "--out", out)
    assert result.exit_code == 0, result.output
    printed = result.output.split()
    assert len(printed) == 7 and all(p.endswith(".png") for p in printed)
    assert sorted(printed) == sorted(str(p) for p in out.iterdir())
    result = run_cli("plot", str(pair[0].path))
    assert result.exit_code == 2 and "--out" in result.output
