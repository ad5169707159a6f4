"""PTB tokenization compatible with pycocoevalcap's ``PTBTokenizer``.

pycocoevalcap tokenizes captions with the Stanford CoreNLP 3.4.1 ``PTBTokenizer``
(``-preserveLines -lowerCase``) and then drops the tokens in
:data:`PUNCTUATION_TOKENS`.  This module offers two backends that produce the
same strings:

* :func:`tokenize_java` runs the CoreNLP jar bundled with pycocoevalcap;
* :func:`tokenize_python` is a regex based re-implementation of the 3.4.1 lexer
  (longest match, first rule wins ties, trailing contexts and pushbacks as in the
  JFlex scanner), for machines without Java.

:func:`ptb_tokenize` picks a backend.  Like pycocoevalcap, both backends tokenize
a batch as one file with one text per line, and a text's tokens can depend on
the next text: ``"a bottle of vitamin C."`` alone gives ``"a bottle of vitamin
c."``, but followed by ``"The cat sat."`` it gives ``"a bottle of vitamin c"``.
``ptb_tokenize`` reproduces that with either backend; ``tokenize_python(text)``
equals ``tokenize_java([text])[0]``.

With the options pycocoevalcap uses, CoreNLP 3.4.1 does not americanize
spellings ("colour" stays "colour"), splits contractions ("don't" -> "do n't",
"cannot" -> "can not", "gonna" -> "gon na", "'tis" -> "'t is"), turns straight
and curly quotes into LaTeX-style quote tokens (all dropped afterwards) and
brackets into -lrb-, -rsb-, -lcb-, ... (kept: pycocoevalcap compares with the
upper-case names after lowercasing).
"""
from __future__ import annotations

import importlib.resources
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from pgeval.metrics.ptb_lexer import (
    PUNCTUATION_TOKENS,
    postprocess_line,
    prepare_line,
    tokenize_lines_python,
    tokenize_python,
    tokenize_python_is_certain,
)

__all__ = [
    "PUNCTUATION_TOKENS",
    "java_available",
    "ptb_tokenize",
    "tokenize_java",
    "tokenize_python",
    "tokenize_python_is_certain",
]
_JAR_PACKAGE = "pycocoevalcap.tokenizer"
_JAR_NAME = "stanford-corenlp-3.4.1.jar"
_JAVA_MAIN = "edu.stanford.nlp.process.PTBTokenizer"

# ---------------------------------------------------------------------------
# Java backend
# ---------------------------------------------------------------------------


def _jar_path() -> Path | None:
    try:
        path = Path(str(importlib.resources.files(_JAR_PACKAGE) / _JAR_NAME))
    except (ImportError, TypeError):
        return None
    return path if path.is_file() else None


def java_available() -> bool:
    """True if a ``java`` executable and pycocoevalcap's CoreNLP jar are found."""
    return shutil.which("java") is not None and _jar_path() is not None


def tokenize_java(texts: Sequence[str]) -> list[str]:
    """Tokenize ``texts`` with the CoreNLP 3.4.1 jar shipped with pycocoevalcap.

    Returns one string per input text: the lowercased tokens without
    :data:`PUNCTUATION_TOKENS`, joined by single spaces, exactly as
    ``pycocoevalcap.tokenizer.ptbtokenizer.PTBTokenizer`` produces them for the
    same sequence of captions.  Line breaks inside a text become spaces (for
    "\\n" that is what pycocoevalcap does too; "\\r" and the other breaks would
    misalign pycocoevalcap's output).  Raises ``RuntimeError`` if Java or the
    jar is missing or the tokenizer fails.
    """
    texts = list(texts)
    if not texts:
        return []
    java = shutil.which("java")
    jar = _jar_path()
    if java is None or jar is None:
        raise RuntimeError(
            "tokenize_java needs a 'java' executable on PATH and pycocoevalcap's "
            f"{_JAR_NAME}; java={java!r}, jar={jar!r}"
        )
    data = "\n".join(prepare_line(t) for t in texts).encode("utf-8")
    # Encoding: pycocoevalcap writes its file as UTF-8 and runs java without any
    # encoding option.  PTBTokenizer 3.4.1 reads its input and writes its output
    # with the charset given by its "-encoding" option, whose default is
    # "utf-8"; the JVM default charset (file.encoding, derived from the locale)
    # is not used for either, so a C/POSIX locale gives the same bytes.  We pass
    # "-encoding utf-8" anyway to pin that contract; it is the same setting
    # pycocoevalcap gets by default, so tokens are identical.
    with tempfile.TemporaryDirectory(prefix="pgeval-ptb-") as tmp:
        path = os.path.join(tmp, "captions.txt")
        with open(path, "wb") as f:
            f.write(data)
        cmd = [java, "-cp", str(jar), _JAVA_MAIN, "-preserveLines", "-lowerCase",
               "-encoding", "utf-8", path]
        proc = subprocess.run(cmd, capture_output=True, check=False)
    stderr = proc.stderr.decode("utf-8", errors="replace").strip()
    if proc.returncode != 0:
        raise RuntimeError(
            f"CoreNLP PTBTokenizer failed (exit code {proc.returncode}): {stderr}"
        )
    lines = proc.stdout.decode("utf-8").split("\n")
    if len(lines) == len(texts) + 1 and lines[-1] == "":
        lines.pop()
    if len(lines) != len(texts):
        raise RuntimeError(
            f"CoreNLP PTBTokenizer returned {len(lines)} lines for {len(texts)} "
            f"texts; stderr: {stderr}"
        )
    return [postprocess_line(line) for line in lines]


def ptb_tokenize(texts: Sequence[str], backend: str = "auto") -> list[str]:
    """PTB-tokenize ``texts`` like pycocoevalcap.

    ``backend`` is ``"java"``, ``"python"`` or ``"auto"`` (Java when available,
    otherwise Python).  When Python is used, texts that
    :func:`tokenize_python_is_certain` rejects trigger one ``UserWarning``.
    """
    if backend not in ("auto", "java", "python"):
        raise ValueError(f"backend must be 'auto', 'java' or 'python', not {backend!r}")
    texts = list(texts)
    if backend == "java" or (backend == "auto" and java_available()):
        return tokenize_java(texts)
    uncertain = [t for t in texts if not tokenize_python_is_certain(t)]
    if uncertain:
        example = uncertain[0] if len(uncertain[0]) <= 200 else uncertain[0][:200] + "..."
        reason = " (Java/CoreNLP is not available)" if backend == "auto" else ""
        warnings.warn(
            f"PTB tokenization uses the Python tokenizer{reason}, which is not verified "
            f"against CoreNLP 3.4.1 on the characters of {len(uncertain)} of {len(texts)} "
            f"texts, e.g. {example!r}; their tokens may differ from pycocoevalcap's",
            stacklevel=2,
        )
    return tokenize_lines_python(texts)
