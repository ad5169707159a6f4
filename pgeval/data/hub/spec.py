"""A task spec's `[data.hub]` table: which Hugging Face Hub dataset holds a copy of the benchmark,
which of its files hold each split, and how one of its rows becomes the `Example` the official
reader gives (same id, prompt fields, references and slice).

    [data.hub]
    repo = "lmms-lab-encoder/VQAv2"        # where the copy lives now
    aliases = ["lmms-lab/VQAv2"]           # earlier names of the same repository
    revision = "<40-hex commit>"           # pinned; "main" when not pinned
    config = "default"                     # the copy's config (for listings)
    files = "data/{split}-*.parquet"       # the copy's files for one of its splits
    id = "{question_id}"                   # a template over the row's columns
    fields = { question = "question" }     # prompt field -> column
    answers = "answers"                    # strings, or {answer: ...} records
    slice = "answer_type"                  # column naming the example's slice (optional)
    image = "image"                        # the embedded image column
    image_id = "image_id"                  # rows with one value show one image; absent: a digest
    note = "..."                           # how the copy differs from the official data, if it does
    [data.hub.splits]                      # pgeval split -> the copy's split
    val = "validation"
    [data.hub.rows]                        # the official size of each of the copy's splits
    validation = 214354

A copy that cannot give the official examples is listed with `not_mapped = "<reason>"` instead.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pgeval.errors import InputError

KEYS = {"repo", "aliases", "revision", "config", "files", "id", "fields", "answers", "slice", "image",
        "image_id", "note", "splits", "rows", "not_mapped"}


@dataclass(frozen=True, kw_only=True)
class HubSpec:
    """Where a benchmark's Hub copy is and how to read it (see the module docstring)."""

    repo: str
    aliases: tuple[str, ...] = ()
    revision: str = "main"
    config: str = "default"
    files: str = "data/{split}-*.parquet"
    id: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    answers: str | None = None
    slice: str | None = None
    image: str = "image"
    image_id: str | None = None
    note: str = ""
    splits: Mapping[str, str] = field(default_factory=dict)
    rows: Mapping[str, int] = field(default_factory=dict)
    not_mapped: str | None = None

    @property
    def repos(self) -> tuple[str, ...]:
        """Every name the copy may be found under, the current one first."""
        return (self.repo, *self.aliases)

    @property
    def id_columns(self) -> list[str]:
        return [f for _, f, _, _ in string.Formatter().parse(self.id) if f]

    @property
    def columns(self) -> list[str]:
        """The columns a split's examples are read from (the image column aside)."""
        named = [*self.id_columns, *self.fields.values(), self.answers, self.slice, self.image_id]
        return list(dict.fromkeys(c for c in named if c))

    def summary(self) -> dict[str, Any]:
        """The copy as `pgeval tasks` and `pgeval data list` show it."""
        if self.not_mapped:
            return {"repo": self.repo, "not_mapped": self.not_mapped}
        return {"repo": self.repo, "aliases": list(self.aliases), "revision": self.revision,
                "config": self.config, "splits": dict(self.splits), "note": self.note}

    def pattern(self, split: str) -> str:
        """The copy's file pattern for pgeval's `split`."""
        return self.files.format(split=self.splits[split])


def _strings(value: Any, what: str, where: str) -> Mapping[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InputError(f"[data.hub] {what} must be a table of strings", path=where)
    return dict(value)


def parse_hub(table: Any, where: str) -> HubSpec:
    """A `[data.hub]` table as a HubSpec; unknown keys and wrong types name the spec file."""
    if not isinstance(table, dict):
        raise InputError("[data.hub] must be a table", path=where)
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise InputError(f"unknown [data.hub] key(s) {unknown}", path=where, hint=f"known: {sorted(KEYS)}")
    if not isinstance(table.get("repo"), str) or table["repo"].count("/") != 1:
        raise InputError("[data.hub] needs repo = \"owner/name\"", path=where)
    args = dict(table)
    args["aliases"] = tuple(args.get("aliases", ()))
    if args.get("not_mapped") is not None:
        if not isinstance(args["not_mapped"], str) or not args["not_mapped"].strip():
            raise InputError("[data.hub] not_mapped must say why the copy is not read", path=where)
        return HubSpec(**args)
    for key in ("id", "files", "revision", "image"):
        if key in args and not isinstance(args[key], str):
            raise InputError(f"[data.hub] {key} must be a string", path=where)
    if not args.get("id") or "{split}" not in args.get("files", "{split}"):
        raise InputError("[data.hub] needs id (a template such as \"{question_id}\") and files with "
                         "{split} in it", path=where)
    args["fields"] = _strings(args.get("fields", {}), "fields", where)
    args["splits"] = _strings(args.get("splits", {}), "splits", where)
    rows = args.get("rows", {})
    if not isinstance(rows, dict) or not all(isinstance(v, int) and v > 0 for v in rows.values()):
        raise InputError("[data.hub] rows must map splits to positive row counts", path=where)
    if not args["splits"]:
        raise InputError("[data.hub] needs a [data.hub.splits] table (pgeval split = copy split)", path=where)
    return HubSpec(**args)
