"""The official VQA accuracy rules restated plainly, structure for structure: answer records as
dicts, normalization re-run for every string, and the leave-one-out loop over records. It is the
reference that tests check pgeval.metrics.vqa against and that benchmarks/metrics.py times."""

from __future__ import annotations

import re

from pgeval.metrics.vqa_normalize import ARTICLES, CONTRACTIONS, NUMBER_WORDS, PUNCTUATION

_PERIOD = re.compile(r"(?!<=\d)(\.)(?!\d)")
_COMMA = re.compile(r"(\d)(,)(\d)")


def _punctuation(in_text: str) -> str:
    out_text = in_text
    for p in PUNCTUATION:
        if (p + " " in in_text or " " + p in in_text) or (re.search(_COMMA, in_text) is not None):
            out_text = out_text.replace(p, "")
        else:
            out_text = out_text.replace(p, " ")
    return _PERIOD.sub("", out_text, re.UNICODE)


def _digit_article(in_text: str) -> str:
    out = []
    for word in in_text.lower().split():
        word = NUMBER_WORDS.get(word, word)
        if word not in ARTICLES:
            out.append(word)
    for i, word in enumerate(out):
        if word in CONTRACTIONS:
            out[i] = CONTRACTIONS[word]
    return " ".join(out)


def reference_vqa_accuracy(prediction: str, answers: list[str]) -> float:
    records = [{"answer": a, "answer_id": i + 1} for i, a in enumerate(answers)]
    for r in records:
        r["answer"] = r["answer"].replace("\n", " ").replace("\t", " ").strip()
    res = prediction.replace("\n", " ").replace("\t", " ").strip()
    if len({r["answer"] for r in records}) > 1:
        for r in records:
            r["answer"] = _digit_article(_punctuation(r["answer"]))
        res = _digit_article(_punctuation(res))
    accs = []
    for gt in records:
        others = [r for r in records if r != gt]
        matching = [r for r in others if r["answer"] == res]
        accs.append(min(1, float(len(matching)) / 3))
    return float(sum(accs)) / len(accs)
