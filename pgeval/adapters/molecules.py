"""Molecular structure recognition: a predicted SMILES string against the reference molecule's."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pgeval.adapters.base import ADAPTERS, Adapter, Scored
from pgeval.data.base import Example
from pgeval.metrics.smiles import canonical_smiles_match, exact_smiles_match, rdkit_version


def _percent(match: Callable[[str, str], bool], predictions: Sequence[str],
             examples: Sequence[Example]) -> list[float]:
    return [100.0 * any(match(p, r) for r in e.references)
            for p, e in zip(predictions, examples, strict=True)]


@ADAPTERS.register("smiles_match")
class SmilesMatch(Adapter):
    """`accuracy_canonical`: MolScribe's canonical-SMILES match (pgeval.metrics.smiles), computed
    when RDKit is installed; `accuracy`: the exact string match, always. An example's score is its
    canonical match, or its exact match without RDKit; `info["smiles_match"]` says which were
    computed. Not additive, so that a slice is scored anew under the same rule."""

    primary = "accuracy_canonical"
    additive = False

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> Scored:
        exact = _percent(exact_smiles_match, predictions, examples)
        metrics = {"accuracy": sum(exact) / len(exact)}
        version = rdkit_version()
        if version is None:
            return Scored(metrics, exact, {"smiles_match": "exact string (RDKit not installed)"})
        canonical = _percent(canonical_smiles_match, predictions, examples)
        return Scored({"accuracy_canonical": sum(canonical) / len(canonical), **metrics}, canonical,
                      {"smiles_match": f"canonical (RDKit {version}, MolScribe's rule) and exact string"})
