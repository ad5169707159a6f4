"""A local stand-in for the Perspective API's `comments:analyze` on 127.0.0.1, for tests.

It checks each request as the real API would (POST JSON with comment.text, languages,
requestedAttributes, doNotStore; the API key in the X-Goog-Api-Key header or the `key` query
parameter) and answers from a script of behaviours, one per request, then `default`:
  "ok"            scores: 0.9 for texts containing "idiot", else 0.1; THREAT is left out of the
                  answer for texts containing "unscored"
  429, 500, 503   a Google-style error body (quoting the received key, to test redaction)
  ("429", s)      429 with a Retry-After of s seconds
  "slow"          waits `slow_s` before answering (beyond the client's timeout)
  "malformed"     200 with a body that is not JSON; "no_scores": 200 JSON without attributeScores
  "bad_value"     200 with a score outside [0, 1]
A request with another key than `key` gets the API's 400 "API key not valid".
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = "/v1alpha1/comments:analyze"


def _scores(text: str, attributes: list[str]) -> dict[str, Any]:
    value = 0.9 if "idiot" in text else 0.1
    return {a: {"spanScores": [{"begin": 0, "end": len(text), "score": {"value": value,
                                                                          "type": "PROBABILITY"}}],
                "summaryScore": {"value": value, "type": "PROBABILITY"}}
            for a in attributes if not (a == "THREAT" and "unscored" in text)}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (timeout) and closed the connection
            pass

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        body = {"error": {"code": status, "message": message, "status": "ERROR"}}
        self._send(status, json.dumps(body).encode(), headers)

    def do_POST(self) -> None:
        fake = self.server.fake
        url = urllib.parse.urlsplit(self.path)
        key = self.headers.get("X-Goog-Api-Key") or dict(urllib.parse.parse_qsl(url.query)).get("key")
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with fake.lock:
            fake.requests.append({"path": self.path, "key": key, "raw": raw,
                                  "content_type": self.headers.get("Content-Type")})
            behaviour = fake.script.pop(0) if fake.script else fake.default
        if url.path != PATH:
            return self._error(404, "Not Found")
        try:
            body = json.loads(raw)
            text = body["comment"]["text"]
            attributes = list(body["requestedAttributes"])
            assert isinstance(text, str) and body["languages"] == ["en"] and body["doNotStore"] is True
            assert all(body["requestedAttributes"][a] == {} for a in attributes)
        except (ValueError, KeyError, TypeError, AssertionError):
            return self._error(400, "Invalid JSON payload received.")
        if key != fake.key:
            return self._error(400, "API key not valid. Please pass a valid API key.")
        if isinstance(behaviour, tuple):
            return self._error(int(behaviour[0]), f"Quota exceeded for key {key}",
                               {"Retry-After": str(behaviour[1])})
        if isinstance(behaviour, int):
            return self._error(behaviour, f"Backend error while serving key {key}")
        if behaviour == "slow":
            fake.release.wait(fake.slow_s)
        elif behaviour == "malformed":
            return self._send(200, f"<html>proxy error for {key}</html>".encode())
        elif behaviour == "no_scores":
            return self._send(200, json.dumps({"languages": ["en"], "echo": key}).encode())
        elif behaviour == "bad_value":
            bad = {a: {"summaryScore": {"value": 7.5}} for a in attributes}
            return self._send(200, json.dumps({"attributeScores": bad}).encode())
        answer = {"attributeScores": _scores(text, attributes), "languages": ["en"],
                  "detectedLanguages": ["en"]}
        self._send(200, json.dumps(answer).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakePerspective


class FakePerspective:
    """The server, its script of behaviours and the requests it received (thread-safe)."""

    def __init__(self, key: str, *, slow_s: float = 1.0) -> None:
        self.key = key
        self.slow_s = slow_s
        self.script: list[Any] = []
        self.default: Any = "ok"
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{PATH}"

    def texts(self) -> list[str]:
        """The comment texts of the well-formed requests received, in order."""
        return [json.loads(r["raw"])["comment"]["text"] for r in self.requests]

    def __enter__(self) -> FakePerspective:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
