"""RadGraph F1 of a split of generated radiology reports, from each report's reward.

The PaliGemma 2 report (arXiv 2412.03555, Sec. 4.8, Table 8) gives "RadGraph F1-scores [%]"
citing RadGraph (Jain et al., 2021): the F1 between the clinical entities (with their presence or
absence) and relations that RadGraph extracts from the reference report and from the generated
one. The per-report reward is the `radgraph` package's F1RadGraph (Stanford-AIMI/radgraph,
`radgraph/rewards.py`), reward level "partial" (`exact_entity_token_if_rel_exists_reward`,
Delbrouck et al., 2022): an entity is its (tokens, label) with a flag when it has a relation,
and the reward is the F1 of the two reports' sets of these. That package's README says this
level is the one report-generation papers report (its RG_ER), and it is the one MultiMedBench's
MIMIC-CXR evaluation (Med-PaLM M, whose group made the report's Med-Gemini-2D baseline) uses. A
report with no entity, or an empty report, gets 0 (the package's rule).

The split's value is the mean of the per-report rewards, x 100, as the card prints it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

REWARD_LEVELS = ("simple", "partial", "complete")
REWARD_LEVEL = "partial"


def radgraph_f1(rewards: Sequence[float]) -> float:
    """100 x the mean per-report reward; NaN for no report."""
    if not rewards:
        return math.nan
    return 100.0 * math.fsum(rewards) / len(rewards)
