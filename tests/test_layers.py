"""The package's import graph, stated and checked: which pgeval packages each package may import
(the code map in README.md says the same in words), with reports imported by the command line
alone; and the commands that never load a model start without importing JAX or Flax."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pgeval"
ROOT = PACKAGE.parent

BASE = {"errors", "io", "registry", "remote"}  # anyone may import these
# Each top-level package or module of pgeval, and the others it may import besides BASE. The flow
# is plan -> generate -> score -> record -> report; nothing imports upwards.
ALLOWED = {
    "errors": set(),
    "io": set(),
    "registry": set(),
    "remote": set(),  # local copies of fsspec URLs
    "segmentation": set(),  # mask tokens and the mask decoder
    "metrics": {"segmentation"},  # pure scoring rules: strings and arrays in, numbers out
    "model": set(),  # the architecture, checkpoints, tokenizer, images, video frames
    "engine": {"config", "model"},  # batching, decoding, sharding; loads a checkpoint as an Engine
    "data": {"metrics", "segmentation"},  # readers of the official formats
    "plugins": set(),
    "judges": {"metrics", "plugins"},
    "toxicity": {"metrics", "plugins"},
    "adapters": {"data", "judges", "metrics", "plugins", "segmentation", "toxicity"},
    "resources": {"judges", "toxicity"},
    "tasks": {"adapters", "data", "model", "resources"},  # task specs and the catalog
    "config": {"tasks"},
    "runs": set(),  # the record: results.json and predictions files
    "scoring": {"data", "resources", "tasks"},
    "demo": {"model", "scoring", "tasks"},
    "run": {"config", "data", "demo", "engine", "model", "resources", "runs", "scoring", "tasks"},
    "gate": {"runs"},
    "bench": {"demo", "engine", "model", "tasks"},
    "reports": {"data", "gate", "runs", "tasks", "toxicity"},
    "__main__": {"cli"},  # the `pgeval` command: its start-up SIGTERM handler, then the CLI
    "cli": {"bench", "config", "demo", "gate", "reports", "resources", "run", "runs", "scoring", "tasks"},
}


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


def unit_of(path: Path) -> str:
    """The top-level package or module a file belongs to ("run" for pgeval/run/plan.py)."""
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


def pgeval_units(modules: set[str]) -> set[str]:
    return {m.split(".")[1] for m in modules if m.startswith("pgeval.")} & set(ALLOWED)


def test_every_package_is_in_the_map():
    units = {unit_of(p) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE}
    assert units == set(ALLOWED)


def test_each_package_imports_only_what_the_map_allows():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent == PACKAGE and path.name == "__init__.py":
            continue  # the public API, imported lazily, names everything
        unit = unit_of(path)
        extra = pgeval_units(imported_modules(path)) - ALLOWED[unit] - BASE - {unit}
        if extra:
            offenders[str(path.relative_to(PACKAGE))] = sorted(extra)
    assert offenders == {}


def test_only_the_cli_imports_reports():
    assert [u for u, allowed in ALLOWED.items() if "reports" in allowed] == ["cli"]


def test_the_walk_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pgeval.reports.table import tables_text\n")
    assert "pgeval.reports.table" in imported_modules(module)
    assert pgeval_units(imported_modules(module)) == {"reports"}


PROBE = """
import contextlib, io, json, sys
from pgeval.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit as e:
        code = e.code
print(json.dumps({"code": code, "heavy": sorted(m for m in ("jax", "flax") if m in sys.modules)}))
"""


def command_imports(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo_runs() -> list[str]:
    return [str(ROOT / "reports" / "demo" / "224"), str(ROOT / "reports" / "demo" / "448")]


@pytest.mark.parametrize("command", [["--help"], ["tasks"], ["score", "--help"], ["run", "--help"]])
def test_help_and_listings_start_without_jax(command):
    assert command_imports(*command) == {"code": 0, "heavy": []}


def test_reports_and_the_gate_run_without_jax(demo_runs, tmp_path, monkeypatch):
    monkeypatch.setenv("PGEVAL_DEMO_DATA", str(tmp_path / "demo-data"))  # the report's examples
    for command in (["table", *demo_runs], ["leaderboard", *demo_runs],
                    ["plot", *demo_runs, "--out", str(tmp_path)],
                    ["gate", "--baseline", demo_runs[1], "--current", demo_runs[1]],
                    ["report", *demo_runs, "--out", str(tmp_path / "report")]):
        assert command_imports(*command) == {"code": 0, "heavy": []}, command


def test_scoring_a_metric_without_a_model_runs_without_jax(tmp_path):
    folder = tmp_path / "textvqa"
    folder.mkdir()
    data = {"data": [{"question_id": 1, "image_id": "a", "question": "what?",
                      "answers": ["stop"] * 10}]}
    (folder / "TextVQA_0.5.1_val.json").write_text(json.dumps(data))
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(json.dumps({"id": "1", "prediction": "stop"}) + "\n")
    assert command_imports("score", "--task", "textvqa", "--predictions", str(predictions),
                           "--data-dir", str(tmp_path)) == {"code": 0, "heavy": []}
