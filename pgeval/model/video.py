"""Video input: the frames of a clip, sampled as big_vision's video transfers sample them.

A clip is a video file (decoded with PyAV, whose wheels carry their own FFmpeg) or a folder of
frames extracted beforehand (sorted by the numbers in their names), optionally cut to a segment
in seconds (ActivityNet's annotated moments). Sampling takes `frames` frames `stride` frames
apart from the clip's first frame (big_vision's evaluation setting, `deterministic_fs`); a clip
shorter than frames x stride wraps around to its start, as often as it takes (DMVR's
`sample_or_pad_sequence_indices` tiles the clip's indices until they are long enough), so a clip
with fewer frames than `frames` repeats some. big_vision's `video_replicate_img(frames, frames)`
then leaves the `frames` sampled frames as they are. Only a clip with no readable frame is
refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pgeval.errors import InputError
from pgeval.io import natural_key
from pgeval.model.images import load_image, preprocess

if TYPE_CHECKING:
    import av

VIDEO_SUFFIXES = (".mp4", ".webm", ".avi", ".mkv", ".mov", ".m4v", ".mpg", ".mpeg")
FRAME_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


@dataclass(frozen=True)
class Clip:
    """Where a clip's frames come from and how many to take. `segment` is (start, end) in seconds
    within the video; `fps` is the frame rate of a frames folder, needed only to cut a segment
    from one."""

    path: Path
    frames: int
    stride: int
    segment: tuple[float, float] | None = None
    fps: float | None = None


def resolve_video(path: Path) -> Path:
    """A path whose name ends in `.*` stands for the first of `<stem><suffix>` (any video suffix)
    or the frames folder `<stem>` that exists; other paths, and names with no match, unchanged."""
    if not path.name.endswith(".*"):
        return path
    stem = path.name[:-2]
    for candidate in [path.with_name(stem + s) for s in VIDEO_SUFFIXES] + [path.with_name(stem)]:
        if candidate.exists():
            return candidate
    return path


def frame_indices(total: int, frames: int, stride: int) -> list[int]:
    """Indices of the sampled frames in a clip of `total` (> 0) frames: 0, stride, 2 x stride,
    ..., taken modulo `total` when the clip is too short to hold them all."""
    if total < 1:
        raise ValueError("a clip without frames has none to sample")
    return [(i * stride) % total for i in range(frames)]


def _frame_files(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in FRAME_SUFFIXES),
                  key=lambda p: natural_key(p.name))


def _in_segment(time: float | None, segment: tuple[float, float] | None) -> bool:
    return segment is None or (time is not None and segment[0] <= time < segment[1])


def _decoded_frames(path: Path, segment: tuple[float, float] | None) -> Iterator[av.VideoFrame]:
    """The video's frames inside the segment, in order; times count from the stream's start."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InputError("the file holds no video stream", path=str(path))
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            base = stream.time_base
            start = float(stream.start_time * base) if stream.start_time is not None and base else 0.0
            if segment is not None and segment[0] > 0 and base:
                container.seek(int((start + segment[0]) / base), stream=stream, backward=True,
                               any_frame=False)
            for frame in container.decode(stream):
                time = None if frame.time is None else frame.time - start
                if segment is not None and time is not None and time >= segment[1]:
                    return
                if _in_segment(time, segment):
                    yield frame
    except av.FFmpegError as e:
        raise InputError(f"cannot decode video: {e}", path=str(path)) from None


def _video_frames(clip: Clip, res: int, resize: str) -> list[np.ndarray]:
    """Decode up to the last frame a long enough clip needs, converting only the frames kept; a
    short clip, whose length is known only at its end, is decoded again for the wrapped-around
    indices."""
    first_pass = range(0, clip.frames * clip.stride, clip.stride)
    total, kept, ended = _keep(clip, set(first_pass), res, resize)
    if not ended:
        return [kept[i] for i in first_pass]
    _check_length(clip, total)
    indices = frame_indices(total, clip.frames, clip.stride)
    missing = set(indices) - set(kept)
    if missing:
        kept |= _keep(clip, missing, res, resize)[1]
    return [kept[i] for i in indices]


def _keep(clip: Clip, wanted: set[int], res: int, resize: str
          ) -> tuple[int, dict[int, np.ndarray], bool]:
    """The wanted frames decoded, how many frames were read, and whether the clip ended before
    the last wanted one."""
    last, kept, total = max(wanted), {}, 0
    for index, frame in enumerate(_decoded_frames(clip.path, clip.segment)):
        total = index + 1
        if index in wanted:
            kept[index] = preprocess(frame.to_image(), res, resize)
            if index == last:
                return total, kept, False
    return total, kept, True


def _check_length(clip: Clip, total: int) -> None:
    if total == 0:
        where = "" if clip.segment is None else f" in the segment {clip.segment[0]}-{clip.segment[1]} s"
        raise InputError(f"no frame could be read{where}", path=str(clip.path),
                         hint="check the file (a truncated download?), or pass --on-error skip")


def _folder_frames(clip: Clip, res: int, resize: str) -> list[np.ndarray]:
    files = _frame_files(clip.path)
    if clip.segment is not None:
        if not clip.fps:
            raise InputError("a segment of a frames folder needs the frames' rate",
                             path=str(clip.path), hint="set fps in the task's [video] table")
        files = [f for i, f in enumerate(files) if _in_segment(i / clip.fps, clip.segment)]
    _check_length(clip, len(files))
    return [load_image(files[i], res, resize)
            for i in frame_indices(len(files), clip.frames, clip.stride)]


def load_clip(clip: Clip, res: int, resize: str = "antialias") -> np.ndarray:
    """The clip's sampled frames, preprocessed as images are: (frames, res, res, 3) in [-1, 1]."""
    path = clip.path
    if path.is_dir():
        frames = _folder_frames(clip, res, resize)
    elif not path.is_file():
        raise InputError("video not found", path=str(path))
    elif path.stat().st_size == 0:
        raise InputError("the video file is empty", path=str(path))
    else:
        frames = _video_frames(clip, res, resize)
    return np.stack(frames)
