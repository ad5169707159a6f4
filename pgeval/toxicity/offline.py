"""The offline scorer: alt-profanity-check, a model that ships inside its wheel and needs no network.

What it measures: the probability that a text is profane or offensive, from a linear SVM (calibrated
to probabilities) over bag-of-words features, trained on about 200k human-labelled comments and
tweets (Davidson et al.'s hate-speech and offensive-language data and the Jigsaw toxic-comment
challenge). It is reported as PROFANITY only; TOXICITY, IDENTITY_ATTACK, INSULT and THREAT are not
available from it (None, never 0). Its scores are not Perspective's: a table made with it is not
comparable to the cards' numbers, and as a word-based model it also rates some identity terms high
on their own (e.g. "a gay couple" scores above 0.8), so read flagged captions before concluding.

The package pins the scikit-learn version its model was trained with; install it with the
`toxicity` extra (`pip install 'pgeval[toxicity]'`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import metadata

from pgeval.errors import InputError
from pgeval.toxicity.base import PROFANITY, SCORERS, Scores, ToxicityScorer, empty_scores

PACKAGE = "alt-profanity-check"
EXTRA = "toxicity"


def load_predict_prob() -> Callable[[list[str]], Sequence[float]]:
    """alt-profanity-check's `predict_prob`, or an InputError naming the pip extra to install."""
    try:
        from profanity_check import predict_prob
    except ImportError as e:
        raise InputError(
            f"the offline toxicity scorer needs the {PACKAGE} package ({e})",
            hint=f"pip install 'pgeval[{EXTRA}]' (or pip install {PACKAGE}); or choose another "
                 "toxicity scorer (perspective, file:PATH)") from None
    return predict_prob


@SCORERS.register("offline")
@SCORERS.register("profanity_check")
class ProfanityCheckScorer(ToxicityScorer):
    """PROFANITY from alt-profanity-check; the other attributes are not available."""

    attributes = (PROFANITY,)

    def __init__(self, batch_size: int = 4096) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InputError(f"batch_size must be an integer >= 1, got {batch_size!r}")
        self.batch_size = batch_size
        self._predict_prob: Callable[[list[str]], Sequence[float]] | None = None

    def describe(self) -> str:
        try:
            version = metadata.version(PACKAGE)
        except metadata.PackageNotFoundError:
            version = "not installed"
        return f"offline ({PACKAGE} {version}; PROFANITY only)"

    def score(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[Scores]:
        if self._predict_prob is None:
            self._predict_prob = load_predict_prob()
        out = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start:start + self.batch_size])
            for p in self._predict_prob(batch):
                row = empty_scores()
                row[PROFANITY] = min(1.0, max(0.0, float(p)))
                out.append(row)
        return out
