"""pgeval: an evaluation harness for PaliGemma-family vision-language models."""

__version__ = "0.1.0"


def __getattr__(name: str):
    """`pgeval.evaluate` and `pgeval.load_run`, imported on first use (they pull in JAX)."""
    if name == "evaluate":
        from pgeval.evaluation import evaluate

        return evaluate
    if name == "load_run":
        from pgeval.runs import load_run

        return load_run
    raise AttributeError(f"module 'pgeval' has no attribute {name!r}")
