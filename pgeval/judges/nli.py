"""The `nli` entailment judge: a text NLI model (transformers' sequence classification, e.g. an
MNLI-trained DeBERTa or RoBERTa) from a folder on disk, never downloaded.

Each generated sentence is the hypothesis and the example's reference description the premise;
the sentence counts as entailed when the model's most likely label is the one its config names
"entailment" (neutral and contradiction both count as not entailed, as the report's raters'
Neutral and Contradiction did). This judges the caption against DOCCI's human description, not
against the image as the report's raters did, so its numbers estimate the card's, they do not
reproduce them. Needs torch and transformers: extra `pgeval[entailment]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pgeval.errors import InputError
from pgeval.judges.entailment import ENTAILMENT_JUDGES, Caption, EntailmentJudge
from pgeval.judges.local_models import offline_hub, require_folder

EXTRA = "entailment"
HINT = ("a folder written by save_pretrained (config.json, the weights and the tokenizer files) of "
        "a model trained for NLI; pgeval never downloads one")


def entailment_index(id2label: dict[int, str], where: str) -> int:
    """The class index whose label is "entailment" (any case)."""
    found = [i for i, label in id2label.items() if str(label).strip().lower() == "entailment"]
    if len(found) != 1:
        raise InputError(f"the NLI model's labels {dict(id2label)} have no single 'entailment'",
                         path=where, hint="use a model trained for NLI (MNLI, SNLI, ANLI, ...)")
    return int(found[0])


@ENTAILMENT_JUDGES.register("nli")
class NliJudge(EntailmentJudge):
    """`nli:MODEL_DIR`; options `batch_size` (16), `max_length` (512 tokens; the premise is cut
    first), `device` ("cpu", or e.g. "cuda")."""

    argument = "path"

    def __init__(self, path: str | Path, batch_size: int = 16, max_length: int = 512,
                 device: str = "cpu") -> None:
        self.path = require_folder(path, ["config.json"], "NLI model", HINT)
        for name, value in (("batch_size", batch_size), ("max_length", max_length)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name} must be an integer >= 1, got {value!r}")
        self.batch_size, self.max_length, self.device = batch_size, max_length, device
        self._loaded: tuple[Any, Any, int] | None = None

    def describe(self) -> str:
        return f"nli ({self.path}; sentences against the reference description, not the image)"

    def _load(self) -> tuple[Any, Any, int]:
        if self._loaded is None:
            try:
                import torch  # noqa: F401  (transformers' models need it)
                from transformers import AutoModelForSequenceClassification, AutoTokenizer
            except ImportError as e:
                raise InputError(f"the nli entailment judge needs torch and transformers ({e})",
                                 hint=f"pip install 'pgeval[{EXTRA}]'; or give judgments with "
                                      "--entailment-judge file:JUDGMENTS.jsonl") from None
            with offline_hub():
                try:
                    tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
                    model = AutoModelForSequenceClassification.from_pretrained(
                        self.path, local_files_only=True)
                except (OSError, ValueError) as e:
                    raise InputError(f"cannot load the NLI model: {e}", path=str(self.path),
                                     hint=HINT) from None
            index = entailment_index(model.config.id2label, str(self.path))
            self._loaded = tokenizer, model.eval().to(self.device), index
        return self._loaded

    def judge(self, captions: Sequence[Caption]) -> list[list[bool]]:
        import torch

        tokenizer, model, index = self._load()
        pairs = [(c.reference, s) for c in captions for s in c.sentences]
        labels: list[int] = []
        with torch.inference_mode():
            for start in range(0, len(pairs), self.batch_size):
                premises, hypotheses = zip(*pairs[start:start + self.batch_size], strict=True)
                batch = tokenizer(list(premises), list(hypotheses), truncation="only_first",
                                  max_length=self.max_length, padding=True, return_tensors="pt")
                logits = model(**batch.to(self.device)).logits
                labels += logits.argmax(dim=-1).tolist()
        out, k = [], 0
        for c in captions:
            out.append([label == index for label in labels[k:k + len(c.sentences)]])
            k += len(c.sentences)
        return out
