"""Pledge follow-up: what became of each pledge the record can follow (to ratify, accede to or sign a
named instrument, to stand again or not), as of the reference date, against the deadline the pledge
or the term gives. Every other pledge is `not assessed`, with the reason: never a guess."""

from __future__ import annotations

from dataclasses import dataclass

from ..extract import Extraction, Statement, lexicon
from ..reference import ElectionRecord
from .instruments import Instruments, Mention
from .model import FULFILLED, NOT_ASSESSED, NOT_FULFILLED, PENDING, FollowUp
from .record import Record, before, end_of, human

_RATIFY = lexicon.pattern("pledge-ratify")
_SIGN = lexicon.pattern("pledge-sign")
_HEDGE = lexicon.pattern("pledge-hedge")
_DECLARATION = lexicon.pattern("pledge-declaration")
_STAND = lexicon.pattern("pledge-stand")
_NOT_STAND = lexicon.pattern("pledge-not-stand")
_DEADLINE = lexicon.cue_patterns("pledge-deadline")
_YEARS = lexicon.cue_patterns("service-years")
_STANDING = lexicon.pattern("standing-invitation")
_EXTENDED = lexicon.pattern("extended")
_CLAUSE_END = lexicon.pattern("clause-end")

# The acts pledged: notations of the concepts of pgv:pledge-action (ontology/vocabulary.ttl).
RATIFY, SIGN, COMPLAINTS = "ratify", "sign", "accept complaint procedure"
STAND, NOT_STAND, INVITATION = (
    "stand for election",
    "not stand for re-election",
    "extend a standing invitation",
)

NOTHING_FOLLOWED = (
    "Names no act the record follows (becoming a party to or signing one of its instruments, "
    "standing for election)."
)


@dataclass(frozen=True)
class Deadline:
    when: str  # a day, month or year
    why: str  # where it comes from, for the explanation


class FollowUps:
    """Follows up the pledges of one letter as of a reference date."""

    def __init__(
        self,
        ex: Extraction,
        record: Record,
        instruments: Instruments,
        as_of: str,
        election: ElectionRecord | None,
    ) -> None:
        self.ex = ex
        self.record = record
        self.instruments = instruments
        self.as_of = as_of
        c = ex.candidature
        self.state = c.state_iso3 or ""
        self.day = c.letter_date
        self.election = record.election_of(election.key) if election else None
        self.term_end: Deadline | None = None
        if self.election and self.election.term_end:
            self.term_end = Deadline(self.election.term_end, "the end of the term it stood for")
        elif c.term_end:
            self.term_end = Deadline(str(c.term_end), "the end of the term the letter proposes")

    def follow(self) -> list[FollowUp]:
        out: list[FollowUp] = []
        for i, st in enumerate(self.ex.statements):
            if st.kind == "pledge":
                found = self.pledge(i, self.text(st)) if self.day else []
                if not self.day:
                    found = [FollowUp(i, NOT_ASSESSED, "The letter's date was not read.")]
                out += found or [FollowUp(i, NOT_ASSESSED, NOTHING_FOLLOWED)]
        for f in out:
            f.as_of = self.as_of
        return out

    def text(self, st: Statement) -> str:
        doc = self.ex.doc
        return doc.norm.text[doc.norm.from_source(st.begin) : doc.norm.from_source(st.end)]

    # ------------------------------------------------------------------------------------------

    def pledge(self, i: int, p: str) -> list[FollowUp]:
        out: list[FollowUp] = []
        declaration = _DECLARATION.search(p)
        if declaration is not None:
            named = [m.code for m in self.instruments.find(p) if m.code]
            out.append(
                FollowUp(
                    i,
                    NOT_ASSESSED,
                    "The record has no declarations recognising a treaty body's competence to "
                    "receive individual complaints.",
                    COMPLAINTS,
                    named[0] if len(named) == 1 else None,
                )
            )
        for rx, action in ((_RATIFY, RATIFY), (_SIGN, SIGN)):
            for cue in rx.finditer(p):
                if (
                    declaration is not None
                    and declaration.start() <= cue.start() < declaration.end()
                ):
                    continue
                out += self.treaty_pledge(i, p, cue.start(), cue.end(), action)
        if _NOT_STAND.search(p):
            out.append(self.not_stand(i))
        elif _STAND.search(p):
            out.append(self.stand(i, p))
        standing = _STANDING.search(p)
        if standing is not None and not _EXTENDED.search(p):
            out.append(
                FollowUp(
                    i,
                    NOT_ASSESSED,
                    "The reference data holds no list of standing invitations to the special "
                    "procedures.",
                    INVITATION,
                )
            )
        seen: set[tuple[str | None, str | None]] = set()
        unique = []
        for f in out:  # "to sign and ratify the Convention": one follow-up, the stronger act
            key = (f.instrument, f.action if f.instrument is None else None)
            if key in seen:
                continue
            seen.add(key)
            unique.append(f)
        return unique

    def clause(self, p: str, start: int, end: int) -> tuple[str, str]:
        """The words of the clause before the cue and after it."""
        ends = [(m.start(), m.end()) for m in _CLAUSE_END.finditer(p)]
        a = max((e for s, e in ends if e <= start), default=0)
        b = min((s for s, e in ends if s >= end), default=len(p))
        return p[a:start], p[end:b]

    def deadline(self, p: str) -> Deadline | None:
        """The deadline the pledge gives (a year not before the letter's), else the term's end."""
        assert self.day
        for _, rx in _DEADLINE:
            for m in rx.finditer(p):
                groups = m.groupdict()
                if groups.get("year") and groups["year"] >= self.day[:4]:
                    return Deadline(groups["year"], f'the pledge says "{m.group(0)}"')
                if groups.get("term") and self.term_end:
                    return self.term_end
        return self.term_end

    def treaty_pledge(self, i: int, p: str, start: int, end: int, action: str) -> list[FollowUp]:
        head, tail = self.clause(p, start, end)
        hedged = _HEDGE.search(head + p[start:end]) is not None
        # "to sign and ratify X": the instruments come after the last verb of the pair
        mentions = self.instruments.find(tail)
        if not mentions:
            return [
                FollowUp(i, NOT_ASSESSED, "Names no instrument the record could follow.", action)
            ]
        out = []
        codes: list[str] = []
        for m in mentions:
            if m.code is not None:
                codes.append(m.code)
            else:
                out.append(self.unknown(i, m, action))
        for ref in self.instruments.protocols_of(tail, mentions):
            if ref.ambiguous:
                out.append(
                    self.unknown(i, Mention(None, ref.at, ref.at, ref.name, ref.ambiguous), action)
                )
            codes += ref.codes
        for code in dict.fromkeys(codes):
            out.append(self.instrument(i, p, code, action, hedged))
        return out

    def unknown(self, i: int, m: Mention, action: str) -> FollowUp:
        if m.ambiguous:
            why = (
                f'"{m.name}" may be any of {", ".join(m.ambiguous)}: the pledge does not say which.'
            )
        else:
            why = f'"{m.name}" is not a name of an instrument the record follows.'
        return FollowUp(i, NOT_ASSESSED, why, action)

    def instrument(self, i: int, p: str, code: str, action: str, hedged: bool) -> FollowUp:
        assert self.day
        inst = self.record.instruments[code]
        r, k = self.as_of, inst.list_as_of
        act = self.record.acts.get((self.state, code))
        status = self.record.statuses.get((self.state, code))

        def result(
            status_: str,
            why: str,
            year: str | None = None,
            evidence: list[str] | None = None,
            deadline: Deadline | None = None,
        ) -> FollowUp:
            return FollowUp(
                i,
                status_,
                why,
                action,
                code,
                year,
                deadline.when if deadline else None,
                evidence or [],
                r,
            )

        if act is not None and status == "denounced":
            return result(
                NOT_ASSESSED,
                f"A party to {code} that later denounced it, on days the record does not give.",
                evidence=[act.iri],
            )
        if act is not None:
            earlier = before(act.when, self.day)
            if earlier:
                return result(
                    NOT_ASSESSED,
                    f"Already a party to {code} since {act.year}, before the letter: the pledge may mean another act.",
                    evidence=[act.iri],
                )
            done = before(act.when, r)
            if done is None and r >= k:
                done = True
            if done:
                due = self.deadline(p)
                late = ""
                if due and act.when and act.when[:4] > end_of(due.when)[:4]:
                    late = f", after the deadline ({human(due.when)}, {due.why})"
                kind = (
                    "became a party to"
                    if action == RATIFY
                    else "became a party to (more than the signature pledged)"
                )
                return result(
                    FULFILLED,
                    f"{kind.capitalize()} {code} in {act.year}{late}.",
                    act.when,
                    [act.iri],
                    due,
                )
            if done is None:
                return result(
                    NOT_ASSESSED,
                    f"A party to {code} in {act.year}: whether by {human(r)} is not known.",
                    evidence=[act.iri],
                )
        if self.state not in self.record.members:
            return result(NOT_ASSESSED, f"The record of {code} covers UN Member States only.")
        if action == SIGN and status == "signatory":
            return result(
                NOT_ASSESSED,
                f"A signatory of {code} by {human(k)}, on a day the record does not give.",
                evidence=[inst.iri],
            )
        if hedged:
            return result(
                NOT_ASSESSED,
                f"A pledge to consider it: not a party to {code} by {human(min(r, k))}, and whether it was considered is not in the record.",
                evidence=[inst.iri],
            )
        due = self.deadline(p)
        if due is None:
            return result(
                NOT_ASSESSED,
                f"Not a party to {code} by {human(min(r, k))}; neither the pledge nor the term gives a deadline.",
                evidence=[inst.iri],
            )
        last = end_of(due.when)
        if last < r:
            if last <= k:
                what = "a party to" if action == RATIFY else "a signatory or party to"
                return result(
                    NOT_FULFILLED,
                    f"Not {what} {code} by {human(due.when)} ({due.why}): the record's list of {human(k)} has no act of it.",
                    evidence=[inst.iri],
                    deadline=due,
                )
            return result(
                NOT_ASSESSED,
                f"Due by {human(due.when)} ({due.why}); the record of {code} stops at {human(k)}.",
                evidence=[inst.iri],
                deadline=due,
            )
        return result(
            PENDING,
            f"Not a party to {code} by {human(min(r, k))}; due by {human(due.when)} ({due.why}).",
            evidence=[inst.iri],
            deadline=due,
        )

    # ------------------------------------------------------------------------------------------
    # Standing again, or not

    def stand(self, i: int, p: str) -> FollowUp:
        """ "Chile will present its candidature again in 2012": was it a candidate then?"""
        years: dict[str, str] = {}
        for _, rx in _YEARS:
            m = rx.search(p)
            if m is not None:
                years.update({k: v for k, v in m.groupdict().items() if v})
        elections = []
        if "from" in years:
            elections = [
                e
                for e in self.record.elections.values()
                if (e.term_begin or "")[:4] == years["from"] and not e.key[4:]
            ]
        elif "in" in years:
            elections = [e for e in self.record.elections_in(int(years["in"])) if not e.key[4:]]
        if not elections:
            year = years.get("from") or years.get("in")
            if year and year > self.as_of[:4]:
                return FollowUp(
                    i,
                    PENDING,
                    f"The election of {year} is after {human(self.as_of)}.",
                    STAND,
                    deadline=year,
                )
            return FollowUp(
                i, NOT_ASSESSED, "The pledge names no election of the record to stand in.", STAND
            )
        e = elections[0]
        return self.candidate_in(i, e, STAND)

    def not_stand(self, i: int) -> FollowUp:
        """ "will not seek immediate re-election": was it a candidate at the election that follows its term?"""
        if self.election is None or self.state not in self.election.elected:
            return FollowUp(
                i,
                NOT_ASSESSED,
                "The candidature was not elected (or its election is not known): no term to stand again after.",
                NOT_STAND,
            )
        e = self.record.next_election(self.election.term_end or "")
        if e is None:
            return FollowUp(
                i,
                NOT_ASSESSED,
                "The record has no election for the term after this one.",
                NOT_STAND,
            )
        return self.candidate_in(i, e, NOT_STAND)

    def candidate_in(self, i: int, e: object, action: str) -> FollowUp:
        from .record import Election

        assert isinstance(e, Election)
        if not before(e.date, self.as_of):
            return FollowUp(
                i,
                PENDING,
                f"The election of {human(e.date)} is after {human(self.as_of)}.",
                action,
                deadline=e.date,
            )
        mine = [
            c
            for c in self.record.candidacies.get(e.key, [])
            if c.state == self.state and c.outcome != "withdrawn"
        ]
        stood = bool(mine)
        group = self.record.groups.get(self.state, "")
        if not stood and not self.record.candidates_complete(e.key, group):
            return FollowUp(
                i,
                NOT_ASSESSED,
                f"The record does not name every candidate of the election of {human(e.date)}.",
                action,
                evidence=[e.iri],
            )
        kept = stood if action == STAND else not stood
        what = "a candidate" if stood else "not a candidate"
        evidence = [mine[0].iri] if mine else [e.iri]
        return FollowUp(
            i,
            FULFILLED if kept else NOT_FULFILLED,
            f"{what.capitalize()} in the election of {human(e.date)}.",
            action,
            year=e.date if kept else None,
            deadline=e.date,
            evidence=evidence,
        )
