"""Train the demo model: a PaliGemma of a few million parameters on the synthetic demo tasks.

    python -m pgeval.demo.train --out DIR [--steps 224=3000,448=2000] [--batch 64] [--seed 0]
                                          [--max-minutes 224=3,448=5]

Trains its own SentencePiece tokenizer (with the loc/seg pieces) on the demo corpus, then the
model at each resolution in the order given: the first from scratch, each next one from the
previous weights with the position embeddings resampled (as `--res` resamples them at load
time). Writes DIR/tokenizer.model and DIR/demo_<res>.npz in big_vision's layout, in bfloat16,
and DIR/training.json (settings, the steps each stage ran and its loss curve). Same seed, steps
and platform: same weights.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import math
import multiprocessing
import time
from collections.abc import Sequence
from pathlib import Path

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import optax
from PIL import Image

from pgeval.demo.datasets import DEMO_TASKS, demo_corpus, training_examples
from pgeval.model.config import PaliGemmaConfig, TextConfig, VisionConfig
from pgeval.model.images import preprocess
from pgeval.model.loading import load_checkpoint, resample_posemb
from pgeval.model.npz_checkpoint import save_npz
from pgeval.model.paligemma import PaliGemma
from pgeval.model.tokenizer import Tokenizer, train_sentencepiece

SEQ_LEN = 40
# Reading (docvqa, chartqa) is the slow skill, so it gets most of the examples; refcoco is left
# out: the demo model has no mask decoder codes to learn.
MIXTURE = {"vqav2": 0.25, "docvqa": 0.45, "coco_captions": 0.1, "chartqa": 0.2}
READING_MIXTURE = {"vqav2": 0.15, "docvqa": 0.6, "coco_captions": 0.1, "chartqa": 0.15}


def demo_config(vocab_size: int, res: int) -> PaliGemmaConfig:
    return PaliGemmaConfig(
        vision=VisionConfig(width=192, depth=4, mlp_dim=512, num_heads=3, image_size=res),
        text=TextConfig(width=256, depth=4, mlp_dim=512, num_heads=4, num_kv_heads=1,
                        head_dim=64, query_pre_attn_scalar=64, vocab_size=vocab_size))


def _encode(tok: Tokenizer, prefix: str, suffix: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p, s = tok.encode_prefix(prefix), tok.encode_suffix(suffix)
    ids = (p + s)[:SEQ_LEN]
    tokens = np.zeros(SEQ_LEN, np.int32)
    tokens[: len(ids)] = ids
    ar = np.zeros(SEQ_LEN, bool)
    ar[len(p):] = True
    valid = np.arange(SEQ_LEN) < len(ids)
    return tokens, ar & valid, valid


def _chunk(task: str, n: int, seed: int, res: int) -> list[tuple[np.ndarray, str, str]]:
    return [(np.asarray(preprocess_uint8(img, res)), p, s)
            for img, p, s in training_examples(task, n, seed, res)]


def preprocess_uint8(image: np.ndarray, res: int) -> np.ndarray:
    """The evaluation resize (pgeval.model.images.preprocess), kept as uint8 so a large pool
    fits in memory; the [-1, 1] scaling happens on the device."""
    return np.round((preprocess(Image.fromarray(image), res) + 1.0) * 127.5).astype(np.uint8)


def build_pool(tok: Tokenizer, res: int, size: int, seed: int, workers: int,
               mixture: dict[str, float] = MIXTURE) -> dict[str, np.ndarray]:
    """A fixed training pool drawn from the task mixture, generated in parallel chunks."""
    jobs = []
    chunk = 256
    for t, task in enumerate(DEMO_TASKS):
        if task not in mixture:
            continue
        n = int(size * mixture[task])
        for c in range(math.ceil(n / chunk)):
            jobs.append((task, min(chunk, n - c * chunk), seed * 1000 + t * 100_000 + c, res))
    # spawn, not fork: the parent already runs JAX's threads
    with cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        parts = list(pool.map(_chunk, *zip(*jobs, strict=True)))
    items = [x for part in parts for x in part]
    encoded = [_encode(tok, p, s) for _, p, s in items]
    return {"images": np.stack([img for img, _, _ in items]),
            "tokens": np.stack([e[0] for e in encoded]),
            "ar": np.stack([e[1] for e in encoded]),
            "valid": np.stack([e[2] for e in encoded])}


def init_params(cfg: PaliGemmaConfig, seed: int) -> dict:
    model = PaliGemma(cfg)
    r = cfg.vision.image_size
    params = model.init(jax.random.PRNGKey(seed), jnp.zeros((1, r, r, 3)),
                        jnp.zeros((1, 2), jnp.int32), jnp.ones((1, 2), bool),
                        jnp.zeros((1, 2), bool))["params"]
    # token embeddings of unit scale once multiplied by sqrt(width), logits of unit scale
    table = params["llm"]["embedder"]["input_embedding"]
    params["llm"]["embedder"]["input_embedding"] = (
        jax.random.normal(jax.random.PRNGKey(seed + 1), table.shape) * cfg.text.width ** -0.5)
    return params


def make_step(model: PaliGemma, optimizer: optax.GradientTransformation):
    def loss_fn(params, images, tokens, ar, valid):
        logits = model.apply({"params": params}, images.astype(jnp.float32) / 127.5 - 1.0,
                             tokens[:, :-1], valid[:, :-1], ar[:, :-1])
        logp = jax.nn.log_softmax(logits, axis=-1)
        nll = -jnp.take_along_axis(logp, tokens[:, 1:, None], axis=-1)[..., 0]
        target = ar[:, 1:] & valid[:, 1:]
        return jnp.sum(nll * target) / jnp.maximum(jnp.sum(target), 1)

    @jax.jit
    def step(params, opt_state, images, tokens, ar, valid):
        loss, grads = jax.value_and_grad(loss_fn)(params, images, tokens, ar, valid)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return step


def train(cfg: PaliGemmaConfig, params: dict, pool: dict[str, np.ndarray], steps: int, batch: int,
          lr: float, seed: int, max_seconds: float = math.inf, log=print) -> tuple[dict, list]:
    """Train for `steps` steps (or until `max_seconds` of stepping have passed); returns the
    parameters and the (step, loss) curve, whose last step says how many steps were run."""
    model = PaliGemma(cfg)
    schedule = optax.warmup_cosine_decay_schedule(0.0, lr, min(500, steps // 10), steps, lr / 20)
    optimizer = optax.chain(optax.clip_by_global_norm(1.0),
                            optax.adamw(schedule, b2=0.98, weight_decay=1e-4))
    opt_state = optimizer.init(params)
    step = make_step(model, optimizer)
    device_pool = {k: jax.device_put(v) for k, v in pool.items()}
    rng = np.random.default_rng(seed)
    n = len(pool["tokens"])
    start, curve = time.time(), []
    for i in range(steps):
        idx = jnp.asarray(rng.integers(0, n, batch))
        params, opt_state, loss = step(params, opt_state, *(device_pool[k][idx] for k in
                                                             ("images", "tokens", "ar", "valid")))
        last = i == steps - 1 or time.time() - start > max_seconds
        if i % 100 == 0 or last:
            curve.append((i + 1, float(loss)))
            log(f"  res {cfg.vision.image_size} step {i + 1}/{steps} loss {float(loss):.4f} "
                f"({time.time() - start:.0f} s)")
        if last:
            break
    return params, curve


def export(params: dict, path: Path) -> Path:
    return save_npz(jax.tree.map(lambda a: np.asarray(a).astype(ml_dtypes.bfloat16), params), path)


def parse_steps(text: str) -> dict[int, float]:
    """"224=3000,448=2000" -> {224: 3000, 448: 2000}."""
    return {int(r): float(s) for r, s in (part.split("=") for part in text.split(","))}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", default="224=3000,448=2000")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--pool", type=int, default=20_000, help="training examples per resolution")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--max-minutes", default=None,
                        help="e.g. 224=2.5,448=4.5: stop a stage early (the steps run are recorded)")
    parser.add_argument("--init", type=Path, default=None,
                        help="continue from a demo_<res>.npz (with --tokenizer, its tokenizer)")
    parser.add_argument("--tokenizer", type=Path, default=None)
    parser.add_argument("--reading", action="store_true",
                        help="the reading-heavy mixture (more documents), for a second phase")
    args = parser.parse_args(argv)
    budget = parse_steps(args.max_minutes) if args.max_minutes else {}
    mixture = READING_MIXTURE if args.reading else MIXTURE
    record = {"seed": args.seed, "batch": args.batch, "pool": args.pool, "lr": args.lr,
              "init": args.init.name if args.init else None, "mixture": mixture, "stages": []}
    args.out.mkdir(parents=True, exist_ok=True)
    if args.tokenizer:
        tok_path = args.out / "tokenizer.model"
        if args.tokenizer.resolve() != tok_path.resolve():
            tok_path.write_bytes(args.tokenizer.read_bytes())
    else:
        tok_path = train_sentencepiece(demo_corpus(2000, args.seed), args.out / "tokenizer.model",
                                       1600)
    tok = Tokenizer(tok_path)
    print(f"tokenizer: {tok.vocab_size} pieces")
    params = None
    if args.init:
        params = jax.tree.map(jnp.asarray, load_checkpoint(args.init).params)
    for res, steps in parse_steps(args.steps).items():  # in the order given
        cfg = demo_config(tok.vocab_size, res)
        if params is None:
            params = init_params(cfg, args.seed)
        elif params["img"]["pos_embedding"].shape[1] != cfg.vision.num_patches:
            pos = np.asarray(params["img"]["pos_embedding"])
            params["img"]["pos_embedding"] = jnp.asarray(resample_posemb(pos, cfg.vision.num_patches))
        t = time.time()
        pool = build_pool(tok, res, args.pool, args.seed + res + (7 if args.init else 0),
                          args.workers, mixture)
        print(f"res {res}: pool of {len(pool['tokens'])} examples in {time.time() - t:.0f} s")
        params, curve = train(cfg, params, pool, int(steps), args.batch, args.lr, args.seed + res,
                              max_seconds=60 * budget.get(res, math.inf))
        path = export(params, args.out / f"demo_{res}.npz")
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
        record["stages"].append({"res": res, "steps": curve[-1][0], "loss": curve,
                                 "device": jax.devices()[0].device_kind})
        (args.out / "training.json").write_text(json.dumps(record, indent=1) + "\n")
        del pool


if __name__ == "__main__":
    main()
