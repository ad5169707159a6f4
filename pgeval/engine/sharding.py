"""Meshes and sharding rules: parameters split by named rules (attention heads, MLP hidden units
and the vocabulary on the `model` axis), batches split on the `data` axis.

`--mesh data=N,model=M` arranges this process's devices; by default every device holds a slice of
the batch. A mesh larger than one host's devices (a `model` axis larger than a host, say) spans
every process's devices, and all processes then run the same global batches. A dimension that
does not divide by the `model` axis stays whole.
"""

from __future__ import annotations

import re

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from pgeval.errors import InputError

AXES = ("data", "model")
M = "model"

# (pattern on the '/'-joined parameter path, which dimension goes on the model axis)
RULES: tuple[tuple[re.Pattern[str], int], ...] = tuple((re.compile(p), d) for p, d in (
    (r"^llm/embedder/input_embedding$", 0),                    # (vocab, width)
    (r"^llm/layers/attn/(q_einsum|attn_vec_einsum)/w$", 1),    # (depth, heads, ...)
    (r"^llm/layers/attn/kv_einsum/w$", 2),                     # (depth, 2, kv_heads, ...)
    (r"^llm/layers/attn/qkv_einsum/w$", 2),                    # (depth, 3, heads, ...)
    (r"^llm/layers/mlp/gating_einsum$", 3),                    # (depth, 2, width, mlp)
    (r"^llm/layers/mlp/linear$", 1),                           # (depth, mlp, width)
    (r"/MultiHeadDotProductAttention_0/(query|key|value)/kernel$", 2),  # (depth, width, heads, hd)
    (r"/MultiHeadDotProductAttention_0/(query|key|value)/bias$", 1),    # (depth, heads, hd)
    (r"/MultiHeadDotProductAttention_0/out/kernel$", 1),        # (depth, heads, hd, width)
    (r"/MlpBlock_0/Dense_0/kernel$", 2),                        # (depth, width, mlp)
    (r"/MlpBlock_0/Dense_0/bias$", 1),                          # (depth, mlp)
    (r"/MlpBlock_0/Dense_1/kernel$", 1),                        # (depth, mlp, width)
))


def parse_mesh(spec: str | None, devices: list | None = None) -> Mesh:
    """A (data, model) mesh from "data=N,model=M" (either may be left out); default all on data.
    Without `devices`: this process's devices, or every process's when the mesh needs more."""
    sizes = {"data": None, "model": 1}
    for part in filter(None, (spec or "").split(",")):
        name, _, value = part.partition("=")
        if name.strip() not in sizes or not value.strip().isdigit() or int(value) < 1:
            raise InputError(f"bad --mesh {spec!r}: expected e.g. data=4,model=2")
        sizes[name.strip()] = int(value)
    if devices is None:
        devices = jax.local_devices()
        if (sizes["data"] or 1) * sizes["model"] > len(devices) and jax.process_count() > 1:
            devices = jax.devices()
    devices = list(devices)
    if sizes["data"] is None:
        sizes["data"] = max(1, len(devices) // sizes["model"])
    needed = sizes["data"] * sizes["model"]
    if needed > len(devices):
        raise InputError(f"--mesh {spec!r} needs {needed} devices, there are {len(devices)}",
                         hint="in a multi-host run a larger mesh spans every host's devices")
    grid = np.array(devices[:needed]).reshape(sizes["data"], sizes["model"])
    return Mesh(grid, AXES)


def param_spec(key: str, shape: tuple[int, ...], mesh: Mesh) -> PartitionSpec:
    model = mesh.shape[M]
    for pattern, dim in RULES:
        if pattern.search(key):
            if model > 1 and dim < len(shape) and shape[dim] % model == 0:
                return PartitionSpec(*(M if i == dim else None for i in range(len(shape))))
            break
    return PartitionSpec()


def param_sharding(key: str, shape: tuple[int, ...], mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, param_spec(key, shape, mesh))


def batch_sharding(mesh: Mesh) -> NamedSharding:
    """Leading (batch) dimension on `data`, the rest whole."""
    return NamedSharding(mesh, PartitionSpec("data"))


def spans_processes(mesh: Mesh) -> bool:
    """Whether the mesh holds devices of other processes (one global computation for all)."""
    return any(d.process_index != jax.process_index() for d in mesh.devices.flat)
