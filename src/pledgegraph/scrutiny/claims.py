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

from ..extract import Extraction, lexicon
from ..extract.statements import mentions_state
from .instruments import Instruments, Mention
from .model import CONTRADICTED, NOT_CHECKABLE, SUPPORTED, ClaimCheck
from .reading import Clause, Part, cardinal, clauses, verdict
from .record import Party, Record, human
from .service import ServiceChecks

_PARTY = lexicon.pattern("treaty-party")
_SIGNED = lexicon.pattern("treaty-signed")
_NOT_ASSERTED = lexicon.pattern("not-asserted")
_CORE_SET = lexicon.pattern("core-set")
_COUNT_ALL = lexicon.cue_patterns("count-all")
_COUNT_NUMBER = lexicon.cue_patterns("count-number")
_STATED_YEAR = lexicon.cue_patterns("stated-year")
_STANDING = lexicon.pattern("standing-invitation")
_EXTENDED = lexicon.pattern("extended")
_SERVICE = lexicon.pattern("council-service")

NOTHING_HELD = (
    "Names nothing the record holds (treaty ratifications, Council elections and memberships)."
)
VAGUE = "names no instrument and no number of the core instruments"
NO_INVITATIONS = (
    "the reference data holds no list of standing invitations to the special procedures"
)


class ClaimChecker(ServiceChecks):
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
