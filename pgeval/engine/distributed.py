"""Several hosts: `jax.distributed` from flags, JAX's environment variables or the cluster JAX
detects itself; a contiguous share of the examples per process; what the processes hold gathered
on process 0, or process 0's decisions sent to all.

Each process decodes its share on its own devices (its mesh spans its local devices), unless the
mesh spans every process's devices, when all of them decode the same global batches.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils

from pgeval.errors import InputError

ENV = ("JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID")


def init_distributed(coordinator: str | None = None, num_processes: int | None = None,
                     process_id: int | None = None, *, auto: bool = False) -> None:
    """Join a multi-process run when flags or the JAX_* variables describe one, or, with `auto`,
    when JAX recognizes the cluster it runs on (Cloud TPU VMs, SLURM, Open MPI). Must come before
    anything else uses JAX."""
    coordinator = coordinator or os.environ.get(ENV[0])
    if num_processes is None and os.environ.get(ENV[1]):
        num_processes = int(os.environ[ENV[1]])
    if process_id is None and os.environ.get(ENV[2]):
        process_id = int(os.environ[ENV[2]])
    if jax.distributed.is_initialized():
        return
    if not num_processes or num_processes == 1:
        if auto and num_processes is None:
            _detect_cluster()
        return
    if coordinator is None or process_id is None:
        raise InputError(f"{num_processes} processes need a coordinator address and a process id "
                         "(--coordinator / --process-id or JAX_COORDINATOR_ADDRESS / "
                         "JAX_PROCESS_ID)")
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes,
                               process_id=process_id)


def _detect_cluster() -> None:
    """`jax.distributed.initialize()` with no arguments: JAX reads the cluster's own description
    (TPU metadata, SLURM_* variables, ...), and says it found none by asking for a coordinator.
    Once JAX has computed in this process (a Python caller's earlier work) no cluster can be
    joined any more, and the run stays on this process."""
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    try:
        jax.distributed.initialize()
    except ValueError as e:
        if "coordinator_address" not in str(e):
            raise
    except RuntimeError as e:
        if "must be called before" not in str(e):
            raise


def is_multiprocess() -> bool:
    return jax.process_count() > 1


def gather_json(value: Any) -> list[Any]:
    """Every process's JSON-ready `value`, in process order, on every process."""
    if not is_multiprocess():
        return [value]
    data = np.frombuffer(json.dumps(value, ensure_ascii=False).encode(), np.uint8)
    sizes = multihost_utils.process_allgather(np.array([len(data)], np.int64)).reshape(-1)
    padded = np.zeros(int(sizes.max()), np.uint8)
    padded[: len(data)] = data
    everything = multihost_utils.process_allgather(padded)
    return [json.loads(bytes(row[:size]).decode()) for row, size in zip(everything, sizes, strict=True)]


def from_process_zero(value: Any) -> Any:
    """Process 0's JSON-ready `value`, on every process (the others' `value` is ignored)."""
    return gather_json(value if jax.process_index() == 0 else None)[0]


def shutdown() -> None:
    """Leave the multi-process run (every process at once): afterwards process 0 still computes
    on its own devices, and no process waits on another when it exits."""
    if jax.distributed.is_initialized():
        jax.distributed.shutdown()


def share(n: int, process: int | None = None, count: int | None = None) -> range:
    """The contiguous range of example indices this process handles."""
    process = jax.process_index() if process is None else process
    count = jax.process_count() if count is None else count
    per = -(-n // count)
    return range(min(n, process * per), min(n, (process + 1) * per))


def gather_rows(local: Sequence[np.ndarray], n: int) -> list[np.ndarray] | None:
    """Concatenate every process's rows (in process order) on process 0; None elsewhere.

    `local` holds arrays whose first axis is this process's share of n examples.
    """
    if jax.process_count() == 1:
        return list(local)
    per = -(-n // jax.process_count())
    padded = [np.concatenate([a, np.zeros((per - len(a), *a.shape[1:]), a.dtype)]) for a in local]
    gathered = multihost_utils.process_allgather(tuple(padded))
    if jax.process_index() != 0:
        return None
    out = []
    for g in gathered:
        rows = [g[p][: len(share(n, p))] for p in range(jax.process_count())]
        out.append(np.concatenate(rows))
    return out
