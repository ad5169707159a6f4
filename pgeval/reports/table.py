"""Model-card tables: our runs laid out like the PaliGemma cards' benchmark tables, beside the
card's published numbers and our difference to them.

`model_card_table` builds a tidy DataFrame (one row per benchmark, a "Family" column); `render`
turns it into Markdown, HTML or LaTeX with a heading row per family, as the cards print it, or
into CSV with the Family column kept.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from pgeval.errors import InputError
from pgeval.reports.cells import (
    MINUS,
    MISSING,
    cell_items,
    check_reference,
    family_title,
    fmt_delta,
    fmt_ours,
    fmt_published,
    item_splits,
    join_cell,
    published_decimals,
    published_model,
    published_value,
    run_labels,
    run_value,
    specs_for_runs,
)
from pgeval.runs import Run
from pgeval.tasks import TaskSpec

FORMATS = ("md", "html", "csv", "latex")
FIXED = ("Family", "Benchmark", "Metric (split)")


def published_column(label: str) -> str:
    return f"{label}: published"


def delta_column(label: str) -> str:
    return f"{label}: Δ"


def model_card_table(runs: Sequence[Run], reference: str = "paligemma",
                     tasks: Mapping[str, TaskSpec] | None = None) -> pd.DataFrame:
    """One row per benchmark that some run has, in the card's order, with its family; one column
    per run (`run_labels`) and, when `reference` names a card ("paligemma", "paligemma2"), the
    card's numbers for the run's model and resolution and our difference to them (ours − card).

    Cells hold every value the card prints for the benchmark, joined with "/"; "–" where a value
    is missing. `tasks` defaults to every known task spec (`load_tasks()`). Fairness tasks have a
    table of their own (`fairness_sections`), as on the cards.
    """
    check_reference(reference)
    if not runs:
        raise InputError("no runs to tabulate")
    labels = run_labels(runs)
    rows = []
    for spec in specs_for_runs(runs, tasks):
        if spec.family == "fairness":
            continue
        items = cell_items(spec, reference)
        row = {"Family": family_title(spec.family), "Benchmark": spec.title,
               "Metric (split)": f"{spec.metric} ({'/'.join(item_splits(spec, items))})"}
        for run, label in zip(runs, labels, strict=True):
            ours = [run_value(run, spec, item, items) for item in items]
            row[label] = join_cell(fmt_ours(v) for v in ours)
            if reference == "none":
                continue
            model, res = published_model(run)
            card = [published_value(spec, reference, model, res, item) for item in items]
            row[published_column(label)] = join_cell(
                fmt_published(v, published_decimals(spec, reference, item[0]))
                for v, item in zip(card, items, strict=True))
            row[delta_column(label)] = join_cell(fmt_delta(o, c) for o, c in zip(ours, card, strict=True))
        rows.append(row)
    columns = list(FIXED)
    for label in labels:
        columns.append(label)
        if reference != "none":
            columns += [published_column(label), delta_column(label)]
    return pd.DataFrame(rows, columns=columns, dtype=object)


def with_headings(df: pd.DataFrame, heading: Callable[[str], str] = str,
                  cell: Callable[[str], str] = str) -> pd.DataFrame:
    """The table without its Family column, a heading row (`heading(family)` in the first
    column, the others empty) opening each family's rows; `cell` maps every other text."""
    if "Family" not in df.columns:
        return df.map(cell).rename(columns=cell)
    body = df.drop(columns="Family")
    rows = []
    previous = None
    for family, (_, row) in zip(df["Family"], body.iterrows(), strict=True):
        if family != previous:
            rows.append([heading(family), *([""] * (len(body.columns) - 1))])
            previous = family
        rows.append([cell(str(v)) for v in row])
    return pd.DataFrame(rows, columns=[cell(c) for c in body.columns], dtype=object)


LATEX_SYMBOLS = {MISSING: "--", MINUS: "$-$", "Δ": r"$\Delta$"}


def render(df: pd.DataFrame, fmt: str = "md") -> str:
    """The table as Markdown ("md"), HTML, CSV or LaTeX text."""
    if fmt == "md":
        table = with_headings(df, heading=lambda f: f"**{f}**")
        return table.to_markdown(index=False, disable_numparse=True) + "\n"
    if fmt == "html":
        table = with_headings(df, heading=lambda f: f"<strong>{html.escape(f)}</strong>", cell=html.escape)
        return table.to_html(index=False, escape=False, na_rep=MISSING, border=1) + "\n"
    if fmt == "csv":
        return df.to_csv(index=False)
    if fmt == "latex":
        text = with_headings(df).to_latex(index=False, escape=True, na_rep=MISSING)
        for symbol, latex in LATEX_SYMBOLS.items():
            text = text.replace(symbol, latex)
        return text
    raise InputError(f"unknown table format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")


def fairness_sections(runs: Sequence[Run], tasks: Mapping[str, TaskSpec] | None = None,
                      fmt: str = "md") -> str:
    """The cards' fairness table (attributes x perceived gender / ethnicity / age group, maximum
    and median over subgroups) for every run that has a fairness task."""
    from pgeval.toxicity.table import fairness_table

    sections = []
    labels = run_labels(runs)
    for spec in specs_for_runs(runs, tasks):
        if spec.family != "fairness":
            continue
        for run, label in zip(runs, labels, strict=True):
            if spec.name in run.tasks:
                sections.append(f"{spec.title}, {label}\n\n"
                                + fairness_table(run.tasks[spec.name].metrics, fmt))
    return "\n\n".join(sections)
