"""Finding a Hub copy's files for one split: in the huggingface_hub cache, else downloaded into it.

huggingface_hub does the work and reads its own settings: HF_ENDPOINT, HF_HOME / HF_HUB_CACHE
(where the cache is), HF_HUB_OFFLINE (no network: the cache only) and HF_TOKEN (gated copies). A
copy known under several names (lmms-lab moved its image datasets to lmms-lab-encoder) is taken
from whichever the cache holds, else from the first name the Hub answers for; the name used is
recorded. Failures are InputErrors naming the task, the dataset and what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgeval.data.hub.spec import HubSpec
from pgeval.errors import InputError
from pgeval.io import file_sha256

SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class HubCopy:
    """A split's files of a Hub copy, on disk: `root` is the cached snapshot folder of `commit`
    (what `revision` resolved to) of `repo`; `files` are the split's files relative to it."""

    repo: str
    revision: str
    commit: str
    root: Path
    files: tuple[str, ...]

    @property
    def provenance(self) -> dict[str, Any]:
        """What results.json records about where the data came from."""
        return {"kind": "hub", "repo": self.repo, "revision": self.revision, "commit": self.commit}

    def sizes(self) -> dict[str, int]:
        return {name: (self.root / name).stat().st_size for name in self.files}


def cache_dir() -> Path:
    """The huggingface_hub cache folder (HF_HUB_CACHE, else HF_HOME/hub)."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def cached_folder(repo: str) -> Path:
    from huggingface_hub.file_download import repo_folder_name

    return cache_dir() / repo_folder_name(repo_id=repo, repo_type="dataset")


def _is_cached(repo: str, revision: str) -> bool:
    folder = cached_folder(repo)
    return (folder / "refs" / revision).is_file() or (folder / "snapshots" / revision).is_dir()


def _offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def fetch_split(spec: HubSpec, split: str, task: str, *, force: bool = False) -> HubCopy:
    """The files of pgeval split `split` of `task`'s Hub copy, from the cache or downloaded (with
    progress, resumed after a dropped connection). `force` downloads them again."""
    from huggingface_hub import errors, snapshot_download

    pattern = spec.pattern(split)
    names = sorted(spec.repos, key=lambda r: not _is_cached(r, spec.revision))
    not_found: list[str] = []
    for repo in names:
        try:
            folder = Path(snapshot_download(repo, repo_type="dataset", revision=spec.revision,
                                            allow_patterns=[pattern], force_download=force))
        except errors.GatedRepoError:
            raise InputError(f"{task}: the Hub dataset {repo} is gated and no token with access was sent",
                             hint=f"accept its terms at https://huggingface.co/datasets/{repo}, then set "
                                  "HF_TOKEN (or run `hf auth login`)") from None
        except errors.RevisionNotFoundError:
            not_found.append(f"{repo} (no revision {spec.revision!r})")
            continue
        except (errors.RepositoryNotFoundError, errors.LocalEntryNotFoundError) as e:
            not_found.append(f"{repo} ({'not in the cache' if _offline() else type(e).__name__})")
            continue
        except errors.HfHubHTTPError as e:
            raise InputError(f"{task}: the Hub refused {repo}: {e}".split("\n")[0],
                             hint="check HF_TOKEN and HF_ENDPOINT") from None
        files = tuple(sorted(p.relative_to(folder).as_posix() for p in folder.glob(pattern) if p.is_file()))
        if not files:
            raise InputError(f"{task}: the Hub dataset {repo} has no files {pattern!r} for split "
                             f"{split!r} (its split {spec.splits[split]!r})",
                             hint="its layout changed: pin the spec's [data.hub] revision, or use "
                                  "--source files")
        return HubCopy(repo, spec.revision, folder.name, folder, files)
    if _offline():
        raise InputError(f"{task}: offline (HF_HUB_OFFLINE=1) and split {split!r} of its Hub copy is not "
                         f"in the cache {cache_dir()}: looked for " + ", ".join(not_found),
                         hint=f"run `pgeval data download {task} --split {split}` with network access "
                              "(HF_HUB_OFFLINE unset), or point HF_HOME / HF_HUB_CACHE at a cache "
                              "that holds it")
    raise InputError(f"{task}: its Hub copy was not found: " + ", ".join(not_found),
                     hint=f"check the network, HF_ENDPOINT and the spec's [data.hub] revision, or run "
                          f"{task} from the official files with --source files --data-dir DIR")


def checksum_problems(copy: HubCopy) -> list[str]:
    """Files of the copy whose bytes do not match the sha256 the Hub gave them (the cache names a
    large file's blob by its sha256), or whose blob is missing."""
    problems = []
    for name in copy.files:
        blob = (copy.root / name).resolve()
        if not blob.is_file():
            problems.append(f"{name}: missing")
        elif SHA256.fullmatch(blob.name) and file_sha256(blob) != blob.name:
            problems.append(f"{name}: sha256 differs from the Hub's {blob.name[:12]}...")
    return problems
