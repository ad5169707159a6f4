"""Plots of runs as PNG files (matplotlib's Agg renderer, no pyplot state):

- `resolution_<task>.png`: the task's primary metric against image resolution, one line per model
  (runs of one checkpoint name, less its resolution suffix, family and size), with the reference
  card's numbers for the same models dotted when it has them;
- `published_<run>.png`: per run, our value beside the card's for every task the card has a number
  for (the first value of the card's cell that both have).

Demo runs are marked: "demo" in legends and titles, hollow markers and dashed lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from pgeval.errors import InputError
from pgeval.io import output_folder
from pgeval.reports.cells import (
    cell_items,
    check_reference,
    model_group,
    published_model,
    published_value,
    run_labels,
    run_value,
    specs_for_runs,
)
from pgeval.runs import Run
from pgeval.tasks import TaskSpec

DPI = 100
RESOLUTION_SIZE = (6.4, 4.8)  # inches: 640 x 480 pixels


def published_size(n_tasks: int) -> tuple[float, float]:
    """Figure size in inches of a run's ours-against-published chart with `n_tasks` bars pairs."""
    return max(9.6, 2.0 + 0.6 * n_tasks), 4.8


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("_") or "run"


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, format="png")
    return path


def plot_resolution(runs: Sequence[Run], spec: TaskSpec, path: Path,
                    reference: str = "paligemma") -> Path | None:
    """Primary metric of `spec` against resolution, one line per model; None when no run has it."""
    key = spec.keys[0]
    groups: dict[str, dict[int, float]] = {}
    demo: dict[str, bool] = {}
    models: dict[str, str] = {}
    for run in runs:
        record = run.tasks.get(spec.name)
        model, res = published_model(run)
        value = None if record is None else record.value(key)
        if value is None or res is None:
            continue
        group = model_group(run) + ("" if record.split == spec.split else f" [{record.split}]")
        groups.setdefault(group, {})[res] = value
        demo[group] = bool(run.model.get("demo"))
        models[group] = model
    if not groups:
        return None
    fig = Figure(figsize=RESOLUTION_SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    for i, (group, points) in enumerate(groups.items()):
        xs = sorted(points)
        color = f"C{i % 10}"
        ax.plot(xs, [points[x] for x in xs], marker="o", color=color, label=group,
                linestyle="--" if demo[group] else "-", markerfacecolor="none" if demo[group] else color)
        if reference != "none" and not demo[group] and not group.endswith("]"):
            card = {p.res: p.value for p in spec.published
                    if p.card == reference and p.model == models[group] and p.key == key and p.data_split
                    in (None, spec.split)}
            if card:
                cx = sorted(card)
                ax.plot(cx, [card[x] for x in cx], marker="x", color=color, linestyle=":",
                        label=f"{models[group]} on the {reference} card")
    ax.set_title(f"{spec.title} ({spec.split}): {key} against resolution"
                 + (" (includes demo runs)" if any(demo.values()) else ""))
    ax.set_xlabel("image resolution (pixels per side)")
    ax.set_ylabel(f"{key} (card scale)")
    ax.set_xticks(sorted({x for points in groups.values() for x in points}))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return _save(fig, path)


def plot_published(run: Run, label: str, specs: Sequence[TaskSpec], reference: str,
                   path: Path) -> Path | None:
    """Our value beside the card's for every task where both exist; None when there is none."""
    model, res = published_model(run)
    names, ours, card = [], [], []
    for spec in specs:
        items = cell_items(spec, reference)
        for item in items:
            o = run_value(run, spec, item, items)
            c = published_value(spec, reference, model, res, item)
            if o is not None and c is not None:
                split = item[1] or spec.split
                names.append(f"{spec.title}\n{item[0]} ({split})")
                ours.append(o)
                card.append(c)
                break
    if not names:
        return None
    fig = Figure(figsize=published_size(len(names)), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    xs = range(len(names))
    demo = bool(run.model.get("demo"))
    ax.bar([x - 0.2 for x in xs], ours, width=0.4, label=f"ours: {label}", color="C0",
           hatch="//" if demo else None, edgecolor="black" if demo else None)
    ax.bar([x + 0.2 for x in xs], card, width=0.4, label=f"published: {reference} card, {model}-{res}",
           color="C1")
    ax.set_xticks(list(xs), names, rotation=30, ha="right", fontsize="small")
    ax.set_ylabel("metric value (card scale)")
    ax.set_title(f"{label}: ours against the {reference} card ({model}, {res} px)")
    ax.set_ylim(0, 1.25 * max(*ours, *card, 1e-9))  # room for the legend above the bars
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small", loc="upper right")
    return _save(fig, path)


def plot_runs(runs: Sequence[Run], out_dir: str | Path, reference: str = "paligemma",
              tasks: Mapping[str, TaskSpec] | None = None) -> list[Path]:
    """Write every plot for `runs` into `out_dir` (created if needed); the paths written."""
    check_reference(reference)
    if not runs:
        raise InputError("no runs to plot")
    out = output_folder(out_dir, "--out")
    specs = specs_for_runs(runs, tasks)
    written = []
    for spec in specs:
        path = plot_resolution(runs, spec, out / f"resolution_{slug(spec.name)}.png", reference)
        if path is not None:
            written.append(path)
    if reference != "none":
        for run, label in zip(runs, run_labels(runs), strict=True):
            name = slug(label)
            while any(p.name == f"published_{name}.png" for p in written):
                name += "_"
            path = plot_published(run, label, specs, reference, out / f"published_{name}.png")
            if path is not None:
                written.append(path)
    return written
