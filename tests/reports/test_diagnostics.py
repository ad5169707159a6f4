"""Each diagnostic fires on a run made to trigger it, says how many examples and which, and stays
silent on the recorded demo runs."""

from pgeval.cli.report import echo_findings
from pgeval.data import Example
from pgeval.reports.diagnostics import diagnose_task, normalize
from pgeval.reports.html import run_findings
from pgeval.run.review import RunInputs, token_counter
from pgeval.runs import load_run
from pgeval.tasks import TaskCatalog
from tests.reports.conftest import DEMO_RUNS
from tests.reports.hand_runs import TASKS, hand_run

VQA = TASKS["vqav2"]


def kinds(findings):
    return {f.kind: f for f in findings}


def test_empty_outputs_are_counted_with_their_ids(tmp_path):
    run = hand_run(tmp_path, "vqav2", [("1", "", 0.0), ("2", "  ", 0.0), ("3", "yes", 100.0)])
    (empty,) = diagnose_task(run, "vqav2", VQA)
    assert (empty.kind, empty.count, empty.total, empty.ids) == ("empty", 2, 3, ("1", "2"))
    assert empty.text().startswith("vqav2: 2 of 3 examples: the model answered nothing")


def test_outputs_as_long_as_the_decode_length_are_cut_off(tmp_path):
    long = " ".join(str(k) for k in range(40))
    run = hand_run(tmp_path, "vqav2", [("1", long, 0.0), ("2", "yes", 100.0)],
                   name="demo_224", demo=True)
    count = token_counter(run)  # the demo's SentencePiece model
    assert count(long) >= VQA.max_decode_len > count("yes")
    (cut,) = diagnose_task(run, "vqav2", VQA, count_tokens=count)
    assert (cut.kind, cut.count, cut.ids) == ("truncated", 1, ("1",))
    assert "32 tokens long" in cut.what


def test_a_prompt_other_than_the_cards_recipe_names_the_checkpoint_kind(tmp_path):
    for name, kind in (("paligemma-3b-pt-224", "pt"), ("paligemma-3b-mix-224", "mix"),
                       ("paligemma-3b-ft-vqav2-224", "ft")):
        run = hand_run(tmp_path / name, "vqav2", [("1", "yes", 100.0)], name=name, prompt="{question}")
        (found,) = diagnose_task(run, "vqav2", VQA)
        assert found.kind == "prompt"
        assert f"the card's {kind} checkpoints were scored with 'answer en {{question}}'" in found.what
    same = hand_run(tmp_path / "same", "vqav2", [("1", "yes", 100.0)])
    assert diagnose_task(same, "vqav2", VQA) == []


def test_a_resolution_other_than_the_checkpoints(tmp_path):
    run = hand_run(tmp_path, "vqav2", [("1", "yes", 100.0)], name="paligemma-3b-pt-224", res=448)
    (found,) = diagnose_task(run, "vqav2", VQA)
    assert found.kind == "resolution"
    assert found.hint == "Run with --res 224, or use the 448 px checkpoint."


def test_a_split_other_than_the_cards(tmp_path):
    # The PaliGemma 2 card's VQAv2 numbers are on minival; the PaliGemma card's test-std number
    # is compared with val, pgeval's nearest split.
    pg2 = hand_run(tmp_path / "pg2", "vqav2", [("1", "yes", 100.0)], name="paligemma2-3b-pt-224",
                   family="paligemma2")
    (found,) = diagnose_task(pg2, "vqav2", VQA)
    assert found.kind == "split"
    assert found.what == "the run is on 'val', the paligemma2 card's number on 'minival'"
    assert found.hint.endswith("--split vqav2=minival.")
    on_minival = hand_run(tmp_path / "mini", "vqav2", [("1", "yes", 100.0)],
                          name="paligemma2-3b-pt-224", family="paligemma2", split="minival")
    assert diagnose_task(on_minival, "vqav2", VQA) == []
    pg1 = hand_run(tmp_path / "pg1", "vqav2", [("1", "yes", 100.0)])
    assert diagnose_task(pg1, "vqav2", VQA) == []


def test_wrong_answers_right_after_case_and_whitespace_normalization(tmp_path):
    lines = [("1", "Yes", 0.0), ("2", " two  dogs", 0.0), ("3", "no", 0.0), ("4", "yes", 100.0)]
    run = hand_run(tmp_path, "vqav2", lines)
    examples = [Example("1", ("yes",) * 10), Example("2", ("two dogs",) * 3 + ("2",) * 7),
                Example("3", ("yes",) * 10), Example("4", ("yes",) * 10)]
    (found,) = diagnose_task(run, "vqav2", VQA, examples=examples)
    assert (found.kind, found.count, found.total, found.ids) == ("normalization", 2, 4, ("1", "2"))
    assert normalize("  Two\tDOGS ") == "two dogs"


def test_silent_on_the_recorded_demo_runs(demo_data):
    runs = [load_run(p) for p in DEMO_RUNS]
    assert all(token_counter(run) is not None for run in runs)
    assert run_findings(runs, TaskCatalog.load().specs, RunInputs()) == []


def test_pgeval_run_prints_what_fired(tmp_path, capsys, demo_data):
    run = hand_run(tmp_path, "vqav2", [("1", "", 0.0)], res=448)
    echo_findings([run], TaskCatalog.load(), data_dir=str(tmp_path / "no-data"))
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["", "diagnostics (the usual causes of a gap to the card):"]
    assert out[2].startswith("- vqav2: 1 of 1 examples: the model answered nothing (its first token "
                             "was the end of the text) (e.g. ids 1). A prompt")
    assert out[3] == ("- vqav2: the checkpoint paligemma-3b-pt-224 is made for 224 px but ran at "
                      "448 px. Run with --res 224, or use the 448 px checkpoint.")
    assert len(out) == 4
    echo_findings([load_run(p) for p in DEMO_RUNS], TaskCatalog.load())
    assert capsys.readouterr().out == ""
