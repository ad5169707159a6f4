"""A small Hugging Face Hub served on 127.0.0.1 for tests, spoken to by the real `huggingface_hub` client.

`FakeHub` keeps model and dataset repositories in memory, each a set of commits (path -> bytes) with
branches pointing at them, and answers the endpoints the client calls for `hf_hub_download`,
`snapshot_download`, `list_repo_files`/`list_repo_tree`, `repo_info`/`model_info`/`dataset_info`,
`resolve_revision`, `list_repo_refs` and `get_paths_info`:

    GET  /api/{models|datasets}/{repo}[/revision/{rev}]          repo info with siblings and sha
    GET  /api/{models|datasets}/{repo}/tree/{rev}[/{path}]       file and folder entries (git oid, lfs)
    GET  /api/{models|datasets}/{repo}/refs                      branches
    POST /api/{models|datasets}/{repo}/paths-info/{rev}          entries for the posted paths
    HEAD|GET /{repo}/resolve/{rev}/{path}, /datasets/{repo}/resolve/{rev}/{path}
         ETag (sha256 for LFS-tracked files, git blob sha1 otherwise), X-Repo-Commit, Content-Length,
         Accept-Ranges and 206 answers to `Range: bytes=N-`

Gated repos answer 401 (no token) or 403 (a token without access) with `X-Error-Code: GatedRepo`;
private repos answer 401 `RepoNotFound` without a granted token; unknown repos, revisions and files
answer 404 with `RepoNotFound`, `RevisionNotFound` or `EntryNotFound`. `cut_download` makes the next
download(s) of a file stop after some bytes (a dropped connection), to test resumed downloads;
`requests` records every (method, path, Range header, status).

`use_hub` points both the environment (HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE, HF_TOKEN)
and the already-imported `huggingface_hub.constants` at a hub and a cache folder. The `fake_hub`
fixture starts a hub on a free port and does that for one test.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

REPO_TYPES = ("model", "dataset")
LFS_SUFFIXES = (".parquet", ".arrow", ".safetensors", ".npz", ".npy", ".bin", ".pt", ".pth", ".msgpack",
                ".h5", ".onnx", ".zip", ".gz", ".tar", ".zst", ".jpg", ".jpeg", ".png", ".model")


def git_blob_sha1(data: bytes) -> str:
    """The git object id of a file's content (what the Hub calls a file's `oid` / `blobId`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Repo:
    """One repository: its commits (sha -> files) and refs (branch or tag -> sha)."""

    repo_id: str
    repo_type: str
    gated: bool = False
    private: bool = False
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)

    def commit_for(self, revision: str) -> str | None:
        if revision in self.refs:
            return self.refs[revision]
        matches = [sha for sha in self.commits if sha.startswith(revision)] if len(revision) >= 7 else []
        return matches[0] if len(matches) == 1 else None


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, keyed by its POSIX path relative to it."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


class FakeHub:
    """An in-memory Hub with an HTTP server on loopback; `endpoint` is its base URL once started."""

    def __init__(self, lfs_suffixes: tuple[str, ...] = LFS_SUFFIXES) -> None:
        self.repos: dict[tuple[str, str], Repo] = {}
        self.tokens: set[str] = set()
        self.lfs_suffixes = lfs_suffixes
        self.requests: list[tuple[str, str, str | None, int]] = []
        self._cuts: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- content -------------------------------------------------------------------------------
    def publish(self, repo_id: str, files: dict[str, bytes] | Path, *, repo_type: str = "model",
                branch: str = "main", gated: bool | None = None, private: bool | None = None) -> str:
        """Commit `files` (a dict or a folder read recursively) as the new head of `branch`; returns the
        commit sha (a digest of the parent and the files, so the same history gives the same shas)."""
        if repo_type not in REPO_TYPES:
            raise ValueError(f"repo_type must be one of {REPO_TYPES}, not {repo_type!r}")
        content = read_folder(Path(files)) if not isinstance(files, dict) else dict(files)
        with self._lock:
            repo = self.repos.setdefault((repo_type, repo_id), Repo(repo_id, repo_type))
            repo.gated = repo.gated if gated is None else gated
            repo.private = repo.private if private is None else private
            digest = hashlib.sha1(repo.refs.get(branch, "").encode())
            for path in sorted(content):
                digest.update(path.encode() + b"\0" + hashlib.sha256(content[path]).digest())
            sha = digest.hexdigest()
            repo.commits[sha] = content
            repo.refs[branch] = sha
        return sha

    def grant(self, token: str) -> None:
        """Let `token` read every gated and private repo."""
        self.tokens.add(token)

    def cut_download(self, path: str, after_bytes: int, times: int = 1) -> None:
        """The next `times` GETs of a file at `path` (in any repo) send `after_bytes` bytes, then drop."""
        self._cuts[path] = [after_bytes] * times

    def is_lfs(self, path: str) -> bool:
        return path.lower().endswith(self.lfs_suffixes)

    def etag(self, path: str, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest() if self.is_lfs(path) else git_blob_sha1(data)

    def entry(self, path: str, data: bytes) -> dict:
        """A file's tree / paths-info entry as the Hub writes it."""
        out = {"type": "file", "path": path, "size": len(data), "oid": git_blob_sha1(data)}
        if self.is_lfs(path):
            out["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
        return out

    # -- server --------------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake hub is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeHub:
        hub = self

        class Handler(_Handler):
            fake = hub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class HubError(Exception):
    """An answer other than 2xx: status, X-Error-Code and message."""

    def __init__(self, status: int, code: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeHub

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        url = urlsplit(self.path)
        status = 500
        try:
            status = self._route(method, url.path, parse_qs(url.query))
        except HubError as err:
            status = self._send_error(err, method)
        except Exception as err:  # a fault in the fake itself: answer 500 rather than hang the client
            status = self._send_error(HubError(500, None, f"{type(err).__name__}: {err}"), method)
        finally:
            self.fake.requests.append((method, url.path, self.headers.get("Range"), status))

    # -- routing -------------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: dict) -> int:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[0] == "api" and len(parts) >= 3 and parts[1] in ("models", "datasets"):
            repo, rest = self._repo(parts[1][:-1], parts[2:])
            return self._api(method, repo, rest, query)
        repo_type = "dataset" if parts[0] == "datasets" else "model"
        repo, rest = self._repo(repo_type, parts[1:] if repo_type == "dataset" else parts)
        if len(rest) >= 3 and rest[0] == "resolve" and method in ("GET", "HEAD"):
            return self._resolve(method, repo, rest[1], "/".join(rest[2:]))
        raise HubError(404, None, f"no route for {method} {path}")

    def _repo(self, repo_type: str, parts: list[str]) -> tuple[Repo, list[str]]:
        for n in (2, 1):
            repo = self.fake.repos.get((repo_type, "/".join(parts[:n])))
            if repo is not None:
                self._check_access(repo)
                return repo, parts[n:]
        raise HubError(404, "RepoNotFound", f"Repository not found: {repo_type} {'/'.join(parts[:2])}")

    def _check_access(self, repo: Repo) -> None:
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or None
        granted = token in self.fake.tokens
        if repo.private and not granted:
            raise HubError(401, "RepoNotFound", f"Repository not found: {repo.repo_id}")
        if repo.gated and not granted:
            if token is None:
                raise HubError(401, "GatedRepo", f"Access to {repo.repo_type} {repo.repo_id} is restricted. "
                               "You must be authenticated to access it.")
            raise HubError(403, "GatedRepo", f"Access to {repo.repo_type} {repo.repo_id} is restricted and "
                           "you are not in the authorized list.")

    def _commit(self, repo: Repo, revision: str) -> tuple[str, dict[str, bytes]]:
        sha = repo.commit_for(revision)
        if sha is None:
            raise HubError(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        return sha, repo.commits[sha]

    def _api(self, method: str, repo: Repo, rest: list[str], query: dict) -> int:
        if method == "GET" and (not rest or rest[0] == "revision"):
            sha, files = self._commit(repo, rest[1] if len(rest) > 1 else "main")
            info = {"id": repo.repo_id, "sha": sha, "private": repo.private,
                    "gated": "auto" if repo.gated else False, "disabled": False, "tags": [],
                    "lastModified": "2026-01-01T00:00:00.000Z",
                    "siblings": [self._sibling(p, d) for p, d in sorted(files.items())]}
            if repo.repo_type == "model":
                info["modelId"] = repo.repo_id
            return self._send_json(info, method)
        if method == "GET" and len(rest) >= 2 and rest[0] == "tree":
            _, files = self._commit(repo, rest[1])
            recursive = query.get("recursive", ["False"])[0].lower() == "true"
            return self._send_json(self._tree(files, "/".join(rest[2:]), recursive), method)
        if method == "GET" and rest == ["refs"]:
            branches = [{"name": name, "ref": f"refs/heads/{name}", "targetCommit": sha}
                        for name, sha in repo.refs.items()]
            return self._send_json({"branches": branches, "tags": [], "converts": []}, method)
        if method == "POST" and len(rest) == 2 and rest[0] == "paths-info":
            _, files = self._commit(repo, rest[1])
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            form = json.loads(body) if body.startswith("{") else parse_qs(body)
            wanted = form.get("paths", [])
            return self._send_json([e for e in self._tree(files, "", True) if e["path"] in wanted], method)
        raise HubError(404, None, f"no api route {method} {'/'.join(rest)}")

    def _sibling(self, path: str, data: bytes) -> dict:
        """A file as repo info lists it (its LFS digest is named `sha256` there, `oid` in trees)."""
        out = {"rfilename": path, "size": len(data), "blobId": git_blob_sha1(data)}
        if self.fake.is_lfs(path):
            out["lfs"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
        return out

    def _tree(self, files: dict[str, bytes], folder: str, recursive: bool) -> list[dict]:
        prefix = folder.strip("/") + "/" if folder.strip("/") else ""
        if prefix and not any(p.startswith(prefix) for p in files):
            raise HubError(404, "EntryNotFound", f"{folder} does not exist on this revision")
        entries: dict[str, dict] = {}
        for path, data in sorted(files.items()):
            if not path.startswith(prefix):
                continue
            dirs = path[len(prefix):].split("/")[:-1]
            for i in range(1, len(dirs) + 1 if recursive else min(1, len(dirs)) + 1):
                sub = prefix + "/".join(dirs[:i])
                entries.setdefault(sub, {"type": "directory", "path": sub, "size": 0,
                                         "oid": hashlib.sha1(sub.encode()).hexdigest()})
            if recursive or not dirs:
                entries[path] = self.fake.entry(path, data)
        return list(entries.values())

    def _resolve(self, method: str, repo: Repo, revision: str, path: str) -> int:
        sha, files = self._commit(repo, revision)
        if path not in files:
            raise HubError(404, "EntryNotFound", f"{path} does not exist on revision {revision}")
        data = files[path]
        headers = {"ETag": f'"{self.fake.etag(path, data)}"', "X-Repo-Commit": sha, "Accept-Ranges": "bytes",
                   "Content-Type": "application/octet-stream"}
        start = 0
        ranged = self.headers.get("Range", "")
        if method == "GET" and ranged.startswith("bytes="):
            first, _, last = ranged[len("bytes="):].partition("-")
            start = int(first or 0)
            end = int(last) + 1 if last else len(data)
            if start >= len(data):
                headers["Content-Range"] = f"bytes */{len(data)}"
                raise HubError(416, None, f"range {ranged} not satisfiable for {len(data)} bytes")
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(data)}"
            return self._send_bytes(206, data[start:end], method, headers)
        if method == "GET":
            cuts = self.fake._cuts.get(path)
            if cuts:
                return self._send_cut(data, cuts.pop(0), headers)
        return self._send_bytes(200, data, method, headers)

    # -- writing -------------------------------------------------------------------------------
    def _send_error(self, err: HubError, method: str) -> int:
        headers = {"Content-Type": "application/json", "X-Error-Message": err.message}
        if err.code:
            headers["X-Error-Code"] = err.code
        return self._send_bytes(err.status, json.dumps({"error": err.message}).encode(), method, headers)

    def _send_json(self, obj, method: str) -> int:
        return self._send_bytes(200, json.dumps(obj).encode(), method, {"Content-Type": "application/json"})

    def _send_bytes(self, status: int, body: bytes, method: str, headers: dict[str, str]) -> int:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(body)
        return status

    def _send_cut(self, data: bytes, after: int, headers: dict[str, str]) -> int:
        """Promise the whole file, send `after` bytes, then drop the connection."""
        self.send_response(200)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[:after])
        self.wfile.flush()
        self.close_connection = True
        return 200


def use_hub(monkeypatch: pytest.MonkeyPatch, endpoint: str, home: Path, *, offline: bool = False,
            token: str | None = None) -> None:
    """Point huggingface_hub (environment, import-time constants and the module-level `HfApi` behind
    functions such as `list_repo_files`) at `endpoint`, with the cache
    under `home`/hub, offline mode on or off, and HF_TOKEN set or unset."""
    from huggingface_hub import constants, hf_api

    home = Path(home)
    values = {"ENDPOINT": endpoint.rstrip("/"), "HF_HOME": str(home), "HF_HUB_CACHE": str(home / "hub"),
              "HUGGINGFACE_HUB_CACHE": str(home / "hub"), "HF_ASSETS_CACHE": str(home / "assets"),
              "HF_TOKEN_PATH": str(home / "token"), "HF_STORED_TOKENS_PATH": str(home / "stored_tokens"),
              "HF_XET_CACHE": str(home / "xet"), "HF_HUB_OFFLINE": offline}
    values["HUGGINGFACE_CO_URL_TEMPLATE"] = values["ENDPOINT"] + "/{repo_id}/resolve/{revision}/{filename}"
    for name, value in values.items():
        if hasattr(constants, name):
            monkeypatch.setattr(constants, name, value)
    monkeypatch.setattr(hf_api.api, "endpoint", values["ENDPOINT"])  # behind hf.list_repo_files & co
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN_PATH", "HF_XET_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", values["ENDPOINT"])
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1" if offline else "0")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_UPDATE_CHECK", "1")
    if token is None:
        monkeypatch.delenv("HF_TOKEN", raising=False)
    else:
        monkeypatch.setenv("HF_TOKEN", token)


@pytest.fixture
def fake_hub(monkeypatch, tmp_path):
    """A started `FakeHub` with huggingface_hub pointed at it and an empty cache in tmp_path/hf."""
    with FakeHub() as hub:
        use_hub(monkeypatch, hub.endpoint, tmp_path / "hf")
        yield hub
