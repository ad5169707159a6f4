"""Caption metrics: pycocoevalcap's CIDEr-D, BLEU-4 and ROUGE-L on PTB-tokenized text.

Scores are on pycocoevalcap's own scale (CIDEr 1.42 where a model card prints 142); adapters
convert to the cards' scale. CIDEr's document frequencies come from the references passed in, so
the score depends on the whole evaluated set: call these once per split, never per batch.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.rouge.rouge import Rouge

from pgeval.metrics.ptb_tokenizer import ptb_tokenize

K = TypeVar("K", bound=Hashable)

Tokenized = tuple[dict[K, list[str]], dict[K, list[str]]]


def tokenize_for_coco(
    predictions: Mapping[K, str], references: Mapping[K, Sequence[str]], backend: str = "auto"
) -> Tokenized:
    """PTB-tokenize references and predictions into pycocoevalcap's (gts, res) layout.

    As COCOEvalCap does, the references of all images are tokenized as one batch and the
    predictions as another, in the references' order: PTB tokens of a caption can depend on the
    caption after it, so the grouping is part of the rule.
    """
    if set(predictions) != set(references):
        missing = [k for k in references if k not in predictions][:5]
        extra = [k for k in predictions if k not in references][:5]
        raise ValueError(f"predictions and references differ in keys: missing {missing}, "
                         f"extra {extra}")
    keys = list(references)
    for k in keys:
        if not references[k]:
            raise ValueError(f"no references for {k!r}")
    ref_tokens = iter(ptb_tokenize([c for k in keys for c in references[k]], backend=backend))
    gts = {k: [next(ref_tokens) for _ in references[k]] for k in keys}
    pred_tokens = ptb_tokenize([predictions[k] for k in keys], backend=backend)
    res = {k: [t] for k, t in zip(keys, pred_tokens, strict=True)}
    return gts, res


def cider_tokenized(gts: dict[K, list[str]], res: dict[K, list[str]]) -> tuple[float, dict[K, float]]:
    score, scores = Cider().compute_score(gts, res)
    return float(score), {k: float(s) for k, s in zip(gts, scores, strict=True)}


def bleu4_tokenized(gts: dict[K, list[str]], res: dict[K, list[str]]) -> tuple[float, dict[K, float]]:
    score, scores = Bleu(4).compute_score(gts, res, verbose=0)
    return float(score[3]), {k: float(s) for k, s in zip(gts, scores[3], strict=True)}


def rouge_l_tokenized(gts: dict[K, list[str]], res: dict[K, list[str]]) -> tuple[float, dict[K, float]]:
    score, scores = Rouge().compute_score(gts, res)
    return float(score), {k: float(s) for k, s in zip(gts, scores, strict=True)}


SCORERS = {"cider": cider_tokenized, "bleu4": bleu4_tokenized, "rouge_l": rouge_l_tokenized}


def caption_metrics(
    predictions: Mapping[K, str],
    references: Mapping[K, Sequence[str]],
    metrics: Sequence[str] = ("cider", "bleu4", "rouge_l"),
    backend: str = "auto",
) -> dict[str, tuple[float, dict[K, float]]]:
    """Several caption metrics from one tokenization: {name: (corpus score, per-key scores)}."""
    unknown = [m for m in metrics if m not in SCORERS]
    if unknown:
        raise ValueError(f"unknown caption metric(s) {unknown}; known: {sorted(SCORERS)}")
    gts, res = tokenize_for_coco(predictions, references, backend)
    return {m: SCORERS[m](gts, res) for m in metrics}


def cider(
    predictions: Mapping[K, str], references: Mapping[K, Sequence[str]], backend: str = "auto"
) -> tuple[float, dict[K, float]]:
    """CIDEr-D of predictions against references: (corpus score, per-key scores)."""
    return caption_metrics(predictions, references, ("cider",), backend)["cider"]


def bleu4(
    predictions: Mapping[K, str], references: Mapping[K, Sequence[str]], backend: str = "auto"
) -> tuple[float, dict[K, float]]:
    """Corpus BLEU-4 ('closest' reference length, as pycocoevalcap) and per-key BLEU-4."""
    return caption_metrics(predictions, references, ("bleu4",), backend)["bleu4"]


def rouge_l(
    predictions: Mapping[K, str], references: Mapping[K, Sequence[str]], backend: str = "auto"
) -> tuple[float, dict[K, float]]:
    """ROUGE-L (beta 1.2): mean and per-key scores."""
    return caption_metrics(predictions, references, ("rouge_l",), backend)["rouge_l"]
