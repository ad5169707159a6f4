"""The bundled demo model and `pgeval run --demo`."""

import json

import pytest

from pgeval.config import EngineConfig, RunConfig
from pgeval.demo import bundle
from pgeval.demo.train import STAGES, parse_stages
from pgeval.errors import InputError
from pgeval.model.loading import load_checkpoint
from pgeval.reports.card import write_model_card
from pgeval.run.evaluation import run_evaluation
from pgeval.runs import load_run
from pgeval.tasks import TaskCatalog


def test_bundle_files_and_limits():
    for res in bundle.RESOLUTIONS:
        path = bundle.demo_checkpoint(res)
        assert path.is_file() and path.stat().st_size < 10e6
    total = sum(p.stat().st_size for p in bundle.ASSETS.iterdir())
    assert total < 20e6  # the budget for everything shipped
    record = json.loads((bundle.ASSETS / "training.json").read_text())
    # trained by the default recipe on 2 CPU cores within the hour
    assert [(s["res"], s["planned_steps"], s["mixture"]) for s in record["stages"]] == [
        (st.res, st.steps, st.mixture) for st in parse_stages(STAGES)]
    assert record["stages"][-1]["res"] == 224
    assert all(s["device"] == "2 x cpu" and s["steps"] == s["planned_steps"] for s in record["stages"])
    assert sum(s["minutes"] for s in record["stages"]) <= 60
    with pytest.raises(InputError, match="224 and 448"):
        bundle.demo_checkpoint(300)
    with pytest.raises(InputError, match="no demo data for refcoco"):
        bundle.prepare_demo_data(["vqav2", "refcoco"], bundle.demo_data_dir())


def test_demo_model_is_a_few_million_parameters():
    ckpt = load_checkpoint(bundle.demo_checkpoint(224))
    n = sum(a.size for a in __import__("jax").tree.leaves(ckpt.params))
    assert 2e6 < n < 6e6
    assert ckpt.config.vision.image_size == 224


def test_demo_run_is_labelled_and_reproduces_the_recorded_predictions(tmp_path):
    run = run_evaluation(EngineConfig(res=224),
                         RunConfig(tasks=("vqav2",), demo=True, data_dir=tmp_path / "data",
                                   out=tmp_path / "run", limit=16,
                                   progress=False),
                         log=lambda m: None)
    write_model_card(run, TaskCatalog.load(), ("vqav2",))  # as `pgeval run` does after the run
    assert run.model["demo"] is True and run.model["name"] == "demo_224"
    assert "Demo:" in (run.directory / "model_card.md").read_text()
    recorded = {s.id: s.prediction for s in load_run("reports/demo/224").example_scores("vqav2")}
    ours = run.example_scores("vqav2")
    assert len(ours) == 16
    assert sum(s.prediction == recorded[s.id] for s in ours) >= 15
