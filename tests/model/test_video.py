"""Frame sampling from real video files and frame folders, checked frame by frame."""

import numpy as np
import pytest

from pgeval.errors import InputError
from pgeval.model.video import Clip, frame_indices, load_clip, resolve_video
from tests.video_files import SIZE, frame_index, write_frames, write_video


def test_frame_indices_stride_from_the_first_and_wrap_around():
    assert frame_indices(40, 8, 3) == [0, 3, 6, 9, 12, 15, 18, 21]
    assert frame_indices(40, 8, 7) == [0, 7, 14, 21, 28, 35, 2, 9]  # 42 and 49 wrap to 2 and 9
    assert frame_indices(8, 8, 1) == list(range(8))
    with pytest.raises(ValueError):
        frame_indices(0, 8, 1)


def test_a_clip_shorter_than_the_frame_count_repeats_frames():
    # DMVR's sample_or_pad_sequence_indices at offset 0 tiles range(3) ceil(4 x 2 / 3) = 3 times,
    # [0 1 2 0 1 2 0 1 2], and takes steps 0, 2, 4, 6: frames 0 2 1 0; big_vision's
    # video_replicate_img(4, 4) then tiles those 4 frames 4 times and keeps the first 4: the same
    assert frame_indices(3, 4, 2) == [0, 2, 1, 0]
    # one frame: every step is frame 0; 5 frames, 8 steps of 1: 0 1 2 3 4 0 1 2
    assert frame_indices(1, 16, 9) == [0] * 16
    assert frame_indices(5, 8, 1) == [0, 1, 2, 3, 4, 0, 1, 2]


def test_short_clips_load_with_repeated_frames(tmp_path):
    # steps 0 2 4 6 8 10 12 14 over 5 frames: 0 2 4 1 3 0 2 4
    assert taken(Clip(write_video(tmp_path / "short.mp4", 5), 8, 2)) == [0, 2, 4, 1, 3, 0, 2, 4]
    assert taken(Clip(write_frames(tmp_path / "three", 3), 4, 2)) == [0, 2, 1, 0]


def taken(clip: Clip) -> list[int]:
    frames = load_clip(clip, SIZE)
    assert frames.shape == (clip.frames, SIZE, SIZE, 3) and frames.dtype == np.float32
    assert frames.min() >= -1.0 and frames.max() <= 1.0
    return [frame_index(f) for f in frames]


@pytest.mark.parametrize("suffix", [".mp4", ".webm", ".avi"])
def test_frames_taken_from_video_files(suffix, tmp_path):
    video = write_video(tmp_path / f"clip{suffix}", 40)
    assert taken(Clip(video, 8, 3)) == [0, 3, 6, 9, 12, 15, 18, 21]
    assert taken(Clip(video, 8, 7)) == [0, 7, 14, 21, 28, 35, 2, 9]
    assert taken(Clip(video, 40, 1)) == list(range(40))


def test_a_segment_is_the_clip(tmp_path):
    video = write_video(tmp_path / "long.mp4", 40, fps=10)  # frame i shown at i / 10 s
    assert taken(Clip(video, 4, 4, segment=(1.0, 2.5))) == [10, 14, 18, 22]
    assert taken(Clip(video, 4, 5, segment=(1.0, 2.5))) == [10, 15, 20, 10]  # 15 frames: wraps
    assert taken(Clip(video, 4, 1, segment=(3.0, 99.0))) == [30, 31, 32, 33]


def test_segment_times_count_from_the_stream_start(tmp_path):
    video = write_video(tmp_path / "late.mp4", 30, fps=10, start_s=2)  # first frame at 2.0 s
    assert taken(Clip(video, 3, 3, segment=(1.0, 2.0))) == [10, 13, 16]
    assert taken(Clip(video, 3, 3)) == [0, 3, 6]


def test_frames_folders_sort_by_number(tmp_path):
    folder = write_frames(tmp_path / "frames", 12)
    assert taken(Clip(folder, 4, 3)) == [0, 3, 6, 9]
    assert taken(Clip(folder, 4, 4)) == [0, 4, 8, 0]
    assert taken(Clip(folder, 3, 2, segment=(0.5, 1.0), fps=10)) == [5, 7, 9]
    with pytest.raises(InputError, match="needs the frames' rate"):
        load_clip(Clip(folder, 3, 2, segment=(0.5, 1.0)), SIZE)


def test_resolve_video_finds_any_suffix_or_a_folder(tmp_path):
    write_video(tmp_path / "a.webm", 2)
    write_frames(tmp_path / "b", 2)
    assert resolve_video(tmp_path / "a.*") == tmp_path / "a.webm"
    assert resolve_video(tmp_path / "b.*") == tmp_path / "b"
    assert resolve_video(tmp_path / "c.*") == tmp_path / "c.*"
    assert resolve_video(tmp_path / "a.mp4") == tmp_path / "a.mp4"


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.write_bytes(b""), "the video file is empty"),
    (lambda p: p.write_bytes(b"not a video at all" * 20), "cannot decode video"),
    (lambda p: None, "video not found"),
])
def test_bad_videos_name_the_file(make, message, tmp_path):
    path = tmp_path / "bad.mp4"
    make(path)
    with pytest.raises(InputError, match=message) as e:
        load_clip(Clip(path, 8, 2), SIZE)
    assert str(path) in str(e.value)


def test_a_segment_past_the_end_holds_no_frame(tmp_path):
    video = write_video(tmp_path / "v.mp4", 10, fps=10)
    with pytest.raises(InputError, match=r"no frame could be read in the segment 5\.0-6\.0 s"):
        load_clip(Clip(video, 2, 1, segment=(5.0, 6.0)), SIZE)
