"""What goes in one cell of a model-card table: which metric values, which published numbers.

A card prints several numbers in some cells (POPE's random/popular/adversarial accuracies, COCO-35L's
en/avg-34/avg CIDEr, RSVQA-HR's test and test2 accuracies). A cell is a list of *items*, each a metric
key and the data split it was measured on (None: the task's own split), taken from the published
entries of the reference card in the order of the task's `keys`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from pgeval.runs import Run, TaskRecord
from pgeval.tasks import FAMILIES, Published, TaskSpec, same_split

CARDS = ("paligemma", "paligemma2")
REFERENCES = (*CARDS, "none")
MISSING = "–"
MINUS = "−"

FAMILY_TITLES = {"captioning": "Captioning", "qa": "Question answering", "segmentation": "Segmentation",
                 "video": "Video", "additional": "Additional benchmarks", "fairness": "Fairness"}

# The benchmarks in the order the PaliGemma card lists them (CountBenchQA, on the PaliGemma 2 card
# only, goes with the other counting benchmark). Tasks not named here follow, by title.
CARD_ORDER = (
    "coco_captions", "nocaps", "coco35l", "xm3600", "textcaps", "scicap", "screen2words", "widgetcap",
    "vqav2", "mmvp", "pope", "okvqa", "aokvqa_mc", "aokvqa_da", "gqa", "xgqa", "nlvr2", "marvl", "ai2d",
    "scienceqa", "rsvqa_lr", "rsvqa_hr", "chartqa", "vizwiz_vqa", "tallyqa", "countbenchqa", "ocrvqa",
    "textvqa", "docvqa", "infovqa", "stvqa",
    "refcoco", "refcoco+", "refcocog",
    "msrvtt_cap", "msrvtt_qa", "activitynet_cap", "activitynet_qa", "vatex", "msvd_qa",
    # the PaliGemma 2 card's additional benchmarks, in its order
    "icdar15", "total_text", "fintabnet", "pubtabnet", "grandstaff", "pubchem", "docci", "mimic_cxr",
    "vsr",
)

Item = tuple[str, str | None]

# A number of 3 or 4 digits standing alone in a checkpoint name: a resolution (224, 448, 896).
RESOLUTION_IN_NAME = re.compile(r"(?<!\d)\d{3,4}(?!\d)")
# "mix" as a word of a checkpoint name: a mix checkpoint, compared with the cards' mix numbers.
MIX_IN_NAME = re.compile(r"(?<![a-z])mix(?![a-z])", re.IGNORECASE)


def family_title(family: str) -> str:
    return FAMILY_TITLES.get(family, family.capitalize())


def order_key(spec: TaskSpec) -> tuple:
    """Sort key putting tasks in the card's order: family first, then the card's row order."""
    fam = FAMILIES.index(spec.family) if spec.family in FAMILIES else len(FAMILIES)
    row = CARD_ORDER.index(spec.name) if spec.name in CARD_ORDER else len(CARD_ORDER)
    return fam, spec.family, row, spec.title, spec.name


def default_reference(runs: Sequence[Run]) -> str:
    """The card to compare with when none is named: "paligemma2" when every run is a PaliGemma 2
    run (results.json's `model.family`), "paligemma" otherwise."""
    every_pg2 = bool(runs) and all(run.model.get("family") == "paligemma2" for run in runs)
    return "paligemma2" if every_pg2 else "paligemma"


def check_reference(reference: str) -> None:
    from pgeval.errors import InputError

    if reference not in REFERENCES:
        raise InputError(f"unknown reference {reference!r}", hint=f"one of {', '.join(REFERENCES)}")


def _norm_split(spec: TaskSpec, data_split: str | None) -> str | None:
    return None if data_split in (None, spec.split) else data_split


def cell_items(spec: TaskSpec, reference: str) -> list[Item]:
    """The (key, data_split) pairs the reference card prints for this task, in `spec.keys` order;
    the primary key alone when the card has nothing for it (or the reference is "none")."""
    entries = [p for p in spec.published if p.card == reference]
    items: list[Item] = []
    for p in entries:
        item = (p.key, _norm_split(spec, p.data_split))
        if item not in items:
            items.append(item)
    if not items:
        return [(spec.keys[0], None)]
    first = {item: i for i, item in enumerate(items)}
    return sorted(items, key=lambda it: (spec.keys.index(it[0]), it[1] is not None, first[it]))


def metric_label(spec: TaskSpec, reference: str) -> str:
    """The metric as the reference card labels it (`card_metric`), else the spec's `metric`."""
    return spec.card_metric.get(reference, spec.metric)


def measured_splits(runs: Sequence[Run], spec: TaskSpec, items: Sequence[Item]) -> list[str]:
    """The distinct splits a row's values were measured on, in order: for each item, the splits
    of the runs whose value it shows (`run_value`), or its own split when no run fills it."""
    out: list[str] = []
    for _, split in items:
        records = [run.tasks.get(spec.name) for run in runs]
        taken = [r.split for r in records if r is not None and _takes_split(r.split, split, items)]
        for s in taken or [split or spec.split]:
            if s not in out:
                out.append(s)
    return out


def run_value(run: Run, spec: TaskSpec, item: Item, items: Sequence[Item]) -> float | None:
    """The run's value of one item: its metric when the run's split is the item's split. An item
    of the task's own split takes any split that no other item of the cell names explicitly, and
    the only item of a cell takes any split (`split_mismatch` marks the difference)."""
    record = run.tasks.get(spec.name)
    key, split = item
    if record is None or not _takes_split(record.split, split, items):
        return None
    return record.value(key)


def _takes_split(run_split: str, split: str | None, items: Sequence[Item]) -> bool:
    if len(items) == 1:
        return True
    if split is None:
        return run_split not in {s for _, s in items if s is not None}
    return run_split == split


def checkpoint_kind(run: Run) -> str:
    """"mix" or "pt": results.json's `model.kind` when set (`pgeval table --kind` sets it), else
    "mix" when the checkpoint's name has the word (paligemma-3b-mix-448), else "pt"."""
    kind = run.model.get("kind")
    if kind:
        return str(kind)
    return "mix" if MIX_IN_NAME.search(str(run.model.get("name", ""))) else "pt"


def published_model(run: Run) -> tuple[str, int | None]:
    """The card's name for the run's model, e.g. ("3b-pt", 224), ("3b-mix", 448); size None
    counts as 3b."""
    size = run.model.get("size") or "3b"
    return f"{size}-{checkpoint_kind(run)}", run.model.get("res")  # checked by load_run


def published_entry(spec: TaskSpec, reference: str, model: str, res: int | None,
                    item: Item) -> Published | None:
    for p in spec.published:
        if (p.card == reference and p.model == model and p.res == res and p.key == item[0]
                and _norm_split(spec, p.data_split) == item[1]):
            return p
    return None


def published_value(spec: TaskSpec, reference: str, model: str, res: int | None,
                    item: Item) -> float | None:
    entry = published_entry(spec, reference, model, res, item)
    return None if entry is None else float(entry.value)


def split_mismatch(run: Run, spec: TaskSpec, entry: Published | None) -> str | None:
    """"val vs test-std" when the run's split is not where the card measured its number (the
    entry's `data_split`, or else its label); None when they agree or either is missing."""
    record = run.tasks.get(spec.name)
    if entry is None or record is None:
        return None
    if same_split(record.split, entry.data_split or entry.split):
        return None
    return f"{record.split} vs {entry.data_split or entry.split}"


def _decimals(value: float) -> int:
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 2
    return len(text.split(".")[1].rstrip("0") or "")


def published_decimals(spec: TaskSpec, reference: str, key: str) -> int:
    """How many decimals the card prints for a metric of a task: the most any of its published
    values has, so 87.8 beside 88.23 prints as the card's 87.80; at least one, except where every
    value is a TOML integer (the card printed none: DOCCI's 529 characters)."""
    values = [p.value for p in spec.published if p.card == reference and p.key == key]
    if values and all(isinstance(v, int) for v in values):
        return 0
    return max([1, *(_decimals(v) for v in values)])


def fmt_ours(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}"


def fmt_published(value: float | None, decimals: int) -> str:
    return MISSING if value is None else f"{value:.{decimals}f}"


def fmt_delta(ours: float | None, published: float | None) -> str:
    if ours is None or published is None:
        return MISSING
    delta = round(ours - published, 2) + 0.0  # no "-0.00"
    return f"{delta:+.2f}".replace("-", MINUS)


def join_cell(parts: Iterable[str]) -> str:
    """Values of a multi-value cell joined with "/" as the cards do; all missing is one dash."""
    parts = list(parts)
    return MISSING if all(p == MISSING for p in parts) else "/".join(parts)


def name_resolution(name: str) -> int | None:
    """The resolution a checkpoint name carries: its last number of 3 or 4 digits ("pt_224",
    "paligemma2-3b-pt-448.b16"); None when it has none."""
    numbers = RESOLUTION_IN_NAME.findall(name)
    return int(numbers[-1]) if numbers else None


def model_and_resolution(run: Run) -> str:
    """The checkpoint name, followed by "@res" unless the name already says the run's resolution:
    "paligemma-3b-pt-224", "paligemma-3b-pt-224 @448" (evaluated at 448 px), "my-ckpt @896"."""
    name = str(run.model.get("name", run.directory.name))
    _, res = published_model(run)
    return name if res is None or name_resolution(name) == res else f"{name} @{res}"


def _model_label(run: Run) -> str:
    """Model and resolution; "demo " in front of a demo run whose name does not say so."""
    label = model_and_resolution(run)
    demo = run.model.get("demo") and "demo" not in label.lower()
    return f"demo {label}" if demo else label


def _directory_names(runs: Sequence[Run]) -> list[str]:
    """The shortest tails of the runs' directory paths that tell apart the different ones
    ("448", "b/448")."""
    parts = [run.directory.resolve().parts for run in runs]
    distinct = set(parts)
    for depth in range(1, max(len(p) for p in parts) + 1):
        if len({p[-depth:] for p in distinct}) == len(distinct):
            return ["/".join(p[-depth:]) for p in parts]
    return ["/".join(p) for p in parts]


def run_labels(runs: Sequence[Run]) -> list[str]:
    """Column labels: model and resolution ("paligemma-3b-pt-224 @448", "demo_448"); runs that
    share those are told apart by their run directories ("pt_224 [a]", "pt_224 [b]"), and runs
    of one directory named twice by a counter."""
    bases = [_model_label(run) for run in runs]
    labels = list(bases)
    for base in dict.fromkeys(bases):
        same = [i for i, b in enumerate(bases) if b == base]
        if len({runs[i].directory.resolve() for i in same}) > 1:
            for i, name in zip(same, _directory_names([runs[i] for i in same]), strict=True):
                labels[i] = f"{base} [{name}]"
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[i] = f"{label} ({seen[label]})"
    return labels


def model_group(run: Run) -> str:
    """Runs of one model at several resolutions share this: the name less its resolution suffix,
    with family and size."""
    name = re.sub(r"[-_]?\d{3,4}$", "", str(run.model.get("name", run.directory.name))) or "model"
    family = run.model.get("family") or "?"
    size = run.model.get("size") or "3b"
    demo = run.model.get("demo") and "demo" not in name.lower()
    return f"{'demo ' if demo else ''}{name} ({family} {size})"


def spec_from_record(record: TaskRecord) -> TaskSpec:
    """A stand-in spec for a task the run has but no task folder defines: what results.json says."""
    keys = [record.primary, *(k for k in record.metrics if k != record.primary)]
    return TaskSpec(name=record.name, title=record.title or record.name, family=record.family,
                    metric=record.metric or record.primary, prompt="", max_decode_len=0, source="",
                    data_dir="", split=record.split, adapter="", keys=tuple(keys))


def specs_for_runs(runs: Sequence[Run], tasks: Mapping[str, TaskSpec] | None) -> list[TaskSpec]:
    """The specs of every task some run has, in the card's order."""
    if tasks is None:
        from pgeval.tasks import load_tasks

        tasks = load_tasks()
    specs: dict[str, TaskSpec] = {}
    for run in runs:
        for name, record in run.tasks.items():
            if name not in specs:
                specs[name] = tasks[name] if name in tasks else spec_from_record(record)
    return sorted(specs.values(), key=order_key)


def copy_note(run: Run, spec: TaskSpec) -> str | None:
    """What a run's cell says when its task was read from a Hub copy that differs from the data
    the card was measured on (the spec's [data.hub] note): "Hub copy <repo>"; else None."""
    record = run.tasks.get(spec.name)
    if record is None or record.source.get("kind") != "hub" or spec.hub is None or not spec.hub.note:
        return None
    return f"Hub copy {record.source.get('repo')}"
