"""Several hosts: `jax.distributed` from flags or JAX's environment variables, a contiguous share
of the examples per process, and the results gathered on process 0.

Each process decodes its share on its own devices (its mesh spans its local devices), so hosts
never wait on each other until the final gather.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import jax
import numpy as np
from jax.experimental import multihost_utils

from pgeval.errors import InputError

ENV = ("JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID")


def init_distributed(coordinator: str | None = None, num_processes: int | None = None,
                     process_id: int | None = None) -> None:
    """Join a multi-process run when flags or the JAX_* variables describe one."""
    coordinator = coordinator or os.environ.get(ENV[0])
    if num_processes is None and os.environ.get(ENV[1]):
        num_processes = int(os.environ[ENV[1]])
    if process_id is None and os.environ.get(ENV[2]):
        process_id = int(os.environ[ENV[2]])
    if not num_processes or num_processes == 1:
        return
    if coordinator is None or process_id is None:
        raise InputError(f"{num_processes} processes need a coordinator address and a process id "
                         "(--coordinator / --process-id or JAX_COORDINATOR_ADDRESS / "
                         "JAX_PROCESS_ID)")
    if jax.distributed.is_initialized():
        return
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes,
                               process_id=process_id)


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
