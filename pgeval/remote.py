"""Files and folders named by fsspec URLs (`gs://bucket/ckpt.npz`, `s3://...`, `memory://...`),
copied into a local cache before use: checkpoints, tokenizers and data folders kept in buckets.

Each URL has its own cache folder (under $PGEVAL_CACHE, default ~/.cache/pgeval, in `remote/`),
with a manifest of each file's listing entry (size, modification time or etag); a file whose entry
is unchanged is not fetched again. Files are written to a temporary name and renamed, so an
interrupted copy is fetched again next time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from pgeval.errors import InputError

URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
MANIFEST = "manifest.json"


def is_url(spec: object) -> bool:
    return isinstance(spec, str) and URL.match(spec) is not None


def cache_root() -> Path:
    return Path(os.environ.get("PGEVAL_CACHE") or Path.home() / ".cache" / "pgeval") / "remote"


def _filesystem(url: str) -> tuple[Any, str]:
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as e:
        raise InputError(f"cannot open {url}: {e}", hint="gs:// URLs need gcsfs (pip install "
                         "'pgeval[cloud]'), s3:// ones s3fs; other schemes their fsspec package") from None


def _fingerprint(entry: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()


def _listing(fs: Any, path: str, url: str) -> dict[str, dict[str, Any]]:
    """{path relative to `path` ("" for a file): its listing entry} of the file or folder."""
    try:
        if fs.isdir(path):
            found = fs.find(path, detail=True)
            root = path.rstrip("/") + "/"
            return {p[len(root):] if p.startswith(root) else PurePosixPath(p).name: e
                    for p, e in found.items() if e.get("type") != "directory"}
        if fs.isfile(path):
            return {"": fs.info(path)}
    except OSError as e:
        raise InputError(f"cannot list: {e}", path=url) from None
    raise InputError("not found", path=url, hint="check the URL and your credentials for it")


def local_copy(url: str, folders: Iterable[str] | None = None) -> Path:
    """The local copy of the file or folder at `url` (of only its sub`folders`, when given),
    fetching what the cache lacks or holds in an older version."""
    fs, path = _filesystem(url)
    key = hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:20]
    home = cache_root() / key
    target = home / (PurePosixPath(path.rstrip("/")).name or "root")
    manifest_path = home / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    except ValueError:  # a manifest cut short: every file is checked again
        manifest = {}
    parts = [""] if folders is None else [f.strip("/") for f in folders]
    for part in parts:
        sub = f"{path.rstrip('/')}/{part}" if part else path
        listing = _listing(fs, sub, f"{url.rstrip('/')}/{part}" if part else url)
        for rel, entry in sorted(listing.items()):
            name = "/".join(p for p in (part, rel) if p)
            local = target / name if name else target
            stamp = _fingerprint(entry)
            if manifest.get(name) == stamp and local.is_file():
                continue
            local.parent.mkdir(parents=True, exist_ok=True)
            partial = local.with_name(f"{local.name}.{os.getpid()}.partial")
            try:
                fs.get_file(entry["name"] if rel else sub, str(partial))
            except OSError as e:
                raise InputError(f"cannot copy: {e}", path=f"{url.rstrip('/')}/{name}") from None
            partial.replace(local)
            manifest[name] = stamp
            manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return target
