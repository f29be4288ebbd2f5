"""Claim checks: what a letter says the State is or has done (party to treaties, a member of the
Council, a standing invitation), held against the record as of the letter's date.

A claim is read in its clause: the State speaking before the cue, no negation, future or condition
(pgl:not-asserted), and after the cue, to the end of the clause, what it asserts. Every part the
record can test is tested; the verdict is `contradicted` when one part is false, `supported` when
all are true, and `not checkable` otherwise (nothing testable, or a fact the record cannot date).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..extract import Extraction, lexicon
from ..extract.statements import mentions_state
from .instruments import Instruments, Mention
from .model import CONTRADICTED, NOT_CHECKABLE, SUPPORTED, ClaimCheck
from .record import Party, Record, before, human

_PARTY = lexicon.pattern("treaty-party")
_SIGNED = lexicon.pattern("treaty-signed")
_NOT_ASSERTED = lexicon.pattern("not-asserted")
_CLAUSE_END = lexicon.pattern("clause-end")
_CORE_SET = lexicon.pattern("core-set")
_COUNT_ALL = lexicon.cue_patterns("count-all")
_COUNT_NUMBER = lexicon.cue_patterns("count-number")
_CARDINALS = lexicon.cue_patterns("cardinal")
_STATED_YEAR = lexicon.cue_patterns("stated-year")
_STANDING = lexicon.pattern("standing-invitation")
_EXTENDED = lexicon.pattern("extended")
_SERVICE = lexicon.pattern("council-service")
_COUNCIL = lexicon.pattern("council-body")
_OTHER_BODY = lexicon.pattern("other-body")
_SERVICE_YEARS = lexicon.cue_patterns("service-years")
# Between a verb of service and the body: "served on the", "a member of the United Nations".
_COUNCIL_IN_CUE = re.compile(r"\b(?:Council|HRC)\b")  # "a Council member": the cue's own words
_LINK = re.compile(r"\s+(?:of|on|to|in)\s+")
_THE = re.compile(r"the\s+(?:United\s+Nations\s+|UN\s+)?")

NOTHING_HELD = (
    "Names nothing the record holds (treaty ratifications, Council elections and memberships)."
)
VAGUE = "names no instrument and no number of the core instruments"
NO_INVITATIONS = (
    "the reference data holds no list of standing invitations to the special procedures"
)


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


class ClaimChecker:
    """Checks the claims of one letter."""

    def __init__(self, ex: Extraction, record: Record, instruments: Instruments, names: list[str]):
        self.ex = ex
        self.record = record
        self.instruments = instruments
        self.names = names
        c = ex.candidature
        self.state = c.state_iso3 or ""
        self.day = c.letter_date
        self.label = record.ref.state_label(self.state) or self.state

    def asserted(self, clause: Clause) -> bool:
        """The State says it in its own name, as a fact (not negated, promised or supposed)."""
        return mentions_state(clause.subject, self.names) and not _NOT_ASSERTED.search(clause.head)

    # ------------------------------------------------------------------------------------------

    def check(self) -> list[ClaimCheck]:
        doc = self.ex.doc
        found: dict[tuple[tuple[int, int], str], tuple[int | None, str, list[Part], list[str]]] = {}
        for sentence in doc.sentences:
            a0, b0 = doc.norm.from_source(sentence.begin), doc.norm.from_source(sentence.end)
            s = doc.norm.text[a0:b0]
            for aspect, at, parts, note in self.sentence_claims(s):
                begin, _ = doc.norm.to_source(a0 + at, a0 + at + 1)
                span, index = self.span_of(begin, sentence.begin, sentence.end)
                key = (span, aspect)
                if key in found:
                    found[key][2].extend(parts)
                    found[key][3].extend(note)
                else:
                    found[key] = (index, aspect, list(parts), list(note))
        out = []
        for (span, aspect), (index, _, parts, notes) in found.items():
            if not parts and not notes:
                # "a party to almost all instruments": said of a claim, not of every sentence
                if index is None or self.ex.statements[index].kind != "claim":
                    continue
                notes = [VAGUE]
            out.append(self.review(aspect, span, index, parts, notes))
        claimed = {c.statement for c in out}
        for i, st in enumerate(self.ex.statements):
            if st.kind == "claim" and i not in claimed:
                out.append(
                    ClaimCheck("unrecognised", st.begin, st.end, NOT_CHECKABLE, NOTHING_HELD, [], i)
                )
        for c in out:
            c.as_of = self.day
        return sorted(out, key=lambda c: (c.begin, c.end, c.aspect))

    def span_of(self, at: int, begin: int, end: int) -> tuple[tuple[int, int], int | None]:
        """The span a claim at `at` is shown by: its statement's, else its sentence's."""
        for i, st in enumerate(self.ex.statements):
            if st.begin <= at < st.end:
                return (st.begin, st.end), i
        text = self.ex.doc.text
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        return (begin, end), None

    def review(
        self,
        aspect: str,
        span: tuple[int, int],
        index: int | None,
        parts: list[Part],
        notes: list[str],
    ) -> ClaimCheck:
        if not self.day:
            v, text = NOT_CHECKABLE, "The letter's date was not read: nothing to check it as of."
            parts = []
        else:
            v = verdict(parts)
            said = "; ".join(dict.fromkeys(p.text for p in parts))
            lead = {SUPPORTED: "Supported", CONTRADICTED: "Contradicted"}.get(v, "Not checkable")
            text = f"{lead} as of {human(self.day)}: " + "; ".join(
                dict.fromkeys(x for x in [said, *notes] if x)
            )
            if not said and not notes:
                text = NOTHING_HELD
            text = text.rstrip(".") + "."
        evidence = sorted({e for p in parts for e in p.evidence})
        return ClaimCheck(aspect, span[0], span[1], v, text, evidence, index)

    def sentence_claims(self, s: str) -> Iterator[tuple[str, int, list[Part], list[str]]]:
        """(aspect, where in the sentence, parts, notes) of each claim the sentence makes."""
        if not self.day:
            return
        for clause in clauses(s, _PARTY):
            if self.asserted(clause):
                parts, notes = self.treaty_parts(clause.tail)
                yield "treaties", clause.cue_start, parts, notes
        for clause in clauses(s, _SIGNED):
            if self.asserted(clause) and not _PARTY.search(s, clause.start, clause.end):
                yield (
                    "treaties",
                    clause.cue_start,
                    [],
                    [
                        "the record has no signatures with their dates, only who had signed "
                        "without becoming a party by the day of its lists"
                    ],
                )
        for clause in clauses(s, _STANDING):
            if (
                _EXTENDED.search(s, clause.lead, clause.end)
                and mentions_state(clause.subject, self.names)
                and not _NOT_ASSERTED.search(clause.head)
            ):
                yield "standing-invitation", clause.cue_start, [], [NO_INVITATIONS]
        for clause in clauses(s, _SERVICE):
            found = self.service(clause)
            if found is not None:
                yield found

    # ------------------------------------------------------------------------------------------
    # Treaties

    def party(self, code: str) -> Party:
        assert self.day
        return self.record.party(self.state, code, self.day)

    def treaty_parts(self, tail: str) -> tuple[list[Part], list[str]]:
        """What the words after "is a party to" assert, each part with the record's answer."""
        parts: list[Part] = []
        notes: list[str] = []
        mentions = self.instruments.find(tail)
        counted: list[str] = []
        for m in _CORE_SET.finditer(tail):
            part, counted = self.core_count(tail, m.start())
            if part is not None:
                parts.append(part)
        for ref in self.instruments.protocols_of(tail, mentions):
            protocols = ref.codes
            if ref.ambiguous:
                notes.append(f'"{ref.name}" may be any of {", ".join(ref.ambiguous)}: not checked')
                continue
            if not protocols and counted and _CORE_SET.search(tail, 0, ref.at):
                protocols = [p.code for c in counted for p in self.record.protocols(of=c)]
            part = self.all_protocols(protocols)
            if part is not None:
                parts.append(part)
        for mention in mentions:
            if mention.code is not None:
                parts.append(self.named(mention, tail))
            elif mention.ambiguous:
                notes.append(
                    f'"{mention.name}" may be any of {", ".join(mention.ambiguous)}: not checked'
                )
            else:
                notes.append(f'"{mention.name}" is not a name of an instrument the record follows')
        return parts, notes

    def core_count(self, tail: str, at: int) -> tuple[Part | None, list[str]]:
        """ "six core human rights conventions", "all the core ...": how many the State was party to."""
        assert self.day
        claimed: int | None = None
        everything = False
        # The longest quantifier that ends where the set's name begins: "seven of the nine" over
        # "the nine", "all nine" over "nine".
        start = max(0, at - 50)
        found: list[tuple[int, str, re.Match[str]]] = []
        for kind, cues in (("all", _COUNT_ALL), ("number", _COUNT_NUMBER)):
            for cue, rx in cues:
                for m in rx.finditer(tail, start):
                    if m.end() == at:
                        found.append(
                            (m.start(), kind if cue.name != "count-all.the-nine" else "the", m)
                        )
        for _, kind, m in sorted(found, key=lambda f: f[0]):
            n = cardinal(m.group("n"))
            if kind == "all":
                everything = True
            elif n is None:
                continue  # "the main core ...": no number
            elif kind == "the" and n == len(self.record.core()):
                everything = True
            else:
                claimed = n
            break
        in_force = self.record.core(self.day)
        answers = [self.party(i.code) for i in self.record.core()]
        yes = [a for a in answers if a.known]
        doubt = [a for a in answers if a.known is None]
        listing = ", ".join(f"{a.instrument.code} ({a.act.year})" for a in yes if a.act)
        total = len(self.record.core())
        summary = f"a party to {len(yes)} of the {total} core instruments ({listing or 'none'})"
        if doubt:
            summary += "; unknown for " + ", ".join(a.reason for a in doubt)
        evidence = [a.act.iri for a in yes if a.act]
        counted = [a.instrument.code for a in yes]
        if everything:
            missing = [i.code for i in in_force if not self.party(i.code).known]
            gaps = [c for c in missing if self.party(c).known is False]
            holds = None if missing and not gaps else not missing
            said = f"the letter says all; {summary}"
            if missing:
                said += f", not {', '.join(missing)} (in force then)"
            return Part(
                holds, said, evidence + [self.record.instruments[c].iri for c in gaps]
            ), counted
        if claimed is None:
            return Part(None, f"the letter does not say how many; {summary}", evidence), counted
        low, high = len(yes), len(yes) + len(doubt)
        holds = None if low <= claimed <= high and low != high else low <= claimed <= high
        return Part(holds, f"the letter says {claimed}; {summary}", evidence), counted

    def all_protocols(self, protocols: list[str]) -> Part | None:
        """ "... and all their optional protocols": a party to each (those in force then)."""
        assert self.day
        if not protocols:
            return None
        answers = [
            self.party(c) for c in protocols if self.record.instruments[c].in_force < self.day
        ]
        missing = [a.instrument.code for a in answers if a.known is False]
        doubt = [a.reason for a in answers if a.known is None]
        yes = [a for a in answers if a.known]
        listing = ", ".join(f"{a.instrument.code} ({a.act.year})" for a in yes if a.act)
        text = f"of their optional protocols in force, a party to {listing or 'none'}"
        if missing:
            text += f", not to {', '.join(missing)}"
        if doubt:
            text += "; unknown for " + ", ".join(doubt)
        holds = False if missing else (None if doubt else True)
        evidence = [a.act.iri for a in yes if a.act]
        evidence += [self.record.instruments[c].iri for c in missing]
        return Part(holds, text, evidence)

    def named(self, mention: Mention, tail: str) -> Part:
        """A named instrument: a party to it before the letter (and in the year it gives, if any)."""
        assert self.day and mention.code
        answer = self.party(mention.code)
        code = mention.code
        if answer.known is False:
            inst = self.record.instruments[code]
            return Part(
                False,
                f"not a party to {code} (the record's list of {human(inst.list_as_of)})",
                [inst.iri],
            )
        if answer.known is None or answer.act is None:
            return Part(None, answer.reason or f"{code}: unknown")
        text = f"a party to {code} since {answer.act.year}"
        after = tail[mention.end :]
        for _, rx in _STATED_YEAR:
            m = rx.match(after)
            if m is not None and answer.act.when and m.group("year") != answer.act.when[:4]:
                return Part(
                    None,
                    f"{text}, where the letter gives {m.group('year')} (a signature, or a ratification deposited later?)",
                    [answer.act.iri],
                )
        return Part(True, text, [answer.act.iri])

    # ------------------------------------------------------------------------------------------
    # Service on the Council

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
