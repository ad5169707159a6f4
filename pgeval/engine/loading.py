"""A checkpoint and its tokenizer loaded onto a device mesh as an `Engine`, ready to generate: what
`pgeval run`, `pgeval infer` and Python callers start from."""

from __future__ import annotations

import jax

from pgeval.config import EngineConfig
from pgeval.engine.runner import Engine
from pgeval.engine.sharding import param_sharding, parse_mesh
from pgeval.errors import InputError
from pgeval.model.loading import load_checkpoint
from pgeval.model.locate import Located, locate
from pgeval.model.sources import resolve_source
from pgeval.model.tokenizer import Tokenizer, find_tokenizer


def load_engine(config: EngineConfig, found: Located | None = None) -> Engine:
    """The config's checkpoint (already `found`, or found here) and tokenizer on its device mesh
    (`data=N,model=M`), ready to generate. Tensors go straight to their shards as they are read."""
    if config.checkpoint is None:
        raise InputError("no checkpoint given", hint="pass --checkpoint PATH")
    found = found or locate(config.checkpoint, base=config.base)
    tokenizer = resolve_source(config.tokenizer).path if config.tokenizer is not None else None
    tok = Tokenizer(find_tokenizer(found.folders, tokenizer))
    grid = parse_mesh(config.mesh)
    ckpt = load_checkpoint(found, dtype=config.dtype, res=config.res,
                           place=lambda k, a: jax.device_put(a, param_sharding(k, a.shape, grid)))
    return Engine(ckpt, tok, dtype=config.dtype, batch_size=config.batch_size, mesh=grid)
