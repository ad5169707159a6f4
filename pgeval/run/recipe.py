"""A task's recipe: everything that changes one of its predictions or its scores, recorded with
the task in results.json and at the head of its partial predictions file, so that a rerun on the
same run directory reuses only what the same recipe produced.

The recipe holds the spec's prompt, decoding (max_decode_len, beam_size), image resizing and
video sampling, its data source, split and source arguments, where the examples came from (the
official files, or a Hub copy at a commit), its scoring adapter with its
arguments and run-time resources, how the primary value pools examples, the sha256 of the
annotation files, and the model (the checkpoint's and the tokenizer's sha256, the resolution and
the dtype). `--limit` is not in it: the first N examples of a split are the same examples
whatever N is, so a rerun with another limit reuses the predictions it shares with the last one.
How a limit picks examples is (`selection`), so a change of that rule changes every recipe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pgeval.errors import InputError
from pgeval.resources import Resources
from pgeval.run.plan import TaskPlan

SELECTION = "the first --limit examples in the data source's order"


def _described(value: Any) -> str:
    """A run-time resource as the recipe names it: a path or choice, or a scorer's description."""
    describe = getattr(value, "describe", None)
    return describe() if callable(describe) else str(value)


def task_recipe(plan: TaskPlan, model: Mapping[str, Any], data_sha256: Mapping[str, str],
                resources: Resources) -> dict[str, Any]:
    """The task's recipe as a JSON object; `model` holds checkpoint_sha256, tokenizer_sha256, res
    and dtype."""
    spec = plan.spec
    taken = resources.taken_by(spec.adapter_class().resources)
    return {
        "prompt": spec.prompt, "max_decode_len": spec.max_decode_len, "beam_size": spec.beam_size,
        "resize": spec.resize,
        "video": None if spec.video is None else {"frames": spec.video.frames,
                                                  "stride": spec.video.stride, "fps": spec.video.fps},
        "source": spec.source, "source_args": dict(spec.source_args), "split": spec.split,
        "provenance": plan.provenance,
        "selection": SELECTION, "adapter": spec.adapter, "adapter_args": dict(spec.adapter_args),
        "resources": {k: _described(v) for k, v in sorted(taken.items())},
        "aggregate": spec.aggregate, "mean_excluding": list(spec.mean_excluding),
        "data_sha256": dict(data_sha256), **model,
    }


def recipe_sha256(recipe: Mapping[str, Any]) -> str:
    """The recipe's digest: sha256 of its canonical JSON (sorted keys)."""
    text = json.dumps(recipe, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def differences(recorded: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """The fields whose values differ, each as `name (RECORDED then, CURRENT now)`."""
    names = [*current, *(k for k in recorded if k not in current)]
    return [f"{k} ({_shown(recorded.get(k))} then, {_shown(current.get(k))} now)"
            for k in names if recorded.get(k) != current.get(k)]


def check_recipe(recorded: Mapping[str, Any] | None, current: Mapping[str, Any], *, task: str,
                 where: str, what: str) -> None:
    """Raise unless `recorded` (what `where` says `what` was made with) is `current`; a record
    without a recipe (made before pgeval recorded recipes) is refused too."""
    hint = f"pass another --out, or --overwrite {task} to run {task} again from scratch here"
    if recorded is None:
        raise InputError(f"task {task}: {what} has no recipe (written by an older pgeval), so "
                         "whether it was made the same way cannot be checked", path=where, hint=hint)
    differ = differences(recorded, current)
    if differ:
        raise InputError(f"task {task}: {what} was made with another recipe: "
                         + "; ".join(differ), path=where, hint=hint)
