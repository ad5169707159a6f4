"""Pluggable scorers chosen at run time: the toxicity scorers, the DOCCI entailment judges, the
MIMIC-CXR RadGraph scorers.

A choice is `name` or `name:VALUE` (`file:SCORES.jsonl`, `radgraph:/models/radgraph`): the name
picks a class from a Registry, and VALUE fills the keyword argument the class names in its
`argument` (None: the form takes no VALUE). `IdKeyedFile` is what every `file` choice reads:
results computed elsewhere, one JSON object per example id per line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from pgeval.errors import InputError, PgevalError
from pgeval.io import read_jsonl
from pgeval.registry import Registry

TEXT_KEYS = ("text", "prediction")
V = TypeVar("V")


class ScorerError(PgevalError):
    """A scorer could not finish: a rejected API key, a service that kept failing, a bad reply."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        return self.args[0] + (f"\n  hint: {self.hint}" if self.hint else "")


class Pluggable:
    """A run-time choice's class. `argument` names the keyword argument that the `name:VALUE`
    form fills (`file:scores.jsonl` gives FileScorer(path="scores.jsonl"))."""

    argument: ClassVar[str | None] = None

    def describe(self) -> str:
        """One line for logs and results: what this is."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.describe()}>"


P = TypeVar("P", bound=Pluggable)


def parse_choice(choice: str) -> tuple[str, str | None]:
    """Split a choice `name` or `name:VALUE` (the value may itself hold colons)."""
    name, sep, value = choice.partition(":")
    return name.strip(), (value if sep else None)


def check_choice(registry: Registry[type[P]], choice: object) -> None:
    """Fail now, not after hours of decoding, on a choice naming nothing registered."""
    if isinstance(choice, str):
        registry.get(parse_choice(choice)[0])


def make_plugin(registry: Registry[type[P]], base: type[P], choice: str | P,
                options: Mapping[str, Mapping[str, Any]] | None = None) -> P:
    """An instance from a choice: an instance of `base` (returned as is), `name` or `name:VALUE`.

    `options` maps names to keyword arguments (a task spec's tables of options); only the chosen
    name's are used.
    """
    if isinstance(choice, base):
        return choice
    if not isinstance(choice, str) or not choice.strip():
        raise InputError(f"a {registry.kind} choice must be a name, got {choice!r}",
                         hint=f"known: {', '.join(registry.names())}")
    name, value = parse_choice(choice)
    cls = registry.get(name)
    kwargs = dict((options or {}).get(name, {}))
    if value is not None:
        if cls.argument is None:
            raise InputError(f"{registry.kind} {name!r} takes no ':VALUE' part, got {choice!r}")
        kwargs[cls.argument] = value
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise InputError(f"{registry.kind} {name!r}: {e}") from None


@dataclass(frozen=True)
class Row(Generic[V]):
    line: int
    value: V
    text: str | None


class IdKeyedFile(Generic[V]):
    """A JSON Lines file of results made elsewhere: {"id": <example id>, <value keys>..., "text"
    (or "prediction"): the text they were made for (optional, checked when given)}.

    `parse(record, where)` turns a line's value keys into a V (`where` locates the line for its
    errors). Every id of the split needs a line and every line an id of the split: unknown,
    missing and duplicate ids are errors naming the file, the line and the id. `kind` names the
    file in messages ("toxicity scores"), `what` its contents ("scores"), `item` what they rate
    ("caption").
    """

    def __init__(self, path: str | Path, *, kind: str, what: str, item: str, keys: Sequence[str],
                 parse: Callable[[Mapping[str, Any], dict[str, Any]], V], line_hint: str,
                 keys_hint: str) -> None:
        self.path = Path(path)
        self.kind, self.what, self.item = kind, what, item
        if not self.path.is_file():
            raise InputError(f"{kind} file not found", path=str(self.path), hint=line_hint)
        self.rows: dict[str, Row[V]] = {}
        for line, record in read_jsonl(self.path, objects=True):
            where: dict[str, Any] = {"path": str(self.path), "line": line}
            raw_id = record.get("id")
            if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
                raise InputError(f"line needs an 'id' (string or integer), got {raw_id!r}", **where)
            where["example_id"] = example_id = str(raw_id)
            if example_id in self.rows:
                raise InputError(f"duplicate id (first at line {self.rows[example_id].line})", **where)
            unknown = sorted(set(record) - {"id", *keys, *TEXT_KEYS})
            if unknown:
                raise InputError(f"unknown key(s) {unknown}", **where, hint=keys_hint)
            text = next((record[k] for k in TEXT_KEYS if k in record), None)
            if text is not None and not isinstance(text, str):
                raise InputError("'text' must be a string", **where)
            self.rows[example_id] = Row(line, parse(record, where), text)

    def lookup(self, texts: Sequence[str], ids: Sequence[str] | None) -> list[V]:
        """The values of `ids` (aligned with `texts`), checking the file against them."""
        items = f"{self.item}s"
        if ids is None:
            raise InputError(f"the {self.kind} file is looked up by example id; none given",
                             path=str(self.path))
        known = set(ids)
        unknown = [i for i in self.rows if i not in known]
        if unknown:
            raise InputError(f"{len(unknown)} id(s) are not {items} of this split, e.g. {unknown[:5]}",
                             path=str(self.path), line=self.rows[unknown[0]].line,
                             example_id=unknown[0],
                             hint=f"the {self.what} file must match the predictions' ids")
        missing = [i for i in ids if i not in self.rows]
        if missing:
            raise InputError(f"{len(missing)} of {len(ids)} {items} have no {self.what}, e.g. {missing[:5]}",
                             path=str(self.path), example_id=missing[0],
                             hint=f"every {self.item} of the split needs one line of {self.what}")
        out = []
        for text, example_id in zip(texts, ids, strict=True):
            row = self.rows[example_id]
            if row.text is not None and row.text != text:
                raise InputError(f"the {self.what} were made for another {self.item}: {row.text!r}, "
                                 f"not {text!r}", path=str(self.path), line=row.line,
                                 example_id=example_id)
            out.append(row.value)
        return out
