"""Reading a claim: its clause in the sentence (bounded by pgl:clause-end cues), the numbers it
gives (pgl:cardinal), and the parts it asserts with the record's answer to each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..extract import lexicon
from .model import CONTRADICTED, NOT_CHECKABLE, SUPPORTED

_CLAUSE_END = lexicon.pattern("clause-end")
_CARDINALS = lexicon.cue_patterns("cardinal")


def cardinal(word: str | None) -> int | None:
    """The value of a number written as a word or in figures (the cardinals of the lexicon)."""
    if not word:
        return None
    for cue, rx in _CARDINALS:
        if rx.fullmatch(word):
            return int(cue.notation or 0)
    return None


@dataclass
class Part:
    """One thing a claim asserts, and what the record says of it (None: unknown)."""

    holds: bool | None
    text: str
    evidence: list[str] = field(default_factory=list)


def verdict(parts: list[Part]) -> str:
    if any(p.holds is False for p in parts):
        return CONTRADICTED
    if parts and all(p.holds for p in parts):
        return SUPPORTED
    return NOT_CHECKABLE


@dataclass
class Clause:
    """A clause of a sentence in the normalised text: the words before a cue and after it."""

    sentence: str
    start: int  # where the clause begins in the sentence
    cue_start: int
    cue_end: int
    end: int
    lead: int  # where the words joining it to the clause before begin ("and will ...")

    @property
    def head(self) -> str:
        """From the joining words to the cue: where a negation, future or condition would be."""
        return self.sentence[self.lead : self.cue_end]

    @property
    def subject(self) -> str:
        """The sentence before the cue: clauses joined by "and" share their subject."""
        return self.sentence[: self.cue_start]

    @property
    def tail(self) -> str:
        return self.sentence[self.cue_end : self.end]


def clauses(sentence: str, rx: re.Pattern[str]) -> Iterator[Clause]:
    """Each match of `rx` in its clause (bounded by pgl:clause-end cues)."""
    ends = [(m.start(), m.end()) for m in _CLAUSE_END.finditer(sentence)]
    for m in rx.finditer(sentence):
        lead, start = max(((s, e) for s, e in ends if e <= m.start()), default=(0, 0))
        end = min((s for s, e in ends if s >= m.end()), default=len(sentence))
        yield Clause(sentence, start, m.start(), m.end(), end, lead)
