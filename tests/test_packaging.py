"""The wheel ships every package and the built-in task specs."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "pgeval").rglob("__init__.py")}
    assert found | {"pgeval.builtin_tasks"} == listed


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text().splitlines()
    ci = (ROOT / ".ci" / "run").read_text()
    command = next(line.strip() for line in readme[:30] if line.strip().startswith("python -m pytest"))
    assert command in ci
