"""The synthetic VQAv2 and DocVQA workloads keep their splits' recorded shape, seeded, and
`pgeval bench --workload` runs them through both engines."""

import itertools
import json

import numpy as np
import pytest

from pgeval.bench.workloads import DOCVQA, VQAV2, draw, question_chars, questions_per_image
from tests.helpers import needs_extra, run_cli


@pytest.mark.parametrize("stats", [VQAV2, DOCVQA], ids=lambda s: s.name)
def test_drawn_splits_match_the_recorded_statistics(stats):
    rng = np.random.default_rng(5)
    counts = questions_per_image(stats, stats.images, rng)
    assert counts.min() >= stats.min_per_image
    assert counts.mean() == pytest.approx(stats.questions / stats.images, rel=0.03)
    low, mean, high = stats.question_chars
    chars = question_chars(stats, 50_000, rng)
    assert low <= chars.min() and chars.max() <= high
    assert chars.mean() == pytest.approx(mean, rel=0.02)


def test_vqav2_questions_per_image_spread_like_a_random_sample_of_val():
    """10,000 random val questions span 8,453 images (the dispersion the shape was fitted to)."""
    rng = np.random.default_rng(0)
    images = np.repeat(np.arange(VQAV2.images), questions_per_image(VQAV2, VQAV2.images, rng))
    spanned = len(set(rng.choice(images, 10_000, replace=False)))
    assert spanned == pytest.approx(8_453, rel=0.01)


def test_workloads_are_seeded():
    assert draw(VQAV2, 50, seed=3) == draw(VQAV2, 50, seed=3)
    assert draw(VQAV2, 50, seed=3) != draw(VQAV2, 50, seed=4)
    questions = draw(DOCVQA, 40)
    assert len(questions) == 40 and questions[0].image == 0
    assert all(b.image - a.image in (0, 1) for a, b in itertools.pairwise(questions))


@pytest.mark.parametrize("workload", ["vqav2", "docvqa"])
def test_bench_workload_tiny_json(workload):
    needs_extra("bench", "torch")
    result = run_cli("bench", "--config", "tiny", "--workload", workload, "--examples", "12",
                     "--repeats", "1", "--decode-len", "3", "--json")
    assert result.exit_code == 0
    out = result.stdout.strip().splitlines()
    result = json.loads(out[-1])
    assert result["workload"] == workload and result["examples"] == 12
    assert result["pgeval_ex_per_s"] > 0 and result["hf_ex_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["pgeval_ex_per_s"] / result["hf_ex_per_s"])
    assert result["images"] < 12  # several questions per image
    assert result["encoded_per_example"] < 1  # ... each encoded once per batch
    assert result["pgeval_new_tokens"] == result["hf_new_tokens"]
    assert f"{workload} workload" in out[-2] and "ratio" in out[-2]


def test_bench_workload_refuses_images():
    result = run_cli("bench", "--workload", "vqav2", "--images", "2")
    assert result.exit_code == 2
