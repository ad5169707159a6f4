"""Molecular structure recognition (PubChem): does a predicted SMILES string name the molecule?

`exact_smiles_match`: the two strings are equal, character for character.

`canonical_smiles_match`: MolScribe's main metric, "canon_smiles" (thomas0809/MolScribe,
molscribe/evaluate.py: `canonicalize_smiles(..., ignore_cistrans=True)` and
`SmilesEvaluator.evaluate`). The PaliGemma 2 report (arXiv 2412.03555, Sec. 4.4 and Table 4)
evaluates on MolScribe's ChemDraw set and prints its "full match" beside MolScribe's number on
that metric. Each side is prepared the same way before RDKit canonicalizes it:

- the double-bond direction marks `/` and `\\` are removed (cis/trans is not compared);
- the string is cut into atom-wise SMILES tokens with the Molecular Transformer regex that
  MolScribe takes from SmilesPE (`atomwise_tokenizer`); characters it does not match are dropped;
- a bracketed R-group, `R` then characters that are all digits by Python's `str.isdigit` (so
  `[R1]`, and `[R²]` too, whose superscript two is a digit there), becomes `[<digits>*]` (`[1*]`,
  and `[²*]`, which RDKit then cannot parse), and any other bracketed token that RDKit cannot
  read as an atom (`[R]` among them) becomes `*`;
- RDKit writes the canonical isomeric SMILES (tetrahedral chirality is compared).

A string RDKit cannot parse stays as prepared, so an unparsable prediction misses unless the
reference cannot be parsed either and reads the same; a reference whose canonical form is empty
never matches. RDKit is an optional dependency (`pip install pgeval[chem]`), imported only here,
when first needed.
"""

from __future__ import annotations

import re

_ATOMWISE = re.compile(
    r"(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9])")


def exact_smiles_match(prediction: str, reference: str) -> bool:
    return prediction == reference


def rdkit_version() -> str | None:
    """The installed RDKit's version, or None when RDKit is not installed."""
    try:
        import rdkit
    except ImportError:
        return None
    return rdkit.__version__


def _prepared(smiles: str) -> str:
    """MolScribe's preparation: no cis/trans marks, atom-wise tokens, R-groups and unknown
    bracketed atoms replaced."""
    from rdkit import Chem, rdBase

    tokens = _ATOMWISE.findall(smiles.replace("/", "").replace("\\", ""))
    with rdBase.BlockLogs():
        for i, token in enumerate(tokens):
            if token.startswith("["):
                symbol = token[1:-1]
                if symbol[0] == "R" and symbol[1:].isdigit():
                    tokens[i] = f"[{symbol[1:]}*]"
                elif Chem.AtomFromSmiles(token) is None:
                    tokens[i] = "*"
    return "".join(tokens)


def comparable_smiles(smiles: str) -> tuple[str, bool]:
    """The form MolScribe compares: the canonical SMILES of the prepared string and True, or the
    prepared string itself and False when RDKit cannot parse it ("" stays "", unparsed)."""
    from rdkit import Chem, rdBase

    if not smiles:
        return "", False
    prepared = _prepared(smiles)
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(prepared)
    if mol is None:
        return prepared, False
    return Chem.MolToSmiles(mol, isomericSmiles=True), True


def canonical_smiles_match(prediction: str, reference: str) -> bool:
    """Whether the two name the same molecule by MolScribe's rule (needs RDKit)."""
    gold, _ = comparable_smiles(reference)
    return bool(gold) and comparable_smiles(prediction)[0] == gold
