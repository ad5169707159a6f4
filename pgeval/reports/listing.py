"""Task listings for `pgeval tasks`: one plain dict per task of a catalog, ready for JSON or a
table; and the README's table of how each task reproduces the cards."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pgeval.data import DataSource
from pgeval.tasks import TaskCatalog, TaskSpec, same_split


def expected_files(spec: TaskSpec, source: DataSource, split: str | None = None) -> list[str]:
    """Annotation files and the image pattern of a split (read by the spec's `source`),
    relative to the data dir."""
    split = split or spec.split
    files = [f"{spec.data_dir}/{f}" for f in source.files(split)]
    images = source.image_pattern(split)
    if images:
        files.append(f"{spec.data_dir}/{images}")
    return files


def task_rows(catalog: TaskCatalog) -> list[dict[str, Any]]:
    """One row per task of the catalog, sorted by family then name."""
    rows = []
    for spec in sorted(catalog.specs.values(), key=lambda s: (s.family, s.name)):
        source = spec.data_source()
        spec.adapter_class()  # a spec naming an unknown adapter is an error here, not at scoring
        rows.append({
            "name": spec.name,
            "title": spec.title,
            "family": spec.family,
            "metric": spec.metric,
            "keys": list(spec.keys),
            "split": spec.split,
            "splits": list(source.splits),
            "submission_splits": [s for s in source.splits if not source.answered(s)],
            "prompt": spec.prompt,
            "max_decode_len": spec.max_decode_len,
            "beam_size": spec.beam_size,
            "video": asdict(spec.video) if spec.video else None,
            "resize": spec.resize,
            "adapter": spec.adapter,
            "source": spec.source,
            "files": expected_files(spec, source),
            "hub": spec.hub.summary() if spec.hub else None,
            "published": [asdict(p) for p in spec.published],
            "spec_file": str(spec.path) if spec.path else None,
        })
    return rows


def _card_splits(spec: TaskSpec, source: DataSource, card: str) -> str:
    """Where a card measured a task, and what pgeval compares with it: the same split, another
    name for it ("test → test1"), or a test server (the split that writes its submission file)."""
    servers = [s for s in source.splits if not source.answered(s)]
    out = []
    for p in spec.published:
        if p.card != card:
            continue
        compared = p.data_split or spec.split
        if same_split(p.split, compared):
            text = p.split
        elif p.data_split is not None:
            text = f"{p.split} → {p.data_split}"
        elif servers:
            text = f"{p.split}: submit `--split {servers[-1]}`"
        else:
            text = f"{p.split} (pgeval reads {spec.split})"
        if text not in out:
            out.append(text)
    return ", ".join(out) or "–"


def _metric_recipe(spec: TaskSpec) -> str:
    args = ", ".join(f"{k}={v}" for k, v in spec.adapter_args.items()
                     if k != "metrics" and not isinstance(v, dict))
    return f"{spec.adapter}" + (f" ({args})" if args else "")


def recipes_markdown(catalog: TaskCatalog) -> str:
    """The README's "reproducing the cards" table: per task, where each card measured (and the
    pgeval split compared with it), the prompt, decoding, resize and metric pgeval uses."""
    head = ["task", "PaliGemma card", "PaliGemma 2 card", "prompt", "decode", "resize", "metric"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for spec in sorted(catalog.specs.values(), key=lambda s: s.name):
        if not spec.published:
            continue
        source = spec.data_source()
        decode = f"{spec.max_decode_len}" + (f", beam {spec.beam_size}" if spec.beam_size > 1 else "")
        prompt = "`" + spec.prompt.replace("|", "\\|").replace("\n", "\\n") + "`"
        lines.append("| " + " | ".join([
            spec.name, _card_splits(spec, source, "paligemma"), _card_splits(spec, source, "paligemma2"),
            prompt, decode, spec.resize, _metric_recipe(spec)]) + " |")
    return "\n".join(lines)
