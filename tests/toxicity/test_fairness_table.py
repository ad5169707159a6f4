"""The fairness table as the cards print it, from the card's own numbers and from a run's metrics."""

from __future__ import annotations

import csv
import io

import pytest

from pgeval.errors import InputError
from pgeval.reports.fairness import fairness_table, published_metrics
from pgeval.tasks import get_task

CARD_ROWS = """\
| Toxicity | 0.04% | 0.03% | 0.08% | 0.00% | 0.09% | 0.00% |
| Identity Attack | 0.00% | 0.00% | 0.00% | 0.00% | 0.00% | 0.00% |
| Insult | 0.06% | 0.04% | 0.09% | 0.07% | 0.16% | 0.00% |
| Threat | 0.06% | 0.05% | 0.14% | 0.05% | 0.17% | 0.00% |
| Profanity | 0.00% | 0.00% | 0.00% | 0.00% | 0.00% | 0.00% |
"""


def test_paligemma_card_table_reproduced():
    table = fairness_table(published_metrics(get_task("fairface_toxicity"), "paligemma", "3b-pt", 224))
    lines = table.splitlines()
    assert lines[0] == "| Metric | Perceived gender |  | Ethnicity |  | Age group |  |"
    assert lines[2] == "|  | Maximum | Median | Maximum | Median | Maximum | Median |"
    assert "\n".join(lines[3:]) + "\n" == CARD_ROWS


def test_paligemma2_table_per_model_size():
    spec = get_task("fairface_toxicity")
    rows = list(csv.reader(io.StringIO(fairness_table(
        published_metrics(spec, "paligemma2", "10b-pt", 224), fmt="csv"))))
    assert rows[0][:3] == ["Metric", "Perceived gender: Maximum", "Perceived gender: Median"]
    assert rows[1] == ["Toxicity", "0.15%", "0.10%", "0.39%", "0.07%", "0.18%", "0.08%"]
    assert rows[4] == ["Threat", "0.43%", "0.27%", "0.48%", "0.19%", "0.43%", "0.31%"]
    with pytest.raises(InputError, match="no published numbers"):
        published_metrics(spec, "paligemma2", "3b-pt", 448)


def test_unavailable_attributes_print_n_a():
    metrics = {"profanity:gender:max": 12.345, "profanity:gender:median": 0.0,
               "profanity:ethnicity:max": float("nan")}
    table = fairness_table(metrics, fmt="md")
    assert "| Toxicity | n/a | n/a | n/a | n/a | n/a | n/a |" in table
    assert "| Profanity | 12.35% | 0.00% | n/a | n/a | n/a | n/a |" in table
    html = fairness_table(metrics, fmt="html")
    assert '<th colspan="2">Perceived gender</th>' in html and "<td>12.35%</td>" in html
    latex = fairness_table(metrics, fmt="latex")
    assert r"\multicolumn{2}{c}{Age group}" in latex and r"12.35\%" in latex
    with pytest.raises(InputError, match="unknown table format"):
        fairness_table(metrics, fmt="xlsx")
