"""The Perspective API scorer: a `comments:analyze` client with a rate limit, bounded retries with
exponential backoff, a request timeout and a persistent cache, using only the standard library.

The API key is read from the environment (`PERSPECTIVE_API_KEY` unless told otherwise) when a text
must be sent, sent in the `X-Goog-Api-Key` header (or the `key` query parameter), and never written
to a log, an error message, the cache or a result: server messages quoted in errors are redacted.
The Perspective API is being retired at the end of 2026; `endpoint` points the client elsewhere
(a compatible service, or a local server in tests).
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from pgeval.errors import InputError
from pgeval.io import progress_bar
from pgeval.metrics.unit_score import is_unit_score
from pgeval.toxicity.base import (
    ATTRIBUTES,
    SCORERS,
    ScorerError,
    Scores,
    ToxicityScorer,
    empty_scores,
)
from pgeval.toxicity.cache import ScoreCache, default_cache_path

DEFAULT_ENDPOINT = "https://commentanalyzer.googleapis.com/v1alpha1/comments:analyze"
KEY_ENV = "PERSPECTIVE_API_KEY"
log = logging.getLogger("pgeval.toxicity")


class RateLimiter:
    """Spaces calls at least 1/per_second apart on `clock`, waiting with `sleep`."""

    def __init__(self, per_second: float, clock: Callable[[], float],
                 sleep: Callable[[float], None]) -> None:
        if not per_second > 0:
            raise InputError(f"requests_per_second must be > 0, got {per_second!r}")
        self.interval = 1.0 / per_second
        self.clock, self.sleep = clock, sleep
        self.last: float | None = None

    def wait(self) -> None:
        if self.last is not None:
            delay = self.last + self.interval - self.clock()
            if delay > 0:
                self.sleep(delay)
        self.last = self.clock()


class _Retry(Exception):
    """A failure worth another attempt (429, 5xx, a timeout, a lost connection, a bad body)."""

    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.problem, self.retry_after = problem, retry_after


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


def _server_message(payload: bytes) -> str:
    """The `error.message` of a Google API error body, else the start of the body."""
    text = payload.decode("utf-8", errors="replace")
    try:
        message = json.loads(text)["error"]["message"]
        if isinstance(message, str):
            text = message
    except (ValueError, KeyError, TypeError):
        pass
    text = " ".join(text.split())
    return text[:300] + ("..." if len(text) > 300 else "")


@SCORERS.register("perspective")
class PerspectiveScorer(ToxicityScorer):
    """Scores with the Perspective API (`perspective` or `perspective:CACHE_PATH`).

    Options: `endpoint`; `api_key_env` (the variable holding the key); `key_in` ("header" or
    "query"); `attributes`; `languages` (["en"]); `requests_per_second` (1.0, the API's default
    quota); `max_attempts` per text (6); `backoff` (first wait, 1 s, doubled each retry up to
    `max_backoff`, 64 s; a Retry-After header is honoured within that cap); `timeout` per request
    (30 s); `cache` (a path; default `~/.cache/pgeval/perspective.sqlite`; false: memory only);
    `progress` (a progress bar). Empty captions are not sent and score 0 on every attribute.
    """

    argument = "cache"

    def __init__(
        self,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        api_key_env: str = KEY_ENV,
        key_in: str = "header",
        attributes: Sequence[str] = ATTRIBUTES,
        languages: Sequence[str] = ("en",),
        requests_per_second: float = 1.0,
        max_attempts: int = 6,
        backoff: float = 1.0,
        max_backoff: float = 64.0,
        timeout: float = 30.0,
        cache: str | Path | bool | None = None,
        progress: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urllib.parse.urlsplit(endpoint)
        if parts.password or "key" in urllib.parse.parse_qs(parts.query):
            raise InputError("the perspective endpoint must not carry credentials",
                             hint=f"put the API key in the environment variable {api_key_env}")
        if parts.scheme not in ("http", "https"):
            raise InputError(f"perspective endpoint must be an http(s) URL, got {endpoint!r}")
        if isinstance(languages, str) or not all(isinstance(x, str) for x in languages):
            raise InputError(f"languages must be a list of language codes, got {languages!r}")
        unknown = [a for a in attributes if a not in ATTRIBUTES]
        if unknown or not attributes:
            raise InputError(f"perspective attributes must be some of {ATTRIBUTES}, got {list(attributes)}")
        if key_in not in ("header", "query"):
            raise InputError(f"key_in must be 'header' or 'query', got {key_in!r}")
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise InputError(f"max_attempts must be an integer >= 1, got {max_attempts!r}")
        if not (timeout > 0 and backoff >= 0 and max_backoff >= 0):
            raise InputError("timeout must be > 0, backoff and max_backoff >= 0")
        self.endpoint, self.api_key_env, self.key_in = endpoint, api_key_env, key_in
        self.attributes = tuple(attributes)
        self.languages = list(languages)
        self.max_attempts, self.backoff, self.max_backoff = max_attempts, backoff, max_backoff
        self.timeout, self.progress = timeout, progress
        self.sleep = sleep
        self.limiter = RateLimiter(requests_per_second, clock, sleep)
        if cache is None or cache is True:
            cache = default_cache_path()
        self.cache = ScoreCache(None if cache is False else cache,
                                json.dumps([endpoint, sorted(self.languages)]))
        self.sent = 0  # requests made by this instance, retries included
        self._opener = urllib.request.build_opener()

    def describe(self) -> str:
        return f"perspective ({self.endpoint}; {', '.join(self.attributes)})"

    # -- scoring -------------------------------------------------------------------------------

    def score(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[Scores]:
        first_id = {}
        for i, t in enumerate(texts):
            first_id.setdefault(t, ids[i] if ids is not None else None)
        todo = [t for t in first_id if t.strip() and self.cache.missing(t, self.attributes)]
        if todo:
            key = self._key()
            bar = progress_bar(todo, desc="perspective", unit="text", disable=not self.progress)
            for text in bar:
                wanted = self.cache.missing(text, self.attributes)
                self.cache.put(text, self._analyze(text, wanted, key, first_id[text]))
        out = []
        for text in texts:
            row = empty_scores()
            if text.strip():
                row.update(self.cache.get(text, self.attributes) or {})
            else:
                row.update(dict.fromkeys(self.attributes, 0.0))
            out.append(row)
        return out

    def _key(self) -> str:
        key = os.environ.get(self.api_key_env, "").strip()
        if not key:
            raise InputError(
                f"the perspective scorer needs an API key in the environment variable {self.api_key_env}",
                hint="export it, or choose another toxicity scorer (offline, file:PATH)")
        return key

    def _analyze(self, text: str, attributes: Sequence[str], key: str,
                 example_id: str | None) -> dict[str, float | None]:
        body = json.dumps({
            "comment": {"text": text},
            "languages": self.languages,
            "requestedAttributes": {a: {} for a in attributes},
            "doNotStore": True,
        }).encode("utf-8")
        whose = f" (the caption of id {example_id!r})" if example_id is not None else ""
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            self.limiter.wait()
            try:
                return self._request(body, key, attributes)
            except _Retry as r:
                problem = r.problem
                if attempt == self.max_attempts:
                    break
                delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
                if r.retry_after is not None:
                    delay = min(self.max_backoff, max(delay, r.retry_after))
                log.warning("Perspective API: %s (attempt %d/%d); retrying in %.1f s",
                            problem, attempt, self.max_attempts, delay)
                self.sleep(delay)
        where = self.cache.path or "memory (cache disabled)"
        raise ScorerError(
            f"Perspective API: no valid answer after {self.max_attempts} attempts{whose}; "
            f"last problem: {problem}",
            hint=f"what was scored so far is kept in the cache ({where}), so a rerun continues "
                 "from there; check the endpoint, or lower requests_per_second if over quota")

    def _request(self, body: bytes, key: str, attributes: Sequence[str]) -> dict[str, float | None]:
        url, headers = self.endpoint, {"Content-Type": "application/json"}
        if self.key_in == "header":
            headers["X-Goog-Api-Key"] = key
        else:
            url += ("&" if urllib.parse.urlsplit(url).query else "?") + urllib.parse.urlencode({"key": key})
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        self.sent += 1
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as e:
            self._fail(e.code, self._read(e), e.headers.get("Retry-After") if e.headers else None, key)
        except TimeoutError:
            raise _Retry(f"no answer within the {self.timeout:g} s timeout") from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, TimeoutError):
                raise _Retry(f"no answer within the {self.timeout:g} s timeout") from None
            raise _Retry(self._redact(f"connection failed: {e.reason}", key)) from None
        except (http.client.HTTPException, OSError) as e:
            raise _Retry(self._redact(f"connection failed: {type(e).__name__}: {e}", key)) from None
        return self._parse(payload, attributes, key)

    @staticmethod
    def _read(error: urllib.error.HTTPError) -> bytes:
        try:
            return error.read()
        except (OSError, http.client.HTTPException):
            return b""

    def _fail(self, status: int, payload: bytes, retry_after: str | None, key: str) -> NoReturn:
        message = self._redact(_server_message(payload), key)
        if status == 429 or status >= 500:
            raise _Retry(f"HTTP {status}: {message}", _retry_after(retry_after)) from None
        if status in (401, 403) or (status == 400 and "api key" in message.lower()):
            raise ScorerError(
                f"Perspective API rejected the API key from {self.api_key_env} (HTTP {status}): {message}",
                hint=f"check the key in {self.api_key_env} (it is never printed) and that the API "
                     "is enabled for its project") from None
        raise ScorerError(f"Perspective API refused the request (HTTP {status}): {message}",
                          hint=f"check the endpoint {self.endpoint} and the requested attributes and "
                               "languages") from None

    def _parse(self, payload: bytes, attributes: Sequence[str], key: str) -> dict[str, float | None]:
        try:
            data = json.loads(payload.decode("utf-8"))
            found = data["attributeScores"]
            if not isinstance(found, dict):
                raise TypeError("attributeScores is not an object")
            scores: dict[str, float | None] = {}
            for attribute in attributes:
                entry = found.get(attribute)
                value = None if entry is None else entry["summaryScore"]["value"]
                if value is not None and not is_unit_score(value):
                    raise ValueError(f"{attribute} score {value!r} is not in [0, 1]")
                scores[attribute] = None if value is None else float(value)
        except (ValueError, KeyError, TypeError) as e:
            detail = self._redact(f"{type(e).__name__}: {e}", key)[:200]
            raise _Retry(f"malformed response body ({detail})") from None
        return scores

    @staticmethod
    def _redact(text: str, key: str) -> str:
        for form in {key, urllib.parse.quote(key, safe=""), urllib.parse.quote_plus(key)}:
            text = text.replace(form, "***")
        return text
