"""The VQ-VAE mask decoder of PaliGemma's `<seg>` codes, in Flax, loading big_vision's
`vae-oid.npz`.

The file holds PyTorch-named weights (`_vq_vae._embedding`, `decoder.N...weight` as
(out, in, kh, kw) for convolutions and (in, out, kh, kw) for transposed ones); both become Flax
kernels by transposing axes (2, 3, 1, 0). The decoder: 16 codes -> their codebook vectors on a
4x4 grid (row by row) -> 1x1 conv to 128 + ReLU -> two residual blocks (3x3 conv, ReLU, 3x3
conv, ReLU, 1x1 conv, plus the input) -> four 4x4 stride-2 transposed convs (128, 64, 32, 16
channels, each + ReLU; `padding=2, transpose_kernel=True` is PyTorch's ConvTranspose2d with
padding 1) -> 1x1 conv to one channel: a 64x64 map, trained to lie in [-1, 1] (not clipped).

Decoding is jitted and batched: codes are decoded in chunks padded to a few fixed sizes, on the
CPU by default, as big_vision does, so the maps do not depend on an accelerator's conv precision.
"""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from pgeval.errors import InputError
from pgeval.segmentation import VAE_HINT as HINT

WIDTH = 128
NUM_CODES = 128
UPSAMPLE = (128, 64, 32, 16)
MAX_CHUNK = 256


class ResBlock(nn.Module):
    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        y = nn.relu(nn.Conv(WIDTH, (3, 3), padding=1, name="conv0")(x))
        y = nn.relu(nn.Conv(WIDTH, (3, 3), padding=1, name="conv1")(y))
        return nn.Conv(WIDTH, (1, 1), padding=0, name="conv2")(y) + x


class MaskDecoderNet(nn.Module):
    """(B, 4, 4, D) codebook vectors -> (B, 64, 64) maps."""

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        x = nn.relu(nn.Conv(WIDTH, (1, 1), padding=0, name="proj")(x))
        x = ResBlock(name="res0")(x)
        x = ResBlock(name="res1")(x)
        for i, features in enumerate(UPSAMPLE):
            x = nn.ConvTranspose(features, (4, 4), strides=(2, 2), padding=2, transpose_kernel=True,
                                 name=f"up{i}")(x)
            x = nn.relu(x)
        return nn.Conv(1, (1, 1), padding=0, name="out")(x)[..., 0]


def _layers(dim: int) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Flax module path -> (PyTorch name, PyTorch weight shape) for an embedding width `dim`."""
    layers = {"proj": ("decoder.0", (WIDTH, dim, 1, 1))}
    for block, torch_index in (("res0", 2), ("res1", 3)):
        for conv, (sub, k) in enumerate(((0, 3), (2, 3), (4, 1))):
            layers[f"{block}/conv{conv}"] = (f"decoder.{torch_index}.net.{sub}", (WIDTH, WIDTH, k, k))
    channels = (WIDTH, *UPSAMPLE)
    for i in range(len(UPSAMPLE)):
        layers[f"up{i}"] = (f"decoder.{4 + 2 * i}", (channels[i], channels[i + 1], 4, 4))
    layers["out"] = ("decoder.12", (1, UPSAMPLE[-1], 1, 1))
    return layers


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise InputError("segmentation mask decoder not found", path=str(path), hint=HINT)
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise InputError(f"not a readable .npz file: {e}", path=str(path), hint=HINT) from None


def _array(weights: dict[str, np.ndarray], key: str, shape: tuple[int, ...], path: Path) -> np.ndarray:
    if key not in weights:
        raise InputError(f"mask decoder file has no {key!r} array (is it vae-oid.npz?)", path=str(path),
                         hint=HINT)
    value = weights[key]
    if value.shape != shape or value.dtype.kind != "f":
        raise InputError(f"mask decoder array {key!r} is {value.dtype}{list(value.shape)}, expected "
                         f"float{list(shape)}", path=str(path), hint=HINT)
    return np.asarray(value, dtype=np.float32)


def flax_params(weights: dict[str, np.ndarray], path: Path) -> tuple[np.ndarray, dict]:
    """(codebook (128, D), Flax parameter tree) from the PyTorch-named arrays, shapes checked."""
    embedding_key = "_vq_vae._embedding"
    if embedding_key not in weights or weights[embedding_key].ndim != 2:
        raise InputError(f"mask decoder file has no 2-D {embedding_key!r} codebook (is it vae-oid.npz?)",
                         path=str(path), hint=HINT)
    dim = weights[embedding_key].shape[1]
    codebook = _array(weights, embedding_key, (NUM_CODES, dim), path)
    params: dict = {}
    for module, (name, shape) in _layers(dim).items():
        kernel = _array(weights, f"{name}.weight", shape, path).transpose(2, 3, 1, 0)
        bias = _array(weights, f"{name}.bias", (shape[1] if module.startswith("up") else shape[0],),
                      path)
        node = params
        for part in module.split("/"):
            node = node.setdefault(part, {})
        node.update(kernel=kernel, bias=bias)
    return codebook, params


def _decode(codebook: jax.Array, params: dict, codes: jax.Array) -> jax.Array:
    vectors = jnp.take(codebook, codes, axis=0)  # (B, 16, D): row by row on the 4x4 grid
    vectors = vectors.reshape(codes.shape[0], 4, 4, codebook.shape[1])
    return MaskDecoderNet().apply({"params": params}, vectors)


def chunk_size(n: int) -> int:
    """The padded batch size for n codes: a power of two from 8 up to MAX_CHUNK."""
    return min(MAX_CHUNK, max(8, 1 << max(n - 1, 0).bit_length()))


class MaskDecoder:
    """Decodes (N, 16) codes to (N, 64, 64) float32 maps; N is any size, done in jitted chunks."""

    def __init__(self, path: str | Path, device: jax.Device | None = None) -> None:
        self.path = Path(path)
        codebook, params = flax_params(_read_npz(self.path), self.path)
        self.device = device or jax.devices("cpu")[0]
        self.codebook = jax.device_put(codebook, self.device)
        self.params = jax.device_put(params, self.device)
        self._fn = jax.jit(_decode)

    def decode(self, codes: np.ndarray | list) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int32).reshape(-1, 16)
        if codes.size and (codes.min() < 0 or codes.max() >= NUM_CODES):
            raise ValueError(f"codes must lie in 0..{NUM_CODES - 1}")
        out = np.zeros((len(codes), 64, 64), dtype=np.float32)
        for start in range(0, len(codes), MAX_CHUNK):
            chunk = codes[start:start + MAX_CHUNK]
            padded = np.zeros((chunk_size(len(chunk)), 16), dtype=np.int32)
            padded[:len(chunk)] = chunk
            maps = self._fn(self.codebook, self.params, jax.device_put(padded, self.device))
            out[start:start + len(chunk)] = np.asarray(maps)[:len(chunk)]
        return out


@functools.lru_cache(maxsize=4)
def _cached(path: str, mtime_ns: int, size: int) -> MaskDecoder:
    return MaskDecoder(path)


def load_mask_decoder(path: str | Path) -> MaskDecoder:
    """The decoder of `path`, loaded once per file version (scoring each slice reuses it)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("segmentation mask decoder not found", path=str(path), hint=HINT)
    stat = path.stat()
    return _cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
