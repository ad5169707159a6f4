"""Leaderboards: runs ranked per task by the task's primary metric, and overall by the mean of the
primary metrics over the tasks every run has.

A board ranks the higher value first, or the lower where results.json says the primary metric
is lower-is-better (the fairness tasks' share of flagged captions); the overall mean takes only
higher-is-better boards, so it never adds a toxicity rate to an accuracy. Runs measured on
different splits of a task are ranked separately (one board per task and split). Equal values
share a rank (1, 1, 3) and are listed by run label, so the same runs always give the same document.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from pgeval.errors import InputError
from pgeval.reports.cells import run_labels, specs_for_runs
from pgeval.runs import Run
from pgeval.tasks import TaskSpec

FORMATS = ("md", "html")

Board = tuple[str, str]  # (task, split)


@dataclass(frozen=True)
class Leaderboard:
    """`tasks`: per (task, split), a table of Rank, Run, the primary metric's value, n.
    `overall`: Rank, Run, Mean over the `shared` boards, then each shared board's value.
    `titles`: how each board is headed ("VQAv2 (val)"); `keys`: its primary metric key;
    `lower`: the boards whose primary metric is lower-is-better."""

    tasks: dict[Board, pd.DataFrame]
    overall: pd.DataFrame
    shared: tuple[Board, ...]
    titles: dict[Board, str] = field(default_factory=dict)
    keys: dict[Board, str] = field(default_factory=dict)
    lower: frozenset[Board] = frozenset()


def _ranked(entries: list[tuple[str, float, dict]], value_column: str,
            lower_is_better: bool = False) -> pd.DataFrame:
    """Rows sorted best first (ties by label), with competition ranks."""
    sign = 1 if lower_is_better else -1
    entries = sorted(entries, key=lambda e: (sign * round(e[1], 9), e[0]))
    rows, rank, previous = [], 0, None
    for i, (label, value, extra) in enumerate(entries, start=1):
        if previous is None or round(value, 9) != previous:
            rank, previous = i, round(value, 9)
        rows.append({"Rank": rank, "Run": label, value_column: value, **extra})
    columns = ["Rank", "Run", value_column, *(entries[0][2] if entries else {})]
    return pd.DataFrame(rows, columns=columns)


def leaderboard(runs: Sequence[Run], tasks: Mapping[str, TaskSpec] | None = None) -> Leaderboard:
    """Rank `runs` on every task (and split) any of them has, and overall on the tasks all share.

    The primary metric is the task spec's first key (the run's recorded `primary` for a task no
    spec defines); a run lacking it is left off that task's board, and that task is then not shared.
    """
    if not runs:
        raise InputError("no runs to rank")
    labels = run_labels(runs)
    boards: dict[Board, list[tuple[str, float, dict]]] = {}
    titles: dict[Board, str] = {}
    keys: dict[Board, str] = {}
    lower: set[Board] = set()
    for spec in specs_for_runs(runs, tasks):
        key = spec.keys[0]
        splits = sorted({r.tasks[spec.name].split for r in runs if spec.name in r.tasks},
                        key=lambda s: (s != spec.split, s))
        for split in splits:
            board = (spec.name, split)
            titles[board], keys[board] = f"{spec.title} ({split})", key
            boards[board] = []
            for run, label in zip(runs, labels, strict=True):
                record = run.tasks.get(spec.name)
                value = None if record is None or record.split != split else record.value(key)
                if value is None:
                    continue
                boards[board].append((label, value, {"n": record.n}))
                if record.direction(key) == "lower":
                    lower.add(board)
    shared = tuple(b for b, entries in boards.items() if len(entries) == len(runs) and b not in lower)
    overall_entries = []
    if shared:
        values = {b: dict((label, v) for label, v, _ in boards[b]) for b in shared}
        for label in labels:
            per_board = {titles[b]: values[b][label] for b in shared}
            mean = sum(per_board.values()) / len(per_board)
            overall_entries.append((label, mean, per_board))
    return Leaderboard(tasks={b: _ranked(e, keys[b], b in lower) for b, e in boards.items()},
                       overall=_ranked(overall_entries, "Mean"), shared=shared, titles=titles, keys=keys,
                       lower=frozenset(lower))


def _formatted(df: pd.DataFrame) -> pd.DataFrame:
    """Values with 2 decimals, ranks and counts as integers, all as text."""
    out = df.copy().astype(object)
    for column in out.columns:
        if column in ("Rank", "n"):
            out[column] = [str(int(v)) for v in df[column]]
        elif column != "Run":
            out[column] = [f"{float(v):.2f}" for v in df[column]]
    return out


def _overall_note(board: Leaderboard) -> str:
    if not board.shared:
        note = "No task is shared by every run, so there is no overall ranking."
    else:
        names = ", ".join(board.titles[b] for b in board.shared)
        note = f"Mean of the primary metrics over the {len(board.shared)} task(s) every run has: {names}."
    if board.lower:
        names = ", ".join(board.titles[b] for b in board.tasks if b in board.lower)
        note += f" Not averaged in, as lower is better there: {names}."
    return note


def render_leaderboard(board: Leaderboard, fmt: str = "md") -> str:
    """One document: the overall ranking, then one section per task board."""
    if fmt not in FORMATS:
        raise InputError(f"unknown leaderboard format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")
    sections = [("Overall", _overall_note(board), board.overall if board.shared else None)]
    for b, table in board.tasks.items():
        better = "lower" if b in board.lower else "higher"
        sections.append((board.titles[b], f"Ranked by {board.keys[b]} ({better} is better).", table))
    if fmt == "md":
        parts = ["# Leaderboard", ""]
        for title, note, table in sections:
            parts += [f"## {title}", "", note, ""]
            if table is not None:
                parts += [_formatted(table).to_markdown(index=False, disable_numparse=True), ""]
        return "\n".join(parts)
    parts = ["<!DOCTYPE html>", "<html>", "<head><meta charset=\"utf-8\"><title>Leaderboard</title></head>",
             "<body>", "<h1>Leaderboard</h1>"]
    for title, note, table in sections:
        parts += [f"<h2>{html.escape(title)}</h2>", f"<p>{html.escape(note)}</p>"]
        if table is not None:
            parts.append(_formatted(table).to_html(index=False, border=1))
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
