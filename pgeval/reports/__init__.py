"""Reports over run directories: model-card tables, leaderboards, plots, gate reports.

    model_card_table(runs, reference) -> DataFrame;  render(df, "md" | "html" | "csv" | "latex")
    leaderboard(runs) -> Leaderboard;                render_leaderboard(board, "md" | "html")
    plot_runs(runs, out_dir, reference) -> [PNG paths]
    write_report(runs, out_dir, catalog=...) -> ReportStats   (the per-example page, html/)
    diagnose_task(run, task, spec, examples=..., count_tokens=...) -> [Finding]

Imported on first use, so that the CLI (whose report commands are in `pgeval.cli.reports`) starts
without loading pandas or matplotlib.
"""

from importlib import import_module

_EXPORTS = {
    "Leaderboard": "leaderboard", "leaderboard": "leaderboard", "render_leaderboard": "leaderboard",
    "model_card_table": "table", "render": "table", "plot_runs": "plots",
    "write_report": "html", "diagnose_task": "diagnostics",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"pgeval.reports.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'pgeval.reports' has no attribute {name!r}")
