"""The document model of a letter's text (regions, furniture, paragraphs, sentences, all with exact
offsets) and the patterns the reading steps share: dates, page furniture, UN document symbols."""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from .norm import NormText

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
