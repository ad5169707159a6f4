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


def quick_start_command(text: str) -> str:
    """The README's command line, near its top, that contains `text`."""
    readme = (ROOT / "README.md").read_text().splitlines()[:40]
    return next(line.strip() for line in readme if text in line and line.startswith("    "))


def test_readme_commands_install_what_each_needs_and_ci_runs_them():
    demo = quick_start_command("pgeval run --demo")
    assert demo.startswith("pip install -e . && pgeval run --demo ")  # the package alone
    tests = quick_start_command("python -m pytest")
    assert tests.startswith('pip install -e ".[test]" && ')
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in [line.strip() for line in ci.splitlines()]
    assert demo.split(" && ")[1] in ci


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
