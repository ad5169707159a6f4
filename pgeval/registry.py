"""Registries of named plugins: a decorator for built-ins, entry points for third-party packages."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from pgeval.errors import InputError

T = TypeVar("T")


def suggest(name: str, known: Iterable[str]) -> str:
    """A ' Did you mean ...?' sentence for a mistyped name, or ''."""
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


class Registry(Generic[T]):
    """Objects registered by name; entry points of `group` are loaded the first time they are needed."""

    def __init__(self, kind: str, group: str) -> None:
        self.kind = kind
        self.group = group
        self._items: dict[str, T] = {}
        self._plugins_loaded = False

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: `@ADAPTERS.register("anls")` registers the decorated object under `name`."""

        def add(obj: T) -> T:
            if name in self._items and self._items[name] is not obj:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = obj
            return obj

        return add

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in entry_points(group=self.group):
            if ep.name not in self._items:
                self._items[ep.name] = ep.load()

    def get(self, name: str) -> T:
        if name not in self._items:
            self._load_plugins()
        if name not in self._items:
            raise InputError(
                f"unknown {self.kind} {name!r}.{suggest(name, self._items)}",
                hint=f"known: {', '.join(self.names())}",
            )
        return self._items[name]

    def names(self) -> list[str]:
        self._load_plugins()
        return sorted(self._items)
