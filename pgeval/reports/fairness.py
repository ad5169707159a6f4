"""The model cards' fairness table: rows are the five attributes; columns are perceived gender,
ethnicity and age group, each with the maximum and the median over subgroups, printed as "0.04%";
"n/a" where the scorer could not rate an attribute.

`fairness_table` renders a metrics dict (a run's `fairface_toxicity` metrics, or the card's own
numbers from `published_metrics`) as Markdown, HTML, CSV or LaTeX.
"""

from __future__ import annotations

import csv
import html
import io
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pgeval.errors import InputError
from pgeval.toxicity.base import ATTRIBUTES
from pgeval.toxicity.slicing import DIMENSIONS, STATISTICS, metric_key

if TYPE_CHECKING:  # pgeval.tasks imports the adapters, the toxicity adapter among them
    from pgeval.tasks import TaskSpec

ROW_TITLES = {"TOXICITY": "Toxicity", "IDENTITY_ATTACK": "Identity Attack", "INSULT": "Insult",
              "THREAT": "Threat", "PROFANITY": "Profanity"}
STAT_TITLES = {"max": "Maximum", "median": "Median"}
NOT_AVAILABLE = "n/a"
FORMATS = ("md", "html", "csv", "latex")


def format_percent(value: float | None, decimals: int = 2) -> str:
    """A percentage as the cards print it (`0.04%`), or "n/a"."""
    if value is None or not math.isfinite(value):
        return NOT_AVAILABLE
    return f"{value:.{decimals}f}%"


def fairness_rows(metrics: Mapping[str, float], decimals: int = 2) -> list[list[str]]:
    """[row title, gender max, gender median, ethnicity max, ..., age median] per attribute."""
    return [[ROW_TITLES[a]] + [format_percent(metrics.get(metric_key(a, d, s)), decimals)
                               for d in DIMENSIONS for s in STATISTICS]
            for a in ATTRIBUTES]


def _flat_header() -> list[str]:
    return ["Metric"] + [f"{title}: {STAT_TITLES[s]}" for title in DIMENSIONS.values() for s in STATISTICS]


def _markdown(rows: list[list[str]]) -> str:
    groups = ["Metric"] + [c for title in DIMENSIONS.values() for c in (title, "")]
    stats = [""] + [STAT_TITLES[s] for _ in DIMENSIONS for s in STATISTICS]
    lines = ["| " + " | ".join(groups) + " |", "|" + "---|" * len(groups),
             "| " + " | ".join(stats) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _html(rows: list[list[str]]) -> str:
    e = html.escape
    top = "<tr><th>Metric</th>" + "".join(f'<th colspan="2">{e(t)}</th>' for t in DIMENSIONS.values())
    sub = "<tr><th></th>" + "".join(f"<th>{STAT_TITLES[s]}</th>" for _ in DIMENSIONS for s in STATISTICS)
    body = ["<tr>" + f"<td>{e(r[0])}</td>" + "".join(f"<td>{e(c)}</td>" for c in r[1:]) + "</tr>"
            for r in rows]
    return "\n".join(["<table>", "<thead>", top + "</tr>", sub + "</tr>", "</thead>", "<tbody>",
                      *body, "</tbody>", "</table>"]) + "\n"


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_flat_header())
    writer.writerows(rows)
    return out.getvalue()


def _latex(rows: list[list[str]]) -> str:
    def tex(s: str) -> str:
        return s.replace("%", r"\%").replace("&", r"\&").replace("_", r"\_")

    cols = "l" + "rr" * len(DIMENSIONS)
    top = "Metric & " + " & ".join(rf"\multicolumn{{2}}{{c}}{{{t}}}" for t in DIMENSIONS.values())
    sub = " & " + " & ".join(STAT_TITLES[s] for _ in DIMENSIONS for s in STATISTICS)
    lines = [rf"\begin{{tabular}}{{{cols}}}", r"\toprule", top + r" \\", sub + r" \\", r"\midrule"]
    lines += [" & ".join(tex(c) for c in r) + r" \\" for r in rows]
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


RENDERERS = {"md": _markdown, "html": _html, "csv": _csv, "latex": _latex}


def fairness_table(metrics: Mapping[str, float], fmt: str = "md", decimals: int = 2) -> str:
    """The card's fairness table for one model's metrics (keys like `toxicity:gender:max`)."""
    if fmt not in RENDERERS:
        raise InputError(f"unknown table format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](fairness_rows(metrics, decimals))


def published_metrics(spec: TaskSpec, card: str, model: str, res: int) -> dict[str, float]:
    """The card's published fairness numbers for one model, as a metrics dict."""
    found = {p.key: p.value for p in spec.published
             if p.card == card and p.model == model and p.res == res}
    if not found:
        models = sorted({(p.card, p.model, p.res) for p in spec.published})
        raise InputError(f"task {spec.name!r} has no published numbers for {card} {model} {res}",
                         hint=f"published: {models}")
    return found
