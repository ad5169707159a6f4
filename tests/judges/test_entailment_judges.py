"""Entailment judges: the file judge's format and errors, judge choices, the nli judge on a tiny
NLI model written to disk, and the long_caption adapter with and without a judge."""

from __future__ import annotations

import json
import math
import sys

import pytest

from pgeval.adapters.judged import LongCaption
from pgeval.data import Example
from pgeval.errors import InputError
from pgeval.judges import ENTAILMENT_JUDGES, Caption, EntailmentJudge, make_judge
from pgeval.judges.entailment import FileJudge
from pgeval.judges.nli import NliJudge, entailment_index
from pgeval.plugins import ScorerError
from tests.helpers import needs_extra

REFERENCE = "A red car is parked on a street. A dog sits beside it."
CAPTIONS = [Caption("a", "A red car. A blue dog.", ("A red car.", "A blue dog."), REFERENCE),
            Caption("b", "The car is red.", ("The car is red.",), REFERENCE)]


def write_lines(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_file_judge_reads_one_line_per_caption(tmp_path):
    path = write_lines(tmp_path / "j.jsonl", [
        {"id": "b", "entailed": [True], "text": "The car is red."},
        {"id": "a", "entailed": [True, False], "sentences": ["A red car.", "A blue dog."]},
    ])
    judge = make_judge(f"file:{path}")
    assert isinstance(judge, FileJudge) and str(path) in judge.describe()
    assert judge.judge(CAPTIONS) == [[True, False], [True]]


@pytest.mark.parametrize("row, message", [
    ({"id": "a", "entailed": [True]}, r"1 judgments for the 2 sentences pgeval finds"),
    ({"id": "a", "entailed": [True, True], "sentences": ["A red car.", "A blue dog!"]},
     r"sentence 1 is 'A blue dog!' in the file, 'A blue dog.' in pgeval's split"),
    ({"id": "a", "entailed": [True, False], "text": "another caption"}, "made for another caption"),
])
def test_file_judge_checks_the_sentences_it_judged(tmp_path, row, message):
    path = write_lines(tmp_path / "j.jsonl", [{"id": "b", "entailed": [False]}, row])
    with pytest.raises(InputError, match=message) as e:
        FileJudge(path).judge(CAPTIONS)
    assert f"{path}:2" in str(e.value) and "'a'" in str(e.value)


@pytest.mark.parametrize("row, message", [
    ({"id": "a", "entailed": [1, 0]}, "'entailed' must be a list of true/false"),
    ({"id": "a", "entailed": True}, "'entailed' must be a list of true/false"),
    ({"id": "a", "entailed": [True], "sentences": "A red car."}, "'sentences' must be a list"),
    ({"id": "a", "entailed": [True], "sentences": ["x", "y"]}, "1 judgments for 2 sentences"),
    ({"id": "a", "entailed": [True], "entailment": [True]}, r"unknown key\(s\) \['entailment'\]"),
    ({"id": "b", "entailed": []}, r"duplicate id \(first at line 1\)"),
])
def test_file_judge_bad_lines_name_file_and_line(tmp_path, row, message):
    path = write_lines(tmp_path / "j.jsonl", [{"id": "b", "entailed": [True]}, row])
    with pytest.raises(InputError, match=message) as e:
        FileJudge(path)
    assert f"{path}:2" in str(e.value)


def test_file_judge_ids_must_match_the_split(tmp_path):
    extra = write_lines(tmp_path / "x.jsonl", [{"id": "a", "entailed": [True, True]},
                                               {"id": "b", "entailed": [True]},
                                               {"id": "zzz", "entailed": [True]}])
    with pytest.raises(InputError, match=r"1 id\(s\) are not captions of this split") as e:
        FileJudge(extra).judge(CAPTIONS)
    assert f"{extra}:3" in str(e.value)
    short = write_lines(tmp_path / "s.jsonl", [{"id": "a", "entailed": [True, True]}])
    with pytest.raises(InputError, match="1 of 2 captions have no judgments"):
        FileJudge(short).judge(CAPTIONS)
    with pytest.raises(InputError, match="entailment judgments file not found"):
        make_judge(f"file:{tmp_path / 'nope.jsonl'}")


def test_judge_choices():
    with pytest.raises(InputError, match=r"unknown entailment judge 'nil'.*Did you mean 'nli'"):
        make_judge("nil")
    with pytest.raises(InputError, match="NLI model: no such folder"):
        make_judge("nli:/no/such/model")
    assert set(ENTAILMENT_JUDGES.names()) >= {"file", "nli"}


# ---- the nli judge on a tiny BERT written with save_pretrained --------------------------------

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "red", "car", "dog", "is", "the", "blue",
         "parked", "on", "street", "sits", "beside", "it", "."]


def tiny_nli(folder, id2label, favoured):
    """A BERT classifier whose logits are its bias alone (zero weights): it always answers
    `favoured`, whatever the text."""
    torch = needs_extra("entailment", "torch")
    transformers = needs_extra("entailment", "transformers")
    folder.mkdir()
    (folder / "vocab.txt").write_text("\n".join(WORDS) + "\n")
    transformers.BertTokenizer(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    config = transformers.BertConfig(
        vocab_size=len(WORDS), hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=16, max_position_embeddings=64, id2label=id2label,
        label2id={v: k for k, v in id2label.items()})
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([3.0 if i == favoured else 0.0 for i in range(3)]))
    model.save_pretrained(folder)
    return folder


MNLI = {0: "entailment", 1: "neutral", 2: "contradiction"}
REVERSED = {0: "contradiction", 1: "neutral", 2: "ENTAILMENT"}


def test_nli_judge_reads_the_entailment_label_from_the_config(tmp_path):
    # the same always-answer-0 model: 0 is entailment in one config, contradiction in the other
    yes = make_judge(f"nli:{tiny_nli(tmp_path / 'yes', MNLI, favoured=0)}", {"nli": {"batch_size": 2}})
    assert yes.judge(CAPTIONS) == [[True, True], [True]]
    no = NliJudge(tiny_nli(tmp_path / "no", REVERSED, favoured=0), batch_size=1)
    assert no.judge(CAPTIONS) == [[False, False], [False]]


def test_nli_judge_pairs_reference_premise_with_each_sentence(tmp_path):
    judge = NliJudge(tiny_nli(tmp_path / "m", MNLI, favoured=2), batch_size=2)
    tokenizer, model, index = judge._load()
    seen = []

    def spy(premises, hypotheses, **kwargs):
        seen.extend(zip(premises, hypotheses, strict=True))
        return tokenizer(premises, hypotheses, **kwargs)

    judge._loaded = spy, model, index
    assert judge.judge(CAPTIONS) == [[False, False], [False]]  # 2 is contradiction
    assert seen == [(REFERENCE, "A red car."), (REFERENCE, "A blue dog."), (REFERENCE, "The car is red.")]


def test_nli_judge_errors(tmp_path, monkeypatch):
    assert entailment_index(MNLI, "m") == 0 and entailment_index(REVERSED, "m") == 2
    with pytest.raises(InputError, match="no single 'entailment'"):
        entailment_index({0: "LABEL_0", 1: "LABEL_1"}, "m")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"lacks \['config.json'\]"):
        NliJudge(tmp_path / "empty")
    with pytest.raises(InputError, match="batch_size must be an integer >= 1"):
        NliJudge(tiny_nli(tmp_path / "m", MNLI, favoured=0), batch_size=0)
    monkeypatch.setitem(sys.modules, "transformers", None)  # the import fails
    with pytest.raises(InputError, match=r"pgeval\[entailment\]"):
        NliJudge(tmp_path / "m").judge(CAPTIONS)


# ---- the long_caption adapter ---------------------------------------------------------------

class Scripted(EntailmentJudge):
    """Every sentence containing "blue" is not entailed; records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def judge(self, captions):
        self.asked += [c.id for c in captions]
        return [["blue" not in s for s in c.sentences] for c in captions]


EXAMPLES = [Example("a", (REFERENCE,)), Example("b", (REFERENCE,)), Example("c", (REFERENCE,))]
PREDICTIONS = ["A red car. A blue dog.", "The car is red.", ""]


def test_long_caption_without_a_judge_reports_no_non_entailed():
    scored = LongCaption().score(PREDICTIONS, EXAMPLES)
    # characters 22, 15, 0: mean 37 / 3; sentences 2, 1, 0: mean 1
    assert scored.metrics == {"avg_chars": pytest.approx(37 / 3), "avg_sentences": 1.0}
    assert scored.per_example == [22.0, 15.0, 0.0]
    assert scored.info["not_available"] == ["non_entailed"] and scored.info["entailment_judge"] == "none"
    assert scored.info["sentence_splitter"].startswith("pysbd ")


def test_long_caption_with_a_judge():
    judge = Scripted()
    adapter = LongCaption(judge="file:ignored.jsonl", entailment_judge=judge)  # the resource wins
    scored = adapter.score(PREDICTIONS, EXAMPLES)
    # 1 of the 3 sentences ("A blue dog.") is not entailed
    assert scored.metrics["non_entailed"] == pytest.approx(100 / 3)
    assert "Scripted" in scored.info["entailment_judge"] and "not_available" not in scored.info
    adapter.score(PREDICTIONS[:1], EXAMPLES[:1])  # a slice: already judged, the judge is not asked
    assert judge.asked == ["a", "b", "c"]
    assert LongCaption.direction("non_entailed") == "lower"
    assert LongCaption.direction("avg_chars") == LongCaption.direction("avg_sentences") == "neither"


def test_long_caption_judge_output_and_choices_are_checked():
    class Short(EntailmentJudge):
        def judge(self, captions):
            return [[True] for _ in captions]

    with pytest.raises(ScorerError, match="expected one true or false per sentence"):
        LongCaption(entailment_judge=Short()).score(PREDICTIONS, EXAMPLES)
    with pytest.raises(InputError, match="unknown entailment judge 'fiel'"):
        LongCaption(judge="fiel:x.jsonl")
    with pytest.raises(InputError, match="unknown entailment judge 'nope'"):
        LongCaption(judge_options={"nope": {}})
    # a judge given but no sentence to judge: not available, not 0
    scored = LongCaption(entailment_judge=Scripted()).score([""], EXAMPLES[:1])
    assert "non_entailed" not in scored.metrics and math.isfinite(scored.metrics["avg_chars"])
