"""Scrutiny: each letter held against the record. Its claims are checked as of the letter's date, its
pledges followed up as of a reference date, and the candidate's record as of the letter's date kept
for its scorecard (`record` holds the rule for facts known by their year only)."""

from __future__ import annotations

import weakref
from typing import ClassVar

from ..extract import Extraction
from ..reference import Reference
from .claims import ClaimChecker
from .instruments import Instruments, Mention
from .model import (
    CONTRADICTED,
    FULFILLED,
    NOT_ASSESSED,
    NOT_CHECKABLE,
    NOT_FULFILLED,
    PENDING,
    SUPPORTED,
    ClaimCheck,
    FollowUp,
    Scrutiny,
    Standing,
)
from .pledges import FollowUps
from .record import Record

__all__ = [
    "CONTRADICTED",
    "FULFILLED",
    "NOT_ASSESSED",
    "NOT_CHECKABLE",
    "NOT_FULFILLED",
    "PENDING",
    "SUPPORTED",
    "ClaimCheck",
    "FollowUp",
    "Mention",
    "Record",
    "Scrutineer",
    "Scrutiny",
    "Standing",
]


class Scrutineer:
    """The record and the instruments' names, read once per build, and the reference date of the
    follow-ups (a build option, else the day as of which the record's lists are complete)."""

    _made: ClassVar[weakref.WeakKeyDictionary[Reference, dict[str | None, Scrutineer]]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, ref: Reference, as_of: str | None = None) -> None:
        self.ref = ref
        self.record = Record.of(ref)
        self.instruments = Instruments(self.record)
        self.as_of = as_of or self.record.default_as_of

    @classmethod
    def of(cls, ref: Reference, as_of: str | None = None) -> Scrutineer:
        """One per reference data and reference date (the record is read once)."""
        made = cls._made.setdefault(ref, {})
        if as_of not in made:
            made[as_of] = cls(ref, as_of)
        return made[as_of]

    def scrutinise(self, ex: Extraction) -> Scrutiny:
        c = ex.candidature
        names = self.ref.state_names(c.state_iso3 or "")
        election = self.ref.find_election(c.election, c.term_start, c.letter_date)
        claims = ClaimChecker(ex, self.record, self.instruments, names).check()
        follow_ups = FollowUps(ex, self.record, self.instruments, self.as_of, election).follow()
        return Scrutiny(claims, follow_ups, self.standing(c.state_iso3, c.letter_date))

    def standing(self, state: str | None, day: str | None) -> Standing | None:
        """The acts and memberships in force before the letter's date (the scorecard's facts)."""
        if not state or not day:
            return None
        out = Standing(day)
        for code in sorted(self.record.instruments):
            party = self.record.party(state, code, day)
            if party.act is not None and party.known:
                out.acts.append(party.act.iri)
            elif party.act is not None and party.known is None:
                out.acts_in_doubt.append(party.act.iri)
        out.terms = [m.iri for m in self.record.terms_begun(state, day)]
        return out
