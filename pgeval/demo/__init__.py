"""The embedded demo: deterministic synthetic benchmarks in the official formats (and, beside
them, the tiny trained model that reads them).

`pgeval.demo.datasets` generates and writes the data sets; `pgeval.demo.scenes` draws the pictures.
"""

from pgeval.demo.datasets import (
    DEMO_TASKS,
    demo_corpus,
    generate,
    training_picture,
    write_demo_data,
    write_task,
)

__all__ = ["DEMO_TASKS", "demo_corpus", "generate", "training_picture", "write_demo_data", "write_task"]
