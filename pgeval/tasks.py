"""Task specs: one TOML file per benchmark, found in the built-in `tasks/` folder, in folders
given with `--tasks-dir`, and in folders that packages publish under the `pgeval.tasks` entry
points (an entry point names a folder path, or a callable returning one)."""

from __future__ import annotations

import inspect
import math
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pgeval.adapters import ADAPTERS, Adapter
from pgeval.data import SOURCES, DataSource
from pgeval.data.hub.spec import HubSpec, parse_hub
from pgeval.errors import InputError
from pgeval.io import read_text
from pgeval.model.images import RESIZES
from pgeval.registry import suggest
from pgeval.resources import NO_RESOURCES, Resources

FAMILIES = ("captioning", "qa", "segmentation", "video", "additional", "fairness")
AGGREGATES = ("pooled", "slice_mean")


@dataclass(frozen=True, kw_only=True)
class Published:
    """One published number: which card, which model, which resolution, which metric key.

    `split` is the card's label for where it was measured ("test-std", "val"); `data_split` is
    the pgeval split to compare it with, when not the task's default.
    """

    card: str
    model: str
    res: int
    key: str
    value: float
    split: str
    data_split: str | None = None


@dataclass(frozen=True, kw_only=True)
class VideoSampling:
    """A video task's `[video]` table: how many frames each clip gives the model, `stride` frames
    apart (frames of the file as decoded), and the frame rate of pre-extracted frame folders
    (needed only to cut segments from them)."""

    frames: int
    stride: int
    fps: float | None = None


@dataclass(frozen=True, kw_only=True)
class TaskSpec:
    """A benchmark: where its data is, how to prompt, how to score, what was published."""

    name: str
    title: str
    description: str = ""
    family: str
    metric: str
    card_metric: Mapping[str, str] = field(default_factory=dict)
    prompt: str
    max_decode_len: int
    beam_size: int = 1
    source: str
    source_args: Mapping[str, Any] = field(default_factory=dict)
    hub: HubSpec | None = None  # the benchmark's Hugging Face Hub copy ([data.hub])
    data_dir: str
    split: str
    adapter: str
    adapter_args: Mapping[str, Any] = field(default_factory=dict)
    aggregate: str = "pooled"
    mean_excluding: tuple[str, ...] = ()
    keys: tuple[str, ...]
    published: tuple[Published, ...] = ()
    video: VideoSampling | None = None
    resize: str = "antialias"
    path: Path | None = None

    @property
    def prompt_fields(self) -> list[str]:
        """Names the prompt template fills from each example (`question` in `answer en {question}`)."""
        return [f for _, f, _, _ in string.Formatter().parse(self.prompt) if f]

    def data_source(self) -> DataSource:
        """The data source that reads the spec's data, built with its [data] arguments (an unknown
        source, or arguments it refuses, is an error naming the spec file)."""
        try:
            return SOURCES.get(self.source)(**self.source_args)
        except InputError as e:
            raise _in_spec(e, self) from None

    def adapter_class(self) -> type[Adapter]:
        """The spec's adapter class (what it scores with, and the resources it takes)."""
        try:
            return ADAPTERS.get(self.adapter)
        except InputError as e:
            raise _in_spec(e, self) from None

    def make_adapter(self, resources: Resources = NO_RESOURCES) -> Adapter:
        """The spec's scoring adapter, with its [scoring] arguments and the run-time resources it
        asks for (see Adapter.resources); an argument it refuses is an error naming the spec
        file and the [scoring] args key."""
        cls = self.adapter_class()
        args = inspect.signature(cls).parameters
        takes_any = any(a.kind is inspect.Parameter.VAR_KEYWORD for a in args.values())
        unknown = [] if takes_any else sorted(set(self.adapter_args) - set(args))
        known = ", ".join(a for a in args if a not in cls.resources) or "none"
        if unknown:
            raise _in_spec(InputError(f"[scoring] args: adapter {self.adapter!r} takes no "
                                      f"argument {unknown[0]!r}", hint=f"its arguments: {known}"),
                           self)
        try:
            return cls(**self.adapter_args, **resources.taken_by(cls.resources))
        except InputError as e:
            raise _in_spec(InputError(f"[scoring] args: {e.args[0]}", hint=e.hint), self) from None


def same_split(a: str, b: str) -> bool:
    """Whether two split names mean the same split: case, spaces, "_" and "-" aside
    ("testdev balanced" and "testdev_balanced")."""
    return re.sub(r"[\s_-]", "", a.lower()) == re.sub(r"[\s_-]", "", b.lower())


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "a whole number", float: "a number", list: "a list",
             dict: "a table", bool: "true or false"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if set(kinds) == {int, float}:
        return "a number"
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _require(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str,
             default: Any = None) -> Any:
    """`table[key]` of type `kind` (`default` when absent and a default is given)."""
    if key not in table:
        if default is not None:
            return default
        raise InputError(f"missing key {key!r}", path=where)
    value = table[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in kinds):
        raise InputError(f"key {key!r} must be {_kind_name(kind)}, got {value!r}", path=where)
    return value


def _positive(table: Mapping[str, Any], key: str, where: str, default: int | None = None) -> int:
    value = _require(table, key, int, where, default)
    if value < 1:
        raise InputError(f"key {key!r} must be 1 or more, got {value!r}", path=where,
                         hint="max_decode_len is the most tokens decoded per example, beam_size "
                              "1 decodes greedily")
    return value


def _strings(table: Mapping[str, Any], key: str, where: str, *, empty: bool = True) -> tuple[str, ...]:
    values = _require(table, key, list, where, [] if empty else None)
    if not all(isinstance(v, str) for v in values) or (not empty and not values):
        raise InputError(f"key {key!r} must be a {'' if empty else 'non-empty '}list of strings, "
                         f"got {values!r}", path=where)
    return tuple(values)


def _prompt(data: Mapping[str, Any], where: str) -> str:
    """The prompt template, which str.format must be able to fill: `{field}`s, and `{{`/`}}`
    for literal braces."""
    prompt = _require(data, "prompt", str, where)
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(prompt) if f is not None]
    except ValueError as e:
        raise InputError(f"prompt {prompt!r} is not a template: {e}", path=where,
                         hint="fields are written {question}; a literal brace is written {{ or }}"
                         ) from None
    if "" in fields or any(not f.isidentifier() for f in fields):
        raise InputError(f"prompt {prompt!r} has a field that is not a name: {fields}", path=where,
                         hint="fields are written {question}; a literal brace is written {{ or }}")
    return prompt


PUBLISHED_KEYS = {"card": str, "model": str, "res": int, "key": str, "value": (int, float),
                  "split": str, "data_split": str}


def _published(entries: Any, where: str) -> tuple[Published, ...]:
    """The [[published]] tables, every field checked (a value of "abc" would fail only when a
    report compares with it)."""
    if not isinstance(entries, list):
        raise InputError(f"published must be a list of tables ([[published]]), got {entries!r}",
                         path=where)
    out = []
    for i, p in enumerate(entries):
        at = f"{where} [[published]] entry {i}"
        if not isinstance(p, dict):
            raise InputError(f"must be a table, got {p!r}", path=at)
        unknown = sorted(set(p) - set(PUBLISHED_KEYS))
        if unknown:
            raise InputError(f"unknown key(s) {unknown}", path=at, hint=f"known: {list(PUBLISHED_KEYS)}")
        fields = {k: _require(p, k, kind, at) for k, kind in PUBLISHED_KEYS.items()
                  if k != "data_split" or k in p}
        if fields["res"] < 1 or not math.isfinite(fields["value"]):
            raise InputError(f"res must be 1 or more and value a finite number, got res "
                             f"{fields['res']!r} and value {fields['value']!r}", path=at)
        out.append(Published(**fields))
    return tuple(out)


def _video(table: Any, where: str) -> VideoSampling:
    if not isinstance(table, dict):
        raise InputError("[video] must be a table (frames = 16, stride = 9)", path=where)
    unknown = sorted(set(table) - {"frames", "stride", "fps"})
    if unknown:
        raise InputError(f"unknown [video] key(s) {unknown}", path=where, hint="known: frames, stride, fps")
    frames = _require(table, "frames", int, where + " [video]")
    stride = _require(table, "stride", int, where + " [video]")
    fps = table.get("fps")
    bad_fps = fps is not None and (isinstance(fps, bool) or not isinstance(fps, int | float) or fps <= 0)
    if frames < 1 or stride < 1 or bad_fps:
        raise InputError("[video] frames and stride must be positive integers, fps a positive number",
                         path=where)
    return VideoSampling(frames=frames, stride=stride, fps=None if fps is None else float(fps))


def _card_metric(table: Any, where: str) -> dict[str, str]:
    """`card_metric`: the metric's label as each card prints it, where it differs from `metric`."""
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise InputError("card_metric must be a table of card name = label", path=where,
                         hint='card_metric = { paligemma2 = "CIDEr (en / avg35)" }')
    return dict(table)


def parse_task(data: Mapping[str, Any], path: Path) -> TaskSpec:
    """Build a TaskSpec from a parsed TOML table; errors name the file and the key."""
    where = str(path)
    known = {"name", "title", "description", "family", "metric", "card_metric", "prompt", "max_decode_len",
             "beam_size", "data", "scoring", "published", "video", "resize"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"unknown key(s) {unknown}", path=where, hint=f"known: {sorted(known)}")
    family = _require(data, "family", str, where)
    if family not in FAMILIES:
        raise InputError(f"family must be one of {FAMILIES}, got {family!r}", path=where)
    data_table = dict(_require(data, "data", dict, where))
    hub = parse_hub(data_table.pop("hub"), where) if "hub" in data_table else None
    scoring = dict(_require(data, "scoring", dict, where))
    name = _require(data, "name", str, where)
    unknown = sorted(set(scoring) - {"adapter", "args", "aggregate", "mean_excluding", "keys"})
    if unknown:
        raise InputError(f"unknown [scoring] key(s) {unknown}", path=where)
    aggregate = scoring.get("aggregate", "pooled")
    if aggregate not in AGGREGATES:
        raise InputError(f"scoring.aggregate must be one of {AGGREGATES}", path=where)
    if data.get("resize", "antialias") not in RESIZES:
        raise InputError(f"resize must be one of {RESIZES}, got {data['resize']!r}", path=where,
                         hint="see pgeval/model/images.py for what each does")
    args = _require(scoring, "args", dict, where + " [scoring]", {})
    spec = TaskSpec(
        name=name,
        title=_require(data, "title", str, where, name),
        description=_require(data, "description", str, where, ""),
        family=family,
        metric=_require(data, "metric", str, where),
        card_metric=_card_metric(data.get("card_metric", {}), where),
        prompt=_prompt(data, where),
        max_decode_len=_positive(data, "max_decode_len", where),
        beam_size=_positive(data, "beam_size", where, 1),
        source=_require(data_table, "source", str, where + " [data]"),
        data_dir=_require(data_table, "dir", str, where + " [data]", name),
        split=_require(data_table, "split", str, where + " [data]"),
        source_args={k: v for k, v in data_table.items() if k not in ("source", "split", "dir")},
        hub=hub,
        adapter=_require(scoring, "adapter", str, where + " [scoring]"),
        adapter_args=args,
        aggregate=aggregate,
        mean_excluding=_strings(scoring, "mean_excluding", where + " [scoring]"),
        keys=_strings(scoring, "keys", where + " [scoring]", empty=False),
        published=_published(data.get("published", []), where),
        video=_video(data["video"], where) if "video" in data else None,
        resize=data.get("resize", "antialias"),
        path=path,
    )
    unknown_keys = {p.key for p in spec.published} - set(spec.keys)
    if unknown_keys:
        raise InputError(f"published numbers for keys {sorted(unknown_keys)} not in scoring.keys",
                         path=where)
    return spec


def load_task_file(path: Path) -> TaskSpec:
    """Parse one task spec file; a TOML syntax error names the file and its line."""
    try:
        data = tomllib.loads(read_text(path))
    except RecursionError:
        raise InputError("TOML nested too deeply to read", path=str(path)) from None
    except tomllib.TOMLDecodeError as e:
        at = re.search(r"at line (\d+)", str(e))  # Python 3.14 adds e.lineno; before, only the text has it
        raise InputError(f"malformed TOML: {e}", path=str(path), line=int(at[1]) if at else None) from None
    return parse_task(data, path)


def _builtin_dir() -> Path:
    """The shipped task specs: `pgeval.builtin_tasks` once installed, `tasks/` in a checkout."""
    try:
        return Path(str(resources.files("pgeval.builtin_tasks")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "tasks"


def _plugin_dirs() -> list[Path]:
    dirs = []
    for ep in entry_points(group="pgeval.tasks"):
        target = ep.load()
        dirs.append(Path(target() if callable(target) else target))
    return dirs


def task_folders(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Folders searched for task specs, lowest precedence first: built-in, plugins, `extra`."""
    return [_builtin_dir(), *_plugin_dirs(), *(Path(p) for p in extra)]


def load_tasks(extra_dirs: Iterable[str | Path] = ()) -> dict[str, TaskSpec]:
    """Every task by name; a later folder's task replaces an earlier one of the same name."""
    tasks: dict[str, TaskSpec] = {}
    for folder in task_folders(extra_dirs):
        if not folder.is_dir():
            raise InputError("tasks folder does not exist", path=str(folder))
        seen: dict[str, Path] = {}
        for path in sorted(folder.glob("*.toml")):
            spec = load_task_file(path)
            if spec.name in seen:
                raise InputError(f"task {spec.name!r} is also defined in {seen[spec.name]}",
                                 path=str(path))
            seen[spec.name] = path
            tasks[spec.name] = spec
    return tasks


def _in_spec(error: InputError, spec: TaskSpec) -> InputError:
    """An error about a task's spec (an unknown source or adapter, bad arguments) that names no
    file: the same, naming the spec file."""
    if error.path is not None or spec.path is None:
        return error
    return InputError(f"task {spec.name}: {error.args[0]}", path=str(spec.path), line=error.line,
                      index=error.index, example_id=error.example_id, hint=error.hint)


@dataclass(frozen=True)
class TaskCatalog:
    """The task specs one command works with, loaded once (built-ins, plugin folders, then its
    --tasks-dir folders) and handed to planning, scoring and reports, so every part of a command
    sees the same specs."""

    specs: Mapping[str, TaskSpec] = field(default_factory=dict)

    @classmethod
    def load(cls, extra_dirs: Iterable[str | Path] = ()) -> TaskCatalog:
        return cls(load_tasks(extra_dirs))

    def get(self, name: str) -> TaskSpec:
        if name not in self.specs:
            raise InputError(f"unknown task {name!r}.{suggest(name, self.specs)}",
                             hint="`pgeval tasks` lists every task")
        return self.specs[name]


def get_task(name: str, extra_dirs: Iterable[str | Path] = ()) -> TaskSpec:
    """One task's spec (a catalog loaded for it alone)."""
    return TaskCatalog.load(extra_dirs).get(name)
