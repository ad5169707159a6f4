"""The recorded demo runs (reports/demo/224 and 448) and their report, written once per session
with the demo data regenerated in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_RUNS = (ROOT / "reports" / "demo" / "224", ROOT / "reports" / "demo" / "448")


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory):
    """PGEVAL_DEMO_DATA pointed at a fresh folder for the session (the demo data is written
    there on first use)."""
    previous = os.environ.get("PGEVAL_DEMO_DATA")
    os.environ["PGEVAL_DEMO_DATA"] = str(tmp_path_factory.mktemp("demo-data"))
    yield Path(os.environ["PGEVAL_DEMO_DATA"])
    if previous is None:
        del os.environ["PGEVAL_DEMO_DATA"]
    else:
        os.environ["PGEVAL_DEMO_DATA"] = previous


@pytest.fixture(scope="session")
def demo_report(demo_data, tmp_path_factory):
    """The report of the recorded 224 px and 448 px demo runs, side by side; (folder, stats)."""
    from pgeval.reports.html import write_report
    from pgeval.run.review import RunInputs
    from pgeval.runs import load_run
    from pgeval.tasks import TaskCatalog

    out = tmp_path_factory.mktemp("report") / "demo"
    stats = write_report([load_run(p) for p in DEMO_RUNS], out, specs=TaskCatalog.load().specs,
                         inputs=RunInputs())
    return out, stats
