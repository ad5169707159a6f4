"""Tiny videos written with PyAV, each frame carrying its own index: 8 vertical stripes, white
for a 1 bit, black for a 0 bit, which survive lossy codecs and resizing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

SIZE = 64
CODECS = {".mp4": ("libx264", "yuv420p"), ".webm": ("libvpx-vp9", "yuv420p"), ".avi": ("mjpeg", "yuvj420p")}


def coded_frame(index: int) -> np.ndarray:
    """A (SIZE, SIZE, 3) uint8 frame whose stripes spell `index` in binary, lowest bit left."""
    frame = np.zeros((SIZE, SIZE, 3), np.uint8)
    width = SIZE // 8
    for bit in range(8):
        if index >> bit & 1:
            frame[:, bit * width:(bit + 1) * width] = 255
    return frame


def frame_index(frame: np.ndarray) -> int:
    """The index a coded frame spells, from a decoded frame in [0, 255] or [-1, 1]."""
    frame = np.asarray(frame, np.float32)
    if frame.min() < 0:
        frame = (frame + 1) * 127.5
    width = frame.shape[1] // 8
    return sum(1 << bit for bit in range(8) if frame[:, bit * width + width // 2].mean() > 127.5)


def write_video(path: Path, n: int, fps: int = 10, first: int = 0, start_s: int = 0) -> Path:
    """A video of `n` coded frames (indices first, first + 1, ...) in the codec its suffix implies,
    its first frame shown `start_s` seconds into the stream."""
    from fractions import Fraction

    import av

    codec, pix_fmt = CODECS[path.suffix]
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width = stream.height = SIZE
        stream.pix_fmt = pix_fmt
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(coded_frame(first + i), format="rgb24")
            frame.pts, frame.time_base = start_s * fps + i, Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_frames(folder: Path, n: int, first: int = 0) -> Path:
    """A folder of `n` coded PNG frames named frame_1.png ... frame_<n>.png (not zero-padded, so
    only a numeric sort puts them in order)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(coded_frame(first + i)).save(folder / f"frame_{i + 1}.png")
    return folder
