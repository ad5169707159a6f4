"""Options shared by several commands: task folders, run-time resources, the model and the hosts."""

from __future__ import annotations

import math

import click

tasks_dir_option = click.option(
    "--tasks-dir", "tasks_dirs", multiple=True, type=click.Path(file_okay=False),
    help="Extra folder of task spec files (repeatable); its tasks replace built-ins of the same name.",
)


class FiniteRange(click.FloatRange):
    """A number in a range, NaN and infinities refused (click's FloatRange lets NaN through: no
    comparison with NaN is false). A refusal is a usage error: exit 2."""

    name = "finite number"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number ({self._describe_range()}).", param, ctx)
        return number


def resource_options(fn):
    """Run-time resources some adapters need: the mask decoder, the toxicity scorer, the DOCCI
    entailment judge, the MIMIC-CXR RadGraph scorer."""
    fn = click.option(
        "--radgraph-scorer", default=None,
        help="For mimic_cxr's RadGraph F1: file:SCORES.jsonl or radgraph:MODEL_DIR (default: none, "
             "RadGraph F1 not reported).",
    )(fn)
    fn = click.option(
        "--entailment-judge", default=None,
        help="For docci's non-entailed sentences: file:JUDGMENTS.jsonl or nli:MODEL_DIR (default: "
             "none, not reported).",
    )(fn)
    fn = click.option(
        "--toxicity-scorer", default=None,
        help="For fairface_toxicity: offline (default), perspective[:CACHE], or file:SCORES.jsonl.",
    )(fn)
    return click.option(
        "--vae", type=click.Path(dir_okay=False), default=None,
        help="Segmentation mask decoder, big_vision's vae-oid.npz (for refcoco tasks; `run` looks "
             "beside the checkpoint by default).",
    )(fn)


def _apply(fn, options):
    for option in reversed(options):
        fn = option(fn)
    return fn


def model_options(fn):
    """Options of every command that runs a checkpoint."""
    return _apply(fn, [
        click.option("--checkpoint", default=None,
                     help="big_vision .npz file, Hugging Face PaliGemma folder or PEFT LoRA adapter "
                          "folder; or a Hub id (org/name, org/name@revision), a Kaggle handle "
                          "(kaggle:owner/model/framework/variation[/version]) or a URL "
                          "(gs://bucket/ckpt.npz)."),
        click.option("--base", default=None,
                     help="For a LoRA adapter: the checkpoint it was trained from, in any form "
                          "--checkpoint takes (default: the adapter config's base model)."),
        click.option("--tokenizer", default=None,
                     help="SentencePiece model, a path or URL (default: tokenizer.model or "
                          "paligemma_tokenizer.model beside the checkpoint, or in its repo)."),
        click.option("--res", type=int, default=None,
                     help="Image resolution (default: the checkpoint's; others resample the "
                          "position embeddings)."),
        click.option("--batch-size", type=click.IntRange(min=1), default=8, show_default=True,
                     help="Examples per compiled batch (the last is padded with masked examples)."),
        click.option("--dtype", type=click.Choice(["float32", "bfloat16"]), default="float32",
                     show_default=True,
                     help="Compute dtype of weights, activations and KV cache (bfloat16 halves memory)."),
        click.option("--mesh", default=None,
                     help="Device mesh, e.g. data=4,model=2 (default: all devices on data)."),
    ])


def host_options(fn):
    """Options of commands that can run over several hosts."""
    return _apply(fn, [
        click.option("--coordinator", default=None,
                     help="host:port of process 0 for multi-host runs (or JAX_COORDINATOR_ADDRESS)."),
        click.option("--num-processes", type=int, default=None,
                     help="Number of processes (or JAX_NUM_PROCESSES)."),
        click.option("--process-id", type=int, default=None,
                     help="This process's index (or JAX_PROCESS_ID)."),
    ])
