"""The official VQA answer normalization (the VQA evaluation script's punctuation, digit, article
and contraction rules), kept quirk for quirk because published numbers were computed with it."""

from __future__ import annotations

import re
from functools import lru_cache

# Marks handled by the punctuation step, in the order the official script visits them.
PUNCTUATION = (";", "/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<",
               "@", "`", ",", "?", "!")

# "(?!<=\d)" is a look-ahead for the text "<=digit", never true next to a period, so the pattern
# matches every period that is not followed by a digit. Only its first 32 matches are removed:
# the official script passes re.UNICODE (32) where Pattern.sub takes `count`.
PERIOD = re.compile(r"(?!<=\d)(\.)(?!\d)")
PERIOD_REMOVALS = 32
DIGIT_COMMA_DIGIT = re.compile(r"(\d)(,)(\d)")

NUMBER_WORDS = {"none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
                "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10"}
ARTICLES = frozenset({"a", "an", "the"})

# The official contraction table as "written-form canonical-form" pairs. It keeps its quirks:
# capitalised keys that can never match (words are lowercased first), "somebody'd" mapping to
# "somebodyd", and "let's"/"she's" mapping to themselves.
_CONTRACTION_PAIRS = """
aint ain't|arent aren't|cant can't|couldve could've|couldnt couldn't|couldn'tve couldn't've
couldnt've couldn't've|didnt didn't|doesnt doesn't|dont don't|hadnt hadn't|hadnt've hadn't've
hadn'tve hadn't've|hasnt hasn't|havent haven't|hed he'd|hed've he'd've|he'dve he'd've|hes he's
howd how'd|howll how'll|hows how's|Id've I'd've|I'dve I'd've|Im I'm|Ive I've|isnt isn't|itd it'd
itd've it'd've|it'dve it'd've|itll it'll|let's let's|maam ma'am|mightnt mightn't
mightnt've mightn't've|mightn'tve mightn't've|mightve might've|mustnt mustn't|mustve must've
neednt needn't|notve not've|oclock o'clock|oughtnt oughtn't|ow's'at 'ow's'at|'ows'at 'ow's'at
'ow'sat 'ow's'at|shant shan't|shed've she'd've|she'dve she'd've|she's she's|shouldve should've
shouldnt shouldn't|shouldnt've shouldn't've|shouldn'tve shouldn't've|somebody'd somebodyd
somebodyd've somebody'd've|somebody'dve somebody'd've|somebodyll somebody'll
somebodys somebody's|someoned someone'd|someoned've someone'd've|someone'dve someone'd've
someonell someone'll|someones someone's|somethingd something'd|somethingd've something'd've
something'dve something'd've|somethingll something'll|thats that's|thered there'd
thered've there'd've|there'dve there'd've|therere there're|theres there's|theyd they'd
theyd've they'd've|they'dve they'd've|theyll they'll|theyre they're|theyve they've|twas 'twas
wasnt wasn't|wed've we'd've|we'dve we'd've|weve we've|werent weren't|whatll what'll
whatre what're|whats what's|whatve what've|whens when's|whered where'd|wheres where's
whereve where've|whod who'd|whod've who'd've|who'dve who'd've|wholl who'll|whos who's
whove who've|whyll why'll|whyre why're|whys why's|wont won't|wouldve would've
wouldnt wouldn't|wouldnt've wouldn't've|wouldn'tve wouldn't've|yall y'all|yall'll y'all'll
y'allll y'all'll|yall'd've y'all'd've|y'alld've y'all'd've|y'all'dve y'all'd've|youd you'd
youd've you'd've|you'dve you'd've|youll you'll|youre you're|youve you've
"""
CONTRACTIONS: dict[str, str] = dict(
    pair.split(" ", 1) for pair in _CONTRACTION_PAIRS.replace("\n", "|").split("|") if pair
)


def strip_answer(text: str) -> str:
    """Always applied: newlines and tabs become spaces, outer whitespace goes."""
    return text.replace("\n", " ").replace("\t", " ").strip()


def process_punctuation(text: str) -> str:
    """Delete or space out punctuation, then drop periods not followed by a digit (at most 32).

    A mark is deleted (not replaced by a space) when the original text has it next to a space, or
    when a digit,digit comma appears anywhere in the original text.
    """
    out = text
    digit_comma = DIGIT_COMMA_DIGIT.search(text) is not None
    for mark in PUNCTUATION:
        if digit_comma or mark + " " in text or " " + mark in text:
            out = out.replace(mark, "")
        else:
            out = out.replace(mark, " ")
    return PERIOD.sub("", out, count=PERIOD_REMOVALS)


def process_digit_article(text: str) -> str:
    """Lowercase, number words to digits, drop articles, restore contractions, single spaces."""
    words = []
    for word in text.lower().split():
        word = NUMBER_WORDS.get(word, word)
        if word not in ARTICLES:
            words.append(CONTRACTIONS.get(word, word))
    return " ".join(words)


@lru_cache(maxsize=1 << 20)
def normalize_answer(text: str) -> str:
    """The full normalization of a stripped answer (punctuation, then digits and articles)."""
    return process_digit_article(process_punctuation(text))
