"""pgeval: an evaluation harness for PaliGemma-family vision-language models.

What the command line does is one import away; the names below are imported on first use (most
pull in JAX)."""

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "EngineConfig": "pgeval.config",
    "RunConfig": "pgeval.config",
    "Resources": "pgeval.resources",
    "TaskCatalog": "pgeval.tasks",
    "evaluate": "pgeval.run.evaluation",
    "run_evaluation": "pgeval.run.evaluation",
    "load_run": "pgeval.runs",
    "score_file": "pgeval.scoring.score",
    "infer": "pgeval.run.inference",
    "load_engine": "pgeval.engine.loading",
    "list_data": "pgeval.run.data",
    "download_data": "pgeval.run.data",
    "verify_data": "pgeval.run.data",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'pgeval' has no attribute {name!r}")
