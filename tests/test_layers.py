"""The package's import graph: reports render run directories, so only the command line (and
the reports package itself) imports pgeval.reports; evaluation never does."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pgeval"
ABOVE_REPORTS = ("cli", "reports")  # the packages allowed to import pgeval.reports


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_the_cli_imports_reports():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] in ABOVE_REPORTS:
            continue
        found = sorted(m for m in imported_modules(path)
                       if m == "pgeval.reports" or m.startswith("pgeval.reports."))
        if found:
            offenders[str(path.relative_to(PACKAGE))] = found
    assert offenders == {}


def test_the_walk_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pgeval.reports.table import tables_text\n")
    assert "pgeval.reports.table" in imported_modules(module)
