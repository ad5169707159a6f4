"""The inference engine: compiled prefill + decode on device, batching and prefetch on the host."""

from pgeval.engine.runner import Engine, Output, Request

__all__ = ["Engine", "Output", "Request"]
