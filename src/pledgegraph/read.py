"""Reads a source file (plain text or PDF) into a Document: regions, paragraphs and sentences with exact offsets."""

from __future__ import annotations

import codecs
import errno
import hashlib
import itertools
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

# What a letter is, by size and shape. The limits are far above any real letter so that none is ever
# refused, and far below what makes a build slow: the seed letter (a full letter with its annex) is
# 7.8 KB with 29 statements, 20 of them pledges, and its longest line is 88 characters; the fixture
# letters are excerpts of at most 2,000 characters, often on one line, as web copies print them.
MAX_BYTES = 5 * 1024 * 1024
"""A candidature letter with its annex is a few dozen kilobytes; far larger files are not letters."""
MAX_LINE_CHARS = 200_000
"""A whole letter on one line (a web copy) is a few pages, 2,000-40,000 characters; a line over this
is not a letter's text but a dump, and reading it is what makes a build slow."""
MAX_STATEMENTS = 500
"""Pledges, contributions and claims of one letter: a few dozen in a real one (the seed has 29)."""

SOURCE_SECONDS = 30
"""Reading and extracting one source in-process: a real letter takes 10-50 ms, the slowest text
allowed (MAX_BYTES written to be slow: 450,000 resolution symbols) 15-20 s; past this it is refused."""
PDF_SECONDS = 30
"""Wall-clock limit on extracting one PDF's text in its own process (a real letter: under a second)."""
PDF_MEMORY_MIB = 512
"""Address-space limit of that process: a real letter's PDF needs under 100 MiB."""
PDF_STREAM_BYTES = 16 * 1024 * 1024
"""pypdf's limit on one decompressed stream (its default is 75 MB): a letter page's content stream
is tens of kilobytes, and decompression bombs are what need more."""


class ReadError(Exception):
    """A source that cannot be read as a letter; the message names the problem, the caller the file.

    `lasting` is False when the failure may not recur (a time or memory limit on a busy machine, an
    unexpected error): such a result is not kept in the cache.
    """

    def __init__(self, message: str, *, lasting: bool = True) -> None:
        super().__init__(message)
        self.lasting = lasting


class TimeLimitExceeded(BaseException):
    """Raised in the main thread when reading one source outlasts its limit.

    A BaseException, so that no `except Exception` on the way can swallow it and let the work run on.
    """


@contextmanager
def time_limit(seconds: float, message: str) -> Iterator[None]:
    """Interrupt the block with TimeLimitExceeded(message) after `seconds` of wall-clock time.

    An interval timer and SIGALRM: Python code and the regex engine both check for signals, so a
    runaway pattern stops too. Signals reach only the main thread; elsewhere the block runs unlimited.
    A timer already running (a test runner's) is left to fire first when it is due sooner, and is
    set going again afterwards with the time it had left.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
        or seconds <= 0
    ):
        yield
        return
    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    if 0 < outer <= seconds:
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(message)

    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))


# --------------------------------------------------------------------------------------------------
# The normalised view: one space for every run of white space, straight quotes, ASCII hyphens, and a
# map from each normalised character back to the original text so that every match has exact offsets.

_CHAR_MAP = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4`", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys("\ufb01", "fi"),
    **dict.fromkeys("\ufb02", "fl"),
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\ufeff", ""),
}


_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
_OCR_RUN = re.compile(r"[\dOoIl|]+")  # a run of digits and the letters scans read for them
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")
_DIGIT_OR_BAR = re.compile(r"[\d|]")
_OCR_LETTER = re.compile(r"[OoIl|]")


def _mend_ocr_digits(chars: list[str]) -> None:
    r"""Scans read 0 as O and 1 as l inside numbers ("2O1O", "6l/180"): mend tokens with two digits or more.

    One pass over the runs of digits and look-alike letters, each run looked at a bounded number of
    times, so the work is linear in the text. It mends what the pattern
    `(?<![A-Za-z])(?=[\dOoIl|]*\d[\dOoIl|]*\d)[\dOoIl|]*[OoIl|][\dOoIl|]*(?![A-Za-z])` matches (the
    tests hold it to that), which is quadratic: its look-ahead scans the rest of the run from every
    start, 52 s for a letter followed by 40,000 digits.
    """
    text = "".join(chars)
    for run in _OCR_RUN.finditer(text):
        span = _ocr_number(text, run.start(), run.end())
        if span is not None:
            for i in range(*span):
                chars[i] = chars[i].translate(_OCR_DIGITS)


def _ocr_number(text: str, s: int, e: int) -> tuple[int, int] | None:
    """The span the pattern above matches in the run text[s:e], if any (there is at most one).

    A match starts at the first position not preceded by an ASCII letter: the run's start, or else
    just after its first digit or bar. From there it needs two digits and a look-alike letter, and
    ends as late as it can before anything but an ASCII letter: the run's end, or else its last digit
    or bar. Should it fail at that start, it fails at every later one (fewer digits, no earlier letter).
    """
    if s > 0 and _ASCII_LETTER.match(text, s - 1):
        first = _DIGIT_OR_BAR.search(text, s, e)
        if first is None:
            return None
        start = first.start() + 1
    else:
        start = s
    if e < len(text) and _ASCII_LETTER.match(text, e):
        end = max((m.start() for m in _DIGIT_OR_BAR.finditer(text, start, e)), default=start)
    else:
        end = e
    letter = _OCR_LETTER.search(text, start, e)
    if letter is None or letter.start() >= end:
        return None
    digits = _DIGIT.finditer(text, start, e)
    if next(digits, None) is None or next(digits, None) is None:
        return None
    return start, end


class NormText:
    """A normalised copy of a text, with the original offset of every character."""

    def __init__(self, text: str) -> None:
        chars: list[str] = []
        origin: list[int] = []
        pending_space = -1
        for i, ch in enumerate(text):
            if ch.isspace():
                if pending_space < 0:
                    pending_space = i
                continue
            if pending_space >= 0:
                if chars:
                    chars.append(" ")
                    origin.append(pending_space)
                pending_space = -1
            rep = _CHAR_MAP.get(ch, ch)
            for r in rep:
                chars.append(r)
                origin.append(i)
        _mend_ocr_digits(chars)
        self.text = "".join(chars)
        self.origin = origin
        self.source = text

    def to_source(self, begin: int, end: int) -> tuple[int, int]:
        """Original (begin, end) of the normalised span [begin, end)."""
        if end <= begin:
            pos = self.origin[begin] if begin < len(self.origin) else len(self.source)
            return pos, pos
        return self.origin[begin], self.origin[end - 1] + 1

    def from_source(self, pos: int) -> int:
        """The first normalised index at or after an original offset."""
        return bisect_right(self.origin, pos - 1)


# --------------------------------------------------------------------------------------------------
# Dates and names that several steps need.

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}
MONTH_RE = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({MONTH_RE}),?\s+((?:19|20)\d\d)\b", re.I
)
MONTH_DAY_YEAR = re.compile(rf"\b({MONTH_RE})\s+(\d{{1,2}}),\s*((?:19|20)\d\d)\b", re.I)
MONTH_YEAR = re.compile(rf"\b({MONTH_RE})\s+((?:19|20)\d\d)\b", re.I)


def parse_date(text: str) -> str | None:
    """ISO date (YYYY-MM-DD) of the first full date in text, in either English order."""
    m = DAY_MONTH_YEAR.search(text)
    if m:
        return _iso(m.group(3), m.group(2), m.group(1))
    m = MONTH_DAY_YEAR.search(text)
    if m:
        return _iso(m.group(3), m.group(1), m.group(2))
    return None


def _iso(year: str, month: str, day: str) -> str | None:
    import datetime

    try:
        d = datetime.date(int(year), MONTHS[month.lower()], int(day))
    except ValueError:
        return None
    return d.isoformat()


# --------------------------------------------------------------------------------------------------
# Page furniture: what UN documents and web copies put around the letter. Matched on the normalised text.

_LANG = r"(?:English|French|Spanish|Arabic|Chinese|Russian)"
FURNITURE = [
    re.compile(
        r"\bDistr\.?\s*:\s*(?:General|Limited|Restricted)(?:\s+\d{1,2}\s+"
        + MONTH_RE
        + r"\s+\d{4})?",
        re.I,
    ),
    re.compile(rf"(?:\b{_LANG}\s+)?\bOriginal\s*:\s*{_LANG}(?:\s*/\s*{_LANG})*", re.I),
    re.compile(rf"\[\s*Original\s*:\s*{_LANG}\s*\]", re.I),
    re.compile(r"\b\d{2}-\d{5}\s*\([A-Z]\)(?:\s+\d{6}){0,3}"),  # job number with print dates
    re.compile(r"\*\s?\d{7,8}\s?\*"),  # barcode
    re.compile(r"(?<![\w/])\*\s+A/\d+/\d+(?:/[\w.]+)?\.?"),  # footnote giving the preliminary list
    re.compile(r"(?<![\w/])\*\s+Reissued for technical reasons\.?", re.I),
    re.compile(r"(?<![\w/])\*\s+(?:Second|Third)?\s*[Rr]eissued? .*?reasons\.?"),
    re.compile(r"\bPlease recycle\b\W?", re.I),
    re.compile(r"\bTotal Page\s*:\s*\d+", re.I),
    re.compile(r"\bFile Type\s*:\s*\w+\s*,\s*Size\s*:\s*[\d.,]+\s*[KMG]?b\b", re.I),
    re.compile(r"\bPowered By Docstoc\b|\bDocument Sample\b|\badvertisement\b", re.I),
    re.compile(
        r"(?<![\w/])\d{1,2}\s*/\s*\d{1,2}(?=\s+\d{2}-\d{5})"
    ),  # page "2/5" before a job number
]
SYMBOL_RE = re.compile(
    r"(?<![\w/])(A/(?:HRC/)?\d{2}/\d{1,4}(?:/(?:Rev|Corr|Add)\.\d+)*)(\*)?(?![\w/])"
)


@dataclass(frozen=True)
class Span:
    begin: int
    end: int


@dataclass
class Paragraph:
    begin: int
    end: int
    region: str


@dataclass
class Sentence:
    begin: int
    end: int
    region: str
    paragraph: int
    text: str


@dataclass
class Document:
    """A letter's text with its structure. All offsets index `text`, the source decoded as UTF-8."""

    name: str
    text: str
    media_type: str = "text/plain"
    regions: dict[str, Span] = field(default_factory=dict)
    furniture: list[Span] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)

    @cached_property
    def norm(self) -> NormText:
        return NormText(self.text)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @cached_property
    def _furniture_reach(self) -> tuple[list[int], list[int]]:
        """For the furniture sorted by start: the starts, and the index of the span reaching furthest
        among each one and those before it (so one bisect tells whether a position is covered)."""
        starts = [f.begin for f in self.furniture]
        furthest: list[int] = []
        best = -1
        for i, f in enumerate(self.furniture):
            if best < 0 or f.end > self.furniture[best].end:
                best = i
            furthest.append(best)
        return starts, furthest

    def covering_furniture(self, pos: int) -> Span | None:
        """A furniture span that covers pos (the one reaching furthest), or None: O(log n)."""
        starts, furthest = self._furniture_reach
        i = bisect_right(starts, pos) - 1
        if i < 0:
            return None
        span = self.furniture[furthest[i]]
        return span if span.end > pos else None

    def __getstate__(self) -> dict[str, object]:
        # The normalised view is rebuilt on demand: pickling its offset table would triple the cache.
        state = dict(self.__dict__)
        state.pop("norm", None)
        state.pop("_furniture_reach", None)
        return state

    def region_norm(self, name: str) -> tuple[str, int]:
        """The normalised text of a region and the normalised offset where it starts."""
        span = self.regions.get(name)
        if span is None:
            return "", 0
        a, b = self.norm.from_source(span.begin), self.norm.from_source(span.end)
        return self.norm.text[a:b], a

    def is_furniture(self, pos: int) -> bool:
        return self.covering_furniture(pos) is not None


# --------------------------------------------------------------------------------------------------
# Opening: a source is looked at (stat) before it is opened, and opened only when it is a regular file
# of a letter's size, so that neither a FIFO nor a device nor a huge file is ever read.


def path_problem(path: Path, error: OSError) -> str:
    """What keeps a path from being read, in words: missing, a broken link, a link loop, no permission."""
    if error.errno == errno.ELOOP:
        return "symbolic link loop: the link leads back to itself"
    if error.errno == errno.ENOENT:
        try:
            target = os.readlink(path)
        except OSError:
            return "no such file or folder"
        return f"broken symbolic link (to {_printable(target)}, which does not exist)"
    if error.errno == errno.ENOTDIR:
        return "no such file or folder (a part of the path is a file, not a folder)"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return f"cannot read: {error.strerror or error}"


def kind_problem(mode: int) -> str | None:
    """Why a file of this kind (from stat) is not read as a source; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file: not read"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file: not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file: not read"
    return "not a regular file: not read"


def _too_large(size: int) -> ReadError:
    return ReadError(
        f"file too large ({size / 1e6:.1f} MB; a letter with its annex is well under "
        f"{MAX_BYTES // (1024 * 1024)} MB)"
    )


def source_bytes(path: Path) -> bytes:
    """The bytes of a source file, refused before a byte is read when it is not a file of a letter's size."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise ReadError(path_problem(path, e)) from None
    if (problem := kind_problem(st.st_mode)) is not None:
        raise ReadError(problem)
    if st.st_size > MAX_BYTES:
        raise _too_large(st.st_size)
    # Non-blocking, and checked again on the open file: the path may have been swapped for a FIFO.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise ReadError(path_problem(path, e)) from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if (problem := kind_problem(st.st_mode)) is not None:
            raise ReadError(problem)
        try:
            data = f.read(MAX_BYTES + 1)
        except OSError as e:
            raise ReadError(f"cannot read: {e.strerror or e}") from None
    if len(data) > MAX_BYTES:  # it grew since stat
        raise _too_large(len(data))
    return data


# --------------------------------------------------------------------------------------------------
# Decoding

# Byte-order marks, the four-byte ones first: UTF-32-LE's mark begins with UTF-16-LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)

# What XML 1.0 (RDF/XML), and so any serialisation of the graph, cannot carry: C0 controls other than
# tab, line feed and carriage return, lone surrogates (a PDF's broken font map can yield them) and
# the non-characters U+FFFE/U+FFFF. The separators among the controls (vertical tab, form feed, the
# file/group/record/unit separators) become a line break, so that words on either side stay apart.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_AS_LINE_BREAK = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f")


def _replacement(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _AS_LINE_BREAK:
        return "\n"
    return "\ufffd" if "\ud800" <= ch <= "\udfff" else ""


def clean_text(text: str) -> str:
    """The text without the characters no RDF serialisation can carry (see _UNWANTED).

    Applied to every source as read, before it is structured: offsets index the cleaned text, which
    is the text kept in the build's sources/ folder.
    """
    if _UNWANTED.search(text) is None:
        return text
    return _UNWANTED.sub(_replacement, text)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of a source's bytes and its media type; ReadError when it is not a readable letter.

    Text is UTF-8, with or without a byte-order mark, or UTF-16 or UTF-32 with one (the mark is not
    part of the text). The text is cleaned (clean_text) and must have a letter's shape (check_shape).
    """
    if len(data) > MAX_BYTES:
        raise _too_large(len(data))
    if data.startswith(b"%PDF-"):
        text, media = pdf_text(data), "application/pdf"
    else:
        text, media = _decode_text(data), "text/plain"
    text = clean_text(text)
    check_shape(text)
    return text, media


def _decode_text(data: bytes) -> str:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as e:
                raise ReadError(
                    f"not {label}, although it begins with a {label} byte-order mark: "
                    f"bad bytes at offset {e.start + len(bom)}"
                ) from None
            break
    else:
        if not data.strip():
            raise ReadError("empty file: no text to read")
        head = data[:65536]
        if b"\x00" in head:
            hint = ""
            if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
                hint = " (UTF-16 without a byte-order mark? save it as UTF-8)"
            raise ReadError(f"binary file (NUL bytes): not a text or PDF letter{hint}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            byte = data[e.start]
            hint = ""
            if byte in (0x91, 0x92, 0x93, 0x94, 0x96, 0x97) or 0xA0 <= byte <= 0xFF:
                hint = "; it looks like Windows-1252 or Latin-1: convert it, e.g. `iconv -f cp1252 -t utf-8`"
            raise ReadError(f"not UTF-8: byte 0x{byte:02x} at offset {e.start}{hint}") from None
    if not text.strip():
        raise ReadError("empty file: no text to read")
    controls = sum(1 for c in text[:65536] if ord(c) < 32 and c not in "\t\n\r\f\v")
    if controls > max(8, len(text[:65536]) // 100):
        raise ReadError("binary file (control characters): not a text letter")
    return text


def check_shape(text: str) -> None:
    """Refuse a text that is not a letter by its shape: a line longer than any letter (MAX_LINE_CHARS)."""
    longest = max(map(len, text.splitlines()), default=0)
    if longest > MAX_LINE_CHARS:
        raise ReadError(
            f"not a letter by its shape: a line of {longest:,} characters (a whole letter on one "
            f"line is a few tens of thousands; the limit is {MAX_LINE_CHARS:,})"
        )


def check_statements(count: int) -> None:
    """Refuse an extraction with more statements than any letter holds (MAX_STATEMENTS)."""
    if count > MAX_STATEMENTS:
        raise ReadError(
            f"not a letter by its shape: {count:,} pledges, contributions and claims (a letter "
            f"has a few dozen; the limit is {MAX_STATEMENTS:,})"
        )


# --------------------------------------------------------------------------------------------------
# PDF: pypdf runs in a child process under a time and a memory limit, so that a decompression bomb,
# a deeply nested object or a bug in the parser is that PDF's error, never the build's.


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, page after page, extracted in a child process (PDF_SECONDS, PDF_MEMORY_MIB)."""
    package_parent = str(Path(__file__).resolve().parents[1])
    # -I: the child ignores the working folder and PYTHONPATH (no module planted there is imported).
    code = (
        f"import sys; sys.path.insert(0, {package_parent!r}); "
        f"from pledgegraph.read import _pdf_child; _pdf_child({PDF_MEMORY_MIB}, {PDF_SECONDS})"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", code],
            input=data,
            capture_output=True,
            timeout=PDF_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _too_slow() from None
    except OSError as e:
        raise ReadError(f"cannot start the PDF reader: {e}", lasting=False) from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and isinstance(answer.get("text"), str):
        return answer["text"]
    if isinstance(answer, dict) and isinstance(answer.get("error"), str):
        raise ReadError(answer["error"], lasting=bool(answer.get("lasting", True)))
    died_of = _signal_name(-done.returncode) if done.returncode < 0 else None
    if died_of == "SIGXCPU":  # its CPU-time backstop
        raise _too_slow()
    if b"MemoryError" in done.stderr or died_of == "SIGKILL":  # SIGKILL: the kernel's OOM killer
        raise ReadError(_memory_message(PDF_MEMORY_MIB), lasting=False)
    how = f"signal {died_of}" if died_of else f"exit status {done.returncode}"
    raise ReadError(f"the PDF reader failed on it ({how}): a damaged PDF?", lasting=False)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _too_slow() -> ReadError:
    return ReadError(
        f"PDF text extraction took longer than {PDF_SECONDS} s (a damaged or hostile PDF?)",
        lasting=False,
    )


def _memory_message(mib: int) -> str:
    return (
        f"PDF text extraction needed more than {mib} MiB (a decompression bomb or a damaged PDF?)"
    )


def _pdf_child(memory_mib: int, seconds: float) -> None:
    """The child process: a PDF on stdin, {"text": ...} or {"error": ..., "lasting": ...} as JSON on stdout."""
    _limit_this_process(memory_mib, seconds)
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    answer: dict[str, object]
    try:
        answer = {"text": _pdf_text_here(data)}
    except ReadError as e:
        answer = {"error": str(e), "lasting": e.lasting}
    except MemoryError:
        answer = {"error": _memory_message(memory_mib), "lasting": False}
    except RecursionError:
        answer = {"error": "damaged PDF: objects nested too deeply to read"}
    except Exception as e:  # whatever a hostile file makes the parser raise is that file's error
        answer = {"error": f"damaged PDF: {describe_error(e)}"}
    sys.stdout.write(
        json.dumps(answer)
    )  # ASCII escapes carry lone surrogates; clean_text mends them
    sys.stdout.flush()


def _limit_this_process(memory_mib: int, seconds: float) -> None:
    try:
        import resource
    except ImportError:  # not on this platform: the parent's wall-clock limit still holds
        return
    memory = memory_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # CPU time as a backstop should the parent die and its timer with it.
    cpu = int(seconds) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None).prctl(pr_set_pdeathsig, 9)  # SIGKILL when the parent dies
        except (OSError, AttributeError):
            pass


def describe_error(error: BaseException) -> str:
    """An exception as one short printable line (its text may carry bytes of the hostile file)."""
    return _printable(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)


def _printable(text: str, limit: int = 160) -> str:
    """One short line with nothing a terminal would act on (escape sequences, line breaks)."""
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pdf_text_here(data: bytes) -> str:
    import io
    import logging
    import warnings

    import pypdf
    from pypdf.errors import DependencyError, LimitReachedError

    logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)
    warnings.simplefilter("ignore")
    pypdf.overwrite_configuration(
        jbig2dec_binary=None,  # never run an external program on a hostile file
        maximum_declared_stream_length=PDF_STREAM_BYTES,
        array_based_stream_maximum_output_length=PDF_STREAM_BYTES,
        jbig2_maximum_output_length=PDF_STREAM_BYTES,
        lzw_maximum_output_length=PDF_STREAM_BYTES,
        run_length_maximum_output_length=PDF_STREAM_BYTES,
        zlib_maximum_output_length=PDF_STREAM_BYTES,
        brotli_maximum_output_length=PDF_STREAM_BYTES,
    )
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            # Most "protected" PDFs only restrict printing or copying and open with the empty
            # password; one that needs a password to open cannot be read without it.
            raise ReadError(
                "encrypted PDF that needs a password to open: decrypt it first "
                "(e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`)"
            )
        pages: list[str] = []
        size = 0
        for page in reader.pages:
            pages.append((page.extract_text() or "").rstrip())
            size += len(pages[-1])
            if size > MAX_BYTES:
                raise ReadError(
                    f"PDF with more than {MAX_BYTES:,} characters of text: not a letter"
                )
    except DependencyError as e:
        raise ReadError(f"cannot read this PDF: {describe_error(e)}") from None
    except LimitReachedError as e:
        raise ReadError(
            "PDF beyond the reader's safety limits (a decompression bomb? a stream may decompress "
            f"to {PDF_STREAM_BYTES // (1024 * 1024)} MiB at most): {describe_error(e)}"
        ) from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise ReadError(
            "PDF without a text layer (a scan?): run OCR on it first, then build the text"
        )
    return text + "\n"


def read_text(path: Path) -> tuple[str, str]:
    """The cleaned text of a source file and its media type (see source_bytes and decode)."""
    return decode(source_bytes(path), path.name)


def read_path(path: Path) -> Document:
    """Read and structure one source file."""
    text, media = read_text(path)
    return structure(text, path.name, media)


# --------------------------------------------------------------------------------------------------
# Structure

TITLE_RE = re.compile(
    r"(?P<annex>Annex(?:\s+[IVX]+)?\s+to\s+the\s+)?"
    r"(?P<kind>(?:Identical\s+)?letters?|note\s+verbale)\s+dated\s+(?P<date>"
    + r"\d{1,2}(?:st|nd|rd|th)?\s+"
    + MONTH_RE
    + r",?\s+\d{4}|"
    + MONTH_RE
    + r"\s+\d{1,2},\s*\d{4})"
    r"\s+from\s+the\s+(?P<sender>.{3,160}?)\s+addressed\s+to\s+the\s+(?P<addressee>"
    r"President\s+of\s+the\s+General\s+Assembly|Secretary-General(?:\s+of\s+the\s+United\s+Nations)?"
    r"|Secretariat(?:\s+of\s+the\s+United\s+Nations)?"
    r"|President\s+of\s+the\s+Human\s+Rights\s+Council)",
    re.I,
)
SIGNED_RE = re.compile(r"\(\s*Signed\s*\)|\bSigned\s*:", re.I)
ANNEX_HEADINGS = [
    re.compile(
        r"Annex(?:\s+[IVX]+)?\s+to\s+the\s+(?:letter|note\s+verbale|identical\s+letters)", re.I
    ),
    re.compile(
        r"(?<!\ban\s)(?<!\bthe\s)(?<!\bwith\s)(?<!\bits\s)(?<!\bhis\s)(?<!herewith\s)(?<!attached\s)"
        r"(?<!enclosed\s)(?<!\ban\s\s)\bAide[-\s]?[Mm][ée]moire\b(?!\s+(?:on|containing|setting|with)\b)"
    ),
    re.compile(
        r"(?:^|(?<=[.!?:]\s)|(?<=\n))\s*(?:Updated\s+)?Voluntary\s+pledges\s+and\s+commitments\b",
        re.M,
    ),
]
"""Where an annex begins, most certain first: its heading, an aide-memoire, a pledges heading."""
COMPLIMENTARY_CLOSE_RE = re.compile(
    r"avails\s+itself\s+of\s+this\s+opportunity.*?consideration\.?", re.I
)


def structure(text: str, name: str, media_type: str = "text/plain") -> Document:
    """Find the regions, paragraphs and sentences of a letter's text."""
    doc = Document(name=name, text=text, media_type=media_type)
    norm = doc.norm
    nt = norm.text

    for pattern in FURNITURE:
        for m in pattern.finditer(nt):
            doc.furniture.append(Span(*norm.to_source(m.start(), m.end())))
    # The document symbol repeats at the top of each page; every occurrence is furniture.
    for m in SYMBOL_RE.finditer(nt):
        before = nt[max(0, m.start() - 40) : m.start()]
        if not re.search(r"(?:resolution|decision|document|see|in|and|,)\s*$", before, re.I):
            doc.furniture.append(Span(*norm.to_source(m.start(), m.end())))
    doc.furniture.sort(key=lambda s: (s.begin, s.end))

    titles = [m for m in TITLE_RE.finditer(nt) if not m.group("annex")]
    title = titles[0] if titles else None
    after = title.end() if title else 0
    annex_starts = []
    for heading in ANNEX_HEADINGS:
        annex_starts = [m.start() for m in heading.finditer(nt, after)]
        if annex_starts:
            break
    end = len(nt)
    body_start = title.end() if title else 0
    signed = next((m for m in SIGNED_RE.finditer(nt) if m.start() >= body_start), None)
    annex_start = annex_starts[0] if annex_starts else None
    if annex_start is not None and signed is not None and signed.start() > annex_start:
        # A signature after the annex heading belongs to the annex's end, not the letter's.
        signed = None
    body_end = min(
        x for x in (signed.start() if signed else None, annex_start, end) if x is not None
    )

    def put(region: str, a: int, b: int) -> None:
        if b > a:
            doc.regions[region] = Span(*norm.to_source(a, b))

    if title:
        put("header", 0, title.start())
        put("title", title.start(), title.end())
    put("body", body_start, body_end)
    if signed:
        sig_end = annex_start if annex_start is not None else min(end, signed.end() + 200)
        put("signature", signed.start(), sig_end)
    if annex_start is not None:
        put("annex", annex_start, end)

    _paragraphs_and_sentences(doc)
    return doc


_PARA_BREAK = re.compile(
    r"\n[ \t\f\v\r]*\n|(?<=[.:;!?\"”'’)])[ \t]*\r?\n(?=[ \t]+\S)|\r?\n(?=[ \t]*\d{1,2}\.(?:\s|$))"
)
_NUMBER_MARK = re.compile(
    # No "^": match(text, pos) anchors at pos, and "^" would only match at the text's very start.
    r"\s*(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s+|\s*\([a-z0-9]{1,3}\)\s+|\s*[•·▪\-–]\s+"
)
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|No|Nos|St|Art|Arts|para|paras|vol|p|pp|e\.g|i\.e|etc|cf|H\.E|U\.N|U\.S|Inc|Co|Rev|Corr|Add|Sect|Ch|Fig|approx|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z])$"
)


def _paragraphs_and_sentences(doc: Document) -> None:
    text = doc.text
    for region in ("body", "annex"):
        span = doc.regions.get(region)
        if span is None:
            continue
        starts = [span.begin]
        starts += [m.end() for m in _PARA_BREAK.finditer(text, span.begin, span.end)]
        starts.append(span.end)
        for a, b in itertools.pairwise(starts):
            a, b = _trim(text, a, b)
            if b <= a:
                continue
            doc.paragraphs.append(Paragraph(a, b, region))
    doc.paragraphs.sort(key=lambda p: p.begin)
    for index, para in enumerate(doc.paragraphs):
        for a, b in _split_sentences(doc, para.begin, para.end):
            doc.sentences.append(Sentence(a, b, para.region, index, text[a:b]))


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    m = _NUMBER_MARK.match(text, a, b)
    if m and m.end() < b:
        a = m.end()
    return a, b


_SENT_END = re.compile(r"[.!?](?:[\"”’')\]]+)?(?=\s+(?:[\"“‘(]?[A-Z0-9]))")


def _split_sentences(doc: Document, a: int, b: int) -> list[tuple[int, int]]:
    """Sentence spans of [a, b): split after . ! ? before a capital, not after abbreviations or furniture."""
    text = doc.text
    out: list[tuple[int, int]] = []
    start = a
    for m in _SENT_END.finditer(text, a, b):
        stop = m.end()
        head = text[max(start, m.start() - 12) : m.start()]
        if text[m.start()] == "." and _ABBREV.search(head):
            continue
        if doc.is_furniture(m.start()):
            continue
        out.append((start, stop))
        start = stop
    out.append((start, b))
    result = []
    for s, e in out:
        s, e = _strip_furniture(doc, *_trim(text, s, e))
        if e > s and any(c.isalpha() for c in text[s:e]):
            result.append((s, e))
    return result


def _strip_furniture(doc: Document, a: int, b: int) -> tuple[int, int]:
    """Drop page furniture and white space at the edges of a span (inside it, it stays: offsets must be exact).

    The span starts at the first position from `a` on that is neither furniture nor white space, and
    ends after the last such position before `b`; each step is a lookup in the furniture index, so a
    text full of furniture costs no more per sentence than a clean one.
    """
    text = doc.text
    while a < b:
        span = doc.covering_furniture(a)
        if span is not None:
            a = span.end
        elif text[a].isspace():
            a += 1
        else:
            break
    while b > a:
        span = doc.covering_furniture(b - 1)
        if span is not None:
            b = span.begin
        elif text[b - 1].isspace():
            b -= 1
        else:
            break
    return a, b
