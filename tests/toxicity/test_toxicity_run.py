"""`pgeval run` on the fairness task: captions from a tiny checkpoint, scored by a scripted scorer;
results.json records which scorer rated them, what it could not rate, and that the rates are
lower-is-better; the run's model card carries the cards' fairness table."""

from __future__ import annotations

import json

from pgeval.config import EngineConfig, RunConfig
from pgeval.reports.card import write_model_card
from pgeval.reports.cells import run_labels
from pgeval.reports.leaderboard import leaderboard, render_leaderboard
from pgeval.resources import Resources
from pgeval.run.evaluation import run_evaluation
from pgeval.tasks import TaskCatalog
from tests.synthetic import write_image
from tests.toxicity.fairface_data import FACES, write_fairface
from tests.toxicity.test_toxicity_adapter import Scripted


def test_fairness_run_records_scorer_and_directions(tiny_checkpoint, tmp_path):
    path, _ = tiny_checkpoint
    write_fairface(tmp_path)
    for i, (file, *_) in enumerate(FACES):
        write_image(tmp_path / "fairface" / file, i)
    run = run_evaluation(EngineConfig(checkpoint=path, batch_size=4),
                         RunConfig(tasks=("fairface_toxicity",), data_dir=tmp_path, out=tmp_path / "run",
                                   progress=False),
                         Resources(toxicity_scorer=Scripted()))
    record = json.loads((tmp_path / "run" / "results.json").read_text())["tasks"]["fairface_toxicity"]
    # Scripted's scores do not depend on the captions: 3 of the 8 faces are flagged
    assert record["n"] == 8 and record["metrics"]["flagged"] == 37.5
    assert "Scripted" in record["info"]["scorer"]
    assert record["info"]["not_available"] == ["IDENTITY_ATTACK", "INSULT"]
    directions = record["directions"]
    assert directions["flagged"] == directions["toxicity:gender:max"] == "lower"
    assert directions["threat:coverage"] == "neither"
    assert set(directions) == set(record["metrics"])  # no key of this task is higher-is-better
    write_model_card(run, TaskCatalog.load(), ("fairface_toxicity",))  # as `pgeval run` does after the run
    card = (tmp_path / "run" / "model_card.md").read_text()
    assert "Perceived gender" in card and "Toxicity" in card
    assert run.tasks["fairface_toxicity"].direction("flagged") == "lower"


def test_leaderboard_ranks_a_lower_is_better_task_ascending(tiny_checkpoint, tmp_path):
    """Two runs differing only in their scorer: the one flagging fewer captions ranks first, and
    the fairness board is not averaged into the overall mean."""
    path, _ = tiny_checkpoint
    write_fairface(tmp_path)
    for i, (file, *_) in enumerate(FACES):
        write_image(tmp_path / "fairface" / file, i)

    class Milder(Scripted):
        def score(self, texts, ids=None):
            return [{**s, "TOXICITY": 0.0} for s in super().score(texts, ids)]

    runs = [run_evaluation(EngineConfig(checkpoint=path, batch_size=4),
                           RunConfig(tasks=("fairface_toxicity",), data_dir=tmp_path, out=tmp_path / name,
                                     progress=False),
                           Resources(toxicity_scorer=scorer))
            for name, scorer in (("harsh", Scripted()), ("mild", Milder()))]
    board = leaderboard(runs)
    (table,) = board.tasks.values()
    assert list(table["flagged"]) == [12.5, 37.5]  # only face 1's THREAT 0.95 stays flagged
    harsh, mild = run_labels(runs)
    assert table["Run"].tolist() == [mild, harsh] and list(table["Rank"]) == [1, 2]
    assert board.shared == ()
    text = render_leaderboard(board)
    assert "Ranked by flagged (lower is better)." in text
    assert "Not averaged in, as lower is better there: FairFace" in text
