"""Writers for segmentation tests: refer-layout RefCOCO data, and VQ-VAE decoders saved the way
big_vision's vae-oid.npz stores them (PyTorch names and layouts), plus a plain numpy decoder."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

EMBEDDING = "_vq_vae._embedding"


def torch_shapes(dim: int) -> dict[str, tuple[int, ...]]:
    """vae-oid.npz's decoder arrays: conv weights (out, in, k, k), transposed-conv (in, out, k, k)."""
    shapes: dict[str, tuple[int, ...]] = {EMBEDDING: (128, dim),
                                          "decoder.0.weight": (128, dim, 1, 1), "decoder.0.bias": (128,)}
    for block in (2, 3):
        for sub, k in ((0, 3), (2, 3), (4, 1)):
            shapes[f"decoder.{block}.net.{sub}.weight"] = (128, 128, k, k)
            shapes[f"decoder.{block}.net.{sub}.bias"] = (128,)
    for layer, (cin, cout) in zip((4, 6, 8, 10), ((128, 128), (128, 64), (64, 32), (32, 16)), strict=True):
        shapes[f"decoder.{layer}.weight"] = (cin, cout, 4, 4)
        shapes[f"decoder.{layer}.bias"] = (cout,)
    shapes["decoder.12.weight"] = (1, 16, 1, 1)
    shapes["decoder.12.bias"] = (1,)
    return shapes


def random_vae_weights(dim: int = 8, seed: int = 0) -> dict[str, np.ndarray]:
    """He-scaled random weights (biases too), so every layer's output varies visibly."""
    rng = np.random.default_rng(seed)
    weights = {}
    for key, shape in torch_shapes(dim).items():
        if key == EMBEDDING:
            weights[key] = rng.normal(0, 1, shape)
        elif key.endswith("bias"):
            weights[key] = rng.normal(0, 0.1, shape)
        else:
            fan_in = shape[0 if key in {f"decoder.{i}.weight" for i in (4, 6, 8, 10)} else 1]
            weights[key] = rng.normal(0, np.sqrt(2.0 / (fan_in * shape[2] * shape[3])), shape)
    # An encoder array, as the real file has: the loader must ignore it.
    weights["encoder.0.weight"] = rng.normal(0, 1, (128, 1, 3, 3))
    return {k: v.astype(np.float32) for k, v in weights.items()}


def sign_vae_weights(dim: int = 4) -> dict[str, np.ndarray]:
    """A decoder whose map is > 0 everywhere for code 0 and -0.001 everywhere for any other code.

    Code 0's vector is (1, 0, ...), the others are 0. Channel 0 carries relu(that value) through
    zero residual blocks (identity) and transposed convs whose channel-0 taps are all 0.25 (each
    output pixel gets 1 to 4 taps of a positive input: positive again), then the last 1x1 conv
    adds -0.001: at least 0.25**4 - 0.001 > 0 for code 0, exactly -0.001 for the others.
    """
    weights = {k: np.zeros(s, np.float32) for k, s in torch_shapes(dim).items()}
    weights[EMBEDDING][0, 0] = 1.0
    weights["decoder.0.weight"][0, 0] = 1.0
    for layer in (4, 6, 8, 10):
        weights[f"decoder.{layer}.weight"][0, 0] = 0.25
    weights["decoder.12.weight"][0, 0] = 1.0
    weights["decoder.12.bias"][0] = -0.001
    return weights


def save_vae(path: Path, weights: dict[str, np.ndarray]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **weights)
    return path


# A plain numpy decoder, written from PyTorch's definitions of Conv2d and ConvTranspose2d, to check
# the Flax one against (no Flax kernel layout or lax padding convention involved).

def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, pad: int) -> np.ndarray:
    """x (N, H, W, Cin), w (Cout, Cin, k, k): out[n, i, j, o] = sum x_pad[n, i+u, j+v, c] w[o, c, u, v]."""
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    h, wd = xp.shape[1] - k + 1, xp.shape[2] - k + 1
    out = np.zeros((x.shape[0], h, wd, w.shape[0]), np.float64)
    for u in range(k):
        for v in range(k):
            out += np.einsum("nhwc,oc->nhwo", xp[:, u:u + h, v:v + wd], w[:, :, u, v])
    return out + b


def _conv_transpose(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 2, pad: int = 1
                    ) -> np.ndarray:
    """x (N, H, W, Cin), w (Cin, Cout, k, k): input pixel (i, j) adds x[i, j] w[:, :, u, v] at output
    (i*stride + u - pad, j*stride + v - pad)."""
    n, h, wd, _ = x.shape
    k = w.shape[2]
    full = np.zeros((n, (h - 1) * stride + k, (wd - 1) * stride + k, w.shape[1]), np.float64)
    for u in range(k):
        for v in range(k):
            full[:, u:u + stride * h:stride, v:v + stride * wd:stride] += np.einsum(
                "nhwc,co->nhwo", x, w[:, :, u, v])
    out_h, out_w = (h - 1) * stride - 2 * pad + k, (wd - 1) * stride - 2 * pad + k
    return full[:, pad:pad + out_h, pad:pad + out_w] + b


def numpy_decode(weights: dict[str, np.ndarray], codes: np.ndarray) -> np.ndarray:
    """(N, 16) codes -> (N, 64, 64) maps; code k sits at row k // 4, column k % 4."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    codes = np.asarray(codes)
    x = np.zeros((len(codes), 4, 4, w[EMBEDDING].shape[1]))
    for n, row in enumerate(codes):
        for k, code in enumerate(row):
            x[n, k // 4, k % 4] = w[EMBEDDING][code]
    relu = lambda a: np.maximum(a, 0.0)  # noqa: E731
    x = relu(_conv(x, w["decoder.0.weight"], w["decoder.0.bias"], 0))
    for block in (2, 3):
        p = f"decoder.{block}.net."
        y = relu(_conv(x, w[p + "0.weight"], w[p + "0.bias"], 1))
        y = relu(_conv(y, w[p + "2.weight"], w[p + "2.bias"], 1))
        x = _conv(y, w[p + "4.weight"], w[p + "4.bias"], 0) + x
    for layer in (4, 6, 8, 10):
        x = relu(_conv_transpose(x, w[f"decoder.{layer}.weight"], w[f"decoder.{layer}.bias"]))
    return _conv(x, w["decoder.12.weight"], w["decoder.12.bias"], 0)[..., 0]


# Refer-layout data.

def rect_polygon(y1: int, x1: int, y2: int, x2: int) -> list[list[float]]:
    """A COCO polygon that pycocotools rasterizes to rows y1..y2-1, columns x1..x2-1."""
    return [[x1, y1, x2, y1, x2, y2, x1, y2]]


def write_refer(folder: Path, images: list[dict], annotations: list[dict], refs: list[dict],
                partition: str = "unc") -> Path:
    """`folder/refs(<partition>).p` (the refs list, pickled) and `folder/instances.json`."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"refs({partition}).p", "wb") as f:
        pickle.dump(refs, f, protocol=2)
    (folder / "instances.json").write_text(json.dumps(
        {"images": images, "annotations": annotations,
         "categories": [{"id": 1, "name": "person", "supercategory": "person"}]}), encoding="utf-8")
    return folder


def ref(ref_id: int, ann_id: int, image_id: int, split: str, sentences: dict[int, str]) -> dict:
    """A ref as the refer pickles hold it."""
    return {"ref_id": ref_id, "ann_id": ann_id, "image_id": image_id, "split": split,
            "category_id": 1, "file_name": f"COCO_train2014_{image_id:012d}_{ann_id}.jpg",
            "sent_ids": list(sentences),
            "sentences": [{"sent_id": s, "sent": t, "raw": t, "tokens": t.split()}
                          for s, t in sentences.items()]}


def image(image_id: int, height: int, width: int) -> dict:
    return {"id": image_id, "height": height, "width": width,
            "file_name": f"COCO_train2014_{image_id:012d}.jpg"}


def annotation(ann_id: int, image_id: int, segmentation: object, bbox: list[float]) -> dict:
    return {"id": ann_id, "image_id": image_id, "category_id": 1, "iscrowd": 0,
            "segmentation": segmentation, "bbox": bbox, "area": bbox[2] * bbox[3]}
