"""Metric adapters, registered by name; third-party packages add theirs under `pgeval.adapters`."""

from pgeval.adapters import captioning, qa, segmentation, tables, toxicity  # noqa: F401  (imported to register the built-ins)
from pgeval.adapters.base import ADAPTERS, Adapter, Direction, Scored

__all__ = ["ADAPTERS", "Adapter", "Direction", "Scored"]
