"""PubChem's SMILES matches: the exact string, and MolScribe's canonical SMILES (with RDKit, which
the chem extra installs, and the test extra with it, so these run in CI)."""

import pytest

from pgeval.metrics.smiles import (
    canonical_smiles_match,
    comparable_smiles,
    exact_smiles_match,
    rdkit_version,
)
from tests.helpers import needs_extra

# (prediction, reference, exact, canonical)
CASES = [
    ("OCC", "CCO", False, True),                 # ethanol written from the other end
    ("CCO", "CCO", True, True),
    ("C1CC", "C1CCC1", False, False),            # unclosed ring: RDKit cannot parse it, a miss
    ("", "CCO", False, False),                   # empty prediction
    ("C/C=C/C", "C/C=C\\C", False, True),        # trans vs cis: MolScribe drops the / and \ marks
    ("F[C@H](Cl)Br", "F[C@@H](Cl)Br", False, False),  # the other enantiomer: chirality counts
    ("C1=CC=CC=C1", "c1ccccc1", False, True),    # Kekulé and aromatic benzene
    ("[R1]CC", "[R1]CC", True, True),            # an R-group, read as [1*]
    ("C1CC", "C1CC", True, True),                # both unparsable and the same: MolScribe's fallback
    ("CCO", "X", False, False),                  # the reference canonicalizes to nothing
]


def test_exact_match_is_character_for_character():
    assert [exact_smiles_match(p, r) for p, r, _, _ in CASES] == [c[2] for c in CASES]
    assert not exact_smiles_match("CCO ", "CCO")


def test_canonical_match_agrees_with_molscribe():
    needs_extra("chem", "rdkit")
    # MolScribe's evaluate.py (canonicalize_smiles with ignore_cistrans=True and the
    # SmilesEvaluator comparison, SmilesPE's atomwise_tokenizer), run on the same pairs, gives
    # [True, True, False, False, True, False, True, True, True, False]: 0.6
    assert [canonical_smiles_match(p, r) for p, r, _, _ in CASES] == [c[3] for c in CASES]


def test_comparable_forms():
    needs_extra("chem", "rdkit")
    assert comparable_smiles("OCC") == ("CCO", True)
    assert comparable_smiles("C1CC") == ("C1CC", False)  # kept as prepared, unparsed
    assert comparable_smiles("") == ("", False)
    assert comparable_smiles("[R1]CC") == ("[1*]CC", True)
    assert comparable_smiles("[Xx]C") == ("*C", True)  # an unknown bracketed atom becomes *
    assert comparable_smiles("CCOX") == ("CCO", True)  # the tokenizer drops what it cannot match
    assert rdkit_version()


def test_r_groups_are_digits_by_str_isdigit():
    needs_extra("chem", "rdkit")
    # MolScribe's test is symbol[1:].isdigit(): a superscript two is a digit there, so [R²]
    # becomes [²*], which RDKit cannot parse; [R] has no digits and is an unknown atom, *
    assert comparable_smiles("C[R²]") == ("C[²*]", False)
    assert comparable_smiles("C[R]") == ("*C", True)
    assert not canonical_smiles_match("C[R²]", "C[R]")
    assert canonical_smiles_match("C[R²]", "C[R²]")  # unparsable and the same
    assert not canonical_smiles_match("C[R¹]", "C[R1]")  # [¹*] is not [1*]


def test_rdkit_absent(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "rdkit", None)
    assert rdkit_version() is None
    with pytest.raises(ImportError):
        canonical_smiles_match("CCO", "CCO")
