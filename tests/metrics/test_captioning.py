"""Caption metrics against pycocoevalcap's own pipeline (PTBTokenizer, then the scorers)."""

import json

import pytest
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.rouge.rouge import Rouge
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

from pgeval.metrics import bleu4, caption_metrics, cider, rouge_l
from pgeval.metrics.ptb_tokenizer import java_available
from tests.helpers import run_cli
from tests.synthetic import write_coco_captions

REFS = {
    1: ["A man riding a wave on top of a surfboard.", "A surfer rides a large wave.",
        "Man on a surfboard in the ocean."],
    2: ["Two dogs play with a frisbee in the park.", "Dogs running on the grass.",
        "A pair of dogs chase a frisbee."],
    3: ["A plate of pizza on a wooden table.", "Pizza with cheese and tomatoes.",
        "A pizza sitting on top of a table."],
    4: ["A red bus parked on the street.", "The bus is red and white.",
        "A city bus at a bus stop."],
}
PREDS = {1: "A man riding a wave on a surfboard.", 2: "Two dogs playing with a frisbee.",
         3: "A pizza on a table.", 4: "A bus on the street."}

needs_java = pytest.mark.skipif(not java_available(), reason="pycocoevalcap's reference needs Java")


def reference_scores():
    """COCOEvalCap's steps: tokenize the references, then the predictions, then score."""
    tok = PTBTokenizer()
    gts = tok.tokenize({k: [{"caption": c} for c in v] for k, v in REFS.items()})
    res = tok.tokenize({k: [{"caption": PREDS[k]}] for k in REFS})
    return {
        "cider": Cider().compute_score(gts, res),
        "bleu4": (Bleu(4).compute_score(gts, res, verbose=0)[0][3],
                  Bleu(4).compute_score(gts, res, verbose=0)[1][3]),
        "rouge_l": Rouge().compute_score(gts, res),
    }


@needs_java
def test_same_numbers_as_pycocoevalcap():
    ref = reference_scores()
    for backend in ("java", "python"):
        ours = caption_metrics(PREDS, REFS, backend=backend)
        for name in ("cider", "bleu4", "rouge_l"):
            assert ours[name][0] == pytest.approx(ref[name][0], abs=1e-12), (backend, name)
            assert list(ours[name][1].values()) == pytest.approx(list(ref[name][1]), abs=1e-12)
    assert cider(PREDS, REFS)[0] == ours["cider"][0]
    assert bleu4(PREDS, REFS)[0] == ours["bleu4"][0]
    assert rouge_l(PREDS, REFS)[0] == ours["rouge_l"][0]


def test_document_frequencies_come_from_the_evaluated_set():
    full = cider(PREDS, REFS, backend="python")[1]
    subset = cider({k: PREDS[k] for k in (1, 2, 3)}, {k: REFS[k] for k in (1, 2, 3)},
                   backend="python")[1]
    assert full[1] != subset[1]
    assert full[1] > 0.5  # a close caption scores high


def test_mismatched_keys_are_an_error():
    with pytest.raises(ValueError, match="differ in keys"):
        cider({1: "a"}, {2: ["a"]})


@needs_java
def test_score_cli_coco_captions(tmp_path):
    write_coco_captions(tmp_path, REFS)
    preds = tmp_path / "captions.json"
    preds.write_text(json.dumps([{"image_id": k, "caption": v} for k, v in PREDS.items()]))
    result = run_cli("score", "--task", "coco_captions", "--predictions", str(preds),
                     "--data-dir", str(tmp_path), "--json")
    assert result.exit_code == 0
    result = json.loads(result.stdout)
    ref = reference_scores()
    assert result["n"] == 4
    assert result["metrics"]["cider"] == pytest.approx(100 * ref["cider"][0], abs=1e-9)
    assert result["metrics"]["bleu4"] == pytest.approx(100 * ref["bleu4"][0], abs=1e-9)
    assert result["metrics"]["rouge_l"] == pytest.approx(100 * ref["rouge_l"][0], abs=1e-9)
