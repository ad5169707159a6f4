"""Parameter trees: flat '/'-joined keys, the shapes a config expects, and checks that name every
missing, unexpected or mis-shaped tensor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
from flax.traverse_util import flatten_dict, unflatten_dict

from pgeval.errors import InputError
from pgeval.model.config import PaliGemmaConfig
from pgeval.model.paligemma import PaliGemma


def flatten(tree: Mapping[str, Any]) -> dict[str, Any]:
    return flatten_dict(tree, sep="/")


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    return unflatten_dict(dict(flat), sep="/")


def expected_shapes(cfg: PaliGemmaConfig) -> dict[str, tuple[int, ...]]:
    """The shape of every parameter of a model with this config, without allocating any."""
    res = cfg.vision.image_size
    model = PaliGemma(cfg)
    shapes = jax.eval_shape(
        model.init, jax.random.PRNGKey(0), jnp.zeros((1, res, res, 3)),
        jnp.zeros((1, 2), jnp.int32), jnp.ones((1, 2), bool), jnp.zeros((1, 2), bool))
    return {k: tuple(v.shape) for k, v in flatten(shapes["params"]).items()}


def check_tree(found: Mapping[str, tuple[int, ...]], expected: Mapping[str, tuple[int, ...]],
               path: str) -> None:
    """Raise one error listing missing and unexpected keys and every shape mismatch."""
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    mismatched = [f"{k}: checkpoint {tuple(found[k])}, model {tuple(expected[k])}"
                  for k in sorted(set(found) & set(expected))
                  if tuple(found[k]) != tuple(expected[k])]
    raise_if_problems(path, missing, unexpected, mismatched)


def raise_if_problems(path: str, missing: list[str], unexpected: list[str],
                      mismatched: list[str]) -> None:
    if not (missing or unexpected or mismatched):
        return
    parts = []
    for title, items in (("missing keys", missing), ("unexpected keys", unexpected),
                         ("shape mismatches", mismatched)):
        if items:
            parts.append(f"{title} ({len(items)}):\n" + "\n".join(f"    {x}" for x in items))
    raise InputError("checkpoint does not match the model:\n  " + "\n  ".join(parts), path=path)
