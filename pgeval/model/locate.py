"""What `--checkpoint` (and `--base`) name, found on disk: the base checkpoint's format and file
or folder, the LoRA adapter to merge into it if any, and what results.json records of both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgeval.errors import InputError
from pgeval.io import check_file
from pgeval.model import lora
from pgeval.model.refusals import refuse_unrunnable
from pgeval.model.sources import Source, resolve_source

CHECKPOINT_HINT = ("expected a big_vision .npz file, a Hugging Face PaliGemma folder "
                   "(config.json + *.safetensors), or a LoRA adapter folder (adapter_config.json)")


def locate_checkpoint(path: str | Path) -> tuple[str, Path]:
    """("hf", folder) for a Hugging Face folder, ("npz", file) for a big_vision `.npz` file or a
    folder holding exactly one, ("adapter", folder) for a PEFT LoRA adapter folder."""
    path = Path(path)
    refuse_unrunnable(path)
    if path.is_dir():
        if lora.is_adapter(path):
            return "adapter", path
        if (path / "config.json").is_file():
            return "hf", path
        npz = sorted(path.glob("*.npz"))
        if len(npz) != 1:
            raise InputError(
                "not a checkpoint folder: expected config.json + *.safetensors (Hugging Face) "
                f"or exactly one .npz (big_vision), found {len(npz)} .npz files", path=str(path))
        path = npz[0]
    check_file(path, "checkpoint", hint=CHECKPOINT_HINT)
    if path.suffix != ".npz":
        raise InputError("a checkpoint file must be a big_vision .npz", path=str(path),
                         hint=CHECKPOINT_HINT)
    return "npz", path


@dataclass(frozen=True)
class Located:
    """A checkpoint ready to load: the base (`kind` "hf" or "npz", at `path`, from `source`) and
    the adapter merged into it, if any."""

    kind: str
    path: Path
    source: Source
    adapter: lora.Adapter | None = None
    adapter_source: Source | None = None

    @property
    def name(self) -> str:
        """The column name of its runs: the checkpoint's, or "adapter (base)"."""
        if self.adapter_source is None:
            return self.source.name
        return f"{self.adapter_source.name} ({self.source.name})"

    @property
    def folders(self) -> list[Path]:
        """Where its tokenizer may be: the adapter's folder, then the base's."""
        base = self.path if self.path.is_dir() else self.path.parent
        return [self.adapter.folder, base] if self.adapter else [base]

    def record(self) -> dict[str, Any]:
        """What results.json's "model" records of where the weights came from."""
        if self.adapter is None:
            return {"name": self.name, "checkpoint": str(self.path.resolve()),
                    "source": self.source.origin}
        return {"name": self.name, "checkpoint": str(self.adapter.folder.resolve()),
                "source": self.adapter_source.origin,
                "base": {"name": self.source.name, "checkpoint": str(self.path.resolve()),
                         "source": self.source.origin}}


def locate(spec: str | Path, *, base: str | Path | None = None) -> Located:
    """Resolve `spec` (a path, or a remote name `resolve_source` takes); for an adapter, also
    its base: `base` when given, else the one its config names."""
    source = resolve_source(spec)
    kind, path = locate_checkpoint(source.path)
    if kind != "adapter":
        if base is not None:
            raise InputError("--base applies to LoRA adapters only", path=str(spec),
                             hint="drop --base, or pass the adapter folder as --checkpoint")
        return Located(kind, path, source)
    adapter = lora.read_adapter(path)
    named = base is None
    base = adapter.base if named else base
    if base is None:
        raise InputError("the adapter's config names no base model (base_model_name_or_path)",
                         path=str(path / lora.CONFIG), hint="pass --base with the checkpoint it "
                         "was trained from")
    try:
        base_source = resolve_source(base)
        base_kind, base_path = locate_checkpoint(base_source.path)
    except InputError as e:
        if not named:
            raise
        raise InputError(f"the base model the adapter's config names ({base}) cannot be loaded: "
                         f"{e}", path=str(path / lora.CONFIG), hint="pass --base with the "
                         "checkpoint it was trained from, e.g. its Hub id") from None
    if base_kind == "adapter":
        raise InputError("an adapter's base must be a full checkpoint, not another adapter",
                         path=str(base_path))
    return Located(base_kind, base_path, base_source, adapter, source)
