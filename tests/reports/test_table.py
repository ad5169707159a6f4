"""Model-card tables: the cards' layout, our numbers, the card's numbers, the differences."""

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from pgeval.cli.reports import table_command
from pgeval.errors import InputError
from pgeval.reports.cells import run_labels
from pgeval.reports.fairness import published_metrics
from pgeval.reports.table import model_card_table, render, tables_text
from pgeval.tasks import get_task
from tests.helpers import cli_output, run_cli
from tests.reports.runs_fixture import PT224, TASKS, make_run, three_runs


def md_rows(text: str) -> dict[str, list[str]]:
    """Markdown table rows by their first cell (header row under "header")."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    rows = {}
    for i, line in enumerate(lines):
        if i == 1:
            continue  # the |:---| rule
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows["header" if i == 0 else cells[0]] = cells
    return rows


def cell(rows: dict[str, list[str]], benchmark: str, column: str) -> str:
    return rows[benchmark][rows["header"].index(column)]


@pytest.fixture
def runs(tmp_path):
    return three_runs(tmp_path)


def test_exact_markdown_of_a_small_table(tmp_path):
    run = make_run(tmp_path / "r", "pt_224", 224, {k: PT224[k] for k in ("pope", "vqav2", "coco_captions")},
                   splits={"coco_captions": "karpathy_val"})
    text = render(model_card_table([run], "paligemma", TASKS), "md")
    assert text == (
        "| Benchmark              | Metric (split)                                   | pt_224            "
        "| pt_224: published       | pt_224: Δ         |\n"
        "|:-----------------------|:-------------------------------------------------|:------------------"
        "|:------------------------|:------------------|\n"
        "| **Captioning**         |                                                  |                   "
        "|                         |                   |\n"
        "| COCO captions          | CIDEr (karpathy_val)                             | 140.00            "
        "| 141.92                  | −1.92             |\n"
        "| **Question answering** |                                                  |                   "
        "|                         |                   |\n"
        "| VQAv2                  | Accuracy (val)                                   | 80.00             "
        "| 83.19 (val vs test-std) | −3.19             |\n"
        "| POPE                   | Accuracy (random / popular / adversarial) (test) | 88.00/86.50/85.00 "
        "| 87.80/85.87/84.27       | +0.20/+0.63/+0.73 |\n")


def test_families_in_card_order_and_rows_in_card_order(runs):
    text = render(model_card_table(runs, "paligemma", TASKS), "md")
    firsts = [line.split("|")[1].strip() for line in text.splitlines()[2:]]
    assert firsts == ["**Captioning**", "COCO captions", "**Question answering**", "VQAv2", "POPE",
                      "ChartQA", "TallyQA"]


def test_paligemma_reference_cells_published_and_deltas(runs):
    rows = md_rows(render(model_card_table(runs, "paligemma", TASKS), "md"))
    assert rows["header"][:3] == ["Benchmark", "Metric (split)", "pt_224"]
    assert cell(rows, "POPE", "pt_224") == "88.00/86.50/85.00"
    assert cell(rows, "POPE", "pt_224: published") == "87.80/85.87/84.27"
    assert cell(rows, "POPE", "pt_224: Δ") == "+0.20/+0.63/+0.73"
    assert cell(rows, "POPE", "pt_448") == "88.00/87.00/86.00"
    assert cell(rows, "POPE", "pt_448: published") == "88.23/86.77/85.90"
    assert cell(rows, "POPE", "pt_448: Δ") == "−0.23/+0.23/+0.10"
    assert cell(rows, "TallyQA", "Metric (split)") == "Accuracy (test_simple / test_complex) (test)"
    assert cell(rows, "TallyQA", "pt_224") == "80.00/70.00"
    assert cell(rows, "TallyQA", "pt_224: Δ") == "−1.72/+0.44"
    # pt_448 has no TallyQA: ours and Δ are missing, the card's number is still shown.
    assert cell(rows, "TallyQA", "pt_448") == "–"
    assert cell(rows, "TallyQA", "pt_448: published") == "84.86/72.27"
    assert cell(rows, "TallyQA", "pt_448: Δ") == "–"
    # The PaliGemma card prints ChartQA's mean of human and augmented only.
    assert cell(rows, "ChartQA", "pt_448") == "70.00"
    assert cell(rows, "ChartQA", "pt_448: published") == "71.36"
    assert cell(rows, "COCO captions", "pt_448: Δ") == "+0.40"


def test_demo_runs_are_labelled_and_partial_cells_keep_their_slots(runs):
    rows = md_rows(render(model_card_table(runs, "paligemma", TASKS), "md"))
    assert "demo tiny_56 @224" in rows["header"]
    assert cell(rows, "POPE", "demo tiny_56 @224") == "50.00/–/–"
    assert cell(rows, "POPE", "demo tiny_56 @224: Δ") == "−37.80/–/–"
    assert cell(rows, "COCO captions", "demo tiny_56 @224") == "–"


def test_paligemma2_reference_uses_its_card_layout(runs):
    rows = md_rows(render(model_card_table(runs, "paligemma2", TASKS), "md"))
    # ChartQA on the PaliGemma 2 card: human then augmented (the spec's key order).
    assert cell(rows, "ChartQA", "pt_224") == "40.00/70.00"
    assert cell(rows, "ChartQA", "pt_224: published") == "42.0/74.4"
    assert cell(rows, "ChartQA", "pt_224: Δ") == "−2.00/−4.40"
    assert cell(rows, "ChartQA", "pt_448: published") == "54.0/89.2"
    assert cell(rows, "ChartQA", "Metric (split)") == "Mean relaxed accuracy (test_human, test_aug) (test)"
    # POPE is not on the PaliGemma 2 card: the primary metric alone, nothing published.
    assert cell(rows, "POPE", "pt_224") == "88.00"
    assert cell(rows, "POPE", "pt_224: published") == "–"
    assert cell(rows, "VQAv2", "pt_224: published") == "83.0 (val vs minival)"
    assert cell(rows, "VQAv2", "pt_224: Δ") == "−3.00"


def test_no_reference_shows_only_our_primary_values(runs):
    df = model_card_table(runs, "none", TASKS)
    assert list(df.columns) == ["Family", "Benchmark", "Metric (split)", "pt_224", "pt_448",
                                "demo tiny_56 @224"]
    pope = df[df["Benchmark"] == "POPE"].iloc[0]
    assert pope["pt_224"] == "88.00"
    assert pope["Metric (split)"] == "Accuracy (random / popular / adversarial) (test)"
    tally = df[df["Benchmark"] == "TallyQA"].iloc[0]
    assert tally["pt_224"] == "80.00"


def test_card_precision_split_items_model_size_and_resolution(tmp_path):
    a = make_run(tmp_path / "a", "pt_224", 224, {
        "coco35l": {"cider:en": 140.0, "cider:mean_excluding_en": 116.0, "cider": 117.0},
        "scicap": {"cider": 160.0, "bleu4": 0.2},
        "rsvqa_hr": {"accuracy": 92.0}})
    b = make_run(tmp_path / "b", "pt_224", 224, {"rsvqa_hr": {"accuracy": 90.0}},
                 splits={"rsvqa_hr": "test2"})
    c = make_run(tmp_path / "c", "pg2_10b_224", 224, {"vqav2": {"accuracy": 85.0}},
                 family="paligemma2", size="10b")
    d = make_run(tmp_path / "d", "pt_896", 896, {"vqav2": {"accuracy": 80.0}, "docvqa": {"anls": 85.0},
                                                 "countbenchqa": {"accuracy": 80.0}})
    rows = md_rows(render(model_card_table([a, b, c, d], "paligemma", TASKS), "md"))
    assert cell(rows, "COCO-35L", "pt_224 [a]: published") == "139.2/115.8/116.4"
    assert cell(rows, "COCO-35L", "pt_224 [a]: Δ") == "+0.80/+0.20/+0.60"
    assert cell(rows, "SciCap", "pt_224 [a]") == "160.00/0.20"
    assert cell(rows, "SciCap", "pt_224 [a]: published") == "162.25/0.192"
    assert cell(rows, "RSVQA-HR", "Metric (split)") == "Mean accuracy (test / test2) (test/test2)"
    assert cell(rows, "RSVQA-HR", "pt_224 [a]") == "92.00/–"
    assert cell(rows, "RSVQA-HR", "pt_224 [b]") == "–/90.00"
    assert cell(rows, "RSVQA-HR", "pt_224 [b]: published") == "92.61/90.58"
    assert cell(rows, "RSVQA-HR", "pt_224 [b]: Δ") == "–/−0.58"
    # A PaliGemma 2 10B run against the PaliGemma card: no such model there.
    assert cell(rows, "VQAv2", "pg2_10b_224: published") == "–"
    # 896 px: the card has DocVQA there but not VQAv2; CountBenchQA is not on this card at all.
    assert cell(rows, "VQAv2", "pt_896: published") == "–"
    assert cell(rows, "DocVQA", "pt_896: published") == "84.77 (val vs test server)"
    assert cell(rows, "DocVQA", "pt_896: Δ") == "+0.23"
    assert cell(rows, "CountBenchQA", "pt_896") == "80.00"
    assert cell(rows, "CountBenchQA", "pt_896: published") == "–"
    rows2 = md_rows(render(model_card_table([c], "paligemma2", TASKS), "md"))
    assert cell(rows2, "VQAv2", "pg2_10b_224: published") == "84.3 (val vs minival)"
    assert cell(rows2, "VQAv2", "pg2_10b_224: Δ") == "+0.70"


def test_a_task_no_spec_defines_is_listed_from_the_run(tmp_path):
    run = make_run(tmp_path / "r", "pt_224", 224,
                   {"vqav2": {"accuracy": 80.0}, "textvqa": {"accuracy": 50.0}})
    known = {k: v for k, v in TASKS.items() if k != "textvqa"}
    rows = md_rows(render(model_card_table([run], "paligemma", known), "md"))
    assert cell(rows, "TextVQA", "pt_224") == "50.00"
    assert cell(rows, "TextVQA", "pt_224: published") == "–"


def test_csv_html_latex(runs):
    df = model_card_table(runs[:2], "paligemma", TASKS)
    back = pd.read_csv(io.StringIO(render(df, "csv")), dtype=str, keep_default_na=False)
    assert list(back["Family"]) == ["Captioning"] + ["Question answering"] * 4
    assert back.set_index("Benchmark").loc["POPE", "pt_224: published"] == "87.80/85.87/84.27"
    html = render(df, "html")
    assert html.index("<strong>Captioning</strong>") < html.index("<strong>Question answering</strong>")
    assert "<td>88.00/86.50/85.00</td>" in html and "<td>−0.23/+0.23/+0.10</td>" in html
    latex = render(df, "latex")
    assert latex.startswith("\\begin{tabular}")
    assert "pt\\_224: $\\Delta$" in latex
    assert "POPE & Accuracy (random / popular / adversarial) (test) & 88.00/86.50/85.00 & " \
           "87.80/85.87/84.27 & +0.20/+0.63/+0.73 & 88.00/87.00/86.00" in latex
    assert "& -- & 84.86/72.27 & -- \\\\" in latex  # pt_448's missing TallyQA


def test_bad_input(runs):
    with pytest.raises(InputError, match="reference"):
        model_card_table(runs, "paligemma3", TASKS)
    with pytest.raises(InputError, match="no runs"):
        model_card_table([], "paligemma", TASKS)
    with pytest.raises(InputError, match="format"):
        render(model_card_table(runs, "none", TASKS), "xlsx")


def test_table_command(runs, tmp_path):
    dirs = [str(r.path) for r in runs]
    result = run_cli("table", *dirs)
    assert result.exit_code == 0, result.output
    assert result.output == render(model_card_table(runs, "paligemma", TASKS), "md")
    out = tmp_path / "out" / "table.csv"
    results_json = str(runs[0].path / "results.json")
    result = run_cli("table", results_json, "--format", "csv", "--reference", "paligemma2",
                                                "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text() == render(model_card_table(runs[:1], "paligemma2", TASKS), "csv")
    assert "42.0/74.4" in out.read_text()
    result = CliRunner().invoke(table_command, [str(tmp_path / "nowhere")])
    assert isinstance(result.exception, InputError)
    assert result.exception.exit_code == 2
    result = run_cli("table", dirs[0], "--reference", "paligemma3")
    assert result.exit_code == 2 and "paligemma3" in result.output


def card_fairness(card: str = "paligemma") -> dict[str, float]:
    """A fairface_toxicity metrics dict holding exactly the card's numbers for 3b-pt at 224."""
    return {"flagged": 0.1, **published_metrics(get_task("fairface_toxicity"), card, "3b-pt", 224)}


def test_fairness_tasks_get_the_cards_own_table(tmp_path):
    from pgeval.reports.table import fairness_sections

    run = make_run(tmp_path / "fair", "pt_224", 224,
                   {"fairface_toxicity": card_fairness(), "vqav2": {"accuracy": 80.0}})
    table = render(model_card_table([run], "paligemma"), "md")
    assert "FairFace" not in table and "VQAv2" in table  # not crammed into one cell
    section = fairness_sections([run])
    assert section.startswith("FairFace toxicity, pt_224")
    # the PaliGemma 1 card's Toxicity row: 0.04% 0.03% 0.08% 0.00% 0.09% 0.00%
    toxicity_row = next(line for line in section.splitlines() if line.startswith("| Toxicity"))
    assert [c.strip() for c in toxicity_row.strip("|").split("|")][1:] == \
        ["0.04%", "0.03%", "0.08%", "0.00%", "0.09%", "0.00%"]


def test_csv_carries_the_fairness_rows_after_the_benchmarks(tmp_path):
    # pt_224's scorer rated no caption for profanity: those keys are absent ("not available").
    fair = {k: v for k, v in card_fairness().items() if not k.startswith("profanity:")}
    a = make_run(tmp_path / "a", "pt_224", 224, {"fairface_toxicity": fair, "vqav2": {"accuracy": 80.0}})
    b = make_run(tmp_path / "b", "pt_448", 448, {"vqav2": {"accuracy": 85.0}})
    text = cli_output("table", str(a.path), str(b.path), "--format", "csv")
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(df["Family"]) == ["Question answering"] + ["Fairness"] * 30
    fairness = df[df["Family"] == "Fairness"].set_index("Metric (split)")
    assert set(fairness["Benchmark"]) == {"FairFace toxicity"}
    assert list(fairness.index[:3]) == ["Toxicity: Perceived gender, Maximum (val)",
                                        "Toxicity: Perceived gender, Median (val)",
                                        "Toxicity: Ethnicity, Maximum (val)"]
    row = fairness.loc["Threat: Age group, Maximum (val)"]
    assert list(row.iloc[2:]) == ["0.17%", "0.17%", "+0.00", "–", "–", "–"]  # no card number at 448
    assert list(fairness.loc["Profanity: Ethnicity, Median (val)"].iloc[2:5]) == ["n/a", "0.00%", "–"]
    # a run with the fairness task only is no longer a bare header
    only = make_run(tmp_path / "only", "pt_224", 224, {"fairface_toxicity": card_fairness()})
    df = pd.read_csv(io.StringIO(cli_output("table", str(only.path), "--format", "csv")), dtype=str)
    assert len(df) == 30 and set(df["Family"]) == {"Fairness"}
    assert df.set_index("Metric (split)").loc["Insult: Age group, Maximum (val)", "pt_224"] == "0.16%"


def test_fairness_only_runs_print_the_fairness_table_alone(tmp_path):
    only = make_run(tmp_path / "only", "pt_224", 224, {"fairface_toxicity": card_fairness()})
    md = cli_output("table", str(only.path))
    assert md.startswith("FairFace toxicity, pt_224\n\n| Metric | Perceived gender |")
    assert "Benchmark" not in md
    html = cli_output("table", str(only.path), "--format", "html")
    assert html.startswith("FairFace toxicity, pt_224\n\n<table>") and html.count("<table") == 1
    latex = cli_output("table", str(only.path), "--format", "latex")
    assert latex.count("\\begin{tabular}") == 1 and "Benchmark" not in latex
    both = make_run(tmp_path / "both", "pt_224", 224,
                    {"fairface_toxicity": card_fairness(), "vqav2": {"accuracy": 80.0}})
    md = cli_output("table", str(both.path))
    assert md.startswith("| Benchmark") and md.index("VQAv2") < md.index("FairFace toxicity, pt_224")


def test_the_reference_defaults_to_the_runs_card(tmp_path):
    a = make_run(tmp_path / "a", "pg2_224", 224, {"vqav2": {"accuracy": 85.0}}, family="paligemma2")
    b = make_run(tmp_path / "b", "pg2_448", 448, {"vqav2": {"accuracy": 86.0}}, family="paligemma2")
    c = make_run(tmp_path / "c", "pt_224", 224, {"vqav2": {"accuracy": 80.0}})
    pg2 = md_rows(render(model_card_table([a, b], tasks=TASKS), "md"))
    assert cell(pg2, "VQAv2", "pg2_224: published") == "83.0 (val vs minival)"  # the PaliGemma 2 card
    assert cell(pg2, "VQAv2", "pg2_448: published") == "84.8 (val vs minival)"
    assert cell(pg2, "VQAv2", "pg2_448: Δ") == "+1.20"
    mixed = md_rows(render(model_card_table([a, c], tasks=TASKS), "md"))
    assert cell(mixed, "VQAv2", "pg2_224: published") == "83.19 (val vs test-std)"  # the PaliGemma card
    assert cell(mixed, "VQAv2", "pt_224: published") == "83.19 (val vs test-std)"
    dirs = [str(a.path), str(b.path)]
    assert cli_output("table", *dirs) == render(model_card_table([a, b], "paligemma2", TASKS), "md")
    assert cli_output("table", *dirs, "--reference", "paligemma") == \
        render(model_card_table([a, b], "paligemma", TASKS), "md")
    assert "83.19" in cli_output("table", *dirs, "--reference", "paligemma", "--format", "csv")
    fair = make_run(tmp_path / "f", "pg2_224", 224, {"fairface_toxicity": card_fairness("paligemma2")},
                    family="paligemma2")
    csv = pd.read_csv(io.StringIO(cli_output("table", str(fair.path), "--format", "csv")), dtype=str)
    assert set(csv["pg2_224: Δ"]) == {"+0.00"}  # its own card's numbers, row for row


def test_labels_name_model_and_resolution_once(tmp_path):
    named = [("paligemma-3b-pt-224", 224, False), ("paligemma-3b-pt-224", 448, False),
             ("paligemma2-3b-pt-448.b16", 448, False), ("my_ckpt", 896, False), ("ckpt_10000", 224, False),
             ("demo_448", 448, True), ("paligemma-3b-pt-224", 224, False)]
    runs = [make_run(tmp_path / str(i), name, res, {"vqav2": {"accuracy": 80.0}}, demo=demo)
            for i, (name, res, demo) in enumerate(named)]
    # the first and the last share model and resolution: their run directories tell them apart
    assert run_labels(runs) == ["paligemma-3b-pt-224 [0]", "paligemma-3b-pt-224 @448",
                                "paligemma2-3b-pt-448.b16", "my_ckpt @896", "ckpt_10000 @224",
                                "demo_448", "paligemma-3b-pt-224 [6]"]
    assert run_labels([runs[0], runs[0]]) == ["paligemma-3b-pt-224", "paligemma-3b-pt-224 (2)"]
    other = make_run(tmp_path / "x" / "0", "paligemma-3b-pt-224", 224, {"vqav2": {"accuracy": 1.0}})
    assert run_labels([runs[0], other]) == ["paligemma-3b-pt-224 [" + str(tmp_path.name) + "/0]",
                                            "paligemma-3b-pt-224 [x/0]"]
    df = model_card_table(runs[:2], "paligemma", TASKS)
    assert df.iloc[0]["paligemma-3b-pt-224 @448: published"] == "85.64 (val vs test-std)"  # the 448 number


def test_a_mix_checkpoint_is_compared_with_the_cards_mix_numbers(tmp_path):
    mmvp = {"paired_accuracy": 40.0, "accuracy": 60.0}
    mix = make_run(tmp_path / "mix", "paligemma-3b-mix-224", 224, {"mmvp": mmvp})
    rows = md_rows(render(model_card_table([mix], "paligemma", TASKS), "md"))
    label = "paligemma-3b-mix-224"
    # the card's MMVP row is a mix row: 46.00 at 224 px
    assert cell(rows, "MMVP", f"{label}: published") == "46.00"
    assert cell(rows, "MMVP", f"{label}: Δ") == "−6.00"


def test_table_kind_flag_overrides_the_name(tmp_path):
    make_run(tmp_path / "ft", "my-finetune-224", 224, {"mmvp": {"paired_accuracy": 40.0}})
    plain = run_cli("table", str(tmp_path / "ft"))
    mixed = run_cli("table", str(tmp_path / "ft"), "--kind", "mix")
    assert mixed.exit_code == 0, mixed.output
    assert cell(md_rows(plain.output), "MMVP", "my-finetune-224: published") == "47.33"
    assert cell(md_rows(mixed.output), "MMVP", "my-finetune-224: published") == "46.00"


def test_a_split_mismatch_is_marked_in_the_card_cell(tmp_path):
    run = make_run(tmp_path / "r", "pt_224", 224, {"vqav2": PT224["vqav2"], "pope": PT224["pope"]})
    rows = md_rows(render(model_card_table([run], "paligemma", TASKS), "md"))
    # VQAv2's card number is test-std, the run is val; POPE's run and card are both test
    assert cell(rows, "VQAv2", "pt_224: published") == "83.19 (val vs test-std)"
    assert cell(rows, "POPE", "pt_224: published") == "87.80/85.87/84.27"


def test_paligemma2_additional_benchmarks_print_as_the_card_does(tmp_path):
    """The card's additional benchmarks get their own section, each row holding all of the card's
    columns for that benchmark; a metric without a judge (DOCCI's non-entailed share, RadGraph F1)
    keeps its slot as "–"."""
    r896 = make_run(tmp_path / "a", "paligemma2-3b-pt-896", 896, {
        "icdar15": {"precision": 80.0, "recall": 70.0, "f1": 74.67, "det_f1": 84.0},
        "fintabnet": {"s_teds": 99.0, "teds": 98.0, "grits_top": 99.5, "grits_con": 99.0},
        "grandstaff": {"cer": 2.0, "ler": 7.0, "ser": 3.0},
        "mimic_cxr": {"cider": 20.0, "bleu4": 14.0, "rouge_l": 31.0},
        "vqav2": {"accuracy": 84.0}}, family="paligemma2")
    r448 = make_run(tmp_path / "b", "paligemma2-3b-pt-448", 448, {
        "docci": {"avg_chars": 500.0, "avg_sentences": 7.5}, "pubchem": {"accuracy_canonical": 93.0,
                                                                          "accuracy": 90.0}},
        family="paligemma2")
    text = tables_text([r896, r448], "md", reference="paligemma2")
    lines = [line.split("|")[1].strip() for line in text.splitlines() if line.startswith("|")]
    assert lines[lines.index("**Additional benchmarks**") + 1:] == [
        "ICDAR 2015 Incidental", "FinTabNet", "GrandStaff", "PubChem", "DOCCI", "MIMIC-CXR"]
    rows = md_rows(text)
    label, label448 = "paligemma2-3b-pt-896", "paligemma2-3b-pt-448"
    assert cell(rows, "ICDAR 2015 Incidental", "Metric (split)") == "Precision / Recall / F1 (test)"
    assert cell(rows, "ICDAR 2015 Incidental", label) == "80.00/70.00/74.67"
    assert cell(rows, "ICDAR 2015 Incidental", f"{label}: published") == "81.88/70.73/75.9"
    assert cell(rows, "ICDAR 2015 Incidental", f"{label}: Δ") == "−1.88/−0.73/−1.23"
    assert cell(rows, "FinTabNet", f"{label}: published") == "99.18/98.94/99.43/99.21"
    assert cell(rows, "GrandStaff", f"{label}: Δ") == "+0.40/+0.30/+0.70"
    assert cell(rows, "MIMIC-CXR", label) == "20.00/14.00/31.00/–"
    assert cell(rows, "MIMIC-CXR", f"{label}: published") == "19.9/14.6/31.92/28.8"
    assert cell(rows, "DOCCI", label448) == "500.00/7.50/–"
    assert cell(rows, "DOCCI", f"{label448}: published") == "529/7.74/28.42"
    assert cell(rows, "PubChem", label448) == "93.00"
    assert cell(rows, "PubChem", f"{label448}: published") == "94.8"


def test_the_split_label_names_the_split_run(tmp_path):
    # a run on val, where the cards measured karpathy_val: the row says val, the card's number
    # says where it was measured
    run = make_run(tmp_path / "val", "pt_224", 224, {"coco_captions": PT224["coco_captions"]})
    rows = md_rows(render(model_card_table([run], "paligemma", TASKS), "md"))
    assert cell(rows, "COCO captions", "Metric (split)") == "CIDEr (val)"
    assert cell(rows, "COCO captions", "pt_224: published") == "141.92 (val vs karpathy_val)"
    # two runs on the two splits: both named
    other = make_run(tmp_path / "kv", "pt_224", 224, {"coco_captions": PT224["coco_captions"]},
                     splits={"coco_captions": "karpathy_val"})
    rows = md_rows(render(model_card_table([run, other], "paligemma", TASKS), "md"))
    assert cell(rows, "COCO captions", "Metric (split)") == "CIDEr (val/karpathy_val)"


def test_xm3600_and_coco35l_averages_labelled_as_each_card_prints_them(tmp_path):
    # cider:mean_excluding_en averages the languages besides English: XM3600's 35 (big_vision
    # evaluates its 36), which the PaliGemma card prints as avg-34 and the PaliGemma 2 card as
    # avg35; COCO-35L's 34, avg-34 and avg34
    xm = {"cider:en": 80.0, "cider:mean_excluding_en": 43.0, "cider": 44.0}
    coco = {"cider:en": 140.0, "cider:mean_excluding_en": 115.0, "cider": 116.0}
    pg = make_run(tmp_path / "pg", "pt_224", 224, {"xm3600": xm, "coco35l": coco})
    pg2 = make_run(tmp_path / "pg2", "pg2_3b_224", 224, {"xm3600": xm, "coco35l": coco},
                   family="paligemma2")
    rows = md_rows(render(model_card_table([pg], "paligemma", TASKS), "md"))
    assert cell(rows, "XM3600", "Metric (split)") == "CIDEr (en / avg-34 / avg) (dev)"
    assert cell(rows, "XM3600", "pt_224: published") == "78.1/41.3/42.4"
    assert cell(rows, "COCO-35L", "Metric (split)") == "CIDEr (en / avg-34 / avg) (dev)"
    rows = md_rows(render(model_card_table([pg2], "paligemma2", TASKS), "md"))
    assert cell(rows, "XM3600", "Metric (split)") == "CIDEr (en / avg35) (dev)"
    assert cell(rows, "XM3600", "pg2_3b_224") == "80.00/43.00"
    assert cell(rows, "XM3600", "pg2_3b_224: published") == "79.8/42.8"
    assert cell(rows, "COCO-35L", "Metric (split)") == "CIDEr (en / avg34) (dev)"
    assert cell(rows, "COCO-35L", "pg2_3b_224: published") == "138.4/113.9"
