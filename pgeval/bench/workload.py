"""`pgeval bench --workload`: a synthetic VQAv2 or DocVQA split (pgeval.bench.workloads) through
pgeval's Engine and through transformers' `generate`, on the same random model.

pgeval runs it as `pgeval run` does: requests over image files, batched by its engine (questions
on one image share its SigLIP pass, each batch padded to its own prefix bucket). transformers runs
it as a user would: consecutive questions in batches, each example's image opened, preprocessed
and encoded, prompts left-padded to the batch's longest. Both decode greedily up to `decode_len`
tokens, stopping at EOS. Runs alternate after a warm-up of each (pgeval's whole workload, so that
each of its shapes is compiled; transformers' first batch).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import jax
import numpy as np
from PIL import Image

from pgeval.bench.engine import RandomModels, interleaved_medians, random_models, torch_sync
from pgeval.bench.workloads import WORKLOADS, SplitStats, draw, prefix_tokens
from pgeval.demo.bundle import demo_tokenizer
from pgeval.engine.runner import Engine, Request
from pgeval.errors import PgevalError
from pgeval.model.loading import Checkpoint
from pgeval.model.tokenizer import Tokenizer
from pgeval.tasks import get_task


@dataclass(frozen=True)
class WorkloadResult:
    workload: str
    config: str
    device: str
    batch_size: int
    res: int
    decode_len: int
    examples: int
    images: int
    prefix_tokens: float  # mean prefix length
    encoded_per_example: float  # images pgeval's SigLIP encoded per example (transformers: 1)
    pgeval_new_tokens: float  # mean generated tokens per example
    hf_new_tokens: float
    pgeval_ex_per_s: float
    hf_ex_per_s: float
    ratio: float


def write_images(stats: SplitStats, count: int, folder: Path, seed: int) -> list[Path]:
    """`count` smooth random images of the split's stored size and format (smooth, so they
    compress as photos and scans do, not as noise)."""
    rng = np.random.default_rng(seed)
    w, h = stats.image_size
    paths = []
    for i in range(count):
        coarse = Image.fromarray(rng.integers(0, 256, (h // 32 + 1, w // 32 + 1, 3), dtype=np.uint8))
        paths.append(folder / f"{i}.{stats.image_format.lower()}")
        coarse.resize((w, h), Image.Resampling.BILINEAR).save(paths[-1], stats.image_format)
    return paths


def location_prompt(tokens: int, rng: np.random.Generator) -> str:
    """A prompt whose prefix is `tokens` long: BOS, `<locNNNN>` pieces (one token each, ids below
    1024 in PaliGemma's layout, so within even the tiny shape's vocabulary), the separator."""
    return "".join(f"<loc{n:04d}>" for n in rng.integers(0, 1000, tokens - 2))


def _hf_batches(m: RandomModels, paths: Sequence[Path], ids: Sequence[list[int]], images: Sequence[int],
                batch_size: int, decode_len: int, tok: Tokenizer) -> Callable[[int], list[int]]:
    """transformers over the examples from `start`, one batch: how many tokens each generated."""
    import torch
    from transformers import SiglipImageProcessorPil

    r = m.shape.vision.image_size
    processor = SiglipImageProcessorPil(size={"height": r, "width": r})
    image_tokens = [m.cfg.image_token_index] * m.shape.vision.num_patches

    def run(start: int) -> list[int]:
        chunk = range(start, min(start + batch_size, len(ids)))
        pictures = []
        for i in chunk:
            with Image.open(paths[images[i]]) as picture:
                pictures.append(picture.convert("RGB"))
        pixels = processor(images=pictures, return_tensors="pt")["pixel_values"]
        width = max(len(ids[i]) for i in chunk) + len(image_tokens)
        rows = [[tok.pad_id] * (width - len(image_tokens) - len(ids[i])) + image_tokens + ids[i]
                for i in chunk]
        input_ids = torch.tensor(rows, device=m.device)
        with torch.inference_mode():
            out = m.hf.generate(input_ids=input_ids, attention_mask=(input_ids != tok.pad_id).long(),
                                token_type_ids=torch.zeros_like(input_ids),
                                pixel_values=pixels.to(m.device, m.torch_dtype),
                                max_new_tokens=decode_len, do_sample=False,
                                eos_token_id=tok.eos_id, pad_token_id=tok.pad_id)
        torch_sync(m.device)
        new = out[:, width:].tolist()
        return [row.index(tok.eos_id) if tok.eos_id in row else len(row) for row in new]

    return run


def run_workload_bench(workload: str, config: str = "small", *, examples: int = 64,
                       batch_size: int = 8, res: int | None = None, decode_len: int = 16,
                       dtype: str = "float32", repeats: int = 3, seed: int = 0,
                       log: Callable[[str], None] = print) -> WorkloadResult:
    """Both engines over `examples` questions drawn from the workload's statistics."""
    if workload not in WORKLOADS:
        raise PgevalError(f"--workload must be one of {sorted(WORKLOADS)}")
    stats = WORKLOADS[workload]
    m = random_models(config, res, dtype, log)
    tok = Tokenizer(demo_tokenizer())
    task = get_task(stats.task)
    questions = draw(stats, examples, seed)
    rng = np.random.default_rng(seed)
    prompts = [location_prompt(prefix_tokens(len(task.prompt.format(question="x" * q.chars))), rng)
               for q in questions]
    ids = [tok.encode_prefix(p) for p in prompts]
    images = [q.image for q in questions]
    engine = Engine(Checkpoint(m.cfg, m.params, "random"), tok, dtype=dtype, batch_size=batch_size)
    with tempfile.TemporaryDirectory() as folder:
        paths = write_images(stats, max(images) + 1, Path(folder), seed)
        log(f"{workload}: {examples} questions on {len(paths)} images, prefixes of "
            f"{min(map(len, ids))}-{max(map(len, ids))} tokens (mean {np.mean(list(map(len, ids))):.1f})")
        requests = [Request(f"q{i}", (paths[q.image],), p, task.resize)
                    for i, (q, p) in enumerate(zip(questions, prompts, strict=True))]
        ours_lengths: list[int] = []

        def ours() -> None:
            ours_lengths[:] = [len(o.tokens) for b in engine.generate(requests, decode_len,
                                                                      progress=False) for o in b]

        hf_batch = _hf_batches(m, paths, ids, images, engine.batch_size, decode_len, tok)
        hf_lengths: list[int] = []

        def theirs() -> None:
            hf_lengths[:] = [n for s in range(0, examples, engine.batch_size) for n in hf_batch(s)]

        log("warming up (compiling every shape of the workload)")
        ours()
        hf_batch(0)
        encoded = engine.encoded_images
        ours_s, hf_s = interleaved_medians(ours, theirs, repeats=repeats, examples=examples, log=log)
    return WorkloadResult(
        workload=workload, config=config, device=jax.devices()[0].device_kind,
        batch_size=engine.batch_size, res=m.shape.vision.image_size, decode_len=decode_len,
        examples=examples, images=len(set(images)), prefix_tokens=float(np.mean(list(map(len, ids)))),
        encoded_per_example=(engine.encoded_images - encoded) / repeats / examples,
        pgeval_new_tokens=float(np.mean(ours_lengths)), hf_new_tokens=float(np.mean(hf_lengths)),
        pgeval_ex_per_s=examples / ours_s, hf_ex_per_s=examples / hf_s, ratio=hf_s / ours_s)
