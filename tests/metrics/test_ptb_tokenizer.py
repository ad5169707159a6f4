"""Tests for pgeval.metrics.ptb_tokenizer (PTB tokenization as in pycocoevalcap).

The expected strings in ``_TABLE`` were recorded from the CoreNLP 3.4.1 jar that
pycocoevalcap ships (``tokenize_java([caption])``), so the Python backend is
checked against the Java one even where Java is not installed.
"""

from __future__ import annotations

import random
import warnings

import pytest

from pgeval.metrics import ptb_tokenizer
from pgeval.metrics.ptb_tokenizer import (
    PUNCTUATION_TOKENS,
    java_available,
    ptb_tokenize,
    tokenize_java,
    tokenize_python,
    tokenize_python_is_certain,
)

needs_java = pytest.mark.skipif(not java_available(), reason="java or the CoreNLP jar is missing")

# caption -> expected output of pycocoevalcap's PTBTokenizer (CoreNLP 3.4.1).
# Adjacent entries do not influence each other (see test_next_caption_context),
# so the whole table can also be tokenized as one batch.
_TABLE: list[tuple[str, str]] = [
    ("A man riding a wave on top of a surfboard.", "a man riding a wave on top of a surfboard"),
    ("Two dogs don't like the cat's toy.", "two dogs do n't like the cat 's toy"),
    ("I can't believe it's not butter!", "i ca n't believe it 's not butter"),
    ("They won't go, and we cannot stay.", "they wo n't go and we can not stay"),
    ("She's gonna wanna see this, I'm sure.", "she 's gon na wan na see this i 'm sure"),
    ("'Tis the season, 'twas the night before.", "'t is the season 't was the night before"),
    ("The kids' bikes and the boss's car.", "the kids bikes and the boss 's car"),
    ('He said "hello" to everyone.', "he said hello to everyone"),
    ("A sign that says 'STOP' in red.", "a sign that says stop in red"),
    ("A “curly” quote and a ‘single’ one.", "a curly quote and a single one"),
    (
        "A dog (brown) sits [on the left] {maybe}.",
        "a dog -lrb- brown -rrb- sits -lsb- on the left -rsb- -lcb- maybe -rcb-",
    ),
    ("A state-of-the-art well-known e-mail.", "a state-of-the-art well-known e-mail"),
    (
        "Pizza -- with cheese — and ham – plus olives - yum.",
        "pizza with cheese and ham plus olives yum",
    ),
    ("Wait... what . . . really…", "wait what really"),
    ("It costs $5.99 or 3.5 euros.", "it costs $ 5.99 or 3.5 euros"),
    ("About 1,000 people and 10% of them.", "about 1,000 people and 10 % of them"),
    ("Add 1/2 cup and 1 1/2 spoons.", "add 1/2 cup and 1\xa01/2 spoons"),
    ("The meeting is at 3:30 p.m. today.", "the meeting is at 3:30 p.m. today"),
    (
        "Mr. Smith and Dr. Jones went to the U.S. in 1990.",
        "mr. smith and dr. jones went to the u.s. in 1990",
    ),
    ("At 5 a.m. the sun rises, etc.", "at 5 a.m. the sun rises etc."),
    ("A photo taken in the U.S. The sky is blue.", "a photo taken in the u.s. the sky is blue"),
    ("The U.S. is large.", "the u.s. is large"),
    ("A man in a suit at the U.N. building", "a man in a suit at the u.n. building"),
    ("A bottle of vitamin C.", "a bottle of vitamin c."),
    ("Cats and/or dogs on a 24/7 basis.", "cats and/or dogs on a 24/7 basis"),
    ("Tom & Jerry, AT&T and R&D.", "tom & jerry at&t and r&d"),
    (
        "Email me at john.doe@example.com or @johndoe #cute",
        "email me at john.doe@example.com or @johndoe #cute",
    ),
    (
        "Visit www.example.com or http://example.com/a/b?c=d.",
        "visit www.example.com or http://example.com/a/b?c=d",
    ),
    (
        "Smiling :) and sad :( and winking ;-) too",
        "smiling :-rrb- and sad :-lrb- and winking ;--rrb- too",
    ),
    ("A    lot   of   spaces", "a lot of spaces"),
    ("tabs\tbetween\twords", "tabs between words"),
    ("   leading and trailing spaces   ", "leading and trailing spaces"),
    ("A café with a naïve waiter.", "a café with a naïve waiter"),
    ("一只狗在草地上奔跑。", "一只狗在草地上奔跑 。"),
    (
        "The colour of the neighbour's favourite theatre centre.",
        "the colour of the neighbour 's favourite theatre centre",
    ),
    ("An orange and grey aluminium can.", "an orange and grey aluminium can"),
    ("Rock 'n' roll and the '90s.", "rock 'n' roll and the '90s"),
    ("It's 5 o'clock somewhere, y'all.", "it 's 5 o'clock somewhere y' all"),
    ("Don't DON'T Can't WON'T", "do n't do n't ca n't wo n't"),
    ("The man's hat isn't his.", "the man 's hat is n't his"),
    ("Look!!! What?! Really?", "look !!! what ?! really"),
    ("The end.", "the end"),
    ("", ""),
    ("...", ""),
    ("a", "a"),
    ("A.", "a."),
    ("Is that a T-shirt or a t-shirt?", "is that a t-shirt or a t-shirt"),
    ('He\'s 6\'2" tall.', "he 's 6 2 tall"),
    ("A 3-year-old boy in the 1990s.", "a 3-year-old boy in the 1990s"),
    ("Call (555) 555-1234 now.", "call -lrb-555-rrb-\xa0555-1234 now"),
    ("Temperature is 5°C or 41°F.", "temperature is 5 ° c or 41 ° f."),
    ("Price: £5, €10 or ¥20.", "price # 5 $ 10 or ¥ 20"),
    ("It's ½ off!", "it 's 1/2 off"),
    ("Room No. 5 is on fig. 3.", "room no. 5 is on fig. 3"),
    ("Co. Ltd. and Inc. are companies.", "co. ltd. and inc. are companies"),
    ("A <b>bold</b> move.", "a <b> bold </b> move"),
    ("c++ and c# are languages.", "c++ and c# are languages"),
    ("U.S.A. vs. U.K. match.", "u.s.a. vs. u.k. match"),
    ("The e.g. and i.e. abbreviations.", "the e.g. and i.e. abbreviations"),
    ("A élève, a über-cool straße.", "a élève a über-cool straße"),
    ("Россия and Ελλάδα.", "россия and ελλάδα"),
    ("Jan. 5th, Feb. 29 and Sept. 1st.", "jan. 5th feb. 29 and sept. 1st"),
    ("Several zebras... grazing.", "several zebras grazing"),
    (
        "Two men (one in red) play frisbee; a dog watches.",
        "two men -lrb- one in red -rrb- play frisbee a dog watches",
    ),
    ('A sign reads: "No parking".', "a sign reads no parking"),
    ("Hello--world and good-bye.", "hello world and good-bye"),
    ("A 100-meter race on 12/25/2012.", "a 100-meter race on 12/25/2012"),
    ("The dog ran.The cat sat.", "the dog ran.the cat sat"),
    ("Wow!The bird flew.", "wow!the bird flew"),
    (
        "An *important* note with ~tilde~ and ^caret^.",
        "an * important * note with ~ tilde ~ and ^ caret ^",
    ),
    ("Weird\xa0non-breaking\xa0spaces.", "weird non-breaking spaces"),
    ("Emoji \U0001f600 in a caption \U0001f44d.", "emoji in a caption"),
    ("A soft\xadhyphen and a zero\u200bwidth space.", "a softhyphen and a zero width space"),
    ("It's the cat's and dogs' food, isn't it?", "it 's the cat 's and dogs food is n't it"),
    ("L'amour and d'Artagnan in O'Brien's pub.", "l'amour and d'artagnan in o'brien 's pub"),
]


# Fragments for random captions: contractions, quotes, brackets, dashes, numbers,
# abbreviations, URLs, symbols, non-ASCII letters and odd spacing.
_FRAGMENTS = [
    "a", "A", "the", "The", "man", "dog", "cat's", "kids'", "It", "He", "I", "x", "s", "t",
    "don't", "can't", "won't", "it's", "I'm", "we'll", "they're", "you've", "he'd",
    "cannot", "gonna", "wanna", "gotta", "lemme", "gimme", "'tis", "'twas", "y'all",
    "o'clock", "rock 'n' roll", "'90s", "'em", "'cause", "O'Brien", "d'Artagnan",
    "'", "''", '"', "`", "``", "\u2018", "\u2019", "\u201c", "\u201d", "\u00ab", "\u00bb",
    "(", ")", "[", "]", "{", "}", "<", ">", "<b>", "</i>", "<a href='x'>",
    "-", "--", "---", "\u2014", "\u2013", "well-known", "x-ray", "T-shirt", "3-D",
    "...", ". . .", "\u2026", ".", ",", ";", ":", "!", "?", "?!", "!!",
    "3.5", "1,000", "1/2", "1 1/2", "10%", "$5", "$5.99", "3:30", "2-3", "1990s",
    "-5", "+5", "5'11", "12/25/2012", "(555) 555-1234", "555-1234", "007",
    "Mr.", "Dr.", "Mrs.", "St.", "U.S.", "U.S.A.", "a.m.", "p.m.", "e.g.", "i.e.",
    "etc.", "vs.", "Inc.", "Co.", "Ltd.", "Jan.", "Mass.", "No.", "fig.", "Ph.D.",
    "and/or", "a/b", "&", "AT&T", "R&D", "&amp;", "@", "@user", "#", "#tag",
    "www.example.com", "http://x.org/a?b=c", "john@example.com", "photo.jpg",
    ":)", ":-(", ";)", ":D", "^_^", "<3", "*", "**", "_", "=", "+", "~", "^", "|",
    "\\", "%", "c++", "c#", "caf\u00e9", "na\u00efve", "\u00dcber", "stra\u00dfe",
    "\u4e2d\u6587", "\u3002", "\u0420\u043e\u0441\u0441\u0438\u044f",
    "\u03b5\u03bb\u03bb\u03ac\u03b4\u03b1", "\u00bd", "\u00a3", "\u20ac", "\u00a5",
    "\u00b0", "\u00b2", "\u00a9", "\u00d7", "\u2192", "\u00a0", "\u00ad", "\u200b",
    "\U0001f600", "colour", "favourite", "grey", "aluminium",
]
_SEPARATORS = [" ", " ", " ", "", "  ", "\t", ", ", ". ", "! ", "-", "'", "\n"]


def _random_captions(n: int, seed: int = 1234) -> list[str]:
    rng = random.Random(seed)
    captions = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 12)):
            parts.append(rng.choice(_FRAGMENTS))
            parts.append(rng.choice(_SEPARATORS))
        captions.append("".join(parts))
    return captions


@pytest.mark.parametrize(("caption", "expected"), _TABLE)
def test_python_tokenizer_table(caption: str, expected: str) -> None:
    assert tokenize_python(caption) == expected


def test_python_batch_equals_table() -> None:
    captions = [c for c, _ in _TABLE]
    assert ptb_tokenize(captions, backend="python") == [e for _, e in _TABLE]


def test_table_is_certain() -> None:
    assert all(tokenize_python_is_certain(c) for c, _ in _TABLE)


@needs_java
def test_java_tokenizer_table() -> None:
    captions = [c for c, _ in _TABLE]
    assert tokenize_java(captions) == [e for _, e in _TABLE]
    assert ptb_tokenize(captions, backend="java") == [e for _, e in _TABLE]


@needs_java
def test_python_equals_java_on_random_captions() -> None:
    captions = _random_captions(2000)
    java = tokenize_java(captions)
    python = ptb_tokenize(captions, backend="python")
    assert len(java) == len(python) == len(captions)
    mismatches = [(c, j, p) for c, j, p in zip(captions, java, python, strict=True) if j != p]
    assert not mismatches, mismatches[:5]


@needs_java
def test_python_equals_java_per_caption() -> None:
    # tokenize_python(text) is the one-caption file; check it on a sample.
    captions = _random_captions(8, seed=99)
    assert [tokenize_python(c) for c in captions] == [
        tokenize_java([c])[0] for c in captions
    ]


@needs_java
def test_matches_pycocoevalcap_ptbtokenizer() -> None:
    module = pytest.importorskip("pycocoevalcap.tokenizer.ptbtokenizer")
    gts = {
        "img1": [
            {"caption": "A man riding a wave on top of a surfboard."},
            {"caption": "Two dogs don't like the cat's toy (really)!"},
        ],
        "img2": [
            {"caption": "A caf\u00e9 at 3:30 p.m. in the U.S. \u2014 \u201cnice\u201d..."},
            {"caption": "Mr. Smith's 1/2 price, $5, 10% off\nat the U.N."},
            {"caption": ""},
        ],
        "img3": [{"caption": "The colour of the neighbour's car ;-) c++ & AT&T"}],
    }
    expected = module.PTBTokenizer().tokenize(gts)
    captions = [c["caption"] for caps in gts.values() for c in caps]
    keys = [k for k, caps in gts.items() for _ in caps]
    for backend in ("java", "python"):
        tokens = ptb_tokenize(captions, backend=backend)
        result: dict[str, list[str]] = {}
        for key, tok in zip(keys, tokens, strict=True):
            result.setdefault(key, []).append(tok)
        assert result == expected, backend


def test_punctuation_tokens_match_pycocoevalcap() -> None:
    module = pytest.importorskip("pycocoevalcap.tokenizer.ptbtokenizer")
    assert frozenset(module.PUNCTUATIONS) == PUNCTUATION_TOKENS


@pytest.mark.parametrize("backend", ["python", pytest.param("java", marks=needs_java)])
def test_one_output_per_input(backend: str) -> None:
    texts = ["", "a\nb", "x\ry", "", "p\r\nq", "u\u2028v", "w\x0bz", "...", "end"]
    out = ptb_tokenize(texts, backend=backend)
    assert out == ["", "a b", "x y", "", "p q", "u v", "w z", "", "end"]
    assert ptb_tokenize([], backend=backend) == []


@pytest.mark.parametrize("backend", ["python", pytest.param("java", marks=needs_java)])
def test_next_caption_context(backend: str) -> None:
    # As in pycocoevalcap, "C." is one token unless the next line starts with
    # one of the words CoreNLP takes as a sentence start after an acronym.
    assert ptb_tokenize(["A bottle of vitamin C."], backend=backend) == [
        "a bottle of vitamin c."
    ]
    assert ptb_tokenize(["A bottle of vitamin C.", "The cat sat."], backend=backend) == [
        "a bottle of vitamin c",
        "the cat sat",
    ]
    assert tokenize_python("A bottle of vitamin C.") == "a bottle of vitamin c."


@pytest.mark.parametrize(
    "text", ["\u039f\u0394\u039f\u03a3", "\u0130stanbul", "\u05e9\u05dc\u05d5\u05dd",
             "\u0627\u0644\u0642\u0637", "\u0928\u092e\u0938\u094d\u0924\u0947", "x\ud800"],
)
def test_unusual_text_is_not_certain(text: str) -> None:
    assert not tokenize_python_is_certain(text)


def test_common_text_is_certain() -> None:
    for text in ["A man's hat.", "caf\u00e9 \u4e2d\u6587 \u00bd \U0001f600", "", "a\tb\nc"]:
        assert tokenize_python_is_certain(text)


def test_python_backend_warns_once_for_uncertain_texts() -> None:
    texts = ["A dog.", "\u039f\u0394\u039f\u03a3 street", "\u05e9\u05dc\u05d5\u05dd"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = ptb_tokenize(texts, backend="python")
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "2 of 3 texts" in message
    assert repr(texts[1]) in message
    assert out[0] == "a dog"


def test_auto_backend_falls_back_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ptb_tokenizer, "java_available", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # certain texts: no warning
        assert ptb_tokenize(["A man's hat."]) == ["a man 's hat"]
    with pytest.warns(UserWarning, match="1 of 1 texts"):
        assert ptb_tokenize(["\u0130stanbul"]) == [tokenize_python("\u0130stanbul")]


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="backend"):
        ptb_tokenize(["a"], backend="perl")


@needs_java
def test_java_failure_reports_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ptb_tokenizer, "_JAVA_MAIN", "edu.stanford.nlp.process.NoSuchClass")
    with pytest.raises(RuntimeError, match="NoSuchClass"):
        tokenize_java(["a"])
