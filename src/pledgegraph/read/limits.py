"""The limits of what a source may be and of the time reading it may take, and the error that names
a source's problem."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

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


def describe_error(error: BaseException) -> str:
    """An exception as one short printable line (its text may carry bytes of the hostile file)."""
    return printable(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)


def printable(text: str, limit: int = 160) -> str:
    """One short line with nothing a terminal would act on (escape sequences, line breaks)."""
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
