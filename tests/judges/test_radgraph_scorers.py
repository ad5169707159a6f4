"""RadGraph scorers: the file scorer, the radgraph package scorer (against a stand-in for the
package: its model cannot be downloaded here), the rule's mean x 100, and the report_generation
adapter with and without a scorer."""

from __future__ import annotations

import json
import math
import os
import sys
import types

import pytest

from pgeval.adapters.captioning import Captioning
from pgeval.adapters.judged import ReportGeneration
from pgeval.data import Example
from pgeval.errors import InputError
from pgeval.judges import RADGRAPH_SCORERS, RadGraphScorer, make_radgraph_scorer
from pgeval.judges.radgraph import FileRadGraph, PackageRadGraph
from pgeval.metrics.radgraph import radgraph_f1
from pgeval.metrics.unit_score import is_unit_score
from pgeval.plugins import ScorerError

REPORTS = ["heart size is normal and the lungs are clear",
           "small left pleural effusion with basilar atelectasis"]
REFERENCES = ["the heart is normal in size, lungs clear", "no pleural effusion"]


def write_lines(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_radgraph_f1_is_the_mean_reward_in_percent():
    # (0.5 + 0 + 0.25) / 3 = 0.25 -> 25
    assert radgraph_f1([0.5, 0.0, 0.25]) == pytest.approx(25.0)
    assert math.isnan(radgraph_f1([]))
    assert is_unit_score(0) and is_unit_score(1.0) and not is_unit_score(True) and not is_unit_score(28.8)
    assert not is_unit_score(float("nan")) and not is_unit_score("0.3")


def test_file_scorer(tmp_path):
    path = write_lines(tmp_path / "s.jsonl", [{"id": "s1", "radgraph_f1": 0.25, "text": REPORTS[1]},
                                              {"id": 0, "radgraph_f1": 1}])
    scorer = make_radgraph_scorer(f"file:{path}")
    assert isinstance(scorer, FileRadGraph)
    assert scorer.score(REPORTS, REFERENCES, ["0", "s1"]) == [1.0, 0.25]
    with pytest.raises(InputError, match="1 of 3 reports have no scores"):
        scorer.score([*REPORTS, "x"], [*REFERENCES, "y"], ["0", "s1", "s2"])
    with pytest.raises(InputError, match="made for another report"):
        scorer.score(REPORTS[::-1], REFERENCES, ["0", "s1"])


@pytest.mark.parametrize("row, message", [
    ({"id": "b", "radgraph_f1": 28.8},
     r"radgraph_f1 must be a number in \[0, 1\] \(the report's F1, not in percent\)"),
    ({"id": "b"}, "radgraph_f1 must be a number"),
    ({"id": "b", "radgraph_f1": 0.2, "f1": 0.2}, r"unknown key\(s\) \['f1'\]"),
])
def test_file_scorer_bad_lines(tmp_path, row, message):
    path = write_lines(tmp_path / "s.jsonl", [{"id": "a", "radgraph_f1": 0.1}, row])
    with pytest.raises(InputError, match=message) as e:
        FileRadGraph(path)
    assert f"{path}:2" in str(e.value)


def model_dir(tmp_path, model_type="radgraph"):
    folder = tmp_path / "models" / model_type
    (folder / "vocabulary").mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "weights.th").write_bytes(b"")
    return tmp_path / "models"


@pytest.fixture
def fake_radgraph(monkeypatch):
    """A stand-in `radgraph` package: F1RadGraph records how it was made and the environment it
    was made in, and rewards each (ref, hyp) pair with a scripted number."""
    made = []

    class F1RadGraph:
        def __init__(self, reward_level, model_type=None, **kwargs):
            made.append({"reward_level": reward_level, "model_type": model_type, **kwargs,
                         "offline": os.environ.get("HF_HUB_OFFLINE")})

        def __call__(self, refs, hyps):
            rewards = [0.5 if "heart" in h else 0.0 for h in hyps]
            return sum(rewards) / len(rewards), rewards, [], []

    monkeypatch.setitem(sys.modules, "radgraph", types.SimpleNamespace(F1RadGraph=F1RadGraph))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return made


def test_package_scorer_runs_the_partial_reward_on_the_model_on_disk(tmp_path, fake_radgraph):
    models = model_dir(tmp_path)
    scorer = make_radgraph_scorer(f"radgraph:{models}", {"radgraph": {"cuda": -1}})
    assert isinstance(scorer, PackageRadGraph) and "reward partial" in scorer.describe()
    assert scorer.score(REPORTS, REFERENCES, ["0", "1"]) == [0.5, 0.0]
    assert fake_radgraph == [{"reward_level": "partial", "model_type": "radgraph",
                              "model_cache_dir": str(models), "tokenizer_cache_dir": None,
                              "batch_size": 1, "cuda": -1, "offline": "1"}]
    assert "HF_HUB_OFFLINE" not in os.environ  # set only while the package loads and runs


def test_package_scorer_needs_its_files_and_package(tmp_path, monkeypatch):
    with pytest.raises(InputError, match=r"RadGraph model 'radgraph': no such folder") as e:
        PackageRadGraph(tmp_path)
    assert "never downloads" in str(e.value)
    models = model_dir(tmp_path, "radgraph-xl")
    (models / "radgraph-xl" / "weights.th").unlink()
    with pytest.raises(InputError, match=r"lacks \['weights.th'\]"):
        PackageRadGraph(models, model_type="radgraph-xl")
    with pytest.raises(InputError, match="reward_level must be one of"):
        PackageRadGraph(models, reward_level="all")
    monkeypatch.setitem(sys.modules, "radgraph", None)  # not installed
    (models / "radgraph-xl" / "weights.th").write_bytes(b"")
    with pytest.raises(InputError, match=r"pgeval\[radgraph\]"):
        PackageRadGraph(models, model_type="radgraph-xl").score(REPORTS, REFERENCES, ["0", "1"])
    assert set(RADGRAPH_SCORERS.names()) >= {"file", "radgraph"}


EXAMPLES = [Example(str(k), (r,)) for k, r in enumerate(REFERENCES)]


class Fixed(RadGraphScorer):
    def __init__(self, rewards):
        self.rewards, self.calls = rewards, 0

    def score(self, reports, references, ids):
        self.calls += 1
        assert list(references) == REFERENCES[:len(reports)]
        return self.rewards[:len(reports)]


def test_report_generation_adds_radgraph_f1_to_the_caption_metrics():
    plain = Captioning(metrics=["cider", "bleu4", "rouge_l"], tokenizer="python").score(REPORTS, EXAMPLES)
    absent = ReportGeneration(metrics=["cider", "bleu4", "rouge_l"], tokenizer="python").score(
        REPORTS, EXAMPLES)
    assert absent.metrics == plain.metrics and absent.per_example == plain.per_example
    assert absent.info == {"radgraph_scorer": "none", "not_available": ["radgraph_f1"]}
    scorer = Fixed([0.3, 0.1])
    adapter = ReportGeneration(metrics=["cider", "bleu4", "rouge_l"], tokenizer="python",
                               radgraph_scorer=scorer)
    with_f1 = adapter.score(REPORTS, EXAMPLES)
    assert with_f1.metrics == {**plain.metrics, "radgraph_f1": pytest.approx(20.0)}  # (0.3 + 0.1) / 2
    adapter.score(REPORTS[:1], EXAMPLES[:1])  # a slice: the rewards are known already
    assert scorer.calls == 1
    with pytest.raises(ScorerError, match=r"gave 3 for report 0; rewards must lie in \[0, 1\]"):
        ReportGeneration(radgraph_scorer=Fixed([3, 0])).score(REPORTS, EXAMPLES)
    with pytest.raises(InputError, match="Did you mean 'radgraph'"):
        ReportGeneration(radgraph="radgrap:/m")


def test_offline_hub_restores_the_environment(monkeypatch):
    import huggingface_hub

    from pgeval.judges.local_models import offline_hub

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    assert not huggingface_hub.is_offline_mode()
    with offline_hub():
        assert huggingface_hub.is_offline_mode()
        assert os.environ["HF_HUB_OFFLINE"] == os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert not huggingface_hub.is_offline_mode()
    assert "HF_HUB_OFFLINE" not in os.environ and os.environ["TRANSFORMERS_OFFLINE"] == "0"
