"""Reading and writing the files pgeval is given and writes: input text checked for encoding (with
the file and line of a problem), JSON and JSON Lines, atomic writes, output folders, a file's sha256,
the natural sort order of numbered file names, and progress bars (which a log file gets as lines).
Everything that only reads or writes files imports this module, not the data sources."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from pgeval.errors import InputError, WriteError

# Byte-order marks, longest first (UTF-32-LE's begins with UTF-16-LE's).
BOMS = ((b"\x00\x00\xfe\xff", "UTF-32-BE"), (b"\xff\xfe\x00\x00", "UTF-32-LE"),
        (b"\xef\xbb\xbf", "UTF-8"), (b"\xfe\xff", "UTF-16-BE"), (b"\xff\xfe", "UTF-16-LE"))
SAVE_AS_UTF8 = "save it as UTF-8 without a byte-order mark (e.g. open(path, 'w', encoding='utf-8'))"


def _not_utf8(data: bytes) -> str | None:
    """What a file's bytes are when they are not plain UTF-8 text: UTF-8 with a byte-order mark,
    or UTF-16/32 (with a mark, or without: NUL bytes beside ASCII ones); None otherwise."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return f"{name} with a byte-order mark" if name == "UTF-8" else f"{name} text"
    head = data[:2]
    if len(head) == 2 and (head[0] == 0) != (head[1] == 0):
        return "UTF-16-BE text" if head[0] == 0 else "UTF-16-LE text"
    return None


def not_a_file(path: str | Path) -> str:
    """Why `path` cannot be read as a file, to follow a noun in a message ("image not found"):
    not found, a folder, a broken link, a symbolic link loop, a named pipe (FIFO), a socket or a
    device (reading these would block, or never end)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "is a symbolic link to a missing file" if path.is_symlink() else "not found"
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "is a symbolic link loop (following it leads back to itself)"
        return f"cannot be read: {e.strerror or e}"
    if stat.S_ISDIR(mode):
        return "is a folder, expected a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file: pgeval reads whole files"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    return "is not a regular file"


def check_file(path: str | Path, what: str = "file", **where: Any) -> Path:
    """`path` when it is a regular file (or a link to one); otherwise an InputError saying what
    it is instead (pgeval.io.not_a_file), naming `what` it should be (the path, and `where` it
    was named: line, example_id, hint)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} {not_a_file(path)}", **{"path": str(path), **where})
    return path


def read_text(path: Path, *, utf8_bom: bool = False) -> str:
    """A text input file's contents. Every reader of input files (JSON, JSONL, TOML, CSV) goes
    through here, so each problem reads the same: a missing file, a folder, a byte-order mark or
    UTF-16 text (to be saved as UTF-8), bytes that are not UTF-8 (with the line).

    `utf8_bom`: the format's official files begin with a UTF-8 byte-order mark (the ICDAR Robust
    Reading ground truth does), so one is accepted and dropped; UTF-16/32 are still refused."""
    check_file(path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read the file: {e.strerror or e}", path=str(path)) from None
    if utf8_bom and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    encoding = _not_utf8(data)
    if encoding:
        raise InputError(f"the file is {encoding}, pgeval reads UTF-8", path=str(path),
                         hint=SAVE_AS_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text: byte {e.start} is {data[e.start:e.start + 1]!r}",
                         path=str(path), line=data.count(b"\n", 0, e.start) + 1,
                         hint=SAVE_AS_UTF8) from None


# A \uXXXX escape of a UTF-16 surrogate that is not half of a pair: JSON parses it, but it is not
# a character, and no UTF-8 file can hold it.
LONE_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|"
                            r"(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def _loads(text: str, path: Path, line: int | None = None, hint: str | None = None) -> Any:
    """The JSON value of a file's text, or of its line `line` (JSON Lines): a syntax error, nesting
    too deep for the parser, or a string holding a lone surrogate is an error naming the line."""
    first_line = line or 1
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"malformed JSON: {e.msg} (column {e.colno})", path=str(path),
                         line=first_line + e.lineno - 1, hint=hint) from None
    except RecursionError:
        raise InputError("JSON nested too deeply to read (thousands of brackets)", path=str(path),
                         line=line,
                         hint="write the data flat: lists of objects of strings and numbers") from None
    lone = LONE_SURROGATE.search(text)
    if lone is not None:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(f"the string escape {lone[0]} is half of a UTF-16 surrogate pair, not "
                             "a character", path=str(path),
                             line=first_line + text.count("\n", 0, lone.start()),
                             hint="fix the program that wrote the file so it writes whole "
                                  "characters (e.g. text.encode('utf-8', 'replace'))") from None
    return value


def read_json(path: Path) -> Any:
    """Parse a JSON file; an empty file or a syntax error names the file (and line and column)."""
    text = read_text(path)
    if not text.strip():
        raise InputError("empty file, expected a JSON document", path=str(path))
    return _loads(text, path)


def read_jsonl(path: Path, keep: Callable[[str], bool] | None = None, *, objects: bool = False,
               allow_empty: bool = False) -> list[tuple[int, Any]]:
    """The (line number, value) of each line of a JSON Lines file (data, predictions, runs,
    scores), blank lines skipped; malformed JSON is an error naming the file and the line. The
    whole file is parsed first, so a malformed line is reported before what a caller checks.

    `keep`, when given, picks the lines worth decoding from their raw text (a fast filter over
    a large file, e.g. one split out of PubTabNet's single file). `objects`: a line that is not
    a JSON object is an error. A file without any line is an error, unless `allow_empty` (a
    run's partial predictions, before its first batch).
    """
    rows, lines = [], 0
    for lineno, line in enumerate(read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        lines += 1
        if keep is not None and not keep(line):
            continue
        rows.append((lineno, _loads(line, path, lineno,
                                    hint="JSON Lines: one complete JSON value per line")))
    if not lines and not allow_empty:
        raise InputError("empty file, expected one JSON object per line", path=str(path))
    if objects:
        not_object = next((n for n, value in rows if not isinstance(value, dict)), None)
        if not_object is not None:
            raise InputError("each line must be a JSON object", path=str(path), line=not_object)
    return rows


def atomic_write_text(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so readers never see half a file; a failed
    write (a full disk) leaves the previous file as it was and raises a WriteError."""
    data = text.encode("utf-8")  # before the temporary file exists: text that is not UTF-8 leaves none
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise WriteError(str(path), e, kept="the file is as it was before; free space (or fix "
                         "the disk) and rerun the same command") from None
    except BaseException:  # an interrupt: no temporary file is left behind
        tmp.unlink(missing_ok=True)
        raise


def output_folder(path: str | Path, option: str, file: str | Path | None = None) -> Path:
    """Create the folder that the command-line `option` writes into (with its parents), or that
    holds its output `file`. A file in the way, or a folder that cannot be created, is an
    InputError naming the output."""
    path = Path(path)
    where = str(file if file is not None else path)
    blocker = next((p for p in (path, *path.parents) if p.exists()), path)
    if blocker.exists() and not blocker.is_dir():
        problem = (f"{option} must be a folder, this is a file" if blocker == path and file is None
                   else f"cannot write {option}: {blocker} is a file, not a folder")
        raise InputError(problem, path=where, hint=f"pass another {option}, or move the file away")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create the folder of {option}: {e.strerror or e}",
                         path=str(e.filename or where),
                         hint=f"pass an {option} in a folder you can write") from None
    return path


def natural_key(name: str) -> list[int | str]:
    """Sort key that orders numbered names as numbers: frame_2 before frame_10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


LOG_EVERY_S = 10.0  # how often a progress bar writes a line when stderr is not a terminal


class _Lines:
    """A text stream for a progress bar writing where no terminal redraws it (a CI log, a SLURM
    output file): each redraw (carriage return, bar, padding) becomes one line of its own."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").rstrip()
        if text:
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(iterable: Iterable | None = None, **options: Any) -> Any:
    """A tqdm progress bar on stderr (tqdm's `options`): redrawn in place on a terminal; anywhere
    else one line every LOG_EVERY_S seconds, and the last, instead of one line that grows by a
    redraw at every update."""
    from tqdm import tqdm

    if sys.stderr.isatty():
        return tqdm(iterable, dynamic_ncols=True, **options)
    return tqdm(iterable, file=_Lines(sys.stderr), mininterval=LOG_EVERY_S, ncols=100, **options)


def file_sha256(path: Path) -> str:
    """A file's hex digest, read in 16 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()
