"""The normalised view of a text: one space for every run of white space, straight quotes, ASCII hyphens,
numbers mended from OCR, and the original offset of every character."""

from __future__ import annotations

import re
from bisect import bisect_right

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
