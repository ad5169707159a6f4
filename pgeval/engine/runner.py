"""The inference engine on the host side: requests in, texts out, in input order.

Images are decoded and prompts tokenized in background threads while the device decodes the
batch before; batches have a fixed size (padded with inactive examples) and prefixes a few
bucketed lengths, so each bucket compiles once per run. An example may show several images (two
photos, a video's frames): batches hold examples of one image count, so each count compiles once.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh
from tqdm import tqdm

from pgeval.engine.beam import beam_generate
from pgeval.engine.decode import Generated, greedy_generate
from pgeval.engine.sharding import batch_sharding, param_sharding, parse_mesh
from pgeval.errors import InputError
from pgeval.model.images import load_image
from pgeval.model.loading import Checkpoint
from pgeval.model.paligemma import PaliGemma
from pgeval.model.tokenizer import Tokenizer
from pgeval.model.tree import flatten, unflatten
from pgeval.model.video import Clip, load_clip

MIN_BUCKET = 16
ErrorHandler = Callable[["Request", InputError], None]
# An image file, an already preprocessed (res, res, 3) array, or a video clip's sampled frames.
ImageInput = str | Path | np.ndarray | Clip


@dataclass(frozen=True)
class Request:
    """One example to run: an id, its images in the order the model sees them, a prompt, and
    how image files are resized (pgeval.model.images.RESIZES)."""

    id: str
    images: tuple[ImageInput, ...]
    prefix: str
    resize: str = "antialias"

    @property
    def num_images(self) -> int:
        """How many images the model encodes: one per image, `frames` per clip."""
        return sum(i.frames if isinstance(i, Clip) else 1 for i in self.images)


@dataclass(frozen=True)
class Output:
    id: str
    text: str
    tokens: list[int]
    logprobs: list[float]


def bucket(length: int) -> int:
    """The padded prefix length: the next power of two, at least MIN_BUCKET."""
    size = MIN_BUCKET
    while size < length:
        size *= 2
    return size


@dataclass
class _Prepared:
    request: Request
    images: np.ndarray  # (num_images, res, res, 3)
    tokens: list[int]


def to_outputs(ids: Sequence[str], tokens: np.ndarray, logprobs: np.ndarray, lengths: np.ndarray,
               tokenizer: Tokenizer) -> list[Output]:
    """Outputs from padded (n, L) token and log-probability rows and their lengths."""
    out = []
    for i, example_id in enumerate(ids):
        kept = tokens[i, : lengths[i]].tolist()
        out.append(Output(example_id, tokenizer.decode(kept), kept,
                          logprobs[i, : lengths[i]].tolist()))
    return out


def as_rows(outputs: Sequence[Output], max_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The inverse of to_outputs' inputs: padded token and log-probability rows and lengths."""
    tokens = np.zeros((len(outputs), max_len), np.int32)
    logprobs = np.zeros((len(outputs), max_len), np.float32)
    for i, o in enumerate(outputs):
        tokens[i, : len(o.tokens)] = o.tokens
        logprobs[i, : len(o.logprobs)] = o.logprobs
    return tokens, logprobs, np.array([len(o.tokens) for o in outputs], np.int32)


def _on_host(array: jax.Array) -> np.ndarray:
    """A device array in host memory; one spread over several processes' devices is gathered
    from all of them (every process calls this for the same batch)."""
    if array.is_fully_addressable:
        return np.asarray(array)
    return np.asarray(multihost_utils.process_allgather(array, tiled=True))


def shard_params(params: dict, mesh: Mesh) -> dict:
    """Place a parameter tree on the mesh by the sharding rules."""
    flat = flatten(params)
    return unflatten({k: jax.device_put(v, param_sharding(k, v.shape, mesh)) for k, v in flat.items()})


class Engine:
    """Greedy or beam-search generation for PaliGemma checkpoints on a device mesh."""

    def __init__(self, checkpoint: Checkpoint, tokenizer: Tokenizer, *, dtype: str = "float32",
                 batch_size: int = 8, mesh: Mesh | None = None, workers: int = 4) -> None:
        self.config = checkpoint.config
        self.checkpoint_format, self.checkpoint_files = checkpoint.format, list(checkpoint.files)
        self.model = PaliGemma(checkpoint.config, dtype=jnp.dtype(dtype))
        self.mesh = mesh or parse_mesh(None)
        self.params = shard_params(checkpoint.params, self.mesh)
        self.tokenizer = tokenizer
        data = self.mesh.shape["data"]
        self.batch_size = -(-batch_size // data) * data  # every data shard gets whole examples
        self.workers = workers
        self.res = checkpoint.config.vision.image_size

    def _load(self, image: ImageInput, resize: str) -> np.ndarray:
        """One input as (count, res, res, 3)."""
        if isinstance(image, Clip):
            return load_clip(image, self.res, resize)
        if isinstance(image, np.ndarray):
            return image[None]
        return load_image(image, self.res, resize)[None]

    def _prepare(self, request: Request) -> _Prepared:
        if not request.images:
            raise InputError("request has no image", example_id=request.id)
        images = np.concatenate([self._load(i, request.resize) for i in request.images])
        return _Prepared(request, images, self.tokenizer.encode_prefix(request.prefix))

    def _run_batch(self, batch: Sequence[_Prepared], max_decode_len: int, beam_size: int,
                   prefix_width: int) -> Generated:
        b = self.batch_size
        width = bucket(max(prefix_width, *(len(p.tokens) for p in batch)))
        count = len(batch[0].images)
        images = np.zeros((b, count, self.res, self.res, 3), np.float32)
        tokens = np.zeros((b, width), np.int32)
        mask = np.zeros((b, width), bool)
        active = np.zeros((b,), bool)
        for i, p in enumerate(batch):
            images[i] = p.images
            tokens[i, width - len(p.tokens):] = p.tokens
            mask[i, width - len(p.tokens):] = True
            active[i] = True
        if count == 1:
            images = images[:, 0]  # one image per example: the model's plain (B, R, R, 3) input
        images, tokens, mask, active = jax.device_put((images, tokens, mask, active),
                                                      batch_sharding(self.mesh))
        kw = dict(max_decode_len=max_decode_len, eos_id=self.tokenizer.eos_id)
        if beam_size > 1:
            return beam_generate(self.model, self.params, images, tokens, mask, active,
                                 beam_size=beam_size, **kw)
        return greedy_generate(self.model, self.params, images, tokens, mask, active, **kw)

    def _outputs(self, batch: Sequence[_Prepared], generated: Generated) -> list[Output]:
        n = len(batch)
        tokens, logprobs, lengths = (_on_host(a)[:n] for a in generated)
        return to_outputs([p.request.id for p in batch], tokens, logprobs, lengths, self.tokenizer)

    def _batches(self, requests: Sequence[Request], pool: cf.Executor,
                 on_error: ErrorHandler | None) -> Iterator[list[_Prepared]]:
        """Prepared batches of one image count each, with a bounded number of requests decoded
        ahead in the pool. A request that cannot be prepared goes to `on_error` (and is left
        out) or raises."""
        ahead: deque[tuple[Request, cf.Future[_Prepared]]] = deque()
        pending = iter(sorted(requests, key=lambda r: r.num_images))  # stable: input order kept

        def fill() -> None:
            for request in itertools.islice(pending, 3 * self.batch_size - len(ahead)):
                ahead.append((request, pool.submit(self._prepare, request)))

        fill()
        batch: list[_Prepared] = []
        while ahead:
            request, future = ahead.popleft()
            fill()
            try:
                batch.append(future.result())
            except InputError as e:
                if on_error is None:
                    raise InputError(str(e), example_id=request.id) from None
                on_error(request, e)
            last_of_count = not ahead or ahead[0][0].num_images != request.num_images
            if batch and (len(batch) == self.batch_size or last_of_count):
                yield batch
                batch = []

    def generate(self, requests: Sequence[Request], max_decode_len: int, *, beam_size: int = 1,
                 prefix_width: int = 0, on_error: ErrorHandler | None = None,
                 progress: bool = True) -> Iterator[list[Output]]:
        """Finished batches of outputs, each as soon as it is decoded; the next batch is already
        running on the device while the caller handles one. Outputs come in input order within
        each image count, the counts in increasing order (one count: input order).

        `prefix_width` pads every prefix to at least that many tokens (one shape for a whole
        task, whichever examples remain to run); `on_error` receives the requests whose image
        cannot be read, which are then left out instead of stopping the run.
        """
        bar = tqdm(total=len(requests), unit="ex", disable=not progress, dynamic_ncols=True)
        start = time.perf_counter()
        pending: tuple[list[_Prepared], Generated] | None = None
        with bar, cf.ThreadPoolExecutor(self.workers) as pool:  # the bar ends its line however we stop
            for batch in itertools.chain(self._batches(requests, pool, on_error), [None]):
                launched = None if batch is None else (
                    batch, self._run_batch(batch, max_decode_len, beam_size, prefix_width))
                if pending is not None:
                    outputs = self._outputs(*pending)
                    bar.update(len(outputs))
                    bar.set_postfix(ex_per_s=f"{bar.n / (time.perf_counter() - start):.1f}")
                    yield outputs
                pending = launched
