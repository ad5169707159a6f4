"""The offline scorer (alt-profanity-check), the file scorer's errors, scorer choices and the
scorer registry's entry points."""

from __future__ import annotations

import json
import sys

import pytest

from pgeval.errors import InputError
from pgeval.toxicity import ATTRIBUTES, PROFANITY, SCORERS, ToxicityScorer, make_scorer
from pgeval.toxicity.file_scores import FileScorer
from pgeval.toxicity.offline import ProfanityCheckScorer
from pgeval.toxicity.perspective import PerspectiveScorer
from tests.helpers import needs_extra


def test_offline_scorer_rates_profanity_only():
    needs_extra("toxicity", "profanity_check")
    scorer = make_scorer("offline")
    texts = ["a woman in a red shirt smiling at the camera", "what the fuck is this shit",
             "a man with a beard"]
    scores = scorer.score(texts)
    assert scores[1][PROFANITY] > 0.8 > scores[0][PROFANITY]
    assert scores[1][PROFANITY] > scores[2][PROFANITY]
    for row in scores:
        assert set(row) == set(ATTRIBUTES)
        assert all(row[a] is None for a in ATTRIBUTES if a != PROFANITY)  # not available, never 0
    assert "PROFANITY only" in scorer.describe() and "alt-profanity-check" in scorer.describe()
    assert ProfanityCheckScorer(batch_size=1).score(texts) == scores


def test_offline_scorer_without_its_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "profanity_check", None)  # makes the import fail
    scorer = make_scorer("offline")  # constructing needs nothing
    with pytest.raises(InputError, match="alt-profanity-check") as e:
        scorer.score(["a dog"])
    assert "pgeval[toxicity]" in str(e.value)


def write_scores(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_file_scorer_looks_scores_up_by_id(tmp_path):
    path = write_scores(tmp_path / "s.jsonl", [
        {"id": "a", "TOXICITY": 0.9, "INSULT": 0.2, "text": "caption a"},
        {"id": 7, "TOXICITY": 0, "INSULT": None},
    ])
    scorer = make_scorer(f"file:{path}")
    assert isinstance(scorer, FileScorer) and scorer.attributes == ("TOXICITY", "INSULT")
    scores = scorer.score(["cap 7", "caption a"], ["7", "a"])
    assert scores[0] == {**dict.fromkeys(ATTRIBUTES), "TOXICITY": 0.0}
    assert scores[1]["TOXICITY"] == 0.9 and scores[1]["THREAT"] is None
    with pytest.raises(InputError, match="made for another caption") as e:
        scorer.score(["cap 7", "a different caption"], ["7", "a"])
    assert f"{path}:1" in str(e.value)


def test_file_scorer_unknown_and_missing_ids(tmp_path):
    path = write_scores(tmp_path / "s.jsonl", [{"id": "a", "TOXICITY": 0.1}, "",
                                               {"id": "zzz", "TOXICITY": 0.1}])
    scorer = FileScorer(path)
    with pytest.raises(InputError, match="not captions of this split") as e:
        scorer.score(["x"], ["a"])
    assert f"{path}:3" in str(e.value) and "'zzz'" in str(e.value)
    short = FileScorer(write_scores(tmp_path / "t.jsonl", [{"id": "a", "TOXICITY": 0.1}]))
    with pytest.raises(InputError, match="2 of 3 captions have no scores") as e:
        short.score(["x", "y", "z"], ["a", "b", "c"])
    assert "t.jsonl" in str(e.value) and "id 'b'" in str(e.value)


@pytest.mark.parametrize("row, message", [
    ({"id": "a", "TOXICITY": 1.5}, "TOXICITY must be a number in"),
    ({"id": "a", "INSULT": "high"}, "INSULT must be a number in"),
    ({"id": "a", "THREAT": True}, "THREAT must be a number in"),
    ({"id": "a", "TOXICTY": 0.1}, r"unknown key\(s\) \['TOXICTY'\]"),
    ({"TOXICITY": 0.1}, "needs an 'id'"),
    ("[1, 2]", "must be a JSON object"),
    ("{not json", "malformed JSON"),
])
def test_file_scorer_bad_lines_name_file_and_line(tmp_path, row, message):
    path = write_scores(tmp_path / "s.jsonl", [{"id": "ok", "TOXICITY": 0.1}, row])
    with pytest.raises(InputError, match=message) as e:
        FileScorer(path)
    assert f"{path}:2" in str(e.value)


def test_file_scorer_duplicate_id_and_missing_file(tmp_path):
    path = write_scores(tmp_path / "s.jsonl", [{"id": "a"}, {"id": "a", "TOXICITY": 0.2}])
    with pytest.raises(InputError, match=r"duplicate id \(first at line 1\)") as e:
        FileScorer(path)
    assert f"{path}:2" in str(e.value)
    with pytest.raises(InputError, match="scores file not found"):
        make_scorer(f"file:{tmp_path / 'nope.jsonl'}")


def test_scorer_choices(tmp_path):
    with pytest.raises(InputError, match="Did you mean 'perspective'"):
        make_scorer("perspectiv")
    with pytest.raises(InputError, match="takes no ':VALUE'"):
        make_scorer("offline:x")
    with pytest.raises(InputError, match="unexpected keyword"):
        make_scorer("offline", {"offline": {"bogus": 1}})
    scorer = make_scorer(f"perspective:{tmp_path / 'c.sqlite'}", {"perspective": {"progress": False},
                                                                   "file": {"ignored": True}})
    assert isinstance(scorer, PerspectiveScorer) and scorer.cache.path == tmp_path / "c.sqlite"
    assert make_scorer(scorer) is scorer
    with pytest.raises(InputError, match="requests_per_second must be > 0"):
        PerspectiveScorer(requests_per_second=0, cache=False)


def test_third_party_scorer_by_entry_point(tmp_path, monkeypatch):
    (tmp_path / "shouty_scorer.py").write_text(
        "from pgeval.toxicity import ToxicityScorer, ATTRIBUTES\n"
        "class Shouty(ToxicityScorer):\n"
        "    attributes = ('TOXICITY',)\n"
        "    def score(self, texts, ids=None):\n"
        "        return [{**dict.fromkeys(ATTRIBUTES), 'TOXICITY': float(t.isupper())} for t in texts]\n")
    dist = tmp_path / "shouty_scorer-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: shouty-scorer\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pgeval.toxicity_scorers]\nshouty = shouty_scorer:Shouty\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(SCORERS, "_plugins_loaded", False)
    monkeypatch.setattr(SCORERS, "_items", dict(SCORERS._items))
    scorer = make_scorer("shouty")
    assert isinstance(scorer, ToxicityScorer)
    assert [s["TOXICITY"] for s in scorer.score(["HEY", "hey"])] == [1.0, 0.0]
    assert "shouty" in SCORERS.names()
