"""Official annotation formats of the video benchmarks: MSR-VTT, VATEX, ActivityNet Captions,
ActivityNet-QA, MSVD-QA and MSRVTT-QA.

Each example's media is a video file (or a folder of its frames) named by the split's `images`
pattern; the task spec's [video] table says how its frames are sampled.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pgeval.data.base import SOURCES, Example, SubmissionFormat, field_of, read_json, read_jsonl
from pgeval.data.files import FileSource
from pgeval.errors import InputError

# Keys of the MSR-VTT caption lists that retrieval codebases publish (ClipBERT's clip_name,
# LAVIS' video file name, VALOR's desc), in the order they are looked for.
LIST_VIDEO_KEYS = ("video_id", "clip_name", "video")
LIST_CAPTION_KEYS = ("caption", "sentence", "desc")


def _text(value: Any, path: Path, where: Mapping[str, Any], what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what} must be a non-empty string, got {value!r}", path=str(path), **where)
    return value


def _captions(value: Any, path: Path, where: Mapping[str, Any]) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [_text(v, path, where, "a caption").strip() for v in values]


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
        path = self.file(root, split, "annotations")
        self.require_files(root, split)
        if path.suffix == ".jsonl":
            rows = [({"line": n}, r) for n, r in read_jsonl(path)]
        else:
            data = read_json(path)
            if isinstance(data, dict):
                return self._official(data, path, split)
            if not isinstance(data, list):
                raise InputError("expected {videos, sentences} or a list of captions", path=str(path))
            rows = [({"index": i}, r) for i, r in enumerate(data)]
        return self._listed(rows, path, split)

    def _official(self, data: dict[str, Any], path: Path, split: str) -> list[Example]:
        wanted = self.split_args[split].get("video_split")
        videos = {}
        for i, v in enumerate(field_of(data, "videos", path, 0)):
            if wanted is None or field_of(v, "split", path, i) == wanted:
                videos[_text(field_of(v, "video_id", path, i), path, {"index": i}, "video_id")] = []
        for i, s in enumerate(field_of(data, "sentences", path, 0)):
            video = field_of(s, "video_id", path, i)
            if video in videos:
                videos[video] += _captions(field_of(s, "caption", path, i), path, {"index": i})
        return self._examples(videos, path, split)

    def _listed(self, rows: list[tuple[dict[str, int], Any]], path: Path, split: str) -> list[Example]:
        videos: dict[str, list[str]] = {}
        for where, r in rows:
            video_key = next((k for k in LIST_VIDEO_KEYS if isinstance(r, dict) and k in r), None)
            caption_key = next((k for k in LIST_CAPTION_KEYS if isinstance(r, dict) and k in r), None)
            if video_key is None or caption_key is None:
                raise InputError(f"entry needs a video key ({', '.join(LIST_VIDEO_KEYS)}) and a caption "
                                 f"key ({', '.join(LIST_CAPTION_KEYS)})", path=str(path), **where)
            video = Path(_text(r[video_key], path, where, video_key)).stem
            videos.setdefault(video, []).extend(_captions(r[caption_key], path, where))
        return self._examples(videos, path, split)

    def _examples(self, videos: dict[str, list[str]], path: Path, split: str) -> list[Example]:
        empty = [v for v, caps in videos.items() if not caps]
        if empty:
            raise InputError(f"{len(empty)} video(s) have no caption", path=str(path),
                             example_id=empty[0])
        if not videos:
            raise InputError("no video in the file (check video_split)", path=str(path))
        return [Example(id=v, references=tuple(caps), images=self.images_for(split, {"video_id": v}))
                for v, caps in videos.items()]


@SOURCES.register("vatex")
class VatexSource(FileSource):
    """VATEX: a list of {videoID: "<youtube id>_<start>_<end>", enCap: [10 English captions],
    chCap: [...]}; the English captions are the references."""

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        examples = []
        for i, r in enumerate(self.read(root, split)):
            video = _text(field_of(r, "videoID", path, i), path, {"index": i}, "videoID")
            captions = _captions(field_of(r, "enCap", path, i), path, {"index": i})
            examples.append(Example(id=video, references=tuple(captions),
                                    images=self.images_for(split, r)))
        return examples


@SOURCES.register("activitynet_captions")
class ActivityNetCaptionsSource(FileSource):
    """ActivityNet Captions (`val_1.json`, `val_2.json`): {"v_<id>": {duration, timestamps:
    [[start, end], ...], sentences: [...]}}. Every annotated segment is an example, its clip the
    segment (the end clamped to the duration), its reference that segment's sentence; the id is
    `<video>#<segment index>`. The images pattern may use {video_id} ("v_<id>") or {youtube_id}."""

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        data = self.read(root, split)
        if not isinstance(data, dict):
            raise InputError("expected an object of videos keyed by id", path=str(path))
        examples = []
        for index, (video, entry) in enumerate(data.items()):
            where = {"index": index, "example_id": video}
            stamps = field_of(entry, "timestamps", path, index)
            sentences = field_of(entry, "sentences", path, index)
            duration = field_of(entry, "duration", path, index)
            lists = isinstance(stamps, list) and isinstance(sentences, list)
            if not lists or len(stamps) != len(sentences):
                raise InputError("timestamps and sentences must be lists of one length", path=str(path),
                                 **where)
            record = {"video_id": video, "youtube_id": video.removeprefix("v_")}
            for k, (stamp, sentence) in enumerate(zip(stamps, sentences, strict=True)):
                start, end = _segment(stamp, duration, path, where)
                reference = _text(sentence, path, where, "a sentence").strip()
                examples.append(Example(id=f"{video}#{k}", references=(reference,),
                                        images=self.images_for(split, record), segment=(start, end)))
        return examples


def _segment(stamp: Any, duration: Any, path: Path, where: Mapping[str, Any]) -> tuple[float, float]:
    numbers = isinstance(stamp, list) and len(stamp) == 2 and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in [*stamp, duration])
    if not numbers:
        raise InputError(f"timestamp must be [start, end] in seconds, got {stamp!r}", path=str(path),
                         **where)
    return float(stamp[0]), float(min(stamp[1], duration))


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
        questions, answers = self.read(root, split, "questions"), self.read(root, split, "answers")
        by_id = {field_of(a, "question_id", a_path, i): (i, a) for i, a in enumerate(answers)}
        examples = []
        for i, q in enumerate(questions):
            qid = field_of(q, "question_id", q_path, i)
            if qid not in by_id:
                raise InputError("question has no answer", path=str(a_path), example_id=str(qid))
            j, a = by_id[qid]
            kind = field_of(a, "type", a_path, j)
            if not isinstance(kind, int) or not 0 <= kind < len(ACTIVITYNET_QA_TYPES):
                raise InputError(f"type must be an integer 0-8, got {kind!r}", path=str(a_path), index=j)
            answer = _text(field_of(a, "answer", a_path, j), a_path, {"index": j}, "answer")
            examples.append(Example(
                id=str(qid), references=(answer,), images=self.images_for(split, q),
                fields={"question": field_of(q, "question", q_path, i)}, slice=ACTIVITYNET_QA_TYPES[kind]))
        return examples


class _XuVideoQaSource(FileSource):
    """The video QA files of Xu et al. (2017): a list of {id, question, answer, video_id (int)}."""

    def load(self, root: Path, split: str) -> list[Example]:
        path = self.file(root, split, "annotations")
        data = self.read(root, split)
        if not isinstance(data, list):
            raise InputError("expected a list of questions", path=str(path))
        names = self.video_names(root, split)
        examples = []
        for i, r in enumerate(data):
            video = field_of(r, "video_id", path, i)
            if isinstance(video, bool) or not isinstance(video, int):
                raise InputError(f"video_id must be an integer, got {video!r}", path=str(path), index=i)
            if names is not None and video not in names:
                raise InputError(f"vid{video} is not in the mapping file", path=str(path), index=i)
            examples.append(Example(
                id=str(field_of(r, "id", path, i)),
                references=(_text(field_of(r, "answer", path, i), path, {"index": i}, "answer"),),
                images=self.images_for(split, {**r, **(names or {}).get(video, {})}),
                fields={"question": field_of(r, "question", path, i)}))
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
    clips = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2 or not parts[1].startswith("vid") or not parts[1][3:].isdigit():
                raise InputError("expected '<clip name> vid<N>'", path=str(path), line=lineno)
            clips[int(parts[1][3:])] = parts[0]
    return clips
