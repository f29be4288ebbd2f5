"""Claims of service on the Council, held against the membership and election record: "served on
the Council from 2015 to 2018", "a member since its establishment", "a current member", "was
elected in 2006"; service on a body the record does not hold (the Commission) is not checkable."""

from __future__ import annotations

import re

from ..extract import lexicon
from ..extract.statements import mentions_state
from .reading import Clause, Part
from .record import Record, before, human

_NOT_ASSERTED = lexicon.pattern("not-asserted")
_COUNCIL = lexicon.pattern("council-body")
_OTHER_BODY = lexicon.pattern("other-body")
_SERVICE_YEARS = lexicon.cue_patterns("service-years")
_COUNCIL_IN_CUE = re.compile(r"\b(?:Council|HRC)\b")  # "a Council member": the cue's own words
# Between a verb of service and the body: "served on the", "a member of the United Nations".
_LINK = re.compile(r"\s+(?:of|on|to|in)\s+")
_THE = re.compile(r"the\s+(?:United\s+Nations\s+|UN\s+)?")


class ServiceChecks:
    """The checks of claims of service (a part of ClaimChecker)."""

    record: Record
    state: str
    day: str | None
    names: list[str]

    def service(self, clause: Clause) -> tuple[str, int, list[Part], list[str]] | None:
        """A claim of service on the Council (or on a body the record does not hold)."""
        assert self.day
        s = clause.sentence
        if not mentions_state(s, self.names) or _NOT_ASSERTED.search(clause.head):
            return None
        around = s[clause.start : clause.end]
        # The body is named right after the cue ("served on the Council", "a member of the
        # Commission") or in it ("a Council member"): a body named elsewhere is not the one served on.
        cue = s[clause.cue_start : clause.cue_end]
        link = _LINK.match(s, clause.cue_end)
        at = [link.end()] if link else []
        if link and (the := _THE.match(s, link.end())):
            at.append(the.end())
        other = next((m for a in at if (m := _OTHER_BODY.match(s, a))), None)
        if other is not None:
            return (
                "other-body",
                clause.cue_start,
                [],
                [
                    f"the record holds the Council's memberships only, not those of the {other.group(0)}"
                ],
            )
        if not (any(_COUNCIL.match(s, a) for a in at) or _COUNCIL_IN_CUE.search(cue)):
            return None
        years = {}
        for _, rx in _SERVICE_YEARS:
            m = rx.search(around)
            if m is not None:
                years.update({k: v for k, v in m.groupdict().items() if v})
        cue_text = cue.lower()
        parts: list[Part] = []
        first = self.record.first_term_begin()[:4]
        if "from" in years and "to" in years:
            parts.append(self.served(int(years["from"]), int(years["to"])))
        elif "since" in years or "founded" in years:
            since = int(years.get("since") or first)
            parts.append(self.served(since, int(self.day[:4])))
            parts.append(self.member_now())
        elif "elected" in cue_text and "in" in years:
            parts.append(self.elected(int(years["in"])))
        elif "in" in years:
            parts.append(self.served(int(years["in"]), int(years["in"])))
        if "current" in cue_text or re.match(r"(?:is|are)\b", cue_text):
            parts.append(self.member_now())
        if not parts:
            parts.append(self.served_before())
        return "council", clause.cue_start, parts, []

    def served(self, first: int, last: int) -> Part:
        """A member of the Council some day of every year from `first` to `last`."""
        assert self.day
        answers = {
            y: self.record.member_in_year(self.state, y, self.day) for y in range(first, last + 1)
        }
        terms = [
            m
            for m in self.record.terms_begun(self.state, self.day)
            if int(m.begin[:4]) <= last and int(m.last[:4]) >= first
        ]
        listing = ", ".join(f"{human(m.begin)} to {human(m.last)}" for m in terms) or "none"
        gaps = [y for y, a in answers.items() if a is False]
        span = f"{first}" if first == last else f"{first} to {last}"
        if gaps:
            absent = self.record.elections_covering(min(gaps), max(gaps), self.day)
            return Part(
                False,
                f"the letter says it served {span}; the record's terms: {listing}; no term in {', '.join(map(str, gaps))}",
                [m.iri for m in terms] + [e.iri for e in absent],
            )
        if any(a is None for a in answers.values()):
            return Part(
                None,
                f"the letter says it served {span}; a term's bounds are known to the year only",
                [m.iri for m in terms],
            )
        return Part(
            True, f"a member {span} (the record's terms: {listing})", [m.iri for m in terms]
        )

    def member_now(self) -> Part:
        assert self.day
        known, m = self.record.member_on(self.state, self.day)
        if known and m is not None:
            return Part(
                True, f"a member on that day ({human(m.begin)} to {human(m.last)})", [m.iri]
            )
        if known is None:
            return Part(
                None,
                "whether a member on that day is not known (a bound known to the year only)",
                [m.iri] if m else [],
            )
        year = int(self.day[:4])
        absent = self.record.elections_covering(year, year, self.day)
        return Part(False, "not a member of the Council on that day", [e.iri for e in absent])

    def served_before(self) -> Part:
        assert self.day
        terms = self.record.terms_begun(self.state, self.day)
        if terms:
            listing = ", ".join(f"{human(m.begin)} to {human(m.last)}" for m in terms)
            return Part(
                True, f"a member before (the record's terms: {listing})", [m.iri for m in terms]
            )
        if self.record.terms_in_doubt(self.state, self.day):
            return Part(None, "a term began in the letter's year, on a day not known", [])
        absent = self.record.elections_covering(0, int(self.day[:4]), self.day)
        return Part(
            False, "no term on the Council began before the letter", [e.iri for e in absent]
        )

    def elected(self, year: int) -> Part:
        assert self.day
        elections = [e for e in self.record.elections_in(year) if before(e.date, self.day)]
        won = [e for e in elections if self.state in e.elected]
        if won:
            return Part(True, f"elected on {human(won[0].date)}", [won[0].iri])
        if elections and all(e.complete for e in elections):
            return Part(
                False, f"not among the States elected in {year}", [e.iri for e in elections]
            )
        return Part(None, f"no complete result of an election in {year} before the letter", [])
