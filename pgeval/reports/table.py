"""Model-card tables: our runs laid out like the PaliGemma cards' benchmark tables, beside the
card's published numbers and our difference to them.

`model_card_table` builds a tidy DataFrame (one row per benchmark, a "Family" column); `render`
turns it into Markdown, HTML or LaTeX with a heading row per family, as the cards print it, or
into CSV with the Family column kept. Fairness tasks get the cards' own table
(`fairness_sections`) in Markdown, HTML and LaTeX. `tables_text` is what `pgeval table` prints:
the benchmark table (left out when the runs have only fairness tasks) and the fairness sections.

CSV stays one tidy table that `pandas.read_csv` reads whole: the benchmark rows, then the fairness
rows (Family "Fairness", Benchmark the task's title, one row per attribute, dimension and
statistic, e.g. Metric (split) "Toxicity: Perceived gender, Maximum (val)"), in the same run,
published and Δ columns. Fairness values are percentages as the cards print them ("0.04%"), "n/a"
where the run's scorer could not rate the attribute, "–" where the run has no such task.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from itertools import product

import pandas as pd

from pgeval.errors import InputError
from pgeval.reports.cells import (
    MINUS,
    MISSING,
    Item,
    cell_items,
    check_reference,
    copy_note,
    default_reference,
    family_title,
    fmt_delta,
    fmt_ours,
    fmt_published,
    join_cell,
    measured_splits,
    metric_label,
    published_decimals,
    published_entry,
    published_model,
    published_value,
    run_labels,
    run_value,
    specs_for_runs,
    split_mismatch,
)
from pgeval.runs import Run
from pgeval.tasks import TaskSpec

FORMATS = ("md", "html", "csv", "latex")
FIXED = ("Family", "Benchmark", "Metric (split)")
SUBMITTED = "submitted"
Cells = tuple[str, str, str]  # one run's cells of a row: ours, the card's, the difference


def published_column(label: str) -> str:
    return f"{label}: published"


def delta_column(label: str) -> str:
    return f"{label}: Δ"


def _benchmark_cells(run: Run, spec: TaskSpec, items: Sequence[Item], reference: str) -> Cells:
    """One run's cells of a benchmark row: each item's value joined with "/" as the card does."""
    ours = [run_value(run, spec, item, items) for item in items]
    model, res = published_model(run)
    entries = [published_entry(spec, reference, model, res, item) for item in items]
    card = [None if e is None else float(e.value) for e in entries]
    published = join_cell(fmt_published(v, published_decimals(spec, reference, item[0]))
                          for v, item in zip(card, items, strict=True))
    record = run.tasks.get(spec.name)
    submitted = record is not None and record.submission is not None
    mismatches = list(dict.fromkeys(
        m for o, e in zip(ours, entries, strict=True)
        if (o is not None or submitted) and (m := split_mismatch(run, spec, e)) is not None))
    if mismatches:
        published += f" ({'; '.join(mismatches)})"
    note = copy_note(run, spec)
    if submitted:  # a test split: the server scores it
        return SUBMITTED + (f" ({note})" if note else ""), published, MISSING
    return (join_cell(fmt_ours(v) for v in ours) + (f" ({note})" if note else ""), published,
            join_cell(fmt_delta(o, c) for o, c in zip(ours, card, strict=True)))


def _fairness_cells(run: Run, spec: TaskSpec, key: str, reference: str) -> Cells:
    """One run's cells of a fairness row (one metric key such as `toxicity:gender:max`)."""
    from pgeval.reports.fairness import format_percent

    record = run.tasks.get(spec.name)
    ours = None if record is None else record.value(key)
    model, res = published_model(run)
    card = published_value(spec, reference, model, res, (key, None))
    return (MISSING if record is None else format_percent(ours),
            MISSING if card is None else format_percent(card), fmt_delta(ours, card))


def _row(head: Sequence[str], cells: Sequence[Cells], labels: Sequence[str],
         reference: str) -> dict[str, str]:
    row = dict(zip(FIXED, head, strict=True))
    for label, (ours, card, delta) in zip(labels, cells, strict=True):
        row[label] = ours
        if reference != "none":
            row[published_column(label)] = card
            row[delta_column(label)] = delta
    return row


def _benchmark_rows(runs: Sequence[Run], specs: Sequence[TaskSpec], labels: Sequence[str],
                    reference: str) -> list[dict[str, str]]:
    """One row per benchmark of `specs`."""
    rows = []
    for spec in specs:
        items = cell_items(spec, reference)
        head = (family_title(spec.family), spec.title,
                f"{metric_label(spec, reference)} ({'/'.join(measured_splits(runs, spec, items))})")
        rows.append(_row(head, [_benchmark_cells(run, spec, items, reference) for run in runs],
                         labels, reference))
    return rows


def _fairness_rows(runs: Sequence[Run], specs: Sequence[TaskSpec], labels: Sequence[str],
                   reference: str) -> list[dict[str, str]]:
    """One row per fairness task of `specs`, attribute, dimension and statistic, in the cards' order."""
    from pgeval.reports.fairness import ROW_TITLES, STAT_TITLES
    from pgeval.toxicity.base import ATTRIBUTES
    from pgeval.toxicity.slicing import DIMENSIONS, STATISTICS, metric_key

    rows = []
    for spec in specs:
        for a, d, s in product(ATTRIBUTES, DIMENSIONS, STATISTICS):
            head = (family_title(spec.family), spec.title,
                    f"{ROW_TITLES[a]}: {DIMENSIONS[d]}, {STAT_TITLES[s]} ({spec.split})")
            cells = [_fairness_cells(run, spec, metric_key(a, d, s), reference) for run in runs]
            rows.append(_row(head, cells, labels, reference))
    return rows


def model_card_table(runs: Sequence[Run], reference: str | None = None,
                     tasks: Mapping[str, TaskSpec] | None = None, *, fairness: bool = False) -> pd.DataFrame:
    """One row per benchmark that some run has, in the card's order, with its family; one column
    per run (`run_labels`) and, when `reference` names a card ("paligemma", "paligemma2"), the
    card's numbers for the run's model and resolution and our difference to them (ours − card).
    `reference` None: the card of the runs' models (`default_reference`).

    Cells hold every value the card prints for the benchmark, joined with "/"; "–" where a value
    is missing. `tasks` defaults to every known task spec (`load_tasks()`). Fairness tasks have a
    table of their own (`fairness_sections`), as on the cards; with `fairness` their rows follow
    the benchmarks' here too, one per attribute, dimension and statistic (see the module notes).
    """
    if not runs:
        raise InputError("no runs to tabulate")
    reference = default_reference(runs) if reference is None else reference
    check_reference(reference)
    labels = run_labels(runs)
    specs = specs_for_runs(runs, tasks)
    rows = _benchmark_rows(runs, [s for s in specs if s.family != "fairness"], labels, reference)
    if fairness:
        rows += _fairness_rows(runs, [s for s in specs if s.family == "fairness"], labels, reference)
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


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"unknown table format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")


def render(df: pd.DataFrame, fmt: str = "md") -> str:
    """The table as Markdown ("md"), HTML, CSV or LaTeX text."""
    check_format(fmt)
    if fmt == "md":
        table = with_headings(df, heading=lambda f: f"**{f}**")
        return table.to_markdown(index=False, disable_numparse=True) + "\n"
    if fmt == "html":
        table = with_headings(df, heading=lambda f: f"<strong>{html.escape(f)}</strong>", cell=html.escape)
        return table.to_html(index=False, escape=False, na_rep=MISSING, border=1) + "\n"
    if fmt == "csv":
        return df.to_csv(index=False)
    text = with_headings(df).to_latex(index=False, escape=True, na_rep=MISSING)
    for symbol, latex in LATEX_SYMBOLS.items():
        text = text.replace(symbol, latex)
    return text


def fairness_sections(runs: Sequence[Run], tasks: Mapping[str, TaskSpec] | None = None,
                      fmt: str = "md") -> str:
    """The cards' fairness table (attributes x perceived gender / ethnicity / age group, maximum
    and median over subgroups) for every run that has a fairness task."""
    from pgeval.reports.fairness import fairness_table

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


def tables_text(runs: Sequence[Run], fmt: str = "md", reference: str | None = None,
                tasks: Mapping[str, TaskSpec] | None = None) -> str:
    """What `pgeval table` prints: in CSV the one tidy table with the fairness rows; otherwise the
    benchmark table, then the fairness sections, the benchmark table left out when it would be
    empty beside them (the runs have fairness tasks only)."""
    check_format(fmt)
    if fmt == "csv":
        return render(model_card_table(runs, reference, tasks, fairness=True), fmt)
    table = model_card_table(runs, reference, tasks)
    fairness = fairness_sections(runs, tasks, fmt)
    parts = [render(table, fmt)] if len(table) or not fairness else []
    return "\n\n".join([*parts, fairness] if fairness else parts)
