"""Train the demo model: a PaliGemma of a few million parameters on the synthetic demo tasks.

    python -m pgeval.demo.train --out DIR [--stages RES:STEPS:MIXTURE[:MAX_MINUTES],...]
                                          [--seed 0] [--devices 2]

Trains its own SentencePiece tokenizer (with the loc/seg pieces) on the demo corpus, then the
model stage by stage (default STAGES: 448 px on the "reading" mixture, 448 px on the "seeing"
mixture, then 224 px): the first from scratch, each next one from the checkpoint the previous
one wrote, with the position embeddings resampled when the resolution changes (as `--res`
resamples them at load time). Writes DIR/tokenizer.model and DIR/demo_<res>.npz in big_vision's
layout, in bfloat16, and DIR/training.json (settings, the steps each stage ran, its loss curves,
and why the recipe is what it is), after each stage; run again with the same DIR and settings,
it resumes after the stages recorded there. Same seed, stages and platform: same weights. On a
CPU the batch is split over `--devices` XLA host devices (data parallel).

Each step encodes a batch of pictures once and decodes several questions about each. Two losses
are added on the forms (docvqa) during training only, and neither is part of the checkpoint:
a reading loss, a linear head on each image token that names the figure in each form cell the
token covers, and a routing loss that points head 0 of decoder layer ROUTING_LAYER, at the
position predicting each answer figure, at the image token over that figure's cell (and at the
empty cell after the last figure where the answer ends). Without them a model this small spends
its hour learning the answers' lengths; with them it reads the 448 px forms in a few hundred
steps, and what the 224 px model cannot do is see the figures.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import dataclasses
import json
import math
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import optax
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from PIL import Image

from pgeval.demo.datasets import DEMO_TASKS, DOC_FIELDS, TrainingPicture, demo_corpus, training_picture
from pgeval.demo.scenes import CELL, FORM_GRID, FORM_SIZE, Cell, key_cells
from pgeval.model.config import PaliGemmaConfig, TextConfig, VisionConfig
from pgeval.model.gemma import Block, RMSNorm, apply_rope
from pgeval.model.images import preprocess
from pgeval.model.loading import load_checkpoint, resample_posemb
from pgeval.model.npz_checkpoint import save_npz
from pgeval.model.paligemma import PaliGemma
from pgeval.model.tokenizer import Tokenizer, train_sentencepiece

SEQ_LEN = 32
PATCH = 28
VOCAB = 1600
PICTURES = 8  # per step
ROUTING_LAYER = 1  # whose head 0 the routing loss points (layer 0 has not read the question yet)
QUESTIONS = 3  # decoded per picture (drawn with replacement from its questions)
# Shares of the pictures. "reading" first: the forms take most steps to learn; "seeing" after:
# once the forms read, most of the steps go to the shapes. refcoco is left out (the demo model
# has no mask decoder codes to learn).
MIXTURES = {
    "reading": {"docvqa": 0.4, "vqav2": 0.35, "coco_captions": 0.1, "chartqa": 0.15},
    "seeing": {"docvqa": 0.15, "vqav2": 0.7, "coco_captions": 0.05, "chartqa": 0.1},
}
STAGES = "448:1100:reading,448:250:seeing,224:250:seeing"
WHY = (
    "28 px patches: 256 image tokens at 448 px and 64 at 224 px (a quarter of what 14 px patches "
    "cost), and on the forms' 28 px grid one cell per token at 448 px, four at 224. The forms' "
    "figures are 3 x 5 px, one per cell: at 448 px each token sees one crisp figure; at 224 px "
    "a token holds four figures drawn with half-pixel strokes, none darker than mid-gray. The "
    "reading loss teaches the encoder the figures and the routing loss teaches the decoder which "
    "cell each answer figure is in (a model this small learns neither from the answers alone "
    "within the hour). The shapes are learned last, on a mixture mostly of them. The 224 px model "
    "starts from the 448 px weights, routing included, and trains with the same losses on the "
    "same mixture as the last 448 px stage: it has had more training, not less."
)


def demo_config(vocab_size: int, res: int) -> PaliGemmaConfig:
    return PaliGemmaConfig(
        vision=VisionConfig(width=192, depth=4, mlp_dim=512, num_heads=3, patch_size=PATCH,
                            image_size=res),
        text=TextConfig(width=256, depth=4, mlp_dim=512, num_heads=4, num_kv_heads=1,
                        head_dim=64, query_pre_attn_scalar=64, vocab_size=vocab_size))


def cells_per_token(res: int, patch: int = PATCH) -> int:
    """How many form cells one image token spans along each side."""
    span = patch * FORM_SIZE / res
    if span % CELL:
        raise ValueError(f"a {patch} px patch at {res} px does not cover whole {CELL} px cells")
    return int(span // CELL)


def cell_token(cell: Cell, res: int, patch: int = PATCH) -> int:
    """The index of the image token that covers a form cell."""
    c = cells_per_token(res, patch)
    return (cell[0] // c) * (FORM_GRID // c) + cell[1] // c


def figure_targets(figures: Mapping[Cell, str] | None, res: int, patch: int = PATCH
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The reading loss's targets for one picture: (tokens, cells per token) figure classes
    (0-9, 10 for an empty cell) in row-major order of the cells a token covers, and a (tokens,)
    weight: 0 over the title and the keys (text that is not figures) and for pictures that are
    not forms."""
    c = cells_per_token(res, patch)
    grid = FORM_GRID // c
    targets = np.full((grid * grid, c * c), 10, np.int32)
    weights = np.zeros(grid * grid, np.float32)
    if figures is None:
        return targets, weights
    weights[:] = 1.0
    for (row, col), figure in figures.items():
        targets[cell_token((row, col), res, patch), (row % c) * c + col % c] = int(figure)
    for cell in {*key_cells(len(DOC_FIELDS)), *((0, col) for col in range(FORM_GRID))}:
        weights[cell_token(cell, res, patch)] = 0.0
    return targets, weights


def pointer_targets(prefix_length: int, answer: str, first: Cell | None, res: int,
                    patch: int = PATCH) -> tuple[np.ndarray, np.ndarray]:
    """The routing loss's targets for one sequence: for each input position (SEQ_LEN - 1, as
    the logits are shifted) the image token it should attend to, and a weight. The position
    that predicts the answer's j-th figure points at the token over that figure's cell, the
    one that predicts the end at the empty cell after the last; positions of sequences without
    a form answer have weight 0. Assumes one piece per figure (the tokenizer splits digits)."""
    targets = np.zeros(SEQ_LEN - 1, np.int32)
    weights = np.zeros(SEQ_LEN - 1, np.float32)
    if first is None:
        return targets, weights
    for j in range(len(answer) + 1):
        position = prefix_length - 1 + j
        if position < SEQ_LEN - 1:
            targets[position] = cell_token((first[0], first[1] + j), res, patch)
            weights[position] = 1.0
    return targets, weights


def encode_pair(tok: Tokenizer, prefix: str, suffix: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(tokens, ar, valid, prefix length) of one training sequence, cut or padded to SEQ_LEN."""
    p, s = tok.encode_prefix(prefix), tok.encode_suffix(suffix)
    ids = (p + s)[:SEQ_LEN]
    tokens = np.zeros(SEQ_LEN, np.int32)
    tokens[: len(ids)] = ids
    valid = np.arange(SEQ_LEN) < len(ids)
    ar = (np.arange(SEQ_LEN) >= len(p)) & valid
    return tokens, ar, valid, len(p)


@dataclass(frozen=True)
class Batch:
    images: np.ndarray  # (P, R, R, 3) uint8, resized as evaluation resizes
    tokens: np.ndarray  # (P * Q, SEQ_LEN): Q sequences per picture, picture-major
    ar: np.ndarray
    valid: np.ndarray
    figures: np.ndarray  # (P, tokens, cells per token)
    figure_weights: np.ndarray  # (P, tokens)
    pointers: np.ndarray  # (P * Q, SEQ_LEN - 1)
    pointer_weights: np.ndarray

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))


def preprocess_uint8(image: np.ndarray, res: int) -> np.ndarray:
    """The evaluation resize (pgeval.model.images.preprocess), kept as uint8; the [-1, 1]
    scaling happens in the step."""
    return np.round((preprocess(Image.fromarray(image), res) + 1.0) * 127.5).astype(np.uint8)


def batches(tok: Tokenizer, res: int, seed: int, mixture: Mapping[str, float] = MIXTURES["reading"],
            pictures: int = PICTURES, questions: int = QUESTIONS) -> Iterator[Batch]:
    """Training batches forever: pictures drawn by the mixture from each task's training stream
    (in order, so none repeats), `questions` of each picture's questions."""
    rng = random.Random(f"pgeval-demo-train/{seed}/{res}")
    tasks = [t for t in DEMO_TASKS if mixture.get(t)]
    weights = [mixture[t] for t in tasks]
    next_index = dict.fromkeys(tasks, 0)
    while True:
        chosen = rng.choices(tasks, weights, k=pictures)
        drawn: list[TrainingPicture] = []
        for task in chosen:
            drawn.append(training_picture(task, seed, next_index[task]))
            next_index[task] += 1
        seqs, pointers = [], []
        for p in drawn:
            for _ in range(questions):
                k = rng.randrange(len(p.pairs))
                seqs.append(encode_pair(tok, *p.pairs[k]))
                first = p.answer_cells[k] if p.answer_cells else None
                pointers.append(pointer_targets(seqs[-1][3], p.pairs[k][1], first, res))
        figures = [figure_targets(p.figures, res) for p in drawn]
        yield Batch(np.stack([preprocess_uint8(p.image, res) for p in drawn]),
                    *(np.stack([s[k] for s in seqs]) for k in range(3)),
                    np.stack([f[0] for f in figures]), np.stack([f[1] for f in figures]),
                    np.stack([t for t, _ in pointers]), np.stack([w for _, w in pointers]))


def prefetched(items: Iterator[Batch], depth: int = 2) -> Iterator[Batch]:
    """`items`, made `depth` ahead in a thread (drawing overlaps the compiled step)."""
    with cf.ThreadPoolExecutor(1) as pool:
        pending = [pool.submit(next, items) for _ in range(depth)]
        while True:
            yield pending.pop(0).result()
            pending.append(pool.submit(next, items))


def init_params(cfg: PaliGemmaConfig, seed: int) -> dict:
    r = cfg.vision.image_size
    params = PaliGemma(cfg).init(jax.random.PRNGKey(seed), jnp.zeros((1, r, r, 3)),
                                 jnp.zeros((1, 2), jnp.int32), jnp.ones((1, 2), bool),
                                 jnp.zeros((1, 2), bool))["params"]
    # token embeddings of unit scale once multiplied by sqrt(width), logits of unit scale
    table = params["llm"]["embedder"]["input_embedding"]
    params["llm"]["embedder"]["input_embedding"] = (
        jax.random.normal(jax.random.PRNGKey(seed + 1), table.shape) * cfg.text.width ** -0.5)
    return params


def figure_head(cfg: PaliGemmaConfig, seed: int) -> dict:
    """The reading loss's linear head: image token -> 11 classes per cell it covers."""
    outputs = cells_per_token(cfg.vision.image_size, cfg.vision.patch_size) ** 2 * 11
    width = cfg.text.width
    return {"kernel": jax.random.normal(jax.random.PRNGKey(seed + 2), (width, outputs)) * width ** -0.5,
            "bias": jnp.zeros(outputs)}


def _cross_entropy(logits, targets, weights):
    nll = -jnp.take_along_axis(jax.nn.log_softmax(logits, axis=-1), targets[..., None], axis=-1)[..., 0]
    return jnp.sum(nll * weights) / jnp.maximum(jnp.sum(weights), 1)


def make_step(cfg: PaliGemmaConfig, optimizer, reading_weight: float, routing_weight: float
              ) -> Callable:
    """The jitted training step: (params, opt_state, *Batch.arrays()) -> (params, opt_state,
    lm loss, reading loss, routing loss)."""
    model, text = PaliGemma(cfg), cfg.text

    def decode(llm: dict, x, positions, masks):
        """The decoder layer by layer (as Gemma's scan runs them), with the attention logits of
        head 0 of layer ROUTING_LAYER, (B, T, T)."""
        routing = None
        for layer in range(text.depth):
            p = jax.tree.map(lambda a, layer=layer: a[layer], llm["layers"])
            if layer == ROUTING_LAYER:
                h = RMSNorm().apply({"params": p["pre_attention_norm"]}, x)
                q = jnp.einsum("BTD,DH->BTH", h, p["attn"]["q_einsum"]["w"][0])[:, :, None]
                k = jnp.einsum("BTD,DH->BTH", h, p["attn"]["kv_einsum"]["w"][0, 0])[:, :, None]
                q = apply_rope(q, positions, text.rope_base)[:, :, 0] * text.query_scale
                k = apply_rope(k, positions, text.rope_base)[:, :, 0]
                routing = jnp.einsum("BTH,BSH->BTS", q, k)
            x, _ = Block(text).apply({"params": p}, x, positions, masks, None, layer, None)
        return RMSNorm().apply({"params": llm["final_norm"]}, x), routing

    def losses(params, images, tokens, ar, valid, figures, figure_weights, pointers,
               pointer_weights):
        variables = {"params": params["model"]}
        image_tokens = model.apply(variables, images.astype(jnp.float32) / 127.5 - 1.0,
                                   method=PaliGemma.embed_image)
        n = image_tokens.shape[1]
        shared = jnp.repeat(image_tokens, tokens.shape[0] // images.shape[0], axis=0)
        x, positions, masks = model.apply(variables, shared, tokens[:, :-1], valid[:, :-1],
                                          ar[:, :-1], method=PaliGemma.prefix_inputs)
        hidden, routing = decode(params["model"]["llm"], x, positions, masks)
        logits = model.apply(variables, hidden[:, n:], method=PaliGemma.logits)
        lm = _cross_entropy(logits, tokens[:, 1:], ar[:, 1:] & valid[:, 1:])
        head = params["figures"]
        guess = (image_tokens @ head["kernel"] + head["bias"]).reshape(*figures.shape, 11)
        reading = _cross_entropy(guess, figures, figure_weights[..., None] * jnp.ones(figures.shape))
        route = _cross_entropy(routing[:, n:, :n], pointers, pointer_weights)
        return lm + reading_weight * reading + routing_weight * route, (lm, reading, route)

    @jax.jit
    def step(params, opt_state, *batch):
        (_, parts), grads = jax.value_and_grad(losses, has_aux=True)(params, *batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, *parts

    return step


@dataclass(frozen=True)
class Stage:
    res: int
    steps: int
    mixture: str  # a key of MIXTURES
    max_minutes: float = math.inf  # stop early (the steps run are recorded)

    def matches(self, recorded: Mapping[str, object]) -> bool:
        return (recorded.get("res"), recorded.get("planned_steps"), recorded.get("mixture")) == (
            self.res, self.steps, self.mixture)


def parse_stages(text: str) -> list[Stage]:
    """"448:1100:reading,224:400:seeing[:8]" -> Stages (RES:STEPS:MIXTURE[:MAX_MINUTES])."""
    stages = []
    for part in text.split(","):
        fields = part.split(":")
        if len(fields) not in (3, 4) or fields[2] not in MIXTURES:
            raise argparse.ArgumentTypeError(
                f"expected RES:STEPS:MIXTURE[:MAX_MINUTES] with MIXTURE one of "
                f"{', '.join(MIXTURES)}, got {part!r}")
        try:
            stages.append(Stage(int(fields[0]), int(fields[1]), fields[2],
                                float(fields[3]) if len(fields) == 4 else math.inf))
        except ValueError:
            raise argparse.ArgumentTypeError(f"RES and STEPS must be integers, got {part!r}") from None
    return stages


def train_stage(cfg: PaliGemmaConfig, params: dict, tok: Tokenizer, stage: Stage, lr: float,
                seed: int, reading_weight: float, routing_weight: float,
                log: Callable[[str], None] = print) -> tuple[dict, list[list[float]]]:
    """`stage.steps` steps at `stage.res` (or fewer, once its max minutes of stepping have
    passed; the cosine schedule is laid out for all its steps either way). Returns the
    parameters and the curve of [step, seconds, lm loss, reading loss, routing loss], whose
    last step says how many steps were run."""
    res, steps = stage.res, stage.steps
    schedule = optax.warmup_cosine_decay_schedule(0.0, lr, min(100, steps // 10), steps, lr / 20)
    optimizer = optax.chain(optax.clip_by_global_norm(1.0),
                            optax.adamw(schedule, b2=0.98, weight_decay=1e-4))
    step = make_step(cfg, optimizer, reading_weight, routing_weight)
    mesh = Mesh(np.array(jax.devices()), ("data",))
    data = NamedSharding(mesh, PartitionSpec("data"))
    params = jax.device_put({"model": params, "figures": figure_head(cfg, seed)},
                            NamedSharding(mesh, PartitionSpec()))
    opt_state = optimizer.init(params)
    curve: list[list[float]] = []
    start = time.time()
    for i, batch in enumerate(prefetched(batches(tok, res, seed, MIXTURES[stage.mixture])), start=1):
        arrays = [jax.device_put(a, data) for a in batch.arrays()]
        params, opt_state, *parts = step(params, opt_state, *arrays)
        elapsed = time.time() - start
        last = i == steps or elapsed > 60 * stage.max_minutes
        if i % 25 == 1 or last:
            lm, reading, route = (round(float(x), 4) for x in parts)
            curve.append([i, round(elapsed, 1), lm, reading, route])
            log(f"  res {res} step {i}/{steps} lm loss {lm:.4f} reading loss {reading:.4f} "
                f"routing loss {route:.4f} ({elapsed:.0f} s)")
        if last:
            return jax.device_get(params["model"]), curve
    raise AssertionError("the batch stream is endless")


def export(params: dict, path: Path) -> Path:
    return save_npz(jax.tree.map(lambda a: np.asarray(a).astype(ml_dtypes.bfloat16), params), path)


def use_host_devices(n: int) -> None:
    """Split the CPU into n XLA devices (data parallel over them), unless XLA_FLAGS says
    otherwise; must run before JAX first uses its backend (importing it is fine)."""
    flags = os.environ.get("XLA_FLAGS", "")
    if n > 1 and "xla_force_host_platform_device_count" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={n}".strip()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True,
                        help="where the tokenizer, checkpoints and training.json go; stages "
                             "already recorded there are kept and training resumes after them")
    parser.add_argument("--stages", type=parse_stages, default=STAGES,
                        help=f"RES:STEPS:MIXTURE[:MAX_MINUTES],... trained in order (default {STAGES}; "
                             f"mixtures: {', '.join(f'{k} {v}' for k, v in MIXTURES.items())})")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--reading-weight", type=float, default=1.0,
                        help="weight of the figure-reading loss on the forms' image tokens")
    parser.add_argument("--routing-weight", type=float, default=1.0,
                        help="weight of the loss that points the answer at its cell")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--devices", type=int, default=min(2, os.cpu_count() or 1),
                        help="CPU devices to split the batch over (on CPU only)")
    args = parser.parse_args(argv)
    use_host_devices(args.devices)
    settings = {"seed": args.seed, "lr": args.lr, "reading_weight": args.reading_weight,
                "routing_weight": args.routing_weight, "routing_layer": ROUTING_LAYER,
                "pictures_per_step": PICTURES, "questions_per_picture": QUESTIONS,
                "mixtures": MIXTURES, "patch": PATCH, "why": WHY}
    args.out.mkdir(parents=True, exist_ok=True)
    record_path, tok_path = args.out / "training.json", args.out / "tokenizer.model"
    done = _resumable(record_path, settings, args.stages)
    record = {**settings, "stages": done}
    if not done:
        train_sentencepiece(demo_corpus(2000, args.seed), tok_path, VOCAB)
    tok = Tokenizer(tok_path)
    print(f"tokenizer: {tok.vocab_size} pieces; {len(jax.devices())} {jax.devices()[0].platform} "
          f"device(s); {len(done)} of {len(args.stages)} stages already done")
    params = None
    if done:
        params = jax.tree.map(jnp.asarray, load_checkpoint(args.out / f"demo_{done[-1]['res']}.npz").params)
    for k, stage in enumerate(args.stages[len(done):], start=len(done)):
        cfg = demo_config(tok.vocab_size, stage.res)
        if params is None:
            params = init_params(cfg, args.seed)
        elif params["img"]["pos_embedding"].shape[1] != cfg.vision.num_patches:
            params["img"]["pos_embedding"] = jnp.asarray(
                resample_posemb(np.asarray(params["img"]["pos_embedding"]), cfg.vision.num_patches))
        params, curve = train_stage(cfg, params, tok, stage, args.lr,
                                    args.seed + stage.res + 1000 * k, args.reading_weight,
                                    args.routing_weight)
        path = export(params, args.out / f"demo_{stage.res}.npz")
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
        # the next stage starts from the checkpoint as written (bfloat16), as a resumed run does
        params = jax.tree.map(jnp.asarray, load_checkpoint(path).params)
        record["stages"].append({"res": stage.res, "planned_steps": stage.steps,
                                 "mixture": stage.mixture, "steps": curve[-1][0],
                                 "minutes": round(curve[-1][1] / 60, 1),
                                 "device": f"{len(jax.devices())} x {jax.devices()[0].device_kind}",
                                 "curve": ["step", "seconds", "lm loss", "reading loss",
                                           "routing loss"],
                                 "loss": curve})
        record_path.write_text(json.dumps(record, indent=1) + "\n")


def _resumable(record_path: Path, settings: Mapping[str, object], stages: Sequence[Stage]
               ) -> list[dict]:
    """The stages recorded in training.json that this run would train first, with the same
    settings (none if the file is not there or was written by other settings)."""
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        return []
    if any(record.get(key) != value for key, value in settings.items()):
        return []
    done = []
    for stage, recorded in zip(stages, record.get("stages", []), strict=False):
        if not stage.matches(recorded):
            break
        done.append(recorded)
    return done


if __name__ == "__main__":
    main()
