"""What a run will evaluate: each task's examples, checked before any inference.

Every missing annotation file of every task is reported at once; images (and videos) that are not
there are found up front (a stat per file) so a run fails before spending accelerator time, or
skips them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pgeval.data import DataSource, Example
from pgeval.data.hub.source import HubSource, hub_splits
from pgeval.errors import InputError
from pgeval.model.video import Clip, resolve_video
from pgeval.resources import NO_RESOURCES, Resources
from pgeval.scoring.examples import check_slices, load_examples
from pgeval.tasks import TaskCatalog, TaskSpec

MAX_LISTED = 20
SOURCES = ("auto", "hub", "files")  # --source: auto takes a task's Hub copy where it has one


def default_data_dir() -> Path:
    """$PGEVAL_DATA, else ~/.cache/pgeval/data."""
    return Path(os.environ.get("PGEVAL_DATA") or Path.home() / ".cache" / "pgeval" / "data")


@dataclass(frozen=True)
class TaskPlan:
    spec: TaskSpec
    root: Path  # the task's data folder
    examples: list[Example]
    missing_images: dict[str, Path]
    hub: HubSource | None = None  # set when the examples come from the task's Hub copy

    @property
    def source(self) -> DataSource:
        """The data source reading the task's data (its files, submission format, answers)."""
        return self.hub if self.hub is not None else self.spec.data_source()

    @property
    def provenance(self) -> dict:
        """Where the examples came from, for results.json: the official files, or the Hub copy's
        repository, revision and resolved commit."""
        return self.hub.copy.provenance if self.hub is not None else {"kind": "files"}

    @property
    def media(self) -> str:
        """What the task's files show: "image" or "video"."""
        return "video" if self.spec.video else "image"

    def media_paths(self, example: Example) -> list[Path]:
        """The example's image files, or for a video task its videos or frame folders."""
        if not example.images:
            raise InputError(f"task {self.spec.name}: example has no image", example_id=example.id)
        paths = [self.root / p for p in example.images]
        return [resolve_video(p) for p in paths] if self.spec.video else paths

    def inputs(self, example: Example) -> tuple[Path | Clip, ...]:
        """What the engine reads for the example: image paths, or the clips a video task samples."""
        if self.hub is not None:
            return tuple(self.hub.image_input(self.root, p) for p in example.images)
        paths, video = self.media_paths(example), self.spec.video
        if video is None:
            return tuple(paths)
        return tuple(Clip(p, video.frames, video.stride, example.segment, video.fps) for p in paths)

    def prompt(self, example: Example) -> str:
        try:
            return self.spec.prompt.format(**example.fields)
        except KeyError as e:
            raise InputError(f"task {self.spec.name}: the prompt {self.spec.prompt!r} needs field "
                             f"{e.args[0]!r}, which the example lacks", example_id=example.id) from None


def _listing(lines: Sequence[str]) -> str:
    shown = "\n".join(f"  {x}" for x in lines[:MAX_LISTED])
    more = f"\n  ... and {len(lines) - MAX_LISTED} more" if len(lines) > MAX_LISTED else ""
    return shown + more


def parse_splits(text: str | None, tasks: Sequence[str]) -> dict[str, str]:
    """`--split`: one split for every task ("minival"), or "task=split" pairs
    ("vqav2=minival,coco_captions=karpathy_val"); tasks not named keep their own."""
    if not text or not text.strip():
        return {}
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) == 1 and "=" not in parts[0]:
        return dict.fromkeys(tasks, parts[0])
    chosen = {}
    for part in parts:
        task, sep, split = (x.strip() for x in part.partition("="))
        if not sep or not task or not split:
            raise InputError(f"bad --split {text!r}: expected a split, or task=split pairs",
                             hint="e.g. --split minival, or --split vqav2=minival,docvqa=test")
        if task not in tasks:
            raise InputError(f"--split names {task!r}, which is not in --tasks")
        chosen[task] = split
    return chosen


def with_split(spec: TaskSpec, split: str | None) -> TaskSpec:
    """The spec reading `split` instead of its own; an unknown split is an error naming both."""
    if split is None or split == spec.split:
        return spec
    try:
        spec.data_source().check_split(split)
    except InputError as e:
        raise InputError(f"task {spec.name}: {e.args[0]}", hint=e.hint) from None
    return dataclasses.replace(spec, split=split)


def source_kind(spec: TaskSpec, choice: str) -> str:
    """"hub" or "files": where `choice` (SOURCES) takes the task's split from."""
    if choice not in SOURCES:
        raise InputError(f"--source must be one of {', '.join(SOURCES)}, got {choice!r}")
    mapped = spec.split in hub_splits(spec.hub)
    if choice == "hub" and not mapped:
        why = spec.hub.not_mapped if spec.hub and spec.hub.not_mapped else "none is mapped in its spec"
        raise InputError(f"task {spec.name}: no Hub copy of split {spec.split!r} ({why})",
                         hint=f"run it from the official files: --source files --data-dir DIR, with them "
                              f"under DIR/{spec.data_dir}/ (`pgeval data list` says which)")
    return "hub" if choice == "hub" or (choice == "auto" and mapped) else "files"


def _hub_plan(spec: TaskSpec) -> tuple[HubSource, list[Example]]:
    from pgeval.data.hub.fetch import fetch_split

    assert spec.hub is not None
    copy = fetch_split(spec.hub, spec.split, spec.name)
    source = HubSource(spec.hub, spec.data_source(), copy, spec.name)
    return source, source.load(copy.root, spec.split)


def outside(path: Path, folder: Path) -> bool:
    """Whether `path`, as written (`..` resolved, links not followed: a data folder may link to
    a shared image folder), leads out of `folder`."""
    base = os.path.normpath(os.path.abspath(folder))
    return os.path.commonpath([base, os.path.normpath(os.path.abspath(path))]) != base


def _check_inside(plan: TaskPlan, example: Example, data_dir: Path) -> None:
    for name, path in zip(example.images, plan.media_paths(example), strict=True):
        if outside(path, data_dir):
            raise InputError(f"task {plan.spec.name}: the {plan.media} path {name!r} leads outside "
                             f"--data-dir {data_dir}", example_id=example.id,
                             hint="a data file names files under its --data-dir; pass "
                                  "--allow-outside-data-dir if this one is meant to reach further")


def plan_tasks(names: Iterable[str], data_dir: Path, *, limit: int | None = None,
               catalog: TaskCatalog | None = None, splits: Mapping[str, str] | None = None,
               source: str = "files", allow_outside_data_dir: bool = False,
               resources: Resources = NO_RESOURCES) -> list[TaskPlan]:
    """Load and check every task's data (specs from `catalog`, default the built-in ones; on the
    split `splits` names, else its own) from the official files under `data_dir` or from the
    task's Hub copy, as `source` (SOURCES) chooses, and build its scoring adapter with its
    arguments and `resources`, so a bad argument stops the run before the model loads; raise one
    error listing all missing files. An image path of the official files leading outside
    `data_dir` (`../`, an absolute path) is an error unless `allow_outside_data_dir`."""
    catalog = catalog or TaskCatalog.load()
    specs = []
    for name in dict.fromkeys(names):
        specs.append(with_split(catalog.get(name), (splits or {}).get(name)))
        specs[-1].make_adapter(resources)
    kinds = {spec.name: source_kind(spec, source) for spec in specs}
    missing = []
    for spec in (s for s in specs if kinds[s.name] == "files"):
        root = data_dir / spec.data_dir
        gone = spec.data_source().missing_files(root, spec.split)
        hub = f" (no Hub copy: {spec.hub.not_mapped})" if gone and spec.hub and spec.hub.not_mapped else ""
        missing += [f"{spec.name}: {p}{hub}" for p in gone]
    if missing:
        raise InputError("missing data files, nothing was run:\n" + _listing(missing),
                         hint=f"put each benchmark's official files under {data_dir}/<task>/ "
                              "(`pgeval tasks` lists them), or pass --data-dir")
    plans = []
    for spec in specs:
        if kinds[spec.name] == "hub":
            hub, examples = _hub_plan(spec)
            check_slices(spec, examples, hub.copy.root)
            plans.append(TaskPlan(spec, hub.copy.root, examples[:limit], {}, hub))
            continue
        root = data_dir / spec.data_dir
        examples = load_examples(spec, data_dir, spec.split)
        if limit is not None:
            examples = examples[:limit]
        plan = TaskPlan(spec, root, examples, {})
        present = Path.exists if spec.video else Path.is_file
        for e in examples:
            if not allow_outside_data_dir:
                _check_inside(plan, e, data_dir)
            missing = [p for p in plan.media_paths(e) if not present(p)]
            if missing:
                plan.missing_images[e.id] = missing[0]
        plans.append(plan)
    return plans


def check_images(plans: Sequence[TaskPlan]) -> None:
    """Raise one error listing every missing image (task, id and path)."""
    missing = [f"{p.spec.name} id {i}: {path}" for p in plans for i, path in p.missing_images.items()]
    if missing:
        media = sorted({p.media for p in plans if p.missing_images})
        raise InputError(f"{len(missing)} {' or '.join(media)}(s) not found, nothing was run:\n"
                         + _listing(missing),
                         hint=f"fix the {media[0]} folder, or pass --on-error skip to leave them out")
