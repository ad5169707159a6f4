"""Toxicity scorers for the fairness slicing of captions, registered by name.

Built-ins: `offline` (alt-profanity-check, PROFANITY only, no network; extra `pgeval[toxicity]`),
`perspective` (the Perspective API, key in PERSPECTIVE_API_KEY) and `file` (scores from JSONL).
Third-party scorers register under the `pgeval.toxicity_scorers` entry-point group.
"""

from pgeval.toxicity import file_scores, offline, perspective  # noqa: F401  (register the built-ins)
from pgeval.toxicity.base import (
    ATTRIBUTES,
    IDENTITY_ATTACK,
    INSULT,
    PROFANITY,
    SCORERS,
    THREAT,
    TOXICITY,
    ScorerError,
    Scores,
    ToxicityScorer,
    make_scorer,
)

__all__ = [
    "ATTRIBUTES",
    "IDENTITY_ATTACK",
    "INSULT",
    "PROFANITY",
    "SCORERS",
    "THREAT",
    "TOXICITY",
    "ScorerError",
    "Scores",
    "ToxicityScorer",
    "make_scorer",
]
