"""The wheel ships every package and the built-in task specs; the test extra installs what every
test needs, and the README's test command is what CI runs."""

import re
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


def extra_requirements(extras: dict[str, list[str]], name: str) -> set[str]:
    """The requirements of extra `name`, with those of the pgeval[...] extras it names."""
    found = set()
    for requirement in extras[name]:
        inner = re.fullmatch(r"pgeval\[(.*)\]", requirement)
        found |= (set().union(*(extra_requirements(extras, e) for e in inner[1].split(",")))
                  if inner else {requirement})
    return found


def test_the_test_extra_installs_every_extra_the_tests_skip_without():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    named = {m for p in (ROOT / "tests").rglob("*.py")
             for m in re.findall(r'needs_extra\("(\w+)"', p.read_text())}
    assert {"bench", "chem", "tfds", "toxicity"} <= named
    everything = extra_requirements(extras, "test")
    for extra in named:
        assert extra_requirements(extras, extra) <= everything, extra
