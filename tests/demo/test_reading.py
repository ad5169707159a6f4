"""What the demo shows: the recorded demo runs (reports/demo/, gated in CI) read the forms at
448 px and not at 224 px, far above the most-common-answer baseline."""

import pytest

from pgeval.demo import bundle
from pgeval.demo.baseline import most_common_answer_score, most_common_answers
from pgeval.runs import load_run
from pgeval.tasks import TaskCatalog


def test_most_common_answers_by_hand():
    pairs = [("how many?", "7"), ("how many?", "3"), ("how many?", "3"), ("is it?", "no"),
             ("is it?", "yes"), ("how many?", "7"), ("how many?", "3")]
    # "how many?": 3 three times, 7 twice; "is it?": a tie, the first seen wins; a prompt
    # never seen gets the most common answer of all ("3", four of seven)
    assert most_common_answers(pairs, ["how many?", "is it?", "what?"]) == ["3", "no", "3"]
    assert most_common_answers([], ["q"]) == [""]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo-data")
    bundle.prepare_demo_data(["vqav2", "docvqa"], data_dir)
    catalog = TaskCatalog.load()
    return {t: most_common_answer_score(t, data_dir, catalog) for t in ("vqav2", "docvqa")}


def _recorded(res: int, task: str) -> float:
    record = load_run(f"reports/demo/{res}").tasks[task]
    return record.metrics[record.primary]


def test_the_recorded_demo_reads_at_448_and_not_at_224(baseline):
    at_448, at_224 = _recorded(448, "docvqa"), _recorded(224, "docvqa")
    print(f"DocVQA ANLS: 448 px {at_448:.2f}, 224 px {at_224:.2f}, "
          f"most-common-answer baseline {baseline['docvqa']:.2f}")
    assert at_448 >= at_224 + 15
    assert at_448 >= baseline["docvqa"] + 20
