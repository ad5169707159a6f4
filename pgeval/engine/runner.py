"""The inference engine on the host side: requests in, texts out, batch by batch.

Images are decoded in background threads while the device decodes the batch before; batches have
a fixed size (padded with inactive examples), prefixes a few bucketed lengths and images a few row
counts, so each shape compiles once per run. An example may show several images (two photos, a
video's frames): batches hold examples of one image count, so each count compiles once. Examples
showing the same image files run together and the batch encodes each of its images once
(pgeval.engine.batching).
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
from jax.errors import JaxRuntimeError
from jax.experimental import multihost_utils
from jax.sharding import Mesh

from pgeval.engine.batching import bucket, image_rows, plan_batches
from pgeval.engine.beam import beam_generate
from pgeval.engine.decode import Generated, greedy_generate
from pgeval.engine.memory import BatchShape, check_fits, out_of_memory
from pgeval.engine.sharding import batch_sharding, param_sharding, parse_mesh
from pgeval.errors import InputError
from pgeval.io import progress_bar
from pgeval.model.images import StoredImage, load_image
from pgeval.model.loading import Checkpoint
from pgeval.model.paligemma import PaliGemma
from pgeval.model.tokenizer import Tokenizer
from pgeval.model.tree import flatten, unflatten
from pgeval.model.video import Clip, load_clip

ErrorHandler = Callable[["Request", InputError], None]
# An image file, an image stored inside another file (a parquet row), an already preprocessed
# (res, res, 3) array, or a video clip's sampled frames.
ImageInput = str | Path | StoredImage | np.ndarray | Clip
BATCHES_AHEAD = 3  # planned batches whose images are decoding in the pool


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

    @property
    def image_key(self) -> tuple[str, ...] | None:
        """What requests showing the same pixels share: the resize and the image files (a stored
        image's key); None when any image is an array or a clip (never shared)."""
        if not self.images or not all(isinstance(i, str | Path | StoredImage) for i in self.images):
            return None
        return (self.resize, *(i.key if isinstance(i, StoredImage) else str(Path(i)) for i in self.images))


@dataclass(frozen=True)
class Output:
    id: str
    text: str
    tokens: list[int]
    logprobs: list[float]


@dataclass
class _Planned:
    """A batch on its way: its requests, their prefix tokens, which of the batch's distinct
    images each shows, and those images decoding in the pool."""

    requests: list[Request]
    tokens: list[list[int]]
    slots: list[int]
    images: list[cf.Future[np.ndarray]]


@dataclass
class _Ready:
    """A batch whose images are decoded: distinct images (count, res, res, 3) and, per request,
    the row it shows."""

    requests: list[Request]
    tokens: list[list[int]]
    images: list[np.ndarray]
    image_index: list[int]


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
    """Greedy or beam-search generation for PaliGemma checkpoints on a device mesh.

    `encoded_images` counts the images SigLIP has encoded (padding rows included), over every
    batch this engine ran."""

    def __init__(self, checkpoint: Checkpoint, tokenizer: Tokenizer, *, dtype: str = "float32",
                 batch_size: int = 8, mesh: Mesh | None = None, workers: int = 4) -> None:
        self.config = checkpoint.config
        self.checkpoint_format, self.checkpoint_files = checkpoint.format, list(checkpoint.files)
        self.checkpoint_record = checkpoint.record
        self.model = PaliGemma(checkpoint.config, dtype=jnp.dtype(dtype))
        self.dtype = dtype
        self.mesh = mesh or parse_mesh(None)
        self.params = shard_params(checkpoint.params, self.mesh)
        self.tokenizer = tokenizer
        data = self.mesh.shape["data"]
        self.batch_size = -(-batch_size // data) * data  # every data shard gets whole examples
        self.workers = workers
        self.res = checkpoint.config.vision.image_size
        self.encoded_images = 0

    def _load(self, image: ImageInput, resize: str) -> np.ndarray:
        """One input as (count, res, res, 3)."""
        if isinstance(image, Clip):
            return load_clip(image, self.res, resize)
        if isinstance(image, np.ndarray):
            return image[None]
        return load_image(image, self.res, resize)[None]

    def _load_all(self, request: Request) -> np.ndarray:
        """Every image of a request, (num_images, res, res, 3)."""
        if not request.images:
            raise InputError("request has no image", example_id=request.id)
        return np.concatenate([self._load(i, request.resize) for i in request.images])

    def _submit(self, requests: list[Request], tokens: list[list[int]],
                pool: cf.Executor) -> _Planned:
        """Start decoding a planned batch's distinct images: one job per image key, one per
        request without a key."""
        slots: list[int] = []
        images: list[cf.Future[np.ndarray]] = []
        seen: dict[tuple[str, ...], int] = {}
        for request in requests:
            key = request.image_key
            if key is None or key not in seen:
                images.append(pool.submit(self._load_all, request))
                if key is not None:
                    seen[key] = len(images) - 1
            slots.append(len(images) - 1 if key is None else seen[key])
        return _Planned(requests, tokens, slots, images)

    @staticmethod
    def _collect(planned: _Planned, on_error: ErrorHandler | None) -> _Ready | None:
        """The batch's decoded images; the requests whose image cannot be read go to `on_error`
        (and are left out) or raise. None when no request is left."""
        decoded: dict[int, np.ndarray] = {}
        failed: dict[int, InputError] = {}
        for slot, future in enumerate(planned.images):
            try:
                decoded[slot] = future.result()
            except InputError as e:
                failed[slot] = e
        ready = _Ready([], [], [], [])
        rows: dict[int, int] = {}
        for request, tokens, slot in zip(planned.requests, planned.tokens, planned.slots,
                                         strict=True):
            if slot in failed:
                if on_error is None:
                    raise InputError(str(failed[slot]), example_id=request.id) from None
                on_error(request, failed[slot])
                continue
            if slot not in rows:
                rows[slot] = len(ready.images)
                ready.images.append(decoded[slot])
            ready.requests.append(request)
            ready.tokens.append(tokens)
            ready.image_index.append(rows[slot])
        return ready if ready.requests else None

    def _run_batch(self, batch: _Ready, max_decode_len: int, beam_size: int) -> Generated:
        b = self.batch_size
        width = bucket(max(len(t) for t in batch.tokens))
        count = batch.images[0].shape[0]
        rows = image_rows(len(batch.images), b, self.mesh.shape["data"])
        images = np.zeros((rows, count, self.res, self.res, 3), np.float32)
        images[: len(batch.images)] = batch.images
        image_index = np.zeros((b,), np.int32)
        image_index[: len(batch.image_index)] = batch.image_index
        tokens = np.zeros((b, width), np.int32)
        mask = np.zeros((b, width), bool)
        active = np.zeros((b,), bool)
        for i, t in enumerate(batch.tokens):
            tokens[i, width - len(t):] = t
            mask[i, width - len(t):] = True
            active[i] = True
        if count == 1:
            images = images[:, 0]  # one image per example: the model's plain (U, R, R, 3) input
        self.encoded_images += rows * count
        images, image_index, tokens, mask, active = jax.device_put(
            (images, image_index, tokens, mask, active), batch_sharding(self.mesh))
        kw = dict(max_decode_len=max_decode_len, eos_id=self.tokenizer.eos_id)
        if beam_size > 1:
            return beam_generate(self.model, self.params, images, image_index, tokens, mask,
                                 active, beam_size=beam_size, **kw)
        return greedy_generate(self.model, self.params, images, image_index, tokens, mask, active,
                               **kw)

    def _outputs(self, batch: _Ready, generated: Generated) -> list[Output]:
        n = len(batch.requests)
        tokens, logprobs, lengths = (_on_host(a)[:n] for a in generated)
        return to_outputs([r.id for r in batch.requests], tokens, logprobs, lengths, self.tokenizer)

    def _check_fits(self, requests: Sequence[Request], tokens: Sequence[list[int]],
                    max_decode_len: int, beam_size: int) -> None:
        """Refuse, before anything compiles, a batch shape the device cannot hold: one check
        per image count and prefix bucket the requests bring (pgeval.engine.memory)."""
        data = self.mesh.shape["data"]
        local = [d for d in self.mesh.devices.flat if d.process_index == jax.process_index()]
        longest: dict[tuple[int, int], int] = {}
        for i, (r, t) in enumerate(zip(requests, tokens, strict=True)):
            key = (r.num_images, bucket(len(t)))
            if key not in longest or len(t) > len(tokens[longest[key]]):
                longest[key] = i
        for (count, width), i in sorted(longest.items()):
            shape = BatchShape(self.batch_size // data, beam_size,
                               image_rows(1, self.batch_size, data) // data, count, width,
                               max_decode_len)
            check_fits(self.config, shape, self.dtype, self.batch_size,
                       (requests[i].id, len(tokens[i])), local[0])

    def _batches(self, requests: Sequence[Request], tokens: Sequence[list[int]],
                 pool: cf.Executor, on_error: ErrorHandler | None) -> Iterator[_Ready]:
        """The planned batches with their images decoded, BATCHES_AHEAD of them decoding ahead
        in the pool. A request that cannot be prepared goes to `on_error` (and is left out) or
        raises."""
        plan = iter(plan_batches([r.image_key for r in requests], [r.num_images for r in requests],
                                 [len(t) for t in tokens], self.batch_size))
        ahead: deque[_Planned] = deque()

        def fill() -> None:
            for indices in itertools.islice(plan, BATCHES_AHEAD - len(ahead)):
                ahead.append(self._submit([requests[i] for i in indices],
                                          [tokens[i] for i in indices], pool))

        fill()
        while ahead:
            planned = ahead.popleft()
            fill()
            ready = self._collect(planned, on_error)
            if ready is not None:
                yield ready

    def generate(self, requests: Sequence[Request], max_decode_len: int, *, beam_size: int = 1,
                 on_error: ErrorHandler | None = None,
                 progress: bool = True) -> Iterator[list[Output]]:
        """Finished batches of outputs, each as soon as it is decoded; the next batch is already
        running on the device while the caller handles one.

        Outputs come in run order (pgeval.engine.batching.plan_batches): by image count, then
        prefix bucket, same-image requests together; callers wanting input order reorder by id.
        Each batch pads its prefixes to its own bucket. `on_error` receives the requests whose
        image cannot be read, which are then left out instead of stopping the run.
        """
        tokens = [self.tokenizer.encode_prefix(r.prefix) for r in requests]
        self._check_fits(requests, tokens, max_decode_len, beam_size)
        bar = progress_bar(total=len(requests), unit="ex", disable=not progress)
        start = time.perf_counter()
        pending: tuple[_Ready, Generated] | None = None
        with bar, cf.ThreadPoolExecutor(self.workers) as pool:  # the bar ends its line however we stop
            for batch in itertools.chain(self._batches(requests, tokens, pool, on_error), [None]):
                try:
                    launched = None if batch is None else (
                        batch, self._run_batch(batch, max_decode_len, beam_size))
                    outputs = None if pending is None else self._outputs(*pending)
                except JaxRuntimeError as e:
                    error = out_of_memory(e, self.batch_size, max_decode_len)
                    if error is None:
                        raise
                    raise error from None
                if outputs is not None:
                    bar.update(len(outputs))
                    bar.set_postfix(ex_per_s=f"{bar.n / (time.perf_counter() - start):.1f}",
                                    refresh=False)
                    yield outputs
                pending = launched
