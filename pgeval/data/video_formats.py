"""Official annotation formats of the video benchmarks: MSR-VTT, VATEX, ActivityNet Captions,
ActivityNet-QA, MSVD-QA and MSRVTT-QA.

Each example's media is a video file (or a folder of its frames) named by the split's `images`
pattern; the task spec's [video] table says how its frames are sampled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pgeval.data.base import (
    SOURCES,
    Example,
    SubmissionFormat,
    field_of,
    id_field,
    list_field,
    segment_bounds,
    text_field,
)
from pgeval.data.files import FileSource
from pgeval.errors import InputError
from pgeval.io import read_json, read_jsonl, read_text

# Keys of the MSR-VTT caption lists that retrieval codebases publish (ClipBERT's clip_name,
# LAVIS' video file name, VALOR's desc), in the order they are looked for.
LIST_VIDEO_KEYS = ("video_id", "clip_name", "video")
LIST_CAPTION_KEYS = ("caption", "sentence", "desc")


def _captions(value: Any, path: Path, **where: Any) -> list[str]:
    """One caption or a list of them, each a non-empty string, stripped."""
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise InputError(f"captions must be non-empty strings, got {value!r}", path=str(path), **where)
    return [v.strip() for v in values]


@SOURCES.register("msrvtt")
class MsrVttSource(FileSource):
    """MSR-VTT captions, one example per video with all its captions as references.

    Reads the official `*_videodatainfo.json` ({videos: [{video_id, split, ...}], sentences:
    [{video_id, caption}]}; `video_split` keeps the videos of one `split` value, e.g. "validate"
    from train_val_videodatainfo.json), or the caption lists of retrieval codebases: a JSON list
    or JSON Lines of {video_id | clip_name | video, caption | sentence | desc}.
    """

    optional_keys = ("images", "video_split")

    def load(self, root: Path, split: str) -> list[Example]:
        self.require_files(root, split)
        path = self.file(root, split, "annotations")
        if path.suffix == ".jsonl":
            return self._listed([({"line": n}, r) for n, r in read_jsonl(path)], path, split)
        data = read_json(path)
        if isinstance(data, dict):
            return self._official(data, path, split)
        rows = list_field(data, path, "the file (expected {videos, sentences} or a list of captions)")
        return self._listed([({"index": i}, r) for i, r in enumerate(rows)], path, split)

    def _official(self, data: dict[str, Any], path: Path, split: str) -> list[Example]:
        wanted = self.split_args[split].get("video_split")
        videos: dict[str, list[str]] = {}
        for i, v in enumerate(list_field(field_of(data, "videos", path, 0), path, "videos")):
            if wanted is None or field_of(v, "split", path, i) == wanted:
                videos[text_field(v, "video_id", path, index=i)] = []
        for i, s in enumerate(list_field(field_of(data, "sentences", path, 0), path, "sentences")):
            video = text_field(s, "video_id", path, index=i)
            if video in videos:
                videos[video] += _captions(field_of(s, "caption", path, i), path, index=i)
        return self._examples(videos, path, split)

    def _listed(self, rows: list[tuple[dict[str, int], Any]], path: Path, split: str) -> list[Example]:
        videos: dict[str, list[str]] = {}
        for where, r in rows:
            video_key = next((k for k in LIST_VIDEO_KEYS if isinstance(r, dict) and k in r), None)
            caption_key = next((k for k in LIST_CAPTION_KEYS if isinstance(r, dict) and k in r), None)
            if video_key is None or caption_key is None:
                raise InputError(f"entry needs a video key ({', '.join(LIST_VIDEO_KEYS)}) and a caption "
                                 f"key ({', '.join(LIST_CAPTION_KEYS)})", path=str(path), **where)
            video = Path(text_field(r, video_key, path, **where)).stem
            videos.setdefault(video, []).extend(_captions(r[caption_key], path, **where))
        return self._examples(videos, path, split)

    def _examples(self, videos: dict[str, list[str]], path: Path, split: str) -> list[Example]:
        empty = [v for v, caps in videos.items() if not caps]
        if empty:
            raise InputError(f"{len(empty)} video(s) have no caption", path=str(path),
                             example_id=empty[0])
        if not videos:
            raise InputError("no video in the file (check video_split)", path=str(path))
        return [Example(id=v, references=tuple(caps),
                        images=self.images_for(split, {"video_id": v}, where={"path": str(path)}))
                for v, caps in videos.items()]


@SOURCES.register("vatex")
class VatexSource(FileSource):
    """VATEX: a list of {videoID: "<youtube id>_<start>_<end>", enCap: [10 English captions],
    chCap: [...]}; the English captions are the references."""

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        examples = []
        for i, r in enumerate(list_field(self.read(root, split), path, "the file")):
            video = text_field(r, "videoID", path, index=i)
            captions = _captions(field_of(r, "enCap", path, i), path, index=i, example_id=video)
            examples.append(Example(id=video, references=tuple(captions),
                                    images=self.images_for(split, r, where={"path": str(path), "index": i})))
        return examples


@SOURCES.register("activitynet_captions")
class ActivityNetCaptionsSource(FileSource):
    """ActivityNet Captions (`val_1.json`, `val_2.json`): {"v_<id>": {duration, timestamps:
    [[start, end], ...], sentences: [...]}}. Every annotated segment is an example, its clip the
    segment clamped to [0, duration] (a few annotations run past the video's end; a segment left
    empty by the clamp holds no frame and is left out), its reference that segment's sentence; the
    id is `<video>#<segment index>`. The images pattern may use {video_id} ("v_<id>") or
    {youtube_id}."""

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        data = self.read(root, split)
        if not isinstance(data, dict):
            raise InputError("expected an object of videos keyed by id", path=str(path))
        examples = []
        for index, (video, entry) in enumerate(data.items()):
            where = {"index": index, "example_id": video}
            stamps = list_field(field_of(entry, "timestamps", path, index), path, "timestamps", **where)
            sentences = list_field(field_of(entry, "sentences", path, index), path, "sentences", **where)
            duration = field_of(entry, "duration", path, index)
            if len(stamps) != len(sentences) or isinstance(duration, bool) or not isinstance(
                    duration, int | float):
                raise InputError("needs a numeric duration and as many timestamps as sentences",
                                 path=str(path), **where)
            record = {"video_id": video, "youtube_id": video.removeprefix("v_")}
            images = self.images_for(split, record, where={"path": str(path), **where})
            for k, (stamp, sentence) in enumerate(zip(stamps, sentences, strict=True)):
                start, end = segment_bounds(stamp, path, **where)
                start, end = max(start, 0.0), min(end, float(duration))
                if start < end:
                    examples.append(Example(id=f"{video}#{k}", references=tuple(_captions(
                        sentence, path, **where)), images=images, segment=(start, end)))
        return examples


ACTIVITYNET_QA_TYPES = ("motion", "spatial", "temporal", "yes_no", "color", "object", "location",
                        "number", "other")


@SOURCES.register("activitynet_qa")
class ActivityNetQaSource(FileSource):
    """ActivityNet-QA: `*_q.json` [{video_name, question, question_id}] and `*_a.json` [{answer,
    type, question_id}] joined on question_id. `video_name` has no "v_" prefix; the slice is the
    question type (motion, spatial, temporal, yes_no, color, object, location, number, other)."""

    file_keys = ("questions", "answers")
    submission = SubmissionFormat("question_id", "answer")

    def load(self, root: Path, split: str) -> list[Example]:
        q_path, a_path = self.file(root, split, "questions"), self.file(root, split, "answers")
        questions = list_field(self.read(root, split, "questions"), q_path, "the file")
        by_id: dict[str, tuple[int, Any]] = {}
        for i, a in enumerate(list_field(self.read(root, split, "answers"), a_path, "the file")):
            qid = id_field(a, "question_id", a_path, index=i)
            if qid in by_id:
                raise InputError(f"duplicate question_id (first at entry {by_id[qid][0]})",
                                 path=str(a_path), index=i, example_id=qid)
            by_id[qid] = (i, a)
        examples = []
        for i, q in enumerate(questions):
            qid = id_field(q, "question_id", q_path, index=i)
            if qid not in by_id:
                raise InputError("question has no answer", path=str(a_path), example_id=qid)
            j, a = by_id[qid]
            kind = field_of(a, "type", a_path, j)
            if type(kind) is not int or not 0 <= kind < len(ACTIVITYNET_QA_TYPES):
                raise InputError(f"type must be an integer 0-8, got {kind!r}", path=str(a_path), index=j)
            examples.append(Example(
                id=qid, references=(text_field(a, "answer", a_path, index=j),),
                images=self.images_for(split, q, where={"path": str(q_path), "index": i}),
                fields={"question": text_field(q, "question", q_path, index=i)},
                slice=ACTIVITYNET_QA_TYPES[kind]))
        return examples


class _XuVideoQaSource(FileSource):
    """The video QA files of Xu et al. (2017): a list of {id, question, answer, video_id (int)}."""

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        data = list_field(self.read(root, split), path, "the file (a list of questions)")
        names = self.video_names(root, split)
        examples = []
        for i, r in enumerate(data):
            video = field_of(r, "video_id", path, i)
            if isinstance(video, bool) or not isinstance(video, int):
                raise InputError(f"video_id must be an integer, got {video!r}", path=str(path), index=i)
            if names is not None and video not in names:
                raise InputError(f"vid{video} is not in the mapping file", path=str(path), index=i)
            examples.append(Example(
                id=id_field(r, "id", path, index=i), references=(text_field(r, "answer", path, index=i),),
                images=self.images_for(split, {**r, **(names or {}).get(video, {})},
                                       where={"path": str(path), "index": i}),
                fields={"question": text_field(r, "question", path, index=i)}))
        return examples

    def video_names(self, root: Path, split: str) -> dict[int, dict[str, str]] | None:
        """Extra names of each video for the images pattern, by video_id (None: no extra)."""
        return None


@SOURCES.register("msrvtt_qa")
class MsrVttQaSource(_XuVideoQaSource):
    """MSRVTT-QA: video_id is MSR-VTT's number (7010 is video7010.mp4)."""


@SOURCES.register("msvd_qa")
class MsvdQaSource(_XuVideoQaSource):
    """MSVD-QA: video_id N is `vidN` of `youtube_mapping.txt` ("<clip name> vidN" per line), whose
    clip name ({clip} in the images pattern) names the file of YouTubeClips/."""

    file_keys = ("annotations", "mapping")

    def video_names(self, root: Path, split: str) -> dict[int, dict[str, str]]:
        return {n: {"clip": clip} for n, clip in _read_mapping(self.file(root, split, "mapping")).items()}


def _read_mapping(path: Path) -> dict[int, str]:
    clips: dict[int, str] = {}
    for lineno, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[1].startswith("vid") or not parts[1][3:].isdigit():
            raise InputError("expected '<clip name> vid<N>'", path=str(path), line=lineno)
        number = int(parts[1][3:])
        if number in clips:
            raise InputError(f"vid{number} is mapped twice", path=str(path), line=lineno)
        clips[number] = parts[0]
    return clips
