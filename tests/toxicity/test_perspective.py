"""The Perspective client against a local fake server: request format, retries and backoff, the
rate limit, timeouts, malformed answers, rejected keys, the persistent cache, and the API key kept
out of every error, log, output and cache file."""

from __future__ import annotations

import json
import logging
import socket
import time
import traceback

import pytest

from pgeval.errors import InputError
from pgeval.resources import Resources
from pgeval.scoring.score import score_predictions, write_per_example
from pgeval.tasks import get_task
from pgeval.toxicity import ATTRIBUTES, ScorerError
from pgeval.toxicity.perspective import PerspectiveScorer
from tests.toxicity.fairface_data import FACES


def client(server, clock, tmp_path, **kw) -> PerspectiveScorer:
    options = {"endpoint": server.endpoint, "cache": tmp_path / "cache.sqlite", "progress": False,
               "timeout": 0.5, "clock": clock, "sleep": clock.sleep, **kw}
    return PerspectiveScorer(**options)


def test_request_format_scores_and_unscored_attributes(server, clock, tmp_path, api_key):
    texts = ["a man smiling", "what an idiot", "a man smiling", "", "an unscored text"]
    scores = client(server, clock, tmp_path).score(texts, [str(i) for i in range(5)])
    assert server.texts() == ["a man smiling", "what an idiot", "an unscored text"]  # each once
    first = server.requests[0]
    body = json.loads(first["raw"])
    assert body == {"comment": {"text": "a man smiling"}, "languages": ["en"],
                    "requestedAttributes": {a: {} for a in ATTRIBUTES}, "doNotStore": True}
    assert first["content_type"] == "application/json"
    assert "key=" not in first["path"] and first["key"] == api_key  # sent in the header
    assert scores[0] == dict.fromkeys(ATTRIBUTES, pytest.approx(0.1))
    assert scores[1]["INSULT"] == pytest.approx(0.9) and scores[2] == scores[0]
    assert scores[3] == dict.fromkeys(ATTRIBUTES, 0.0)  # empty captions are not sent
    assert scores[4]["THREAT"] is None and scores[4]["TOXICITY"] == pytest.approx(0.1)


def test_key_in_query_parameter(server, clock, tmp_path, api_key):
    client(server, clock, tmp_path, key_in="query").score(["hello"])
    assert "key=" in server.requests[0]["path"] and server.requests[0]["key"] == api_key


def test_retries_429_and_5xx_with_exponential_backoff(server, clock, tmp_path, caplog):
    server.script = [429, 500, 503, "ok"]
    with caplog.at_level(logging.WARNING, logger="pgeval.toxicity"):
        scores = client(server, clock, tmp_path).score(["a dog"])
    assert scores[0]["TOXICITY"] == pytest.approx(0.1)
    assert len(server.requests) == 4
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert "HTTP 429" in caplog.text and "attempt 3/6" in caplog.text


def test_retry_after_is_honoured_within_the_cap(server, clock, tmp_path):
    server.script = [("429", 5), ("429", 500), "ok"]
    client(server, clock, tmp_path, max_backoff=30.0).score(["a dog"])
    assert clock.sleeps == [5.0, 30.0]


def test_rate_limit_spaces_requests(server, clock, tmp_path):
    client(server, clock, tmp_path, requests_per_second=2.0).score(["a", "b", "c"])
    assert clock.sleeps == [0.5, 0.5]
    clock.sleeps.clear()
    client(server, clock, tmp_path, requests_per_second=0.25, cache=False).score(["d", "e"])
    assert clock.sleeps == [4.0]


def test_slow_answer_times_out_and_is_retried(server, clock, tmp_path):
    server.script = ["slow", "ok"]
    start = time.monotonic()
    scores = client(server, clock, tmp_path, timeout=0.2).score(["a cat"])
    assert scores[0]["TOXICITY"] == pytest.approx(0.1)
    assert len(server.requests) == 2 and clock.sleeps == [1.0]
    assert time.monotonic() - start < 1.5


def test_server_that_never_answers_ends_in_a_bounded_error(server, clock, tmp_path):
    server.default = "slow"
    start = time.monotonic()
    with pytest.raises(ScorerError, match="no valid answer after 3 attempts") as e:
        client(server, clock, tmp_path, timeout=0.2, max_attempts=3).score(["a cat"], ["val/9.jpg"])
    assert "timeout" in str(e.value) and "'val/9.jpg'" in str(e.value)
    assert "cache" in str(e.value)  # the hint says what was kept
    assert len(server.requests) == 3 and clock.sleeps == [1.0, 2.0]
    assert time.monotonic() - start < 2.0


def test_malformed_bodies_are_retried_then_reported(server, clock, tmp_path):
    server.script = ["malformed", "no_scores", "bad_value", "ok"]
    assert client(server, clock, tmp_path).score(["a bus"])[0]["THREAT"] == pytest.approx(0.1)
    assert len(server.requests) == 4
    server.default = "malformed"
    with pytest.raises(ScorerError, match="malformed response body"):
        client(server, clock, tmp_path, max_attempts=2).score(["another bus"])


def test_connection_refused_is_a_bounded_retry(clock, tmp_path, api_key):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    scorer = PerspectiveScorer(endpoint=f"http://127.0.0.1:{port}/v1alpha1/comments:analyze",
                               cache=False, progress=False, max_attempts=2, clock=clock,
                               sleep=clock.sleep)
    with pytest.raises(ScorerError, match="connection failed"):
        scorer.score(["a tree"])
    assert clock.sleeps == [1.0]


@pytest.mark.parametrize("status", [400, 403])
def test_rejected_key_is_a_clear_error_without_retries(server, clock, tmp_path, monkeypatch, status):
    if status == 400:
        monkeypatch.setenv("PERSPECTIVE_API_KEY", "a-wrong-key")  # the fake API's 400 for bad keys
    else:
        server.default = 403
    expected = rf"rejected the API key from PERSPECTIVE_API_KEY \(HTTP {status}\)"
    with pytest.raises(ScorerError, match=expected):
        client(server, clock, tmp_path).score(["a tree"])
    assert len(server.requests) == 1 and clock.sleeps == []


def test_other_client_errors_are_not_retried(server, clock, tmp_path):
    scorer = client(server, clock, tmp_path, endpoint=server.endpoint.replace("analyze", "analyse"))
    with pytest.raises(ScorerError, match="HTTP 404"):
        scorer.score(["a tree"])
    assert len(server.requests) == 1


def test_missing_key_is_an_input_error_but_a_cached_rerun_needs_none(server, clock, tmp_path, monkeypatch):
    client(server, clock, tmp_path).score(["a boat"])
    monkeypatch.delenv("PERSPECTIVE_API_KEY")
    assert client(server, clock, tmp_path).score(["a boat"])[0]["TOXICITY"] == pytest.approx(0.1)
    with pytest.raises(InputError, match="PERSPECTIVE_API_KEY"):
        client(server, clock, tmp_path).score(["a new boat"])


def test_cache_second_run_sends_nothing(server, clock, tmp_path):
    texts = ["one", "two idiot", "three"]
    first = client(server, clock, tmp_path).score(texts)
    assert len(server.requests) == 3
    again = client(server, clock, tmp_path)
    assert again.score(texts) == first and len(server.requests) == 3 and again.sent == 0
    # a subset of the attributes is served from the same cache; a new text is sent alone
    subset = client(server, clock, tmp_path, attributes=["INSULT"]).score(["two idiot", "four"])
    assert subset[0]["INSULT"] == pytest.approx(0.9) and subset[0]["TOXICITY"] is None
    assert server.texts()[3:] == ["four"]
    assert json.loads(server.requests[3]["raw"])["requestedAttributes"] == {"INSULT": {}}


def test_cache_keeps_what_was_scored_when_a_run_fails(server, clock, tmp_path):
    server.script = ["ok", "ok"]
    server.default = 500
    with pytest.raises(ScorerError):
        client(server, clock, tmp_path, max_attempts=2).score(["a", "b", "c", "d"])
    assert server.texts() == ["a", "b", "c", "c"]
    server.default = "ok"
    scores = client(server, clock, tmp_path).score(["a", "b", "c", "d"])
    assert server.texts()[4:] == ["c", "d"] and all(s["TOXICITY"] is not None for s in scores)


def test_the_api_key_never_appears_anywhere(server, clock, tmp_path, api_key, caplog, capsys):
    """Every failure the server can produce quotes the key back; none of it may reach the user."""
    seen: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for key_in in ("header", "query"):
            for script, default in (([], 403), ([500, 503], 429), ([], "malformed"),
                                    ([], "no_scores"), ([("429", 1)], "slow")):
                server.script, server.default = list(script), default
                scorer = client(server, clock, tmp_path, key_in=key_in, max_attempts=3, timeout=0.2,
                                cache=tmp_path / f"c-{key_in}.sqlite")
                seen += [repr(scorer), scorer.describe()]
                with pytest.raises(ScorerError) as e:
                    scorer.score(["an idiot text"], ["val/1.jpg"])
                seen += [str(e.value), repr(e.value), "".join(traceback.format_exception(e.value))]
        # a successful run end to end: results and per-example output
        server.script, server.default = [], "ok"
        spec = get_task("fairface_toxicity")
        from pgeval.data import Example

        examples = [Example(f, (), fields={"gender": g, "race": r, "age": a}) for f, g, r, a in FACES]
        scorer = client(server, clock, tmp_path)
        result = score_predictions(spec, examples, ["a person"] * len(FACES),
                                   resources=Resources(toxicity_scorer=scorer))
        out = write_per_example(result, tmp_path / "out")
        seen += [json.dumps(result.summary()), out.read_text()]
    captured = capsys.readouterr()
    seen += [caplog.text, captured.out, captured.err]
    seen += [p.read_bytes().decode("latin-1") for p in tmp_path.glob("*.sqlite*")]
    assert "***" in caplog.text  # the server quoted the key; the retry warnings show it redacted
    forms = {api_key, "TEST-key", "Secret-1234"}
    leaks = [(i, f) for i, text in enumerate(seen) for f in forms if f in text]
    assert not leaks


def test_endpoint_must_not_carry_the_key(api_key):
    with pytest.raises(InputError, match="must not carry credentials") as e:
        PerspectiveScorer(endpoint=f"https://example.invalid/analyze?key={api_key}", cache=False)
    assert api_key not in str(e.value)
    with pytest.raises(InputError, match="list of language codes"):
        PerspectiveScorer(languages="en", cache=False)
