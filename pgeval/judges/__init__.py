"""Model-based judges of generated text, chosen at run time like the toxicity scorers: DOCCI's
entailment judges (`--entailment-judge`) and MIMIC-CXR's RadGraph scorers (`--radgraph-scorer`).

Built-ins: `file:PATH` (judgments or scores made elsewhere, JSON Lines by example id) for both;
`nli:MODEL_DIR` (a transformers NLI model on disk; extra `pgeval[entailment]`) and
`radgraph:MODEL_DIR` (the radgraph package's F1RadGraph on its model on disk; extra
`pgeval[radgraph]`). Neither model is ever downloaded. Third-party judges register under the
`pgeval.entailment_judges` and `pgeval.radgraph_scorers` entry-point groups.
"""

from pgeval.judges import nli, radgraph  # noqa: F401  (register the built-ins)
from pgeval.judges.entailment import ENTAILMENT_JUDGES, Caption, EntailmentJudge, make_judge
from pgeval.judges.radgraph import RADGRAPH_SCORERS, RadGraphScorer, make_radgraph_scorer

__all__ = [
    "ENTAILMENT_JUDGES",
    "RADGRAPH_SCORERS",
    "Caption",
    "EntailmentJudge",
    "RadGraphScorer",
    "make_judge",
    "make_radgraph_scorer",
]
