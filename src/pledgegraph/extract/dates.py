"""Dates and ordinals as letters write them: the first date in a text, a session's ordinal number.

The date patterns and parse_date are the reader's (read.py); they are re-exported here so that the
extractor's modules take every date rule from this one place."""

from __future__ import annotations

import re

from ..read import DAY_MONTH_YEAR, MONTH_DAY_YEAR, MONTH_RE, MONTH_YEAR, MONTHS, parse_date

__all__ = [
    "DAY_MONTH_YEAR",
    "MONTHS",
    "MONTH_DAY_YEAR",
    "MONTH_RE",
    "MONTH_YEAR",
    "SESSION_WORD",
    "first_date",
    "ordinal_number",
    "parse_date",
]

WORD_NUMBERS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}  # fmt: skip
TENS = {"sixtieth": 60, "seventieth": 70, "eightieth": 80, "fiftieth": 50, "ninetieth": 90}
TENS_PREFIX = {"fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


def ordinal_number(word: str) -> int | None:
    """60th, sixtieth, sixty-first -> 60, 60, 61."""
    w = word.lower().strip()
    if m := re.fullmatch(r"(\d+)(?:st|nd|rd|th)", w):
        return int(m.group(1))
    if w in TENS:
        return TENS[w]
    m = re.fullmatch(r"(\w+)-(\w+)", w)
    if m and m.group(1) in TENS_PREFIX and m.group(2) in WORD_NUMBERS:
        return TENS_PREFIX[m.group(1)] + WORD_NUMBERS[m.group(2)]
    return None


SESSION_WORD = r"(\d{2}(?:st|nd|rd|th)|(?:fifty|sixty|seventy|eighty|ninety)-\w+|\w+tieth)"


def first_date(text: str) -> tuple[str, int, int] | None:
    """The first date in text, whichever way it is written: (ISO value as precise as given, start, end)."""
    best: tuple[str, int, int] | None = None
    for rx in (DAY_MONTH_YEAR, MONTH_DAY_YEAR, MONTH_YEAR):
        for d in rx.finditer(text):
            if best is not None and d.start() >= best[1]:
                break
            if rx is MONTH_YEAR:
                if best is not None and best[1] <= d.start() < best[2]:
                    continue  # the month and year of a full date already found
                value: str | None = f"{d.group(2)}-{MONTHS[d.group(1).lower()]:02d}"
            else:
                value = parse_date(d.group(0))
            if value:
                best = (value, d.start(), d.end())
                break
    return best
