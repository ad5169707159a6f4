"""Where a checkpoint named on the command line is, brought to local disk, with what results.json
records of it:

- a local path (what exists on disk is always taken as a path);
- an fsspec URL (`gs://bucket/ckpt.npz`, `memory://...`): copied into pgeval's cache;
- a Kaggle handle (`kaggle:google/paligemma-2/jax/paligemma2-3b-pt-224[/version]`): through
  kagglehub's cache (an unversioned handle asks Kaggle for the latest version, else takes the
  latest one cached);
- a Hub id (`org/name`, `org/name@revision`): through huggingface_hub's cache, which honours
  HF_HOME, HF_HUB_OFFLINE and HF_TOKEN; the weights, configs and tokenizer of the repo are fetched.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgeval.errors import InputError
from pgeval.remote import is_url, local_copy

HUB_ID = re.compile(r"^(?P<repo>[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*)(?:@(?P<revision>[\w./-]+))?$")
FILE_SUFFIX = re.compile(r"\.(npz|safetensors|json|gguf|bin|model)$")  # a missing file, not a repo
HUB_FILES = ["*.json", "*.safetensors", "*.npz", "*.model"]
KAGGLE = "kaggle:"
log = logging.getLogger("pgeval.model")


@dataclass(frozen=True)
class Source:
    """A checkpoint, adapter or tokenizer on local disk (`path`), its display `name`, and its
    `origin`: {"kind": "path" | "hub" | "kaggle" | "url", ...}."""

    path: Path
    name: str
    origin: dict[str, Any] = field(default_factory=dict)


def _name(text: str) -> str:
    """A checkpoint's display name: its last path part less `.npz` and the `-jax` repo suffix."""
    last = text.rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"(-jax)?(\.npz)?$", "", last) or last


def resolve_source(spec: str | Path) -> Source:
    """`spec` on local disk: a path as it is, a URL, Kaggle handle or Hub id fetched (or found in
    its cache)."""
    text = str(spec)
    if isinstance(spec, Path) or Path(text).exists():
        path = Path(text)
        return Source(path, path.stem or path.resolve().name, {"kind": "path"})
    if is_url(text):
        return Source(local_copy(text), _name(text), {"kind": "url", "url": text})
    if text.startswith(KAGGLE):
        return _kaggle(text.removeprefix(KAGGLE))
    m = HUB_ID.match(text)
    if m and not text.startswith(".") and not FILE_SUFFIX.search(text):
        return _hub(m.group("repo"), m.group("revision"))
    return Source(Path(text), Path(text).stem, {"kind": "path"})


def _hub(repo: str, revision: str | None) -> Source:
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    where = f"{repo}@{revision}" if revision else repo
    page = f"{constants.ENDPOINT}/{repo}"
    try:
        folder = Path(snapshot_download(repo, revision=revision, allow_patterns=HUB_FILES))
    except GatedRepoError:
        raise InputError("the Hub repo is gated: accept its license on the model page with your "
                         "account", path=where, hint=f"open {page}, accept the terms, then log in "
                         "with `hf auth login` or set HF_TOKEN to a token of that account") from None
    except RevisionNotFoundError:
        raise InputError(f"the Hub repo has no revision {revision!r}", path=where,
                         hint=f"see the branches, tags and commits at {page}") from None
    except RepositoryNotFoundError:
        raise InputError("no such local path, nor Hub repo (or it is private and no token with "
                         "access was given)", path=where, hint="check the path or id; for a "
                         "private repo log in with `hf auth login` or set HF_TOKEN") from None
    except LocalEntryNotFoundError:
        raise InputError("the Hub repo is not in the local cache and the Hub cannot be reached "
                         f"(offline mode: {constants.HF_HUB_OFFLINE})", path=where,
                         hint="run once online (unset HF_HUB_OFFLINE) to fill the cache, or pass "
                         "a local path") from None
    except OSError as e:  # HTTP and connection errors
        raise InputError(f"cannot download from the Hub: {e}", path=where) from None
    if not any(any(folder.glob(p)) for p in ("config.json", "adapter_config.json", "*.npz")):
        raise InputError("the Hub repo holds no PaliGemma checkpoint: no config.json, "
                         "adapter_config.json or .npz file", path=where,
                         hint="GGUF and other quantized repos are not runnable; use the original "
                              "repo, e.g. google/paligemma2-3b-pt-448 or its -jax repo")
    origin = {"kind": "hub", "repo": repo, "revision": revision or "main", "commit": folder.name}
    return Source(folder, _name(repo), origin)


def _latest_cached(handle: str) -> str | None:
    """The handle of the latest version of `handle` kagglehub's cache holds completely."""
    from kagglehub.cache import Cache
    from kagglehub.handle import parse_model_handle

    h = parse_model_handle(handle)
    versions = Path(Cache().get_path(h.with_version(0))).parent
    done = [int(p.name) for p in versions.glob("[0-9]*") if p.is_dir() and p.name.isdigit()
            and Cache().load_from_cache(h.with_version(int(p.name)))]
    return f"{handle}/{max(done)}" if done else None


def _kaggle(handle: str) -> Source:
    try:
        import kagglehub
        from kagglehub.handle import parse_model_handle
    except ImportError:
        raise InputError("Kaggle handles need kagglehub", path=KAGGLE + handle,
                         hint="pip install 'pgeval[kaggle]'") from None
    try:
        h = parse_model_handle(handle)
    except ValueError as e:
        raise InputError(f"not a Kaggle model handle: {e}", path=KAGGLE + handle,
                         hint="kaggle:OWNER/MODEL/FRAMEWORK/VARIATION[/VERSION], e.g. "
                              "kaggle:google/paligemma-2/jax/paligemma2-3b-pt-224") from None
    try:
        folder = Path(kagglehub.model_download(handle))
    except Exception as e:  # kagglehub raises requests', its own and HTTP errors alike
        cached = None if h.is_versioned() else _latest_cached(handle)
        if cached is None:
            raise InputError(f"cannot download from Kaggle: {e}", path=KAGGLE + handle,
                             hint="check the handle, log in (kagglehub.login() or KAGGLE_USERNAME "
                                  "and KAGGLE_KEY) and accept the model's license on Kaggle") from None
        log.warning("Kaggle cannot be reached (%s); using the latest cached version, %s", e, cached)
        folder = Path(kagglehub.model_download(cached))
    version = int(folder.name) if folder.name.isdigit() else h.version
    origin = {"kind": "kaggle", "handle": f"{h.owner}/{h.model}/{h.framework}/{h.variation}",
              "version": version}
    return Source(folder, _name(h.variation), origin)
