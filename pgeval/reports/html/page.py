"""The report's index.html: the runs, the model-card table (each benchmark linking to its task),
the plots, what the diagnostics found, the gate's decision when a gate wrote the report, then
one section per task whose examples the page's script loads when it is opened. The style and
the script, shipped in pgeval/reports/html/assets/, are inlined."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from pgeval.reports.diagnostics import Finding
from pgeval.reports.table import with_headings


@dataclass(frozen=True)
class TaskSection:
    """What the page says of one task before its data loads."""

    name: str
    title: str
    metric: str
    n: int
    file: str
    changed: int
    has_data: bool
    findings: list[Finding] = field(default_factory=list)


def asset(name: str) -> str:
    return resources.files("pgeval.reports.html").joinpath("assets", name).read_text(encoding="utf-8")


def card_table_html(df: pd.DataFrame, links: Mapping[str, str]) -> str:
    """The model-card table with each benchmark's name linking to its task section."""
    table = with_headings(df, heading=lambda f: f"<strong>{html.escape(f)}</strong>", cell=html.escape)
    if "Benchmark" in table.columns:
        table["Benchmark"] = [f'<a href="#task-{links[b]}">{b}</a>' if b in links else b
                              for b in table["Benchmark"]]
    return table.to_html(index=False, escape=False, border=0, classes="card")


def _findings_html(findings: Sequence[Finding]) -> str:
    if not findings:
        return ""
    items = "".join(f'<li data-kind="{f.kind}">{html.escape(f.message())} '
                    f'<span class="hint">{html.escape(f.hint)}</span></li>' for f in findings)
    return f'<ul class="findings">{items}</ul>'


def _section_html(task: TaskSection, labels: Sequence[str]) -> str:
    multi = len(labels) > 1
    runs = "".join(f'<option value="{k}">{html.escape(label)}</option>' for k, label in enumerate(labels))
    sorts = ([("order", "changed first (worst first)")] if multi else []) + [
        ("file", "data order"), ("asc", "score, lowest first"), ("desc", "score, highest first")]
    sort_options = "".join(f'<option value="{v}">{t}</option>' for v, t in sorts)
    heads = "".join(f"<th>{html.escape(label)}</th>" for label in labels)
    stats = f"{task.metric}, {task.n} examples" + (f", {task.changed} changed" if multi else "")
    note = "" if task.has_data else ('<p class="note">The data files of this task are not on disk: '
                                     'predictions and scores only (pass --data-dir).</p>')
    return f"""
<details class="task" id="task-{task.name}" data-task="{task.name}">
<summary>{html.escape(task.title)} <span class="stats">({html.escape(stats)})</span></summary>
{_findings_html(task.findings)}{note}
<div class="controls">
<label>sort <select class="sort">{sort_options}</select></label>
<label{' hidden' if not multi else ''}>by run <select class="run">{runs}</select></label>
<label>slice <select class="slice"><option value="">all</option></select></label>
<label>text <input class="text" type="search" placeholder="id, prompt, answer"></label>
<label{' hidden' if not multi else ''}><input class="changed" type="checkbox"> changed only</label>
<button class="prev">&lt; prev</button><button class="next">next &gt;</button>
<span class="count">loading…</span>
</div>
<table class="examples"><thead><tr><th>id</th><th>image</th><th>prompt</th><th>references</th>{heads}\
{'<th>change</th>' if multi else ''}</tr></thead><tbody></tbody></table>
</details>"""


def page_html(*, title: str, runs: Sequence[tuple[str, str]], card: str, plots: Sequence[str],
              tasks: Sequence[TaskSection], gate: str | None = None) -> str:
    """The whole page. `runs`: (label, run directory); `card`: the table's HTML; `plots`: image
    paths relative to the page; `gate`: the gate's text report."""
    labels = [label for label, _ in runs]
    meta = {"runs": [{"label": label, "dir": d} for label, d in runs],
            "tasks": [{"name": t.name, "title": t.title, "file": t.file} for t in tasks]}
    run_items = "".join(f"<li><b>{html.escape(label)}</b>: <code>{html.escape(d)}</code></li>"
                        for label, d in runs)
    findings = [f for t in tasks for f in t.findings]
    diag = (_findings_html(findings) if findings else
            '<p class="note">No diagnostic fired: no empty or cut-off outputs, prompts, '
            'resolutions and splits as on the card, no answer wrong by case or spacing alone.</p>')
    plot_html = "".join(f'<img src="{html.escape(p)}" alt="{html.escape(Path(p).stem)}">' for p in plots)
    gate_html = f'<h2>Gate</h2><pre class="gate">{html.escape(gate)}</pre>' if gate else ""
    sections = "".join(_section_html(t, labels) for t in tasks)
    data = json.dumps(meta, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{asset("report.css")}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<ul class="runs">{run_items}</ul>
{gate_html}
<h2>Model-card table</h2>
{card}
{f'<h2>Plots</h2><div class="plots">{plot_html}</div>' if plots else ''}
<h2>Diagnostics</h2>
{diag}
<h2>Examples</h2>
{sections}
<script type="application/json" id="pgeval-meta">{data}</script>
<script>{asset("report.js")}</script>
</body></html>
"""
