"""Fixtures for the toxicity tests: a fake Perspective server, a fake clock, the API key in the
environment."""

from __future__ import annotations

import pytest

import pgeval.adapters.toxicity  # noqa: F401  (registers the adapter, the scorers and the source)
from tests.toxicity.fake_perspective import FakePerspective

API_KEY = "pgeval-TEST-key/+=&Secret-1234"


class FakeClock:
    """A monotonic clock that moves only when `sleep` is called; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api_key(monkeypatch) -> str:
    monkeypatch.setenv("PERSPECTIVE_API_KEY", API_KEY)
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    return API_KEY


@pytest.fixture
def server(api_key):
    with FakePerspective(api_key, slow_s=2.0) as fake:
        yield fake
