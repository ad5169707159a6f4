"""`pgeval gate`'s report as text: a markdown table of the per-metric decisions, the notes, and
the verdict line CI logs end with."""

from __future__ import annotations

from collections.abc import Sequence

from pgeval.gate.compare import GateReport, level


def _num(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "-"
    return f"{x:+.2f}" if signed else f"{x:.2f}"


def render_gate(report: GateReport) -> str:
    """A markdown table (task, metric, baseline, current, delta, CI, n, verdict), notes, and a final
    line "gate: PASS" or "gate: FAIL (k metrics got worse; TASK missing from the current run)".
    The delta is the one the verdict judged: over the paired examples where the key has one."""
    header = ["task", "metric", "baseline", "current", "delta", f"{level(report.alpha)} CI", "n",
              "verdict"]
    table = [header] + [
        [r.task, r.metric, _num(r.baseline), _num(r.current), _num(r.judged, signed=True),
         "-" if r.ci_low is None else f"[{_num(r.ci_low, True)}, {_num(r.ci_high, True)}]",
         "-" if r.n_paired is None else str(r.n_paired), r.verdict]
        for r in report.rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    right = {2, 3, 4, 5, 6}

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if i in right else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths, strict=True))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i in right else "-" * (w + 2)
                          for i, w in enumerate(widths)) + "|"
    out = [f"baseline: {report.baseline}", f"current:  {report.current}", f"rule: {report.rule}", "",
           line(table[0]), rule, *(line(row) for row in table[1:])]
    if report.pairing:
        out += ["", "paired by id: " + "; ".join(
            f"{task} {p.paired} (only in the baseline {p.only_baseline}, only in the current run "
            f"{p.only_current})" for task, p in report.pairing.items())]
    if report.notes:
        out += ["", *(f"note: {n}" for n in report.notes)]
    lower = [f"{r.task} {r.metric}" for r in report.rows if r.direction == "lower"]
    if lower:
        out += ["", f"lower is better: {', '.join(lower)}"]
    k = len([r for r in report.failures if r.verdict != "missing"])
    missing = f"{', '.join(report.missing)} missing from the current run" if report.missing else ""
    worse = f"{k} metric{'s' if k != 1 else ''} got worse" if k else ""
    out += ["", f"gate: FAIL ({'; '.join(x for x in (worse, missing) if x)})"
            if report.failed else "gate: PASS"]
    return "\n".join(out)
