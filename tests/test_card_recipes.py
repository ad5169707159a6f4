"""The recipe around each card's metric, as big_vision computed it: OK-VQA and VizWiz's min(1, n/3)
rule beside the official one, and OCR-VQA's case-sensitive exact match."""

from pathlib import Path

import pytest

from pgeval.data.base import Example
from pgeval.reports.listing import recipes_markdown
from pgeval.tasks import TaskCatalog, get_task

README = Path(__file__).resolve().parents[1] / "README.md"

NUMBER_WORDS = ("2", "2") + ("two",) * 8


@pytest.mark.parametrize("task", ["okvqa", "vizwiz_vqa"])
def test_okvqa_and_vizwiz_default_to_big_vision_rule_and_report_the_official_one(task):
    adapter = get_task(task).make_adapter()
    examples = [Example("q1", NUMBER_WORDS), Example("q2", ("Dog",) * 10)]
    scored = adapter.score(["2", "dog"], examples)
    # big_vision (min3): "2" matches 2 of 10 answers as written, 2/3; "dog" none of "Dog"
    assert scored.per_example == pytest.approx([200 / 3, 0.0])
    assert scored.metrics["accuracy"] == pytest.approx(100 / 3)
    # the VQA script: the answers differ, so they are normalized ("two" -> "2") and all 10
    # match, 100; "Dog" is one answer repeated, left as it is, and "dog" misses it
    assert scored.metrics["accuracy_official"] == pytest.approx(50.0)


def test_empty_human_answers_never_match():
    # VizWiz records can hold empty answers; big_vision drops them before min(1, n/3)
    adapter = get_task("vizwiz_vqa").make_adapter()
    scored = adapter.score([""], [Example("a.jpg", ("", "", "", "unanswerable"))])
    assert scored.metrics["accuracy"] == 0.0


def test_ocrvqa_compares_case_as_big_vision_does():
    # big_vision's OCR-VQA eval (transfers/ocrvqa.py, evaluator transfers/vqa.py with its default
    # to_lower=False) compares the decoded string with the answer exactly
    adapter = get_task("ocrvqa").make_adapter()
    scored = adapter.score(["Harry Potter", "harry potter", "Harry Potter "],
                           [Example(str(i), ("Harry Potter",)) for i in range(3)])
    assert scored.per_example == [100.0, 0.0, 0.0]


def test_the_readme_lists_every_card_recipe_as_the_specs_have_it():
    table = recipes_markdown(TaskCatalog.load())
    assert table in README.read_text()
    assert "| vqav2 | test-std: submit `--split test` | minival |" in table
    assert "| nlvr2 | test → test1 | test → test1 |" in table
