"""The README's "Extending" section works as printed: its task file and its adapter, taken from the
README itself, load, list and score a small JSONL split."""

import json
import re
from pathlib import Path

import pytest
from helpers import cli_output

from pgeval.adapters.base import ADAPTERS
from pgeval.scoring.score import score_file
from pgeval.tasks import TaskCatalog

README = Path(__file__).resolve().parents[1] / "README.md"


def extending_blocks() -> dict[str, str]:
    """The fenced code blocks of the README's Extending section, by language."""
    section = README.read_text().split("\n## Extending\n", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"```(\w+)\n(.*?)```", section, re.S))


@pytest.fixture(scope="module")
def registered() -> None:
    """The README's adapter module, executed once (registration is global)."""
    if "keyword_recall" not in ADAPTERS.names():
        exec(compile(extending_blocks()["python"], "README.md (Extending)", "exec"), {})


def write_split(root: Path) -> None:
    folder = root / "fruit_captions"
    folder.mkdir(parents=True)
    rows = [{"id": "a", "image": "a.jpg", "references": ["apple", "red"]},
            {"id": "b", "image": "b.jpg", "references": ["banana", "ripe", "on"]},
            {"id": "c", "image": "c.jpg", "references": ["kiwi"]}]
    (folder / "val.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_the_readme_task_file_and_adapter_score_a_split(registered, tmp_path):
    tasks = tmp_path / "my_tasks"
    tasks.mkdir()
    (tasks / "fruit_captions.toml").write_text(extending_blocks()["toml"])
    write_split(tmp_path / "data")
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text("".join(json.dumps({"id": i, "prediction": p}) + "\n" for i, p in
                                   [("a", "A red apple"), ("b", "a yellow banana"), ("c", "a pear")]))
    spec = TaskCatalog.load([tasks]).get("fruit_captions")
    result = score_file(spec, predictions, tmp_path / "data")
    # a: apple and red both said (100); b: banana of banana and ripe ("on" is shorter than
    # min_length = 3) (50); c: kiwi not said (0)
    assert result.per_example == [100.0, 50.0, 0.0]
    assert result.metrics == {"recall": 50.0}


def test_the_readme_task_is_listed_with_its_published_number(registered, tmp_path):
    tasks = tmp_path / "my_tasks"
    tasks.mkdir()
    (tasks / "fruit_captions.toml").write_text(extending_blocks()["toml"])
    rows = {r["name"]: r for r in json.loads(cli_output("tasks", "--json", "--tasks-dir", tasks))}
    assert rows["fruit_captions"]["metric"] == "Keyword recall"
    assert "fruit_captions/val.jsonl" in json.dumps(rows["fruit_captions"])
