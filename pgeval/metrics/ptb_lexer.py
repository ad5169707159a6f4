"""A pure-Python PTB tokenizer giving the tokens of Stanford CoreNLP 3.4.1's PTBTokenizer
(``-preserveLines -lowerCase``), as pycocoevalcap runs it, for machines without Java.

It re-implements the 3.4.1 JFlex lexer: longest match, the first rule wins ties, trailing contexts
and pushbacks as in the JFlex scanner. Like pycocoevalcap, a batch is tokenized as one file with one
text per line, so a text's tokens can depend on the next text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

#: Tokens that pycocoevalcap removes after tokenization.  The comparison is
#: case-sensitive and happens after lowercasing, so bracket tokens such as
#: ``-lrb-`` survive (as they do in pycocoevalcap).
PUNCTUATION_TOKENS: frozenset[str] = frozenset(
    ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-",
     ".", "?", "!", ",", ":", "-", "--", "...", ";"]
)

# Characters that CoreNLP treats as line breaks.  pycocoevalcap only replaces
# "\n" inside a caption, so any of the others shifts all later captions onto the
# wrong image; both backends here replace all of them by a space instead.
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\u2028\u2029]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def prepare_line(text: str) -> str:
    text = _LINE_BREAKS.sub(" ", text)
    return _LONE_SURROGATE.sub("\ufffd", text)


def postprocess_line(line: str) -> str:
    # Exactly what pycocoevalcap does with each output line.
    return " ".join(w for w in line.rstrip().split(" ") if w not in PUNCTUATION_TOKENS)


# ---------------------------------------------------------------------------
# Python backend
# ---------------------------------------------------------------------------
#
# The JFlex lexer of CoreNLP 3.4.1 only distinguishes characters through a
# character-class map: every ASCII character behaves individually, while the
# non-ASCII characters fall into a few dozen classes (e.g. "any lowercase or
# uncased letter", "any uppercase letter", "any decimal digit", "symbol that
# becomes a token of its own", ...).  We translate the text into a same-length
# string in which each non-ASCII character is replaced by a private-use
# representative of its class, run the rule regexes on that string, and cut the
# tokens out of the original text.

_R_LOWER = "\ue000"  # letter that is not uppercase (incl. CJK, kana, ...)
_R_UPPER = "\ue001"  # uppercase letter
_R_WORDX = "\ue002"  # combining mark or modifier allowed inside words
_R_DIGIT = "\ue003"  # non-ASCII decimal digit
_R_MISC = "\ue004"  # symbol that is a token of its own (arrows, math, (c), ...)
_R_CUR = "\ue005"  # currency sign (cent, pound, euro, yen, ...)
_R_LSQ = "\ue006"  # left single quote
_R_RSQ = "\ue007"  # right single quote / apostrophe
_R_DQ = "\ue008"  # double quotes, guillemets, low-9 quotes
_R_DASH = "\ue009"  # en dash, em dash, horizontal bar
_R_NBSP = "\ue00a"  # no-break space
_R_SHY = "\ue00b"  # soft hyphen
_R_SUP = "\ue00c"  # superscript digit
_R_FRAC = "\ue00d"  # vulgar fraction
_R_HYPHX = "\ue00e"  # Unicode hyphens
_R_ARSEP = "\ue00f"  # Arabic decimal/thousands separators
_R_SPACEX = "\ue010"  # Unicode spaces (en space ... hair space, ideographic)
_R_ELLIP = "\ue011"  # horizontal ellipsis
_R_E85 = "\ue012"  # U+0085 (CP1252 ellipsis)
_R_FSLASH = "\ue013"  # fraction slash
_R_SUPSIGN = "\ue014"  # super/subscript plus and minus
_R_SUB = "\ue015"  # subscript digit
_R_UPNL = "\ue016"  # uppercase non-letter (Roman numerals)
_R_CIRC = "\ue017"  # circled capital letters (symbol, but uppercase)
_R_IDEOCOMMA = "\ue018"  # ideographic comma
_R_SKIP = "\ue019"  # ignored: NUL, zero width space, LRM/RLM, BOM
_R_NONE = "\ue01a"  # untokenizable: silently deleted

# Class membership as observed by running the 3.4.1 jar on every BMP character in
# several contexts; letters, digits and the rest are classified with
# unicodedata-based str methods in _representative().
_EXPLICIT_CLASSES: dict[str, tuple[tuple[int, int], ...]] = {
    _R_SKIP: ((0x0000, 0x0000), (0x200B, 0x200B), (0x200E, 0x200F), (0xFEFF, 0xFEFF)),
    _R_CUR: ((0x0080, 0x0080), (0x00A2, 0x00A5), (0x060B, 0x060B), (0x0E3F, 0x0E3F),
             (0x20A0, 0x20A0), (0x20A4, 0x20A4), (0x20AC, 0x20AC), (0xFFE0, 0xFFE1),
             (0xFFE5, 0xFFE6)),
    _R_E85: ((0x0085, 0x0085),),
    _R_LSQ: ((0x0091, 0x0091), (0x2018, 0x2018), (0x201B, 0x201B)),
    _R_RSQ: ((0x0092, 0x0092), (0x2019, 0x2019)),
    _R_DQ: ((0x0093, 0x0094), (0x00AB, 0x00AB), (0x00BB, 0x00BB), (0x201A, 0x201A),
            (0x201C, 0x201F), (0x2039, 0x203A)),
    _R_DASH: ((0x0096, 0x0097), (0x2013, 0x2015)),
    _R_NBSP: ((0x00A0, 0x00A0),),
    _R_SHY: ((0x00AD, 0x00AD),),
    _R_SUP: ((0x00B2, 0x00B3), (0x00B9, 0x00B9), (0x2070, 0x2070), (0x2074, 0x2079)),
    _R_FRAC: ((0x00BC, 0x00BE), (0x2153, 0x215E)),
    _R_HYPHX: ((0x058A, 0x058A), (0x2010, 0x2011)),
    _R_ARSEP: ((0x066B, 0x066C),),
    _R_SPACEX: ((0x2000, 0x200A), (0x3000, 0x3000)),
    _R_ELLIP: ((0x2026, 0x2026),),
    _R_FSLASH: ((0x2044, 0x2044),),
    _R_SUPSIGN: ((0x207A, 0x207B), (0x208A, 0x208B)),
    _R_SUB: ((0x2080, 0x2089),),
    _R_UPNL: ((0x2160, 0x216F),),
    _R_CIRC: ((0x24B6, 0x24CF),),
    _R_IDEOCOMMA: ((0x3001, 0x3001),),
    # Combining marks and modifier letters that CoreNLP accepts inside words.
    _R_WORDX: ((0x02C2, 0x02C5), (0x02D2, 0x02DF), (0x02E5, 0x02EB), (0x02ED, 0x02ED),
               (0x02EF, 0x036F), (0x0375, 0x0375), (0x0378, 0x0379), (0x0384, 0x0385),
               (0x03F6, 0x03F6), (0x0483, 0x0487)),
    # Symbols that become one-character tokens.
    _R_MISC: ((0x00A1, 0x00A1), (0x00A6, 0x00A9), (0x00AC, 0x00AC), (0x00AE, 0x00B1),
              (0x00B4, 0x00B4), (0x00B6, 0x00B8), (0x00BF, 0x00BF), (0x00D7, 0x00D7),
              (0x00F7, 0x00F7), (0x037E, 0x037E), (0x0387, 0x0387), (0x1FBD, 0x1FBD),
              (0x2016, 0x2017), (0x2020, 0x2023), (0x2030, 0x2038), (0x203B, 0x203B),
              (0x203E, 0x2042), (0x207C, 0x207E), (0x208C, 0x208E), (0x2100, 0x2101),
              (0x2103, 0x2106), (0x2108, 0x2109), (0x2114, 0x2114), (0x2116, 0x2118),
              (0x211E, 0x2123), (0x2125, 0x2125), (0x2127, 0x2127), (0x2129, 0x2129),
              (0x212E, 0x212E), (0x213A, 0x213B), (0x2140, 0x2144), (0x214A, 0x214D),
              (0x214F, 0x214F), (0x2190, 0x24B5), (0x24D0, 0x2BFF), (0x3002, 0x3002),
              (0x3012, 0x3012), (0x30FB, 0x30FB), (0xFF01, 0xFF0F), (0xFF1A, 0xFF20),
              (0xFF3B, 0xFF40), (0xFF5B, 0xFF65)),
}

_CLASS_OF: dict[int, str] = {}
for _rep, _ranges in _EXPLICIT_CLASSES.items():
    for _lo, _hi in _ranges:
        for _cp in range(_lo, _hi + 1):
            _CLASS_OF[_cp] = _rep
del _rep, _ranges, _lo, _hi, _cp


def _representative(cp: int) -> str:
    """The character that stands for ``chr(cp)`` in the translated text."""
    if cp < 0x80:  # ASCII characters stand for themselves (controls excepted)
        if cp == 0:
            return _R_SKIP
        return chr(cp) if cp >= 0x20 or cp in (0x09, 0x0A) else _R_NONE
    rep = _CLASS_OF.get(cp)
    if rep is not None:
        return rep
    if cp > 0xFFFF or 0xD800 <= cp <= 0xDFFF:  # surrogates: the lexer sees UTF-16
        return _R_NONE
    ch = chr(cp)
    if ch.isalpha():
        return _R_UPPER if ch.isupper() else _R_LOWER
    if ch.isdecimal():
        return _R_DIGIT
    if ch.isupper():
        return _R_UPNL
    return _R_NONE


class _TranslationTable(dict[int, str]):
    """``str.translate`` table computing representatives on demand."""

    def __missing__(self, cp: int) -> str:
        rep = _representative(cp)
        self[cp] = rep
        return rep


_TABLE = _TranslationTable()


def _translate(text: str) -> str:
    return text.translate(_TABLE)


# --- character classes and macros (over the translated alphabet) -----------

_MACROS: dict[str, str] = {}


def _m(name: str, pattern: str) -> None:
    _MACROS[name] = _x(pattern)


def _x(pattern: str) -> str:
    """Expand <NAME> placeholders (macros and class representatives)."""
    def repl(m: re.Match[str]) -> str:
        return _MACROS[m.group(1)]
    prev = None
    while prev != pattern:
        prev = pattern
        pattern = re.sub(r"<([A-Z][A-Z0-9_]*)>", repl, pattern)
    return pattern


for _name, _value in {
    "LOWER": _R_LOWER, "UPPER": _R_UPPER, "WORDX": _R_WORDX, "DIGITX": _R_DIGIT,
    "MISC": _R_MISC, "CUR": _R_CUR, "LSQ": _R_LSQ, "RSQ": _R_RSQ, "DQ": _R_DQ,
    "DASH": _R_DASH, "NBSP": _R_NBSP, "SHY": _R_SHY, "SUP": _R_SUP, "FRAC2C": _R_FRAC,
    "HYPHX": _R_HYPHX, "ARSEP": _R_ARSEP, "SPACEX": _R_SPACEX, "ELLIP": _R_ELLIP,
    "E85": _R_E85, "FSLASH": _R_FSLASH, "SUPSIGN": _R_SUPSIGN, "SUB": _R_SUB,
    "UPNL": _R_UPNL, "CIRC": _R_CIRC, "IDEOCOMMA": _R_IDEOCOMMA, "SKIPC": _R_SKIP,
}.items():
    _MACROS[_name] = _value
del _name, _value

# Character class bodies (to be used inside [...]).
_m("JLETTER", "A-Za-z<LOWER><UPPER>")  # Java Character.isLetter
_m("JDIGIT", "0-9<DIGITX>")  # Java Character.isDigit
_m("JUPPER", "A-Z<UPPER><UPNL><CIRC>")  # Java Character.isUpperCase
_m("SPACEC", " \t<NBSP><SPACEX>")
_m("SPACE", "[<SPACEC>]")
_m("SPACES", "[<SPACEC>]+")
# U+0085 counts as a line break in trailing contexts (alone it is an ellipsis).
_m("SPACENL", "[<SPACEC>\n<E85>]")
_m("SPACENLS", "[<SPACEC>\n<E85>]+")
_m("SGMLNAME", r"[A-Za-z][A-Za-z0-9_:.\-]*")
# Quoted attribute values may contain line breaks (the token then spans lines).
_m("SGML", r"<(?:[!?][A-Za-z\-][^>\n]*"
           r"|<SGMLNAME>(?: +(?:<SGMLNAME> *= *(?:'[^']*'|\"[^\"]*\")|<SGMLNAME>))* */?"
           r"|/<SGMLNAME>) *>")
_m("SENTEND", "<SPACENL>(?:<SGML>|<SPACENL>|[<JUPPER>])")
_m("DIGIT", "[<JDIGIT>]")
_m("SPLET", "&[aeiouAEIOU](?i:acute|grave|uml);")
_m("LETTER", "(?:[<JLETTER><WORDX><SHY>]|<SPLET>)")
_m("WORD", "<LETTER>(?:<LETTER>|<DIGIT>)*(?:[.!?]<LETTER>(?:<LETTER>|<DIGIT>)*)*")
_m("APOS", "(?:['<RSQ>]|(?i:&apos;))")
_m("APOSETC", "(?:<APOS>|[`<LSQ>])")
_m("REDAUX", "<APOS>(?:[msdMSD]|(?i:re|ve|ll))")
_m("SWORD", "[A-Za-z<SHY>]*[A-MO-Za-mo-z]<SHY>*")
_m("SREDAUX", "(?i:n)<APOSETC>(?i:t)")
_m("NUM", r"<DIGIT>*(?:[.:,<SHY><ARSEP>]<DIGIT>+)+|<DIGIT>+")
_m("NUMBER", r"[\-+]?(?:<NUM>)")
_m("ACRO", r"(?:(?i:canada|sino|korean|eu|japan|non)-(?i:u)\.(?i:s)"
           r"|(?i:u)\.(?i:s)\.-(?:(?i:u)\.(?i:k)|(?i:u)\.(?i:s)\.(?i:s)\.(?i:r))"
           r"|[A-Za-z](?:\.[A-Za-z])*)")
_m("ACRO2", r"(?:(?i:canada|sino|korean|eu|japan|non)-(?i:u)\.(?i:s)"
            r"|(?i:u)\.(?i:s)\.-(?:(?i:u)\.(?i:k)|(?i:u)\.(?i:s)\.(?i:s)\.(?i:r))"
            r"|[A-Za-z](?:\.[A-Za-z])+)")
_m("HYPHEN", "[-_<HYPHX>]")
_m("ALNUM", "[<JLETTER><JDIGIT>]")

_ABMONTH = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
_ABDAYS = "Mon|Tues?|Wed|Thu(?:rs)?|Fri"
_ABCOMP = "Inc|Cos?|Corp|Pp?t[ye]s?|Ltd|Plc|Rt|Bancorp|Bhd|Assn|Univ|Intl|Sys"
_ABNUM = "tel|est|ext|sq"
_ABPTIT = r"Jr|Sr|Bros|(?:Ed|Ph)\.D|Blvd|Rd|Esq"


def _caseless(pattern: str) -> str:
    """JFlex ``%caseless`` for a word list: each ASCII letter outside ``[...]``
    matches both cases, while character classes stay case-sensitive (so the
    capital in ``[M]ass`` must be upper case, and ``Pp?t[ye]s?`` rejects "PTY")."""
    out = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch.isascii() and ch.isalpha():
            ch = f"[{ch.lower()}{ch.upper()}]"
        out.append(ch)
        i += 1
    return "".join(out)


_ABSTATE_WORDS = (
    "Ala|Ariz|[A]z|[A]rk|Calif|Colo|Conn|Ct|Dak|[D]el|Fla|Ga|[I]ll|Ind|Kans?|Ky|[L]a|"
    "[M]ass|Md|Mich|Minn|[M]iss|Mo|Mont|Neb|Nev|Okla|[O]re|[P]a|Penn|Tenn|[T]ex|Va|Vt|"
    "[W]ash|Wisc?|Wyo"
)
_m("ABBREV1", "(?:" + _caseless("|".join([
    _ABMONTH, _ABDAYS, _ABSTATE_WORDS, _ABCOMP, _ABNUM, _ABPTIT, "etc|al|seq|Bldg"])) + r")\.")
_ABTITLE = (
    "Mr|Mrs|Ms|Drs?|Profs?|Sens?|Reps?|Attys?|Lt|Col|Gen|Messrs|Govs?|Adm|Rev|Maj|Sgt|"
    "Cpl|Pvt|Capt|Ste?|Ave|Pres|Lieut|Hon|Brig|Co?mdr|Pfc|Spc|Supts?|Det|Mt|Ft|Adj|Adv|"
    "Asst|Assoc|Ens|Insp|Mlle|Mme|Msgr|Sfc"
)
_ABCOMP2 = "Invt|Elec|Natl|M[ft]g|Dept"
_ABBREV4 = (_caseless(f"{_ABTITLE}|vs|Alex|Wm|Jos|Cie|a\\.k\\.a|cf|TREAS|Ph|{_ABCOMP2}") + "|v",
            "<ACRO>")
_m("ABBREV4", "(?:" + "|".join(_ABBREV4) + ")")
_m("FILENAME", r"(?:<LETTER>|<DIGIT>)+(?:\.(?:<LETTER>|<DIGIT>)+)*\."
               r"(?i:bat|bmp|class|cgi|cpp|c|dll|docx?|exe|gif|gz|html?|h|jar|java|jpe?g|mov"
               r"|mp3|pdf|php|pl|png|ppt|ps|py|sql|tar|txt|wav|xml|x|zip)")
_ABBREV3_WORDS = "ca|figs?|prop|nos?|art|bldg|pp|op"
_m("ABBREV3", "(?:" + _caseless(_ABBREV3_WORDS) + r")\.")
_ACRONYM_FOLLOWERS = (
    "[A]bout|[A]ccording|[A]dditionally|[A]fter|[A]n|[A]|[A]s|[A]t|[B]ut|[E]arlier|"
    "[H]e|[H]er|[H]ere|[H]owever|[I]f|[I]n|[I]t|[L]ast|[M]any|[M]ore|[M]r\\.|[M]s\\.|"
    "[N]ow|[O]nce|[O]ne|[O]ther|[O]ur|[S]he|[S]ince|[S]o|[S]ome|[S]uch|[T]hat|[T]he|"
    "[T]heir|[T]hen|[T]here|[T]hese|[T]hey|[T]his|[W]e|[W]hen|[W]hile|[W]hat|[Y]et|"
    "[Y]ou"
)
_m("PHONE", r"(?:\([0-9]{2,3}\)[ <NBSP>]?|(?:\+\+?)?(?:[0-9]{2,4}[\- <NBSP>])?[0-9]{2,4}"
            r"[\- <NBSP>])[0-9]{3,4}[\- <NBSP>]?[0-9]{3,5}"
            r"|(?:(?:\+\+?)?[0-9]{2,4}\.)?[0-9]{2,4}\.[0-9]{3,4}\.[0-9]{3,5}")
_APOWORD = (
    "<APOS>(?i:n)<APOS>?", "[lLdDjJ]<APOS>", "(?i:dunkin|somethin|ol)<APOS>",
    "<APOS>(?i:em|cause|till?)", "[A-HJ-XZn]<APOSETC>[<JLETTER>]{2,}",
    "<APOS>[2-9]0(?i:s)", "[<JLETTER>]+[aeiouyAEIOUY]<APOSETC>[aeiouA-Z][<JLETTER>]*",
    r"(?i:cont'd)\.?", "(?i:nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l)",
    "(?i:o)<APOSETC>(?i:o)",
)
_m("FULLURL", r"(?i:https?)://[^ \t\n\f\r\"<>|(){}]+[^ \t\n\f\r\"<>|.!?(){},-]")
# LIKELYURL is split into alternatives so that the longest one can be chosen
# (Python's regex engine stops at the first match, JFlex takes the longest).
# Note the range ",-_" (0x2C-0x5F) in the second host pattern.
_m("URLWWW", r"(?i:www)\.(?:[^ \t\n\f\r\"<>|.!?(){},]+\.)+[a-zA-Z]{2,4}")
_m("URLHOST", r"(?:[^ \t\n\f\r\"`'<>|.!?(){},-_$]+\.)+(?i:com|net|org|edu)")
_m("URLPATH", r"/[^ \t\n\f\r\"<>|()]+[^ \t\n\f\r\"<>|.!?(){},-]")
_LIKELYURL = ("<URLWWW>", "<URLWWW><URLPATH>", "<URLHOST>", "<URLHOST><URLPATH>")
_m("EMAIL", r"(?:<|(?i:&lt;))?[a-zA-Z0-9][^ \t\n\f\r\"<>|(){}<NBSP>]*@"
            r"(?:[^ \t\n\f\r\"<>|(){}.<NBSP>]+\.)*[^ \t\n\f\r\"<>|(){}.<NBSP>]+"
            r"(?:>|(?i:&gt;))?")
_m("TWITTER", r"@[a-zA-Z_][a-zA-Z_0-9]*|#<LETTER>+")
_m("DATE", r"<DIGIT>{1,2}[\-/]<DIGIT>{1,2}[\-/]<DIGIT>{2,4}")
_m("SUBSUPNUM", "[<SUPSIGN>]?(?:[<SUP>]+|[<SUB>]+)")
_m("FRAC", r"(?:<DIGIT>{1,4}[- <NBSP>])?<DIGIT>{1,4}(?:\\?/|<FSLASH>)<DIGIT>{1,4}")
_m("TBSPEC", r"-(?i:rrb|lrb|rcb|lcb|rsb|lsb)-|(?i:c\.d\.s|pro-|anti-)"
             r"|(?i:s)(?:&|(?i:&amp;))(?i:p-500|ls)|(?i:cap)<APOS>(?i:n)|(?i:c)<APOS>(?i:est)")
_m("THING3", r"[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\?/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}")
_m("DOLSIGN", r"[A-Z]*\$|#")
_m("HTHING", r"[A-Za-z0-9][A-Za-z0-9.,<SHY>]*(?:-(?:<ACRO2>\.|[A-Za-z0-9<SHY>]+))+")
_m("THING", r"(?:[dDoOlL]<APOSETC><ALNUM>)?<ALNUM>+"
            r"(?:<HYPHEN>(?:[dDoOlL]<APOSETC><ALNUM>)?<ALNUM>+)*")
_m("SPAMP", "(?i:&amp;)")
_m("THINGA", r"[A-Z]+(?:(?:<SPAMP>|[+&])[A-Z]+)+")
_m("INSENTP", "[,;:<IDEOCOMMA>]")
_QUOTES = ("<APOS>", "''", "[`<LSQ><RSQ><DQ>]{1,2}")
_m("DBLQUOT", '"|(?i:&quot;)')
_m("LDOTS", r"\.{3,5}|(?:\.[ <NBSP>]){2,4}\.|[<E85><ELLIP>]")
_m("SMILEY", r"[<>]?[:;=][\-o*']?[()DPdpO\\{@|\[\]]")
_m("ASIANSMILEY", r"[\-^x=~<>']_[\-^x=~<>']|\([\-^x=~<>'][_.]?[\-^x=~<>']\)"
                  r"|\([\^x=~<>']-[\^x=~<>'`]\)")
_m("MISCSYMBOL", r"[+%&~^|\\<MISC><CIRC><FSLASH><SUPSIGN>]")


# --- actions ---------------------------------------------------------------
#
# An action gets (original text, token start, end of the matched text, end of
# the trailing context) and returns (token or None, position to continue at);
# continuing before the end is JFlex's yypushback.

_Action = Callable[[str, int, int, int], tuple[str | None, int]]


def _keep(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    return t[s:e], e


def _drop(_t: str, _s: int, e: int, _c: int) -> tuple[str | None, int]:
    return None, e


def _const(tok: str) -> _Action:
    def act(_t: str, _s: int, e: int, _c: int) -> tuple[str | None, int]:
        return tok, e
    return act


def _pushback(n: int) -> _Action:
    def act(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
        return t[s:e - n], e - n
    return act


def _act_word(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    # Soft hyphens are removed (a token of only soft hyphens becomes "-").
    return t[s:e].replace("\u00ad", "") or "-", e


# Quote normalization ("latexQuotes", the 3.4.1 default).  The ASCII quotes'
# direction depends on the rule that matched; curly quotes keep theirs.
_QUOTE_MAPS = (
    (re.compile("[\u0091\u2018\u201b\u2039]"), "`"),
    (re.compile("[\u0092\u2019\u203a]"), "'"),
    (re.compile("[\u0093\u201c\u00ab]"), "``"),
    (re.compile("[\u0094\u201d\u00bb]"), "''"),
)
_ASCII_SINGLE = re.compile("&apos;|'")
_ASCII_DOUBLE = re.compile('"|&quot;')


def _latex_quotes(tok: str, left: bool) -> str:
    tok = _ASCII_SINGLE.sub("`" if left else "'", tok)
    tok = _ASCII_DOUBLE.sub("``" if left else "''", tok)
    for pattern, replacement in _QUOTE_MAPS:
        tok = pattern.sub(replacement, tok)
    return tok


def _quote(left: bool) -> _Action:
    def act(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
        return _latex_quotes(t[s:e], left), e
    return act


def _act_nbsp(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    return t[s:e].replace(" ", "\u00a0"), e


def _parens(tok: str) -> str:
    return tok.replace("(", "-LRB-").replace(")", "-RRB-")


def _act_phone(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    return _parens(t[s:e].replace(" ", "\u00a0")), e


def _act_parens(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    return _parens(t[s:e]), e


_AMP = re.compile("(?i:&amp;)")


def _act_amp(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    return _AMP.sub("&", t[s:e]), e


_FRACTIONS = {"\u00bc": "1/4", "\u00bd": "1/2", "\u00be": "3/4", "\u2153": "1/3",
              "\u2154": "2/3"}


def _act_frac2(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    return _FRACTIONS.get(t[s:e], t[s:e]), e


_GENERIC_CURRENCY = re.compile("[\u0080\u00a4\u20a0\u20ac]")


def _act_currency(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    tok = t[s:e].replace("\u00a2", "cents").replace("\u00a3", "#")
    return _GENERIC_CURRENCY.sub("$", tok), e


def _act_hyphens(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    return ("--" if 3 <= e - s <= 4 else t[s:e]), e


def _strip_ws(t: str, s: int, e: int) -> int:
    while e > s and t[e - 1] in " \t\n\r":
        e -= 1
    return e


def _act_abbrev3(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    e = _strip_ws(t, s, e)
    return t[s:e], e


def _act_acronym(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    e = _strip_ws(t, s, e)
    if e - s == 2:  # "I." and the like: the letter, then the period
        return t[s:e - 1], e - 1
    return t[s:e], e - 1  # "U.S.", then "." once more


def _act_period_again(t: str, s: int, e: int, _c: int) -> tuple[str | None, int]:
    return t[s:e], e - 1


def _act_quote_one_left(t: str, s: int, _e: int, _c: int) -> tuple[str | None, int]:
    return _latex_quotes(t[s], True), s + 1


_NEWLINE_TOKEN = "\n"


class _Rule:
    """One JFlex rule: ``main`` (or the longest of several alternatives), an
    optional trailing context ``ctx`` (matched but not consumed; it counts for
    the longest-match comparison, as in JFlex), and the action to run."""

    __slots__ = ("action", "first", "has_ctx", "name", "regexes")

    def __init__(self, name: str, main: str | tuple[str, ...], action: _Action,
                 first: str, ctx: str | None = None) -> None:
        alternatives = (main,) if isinstance(main, str) else main
        patterns = [_x(alt) for alt in alternatives]
        if ctx is not None:
            patterns = [f"(?:{p})(?=(?P<ctx>{_x(ctx)}))" for p in patterns]
        self.name = name
        self.regexes = tuple(re.compile(p) for p in patterns)
        self.action = action
        self.first = re.compile(_x(first))
        self.has_ctx = ctx is not None

    def match(self, s: str, pos: int) -> tuple[int, int] | None:
        """(end of the consumed part, end including the trailing context)."""
        best: tuple[int, int] | None = None
        for regex in self.regexes:
            m = regex.match(s, pos)
            if m is not None:
                ends = (m.end(), m.end("ctx")) if self.has_ctx else (m.end(), m.end())
                if best is None or ends[1] > best[1]:
                    best = ends
        return best


_ACRONYM_CTX = "<SPACENLS>(?:" + _caseless(_ACRONYM_FOLLOWERS) + "|<SGML>)<SPACENL>"

# Rules in the order of the JFlex specification (earlier rule wins ties).
_RULES: list[_Rule] = [
    _Rule("prog_langs", r"(?i:c\+\+|[cf]#)", _keep, "[cCfF]"),
    _Rule("assim3", "(?i:cannot)|'(?i:twas)", _pushback(3), "[cC']"),
    _Rule("assim2", "'(?i:tis)|(?i:gonna|gotta|lemme|gimme|wanna)", _pushback(2),
          "[gGlLwW']"),
    _Rule("sgml", "<SGML>", _act_nbsp, "<"),
    _Rule("spmdash", "&(?i:md|mdash|ndash);|[<DASH>]", _const("--"), "[&<DASH>]"),
    _Rule("spamp", "<SPAMP>", _act_amp, "&"),
    _Rule("sppunc", "&(?i:ht|tl|ur|lr|qc|ql|qr|odq|cdq|#[0-9]+);", _keep, "&"),
    _Rule("word_redaux", "<WORD>", _act_word, "[<JLETTER><WORDX><SHY>&]", ctx="<REDAUX>"),
    _Rule("sword_sredaux", "<SWORD>", _act_word, "[A-Za-z<SHY>]", ctx="<SREDAUX>"),
    _Rule("word", "<WORD>", _act_word, "[<JLETTER><WORDX><SHY>&]"),
    _Rule("apoword", _APOWORD, _keep, "[<JLETTER>'<RSQ>&]"),
    _Rule("apoword2", "(?i:y)<APOS>", _keep, "[yY]", ctx="[<JLETTER>]"),
    _Rule("fullurl", "<FULLURL>", _keep, "[hH]"),
    _Rule("likelyurl", _LIKELYURL, _keep, r"[^ \t\n\f\r\"`'<>|.!?(){}\x2c-\x5f$]|[wW]"),
    _Rule("email", "<EMAIL>", _keep, "[a-zA-Z0-9<&]"),
    _Rule("twitter", "<TWITTER>", _keep, "[@#]"),
    _Rule("redaux_ctx", "<REDAUX>", _quote(False), "['<RSQ>&]", ctx="[^A-Za-z]"),
    _Rule("sredaux", "<SREDAUX>", _quote(False), "[nN]"),
    _Rule("date", "<DATE>", _keep, "[<JDIGIT>]"),
    _Rule("number", "<NUMBER>", _act_word, r"[<JDIGIT>\-+.:,<SHY><ARSEP>]"),
    _Rule("subsupnum", "<SUBSUPNUM>", _keep, "[<SUPSIGN><SUP><SUB>]"),
    _Rule("frac", "<FRAC>", _act_nbsp, "[<JDIGIT>]"),
    _Rule("frac2", "[<FRAC2C>]", _act_frac2, "[<FRAC2C>]"),
    _Rule("tbspec", "<TBSPEC>", _act_amp, "[-cCpPaAsS]"),
    _Rule("thing3", "<THING3>", _keep, "[A-Za-z0-9]"),
    _Rule("dolsign", "<DOLSIGN>", _keep, "[A-Z$#]"),
    _Rule("dolsign2", "[<CUR>]", _act_currency, "[<CUR>]"),
    _Rule("acronym", r"<ACRO>\.", _act_acronym, "[A-Za-z]", ctx=_ACRONYM_CTX),
    _Rule("abbrev3", "<ABBREV3>", _act_abbrev3, "[a-zA-Z]", ctx="<SPACENL>?[<JDIGIT>]"),
    _Rule("pty_ltd", _caseless(r"(?:pt[eyEY]|co)\."), _keep, "[pPcC]",
          ctx="<SPACE>" + _caseless("(?:ltd|lim)")),
    _Rule("abbrev1_sentend", "<ABBREV1>", _act_period_again, "[a-zA-Z]", ctx="<SENTEND>"),
    _Rule("abbrev1_ctx", "<ABBREV1>", _keep, "[a-zA-Z]", ctx=r"[\s\S]{2}"),
    _Rule("abbrev1", "<ABBREV1>", _act_period_again, "[a-zA-Z]"),
    _Rule("abbrev2", tuple(f"(?:{a})\\." for a in _ABBREV4), _keep, "[a-zA-Z]"),
    _Rule("abbrev4_space", "<ABBREV4>", _keep, "[a-zA-Z]", ctx="<SPACE>"),
    _Rule("acro_spacenl", "<ACRO>", _keep, "[a-zA-Z]", ctx="<SPACENL>"),
    _Rule("tbspec2", "<APOS>[0-9][0-9]", _keep, "['<RSQ>&]", ctx="<SPACENL>"),
    _Rule("filename", "<FILENAME>", _keep, "[<JLETTER><WORDX><SHY><JDIGIT>&]",
          ctx="[<SPACEC>\n<E85>.?!,]"),
    _Rule("word_dot", r"<WORD>\.", _act_word, "[<JLETTER><WORDX><SHY>&]", ctx="<INSENTP>"),
    _Rule("phone", "<PHONE>", _act_phone, r"[0-9(+]"),
    _Rule("dblquot_left", "<DBLQUOT>", _quote(True), '["&]', ctx="[A-Za-z0-9$]"),
    _Rule("dblquot", "<DBLQUOT>", _quote(False), '["&]'),
    _Rule("del", "\x7f", _drop, "\x7f"),
    _Rule("lessthan", "<|(?i:&lt;)", _const("<"), "[<&]"),
    _Rule("greaterthan", ">|(?i:&gt;)", _const(">"), "[>&]"),
    _Rule("smiley", "<SMILEY>", _act_parens, "[<>:;=]", ctx="[^A-Za-z0-9]"),
    _Rule("asiansmiley", "<ASIANSMILEY>", _act_parens, r"[\-^x=~<>'(]"),
    _Rule("lbrace", r"\{", _const("-LCB-"), r"\{"),
    _Rule("rbrace", r"\}", _const("-RCB-"), r"\}"),
    _Rule("lbracket", r"\[", _const("-LSB-"), r"\["),
    _Rule("rbracket", r"\]", _const("-RSB-"), r"\]"),
    _Rule("lparen", r"\(", _const("-LRB-"), r"\("),
    _Rule("rparen", r"\)", _const("-RRB-"), r"\)"),
    _Rule("hyphens", r"-+", _act_hyphens, "-"),
    _Rule("ldots", "<LDOTS>", _const("..."), "[.<E85><ELLIP>]"),
    _Rule("fnmarks", "@+|#+|_+", _keep, "[@#_]"),
    _Rule("asts", r"\*+|(?:\\\*){1,3}", _keep, r"[*\\]"),
    _Rule("insentp", "<INSENTP>", _keep, "<INSENTP>"),
    _Rule("qmarks", "[?!]+", _keep, "[?!]"),
    _Rule("period", r"\.", _keep, r"\."),
    _Rule("equals", "=", _keep, "="),
    _Rule("slash", "/", _keep, "/"),
    _Rule("hthing_dot", r"<HTHING>\.", _act_word, "[A-Za-z0-9]", ctx="<INSENTP>"),
    _Rule("hthing", "<HTHING>", _act_word, "[A-Za-z0-9]"),
    _Rule("thing_dot", r"<THING>\.", _keep, "[<JLETTER><JDIGIT>]", ctx="<INSENTP>"),
    _Rule("thing", "<THING>", _keep, "[<JLETTER><JDIGIT>]"),
    _Rule("thinga_dot", r"<THINGA>\.", _act_amp, "[A-Z]", ctx="<INSENTP>"),
    _Rule("thinga", "<THINGA>", _act_amp, "[A-Z]"),
    _Rule("quote_left", "'", _act_quote_one_left, "'", ctx="[A-Za-z][^ \t\n\r<NBSP>]"),
    _Rule("redaux", "<REDAUX>", _quote(False), "['<RSQ>&]"),
    _Rule("quotes", _QUOTES, _quote(False), "['`<LSQ><RSQ><DQ>&]"),
    _Rule("duckfeet", "<<|>>", _keep, "[<>]"),
    _Rule("miscsymbol", "<MISCSYMBOL>", _keep, "<MISCSYMBOL>"),
    _Rule("skip", "[<SKIPC>]|<SPACES>", _drop, "[<SKIPC><SPACEC>]"),
    _Rule("newline", "\n", _const(_NEWLINE_TOKEN), "\n"),
    _Rule("nbsp_entity", "(?i:&nbsp;)", _drop, "&"),
]

_CANDIDATES: dict[str, tuple[_Rule, ...]] = {}


def _candidates(ch: str) -> tuple[_Rule, ...]:
    rules = _CANDIDATES.get(ch)
    if rules is None:
        rules = tuple(r for r in _RULES if r.first.match(ch))
        _CANDIDATES[ch] = rules
    return rules


# No rule but "skip" starts with " " or "\t"; other space characters can also
# start a LIKELYURL token, so a run starting with them takes the slow path.
_FAST_SPACE = re.compile(_x("[ \t][<SPACEC>]*"))
# Fast path for the common case: an ASCII word followed by a space, a line break
# or the end, possibly with a comma or period in between.  Such a word is a token
# of its own unless it is split (cannot, gonna, ...) or, before a period, could
# be an abbreviation (over-approximated here; those take the general path).
_FAST_WORD = re.compile(r"[A-Za-z]+(?=[ \n]|[,.](?:[ \n]|\Z)|\Z)")
_FAST_WORD_EXCLUDE = frozenset(["cannot", "gonna", "gotta", "lemme", "gimme", "wanna"])
_ABBREV_LIKE = re.compile(
    "|".join([_ABMONTH, _ABDAYS, _ABSTATE_WORDS.replace("[", "").replace("]", ""),
              _ABCOMP, _ABNUM, _ABPTIT, "etc|al|seq|bldg", _ABTITLE,
              "vs|alex|wm|jos|cie|cf|treas|ph", _ABCOMP2, _ABBREV3_WORDS, "pt[ey]|co",
              "[a-z]"]),
    re.IGNORECASE,
).fullmatch
# Runs of such words each followed by spaces are split in one go.
_FAST_SPAN = re.compile(_x("(?:[A-Za-z]+[ \t][<SPACEC>]*)+"))
_FAST_SPAN_EXCLUDE = re.compile(
    "(?<![A-Za-z])(?i:cannot|gonna|gotta|lemme|gimme|wanna)(?![A-Za-z])"
).search
_NON_BMP = re.compile("[\U00010000-\U0010ffff]")


def _split_non_bmp(text: str) -> str:
    # Java sees characters outside the BMP as two UTF-16 code units.
    def repl(m: re.Match[str]) -> str:
        cp = ord(m.group()) - 0x10000
        return chr(0xD800 + (cp >> 10)) + chr(0xDC00 + (cp & 0x3FF))
    return _NON_BMP.sub(repl, text)


def _join_surrogates(tok: str) -> str:
    return tok.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _lex(text: str) -> list[str]:
    """Run the lexer on ``text``; returns raw tokens, newline tokens as ``"\\n"``."""
    has_non_bmp = _NON_BMP.search(text) is not None
    if has_non_bmp:
        text = _split_non_bmp(text)
    s = _translate(text)
    n = len(s)
    pos = 0
    out: list[str] = []
    fast_space = _FAST_SPACE.match
    fast_word = _FAST_WORD.match
    fast_span = _FAST_SPAN.match
    while pos < n:
        m = fast_span(s, pos)
        if m is not None and _FAST_SPAN_EXCLUDE(s[pos:m.end()]) is None:
            out.extend(text[pos:m.end()].split())
            pos = m.end()
            continue
        m = fast_word(s, pos)
        if m is not None:
            end = m.end()
            word = m.group().lower()
            if word not in _FAST_WORD_EXCLUDE and (
                s[end:end + 1] != "." or _ABBREV_LIKE(word) is None
            ):
                out.append(text[pos:end])
                pos = end
                continue
        else:
            m = fast_space(s, pos)
            if m is not None:
                pos = m.end()
                continue
            ch = s[pos]
            if ch == "\n":
                out.append(_NEWLINE_TOKEN)
                pos += 1
                continue
            # "," or "." before a space, a line break or the end (but not ". .")
            if (ch == "," or ch == ".") and s[pos + 1:pos + 2] in (" ", "\n", "") and (
                ch == "," or s[pos + 1:pos + 3] != " ."
            ):
                out.append(ch)
                pos += 1
                continue
        best: _Rule | None = None
        best_len = 0
        best_end = 0
        best_ctx_end = 0
        for rule in _candidates(s[pos]):
            ends = rule.match(s, pos)
            if ends is not None and ends[1] - pos > best_len:
                best, best_len = rule, ends[1] - pos
                best_end, best_ctx_end = ends
        if best is None:  # untokenizable character: deleted
            pos += 1
            continue
        tok, pos = best.action(text, pos, best_end, best_ctx_end)
        if tok is not None:
            out.append(tok)
    if has_non_bmp:
        out = [_join_surrogates(t) for t in out]
    return out


def tokenize_lines_python(texts: Sequence[str]) -> list[str]:
    if not texts:
        return []
    buffer = "\n".join(prepare_line(t) for t in texts)
    # Print the tokens like PTBTokenizer -preserveLines does, then split the
    # output into lines (a token may contain a line break, see SGML above).
    parts: list[str] = []
    begin_line = True
    for tok in _lex(buffer):
        if tok == _NEWLINE_TOKEN:
            parts.append("\n")
            begin_line = True
        else:
            if not begin_line:
                parts.append(" ")
            parts.append(tok.lower())
            begin_line = False
    return [postprocess_line(line) for line in "".join(parts).split("\n")]


def tokenize_python(text: str) -> str:
    """Pure-Python equivalent of ``tokenize_java([text])[0]``."""
    return tokenize_lines_python([text])[0]


# Blocks in which every character is verified (against the 3.4.1 jar, character
# by character and in fuzzed contexts) to be classified and lowercased exactly
# like CoreNLP does: ASCII, Latin-1, Latin Extended-A/B and Additional, IPA,
# combining diacritics, Greek, Cyrillic, general punctuation, super/subscripts,
# currency, letterlike and number forms, arrows/math/technical/box/shapes/
# dingbats, CJK symbols, kana, Bopomofo, Hangul, CJK ideographs (extension A and
# the URO up to U+9FCC) and full/halfwidth forms, plus everything outside the BMP
# (the lexer sees two untokenizable UTF-16 units and deletes them, as we do).
# Left out inside those blocks:
# U+0130, U+0131, U+017F, U+212A (special case-insensitive matching in the
# lexer), U+03A3 GREEK CAPITAL SIGMA (Java and Python pick the final form of the
# lowercase sigma differently) and characters added to Unicode after 6.1.
_CERTAIN_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x012F), (0x0132, 0x017E), (0x0180, 0x037E), (0x0380, 0x03A2),
    (0x03A4, 0x0527), (0x1E00, 0x2129), (0x212B, 0x2BFF), (0x3000, 0x312D),
    (0x3130, 0x318F), (0x31F0, 0x31FF), (0x3400, 0x4DB5), (0x4E00, 0x9FCC),
    (0xAC00, 0xD7A3), (0xF900, 0xFAD9), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
    (0x10000, 0x10FFFF),
)
_UNCERTAIN_CHAR = re.compile(
    "[^" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _CERTAIN_RANGES) + "]"
)


def tokenize_python_is_certain(text: str) -> bool:
    """True if ``text`` only uses characters the Python backend is verified on."""
    return _UNCERTAIN_CHAR.search(text) is None
