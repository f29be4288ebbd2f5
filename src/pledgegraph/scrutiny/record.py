"""The record as of a day: which treaty acts a State had done, which memberships it had begun.

Read once per build from the reference data (treaties, ratifications, memberships, elections), and
the one owner of the rule for facts known only by their year or month: such a fact happened some day
in that year, so as of a day inside it the fact is unknown (`None`), never assumed either way.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox

from ..namespaces import PG, PGV
from ..reference import Reference

_PREFIXES = f"""PREFIX pg: <{PG}> PREFIX pgv: <{PGV}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def _str(term: object) -> str | None:
    return None if term is None else term.value  # type: ignore[attr-defined]


def before(when: str | None, day: str) -> bool | None:
    """Whether something that happened `when` (a date, a year-month or a year) had happened before
    `day` (a date): unknown (None) when `day` falls inside the month or year it is known by."""
    if not when:
        return None
    n = len(when)
    if n >= 10:
        return when[:10] < day
    if when < day[:n]:
        return True
    return False if when > day[:n] else None


def after(when: str | None, day: str) -> bool | None:
    """Whether something that happened (or began) `when` had not yet happened on `day`."""
    done = before(when, day)
    if done is None:
        if when and len(when) >= 10:
            return when[:10] >= day
        return None
    return not done


def end_of(when: str) -> str:
    """The last day of the day, month or year a bound is known by."""
    if len(when) >= 10:
        return when[:10]
    if len(when) == 7:
        y, m = int(when[:4]), int(when[5:7])
        nxt = datetime.date(y + (m == 12), m % 12 + 1, 1)
        return (nxt - datetime.timedelta(days=1)).isoformat()
    return f"{when[:4]}-12-31"


def human(when: str) -> str:
    """9 April 2007, April 2007 or 2007: a date as precise as it is known, as UN documents write it."""
    if len(when) >= 10:
        d = datetime.date.fromisoformat(when[:10])
        return f"{d.day} {d.strftime('%B')} {d.year}"
    if len(when) == 7:
        return datetime.date(int(when[:4]), int(when[5:7]), 1).strftime("%B %Y")
    return when[:4]


@dataclass(frozen=True)
class Instrument:
    """One of the instruments of treaties.ttl."""

    code: str
    iri: str
    title: str
    core: bool
    parent: str | None  # the code of the treaty an optional protocol belongs to
    complaints: (
        bool  # being a party accepts an individual complaint procedure (an optional protocol)
    )
    list_as_of: str  # the record lists every UN Member State's status as of this day
    in_force: str  # the day it entered into force
    labels: tuple[str, ...]  # names a text may use (titles, short titles, other names)
    abbreviations: tuple[str, ...]  # matched with case


@dataclass(frozen=True)
class Act:
    """A State's act of consent to be bound by an instrument (ratification, accession, succession)."""

    iri: str
    state: str
    code: str
    when: str | None  # its date, or its year; None when the record gives neither

    @property
    def year(self) -> str:
        return self.when[:4] if self.when else "year unknown"


@dataclass(frozen=True)
class Membership:
    """A membership of the Council, from the record."""

    iri: str
    state: str
    begin: str  # a date, year-month or year, as precise as the record knows it
    end: str
    ended: str | None  # the day it ended early, if it did
    election: str | None = None  # the IRI of the election that gave it

    @property
    def last(self) -> str:
        return self.ended or self.end


@dataclass(frozen=True)
class Election:
    key: str
    iri: str
    date: str
    term_begin: str | None
    term_end: str | None
    complete: bool  # the list of elected States is complete
    elected: frozenset[str]


@dataclass(frozen=True)
class Candidacy:
    """A candidature the record names (in any election)."""

    iri: str
    state: str
    election: str  # the election's key
    outcome: str | None  # elected, not elected, withdrawn
    group: str | None


@dataclass
class Party:
    """Where a State stood towards an instrument as of a day: a party (True), not (False), or
    unknown (None), with the act that says so and the reason when unknown."""

    instrument: Instrument
    known: bool | None
    act: Act | None = None
    reason: str = ""


@dataclass
class Record:
    """The treaty and membership record, with the rule for what was known as of a day."""

    ref: Reference
    instruments: dict[str, Instrument] = field(default_factory=dict)
    acts: dict[tuple[str, str], Act] = field(default_factory=dict)
    statuses: dict[tuple[str, str], str] = field(default_factory=dict)  # signatory, denounced
    members: frozenset[str] = frozenset()  # UN Member States: every list covers them
    memberships: dict[str, list[Membership]] = field(default_factory=dict)
    elections: dict[str, Election] = field(default_factory=dict)
    candidacies: dict[str, list[Candidacy]] = field(default_factory=dict)  # by election key
    candidates: dict[tuple[str, str], int] = field(
        default_factory=dict
    )  # (election, group): on the ballot
    groups: dict[str, str] = field(default_factory=dict)  # each State's regional group

    @classmethod
    def of(cls, ref: Reference) -> Record:
        record = cls(ref)
        record._load()
        return record

    def _select(self, query: str, store: ox.Store | None = None) -> list[dict[str, str | None]]:
        result = (store or self.ref.store).query(_PREFIXES + query)
        names = [v.value for v in result.variables]  # type: ignore[union-attr]
        return [{n: _str(row[n]) for n in names} for row in result]  # type: ignore[union-attr]

    def _load(self) -> None:
        base = self.ref.base
        # The notations of the vocabularies' concepts (statuses, outcomes): the values compared.
        notation = {
            row["c"] or "": row["n"] or ""
            for row in self._select("SELECT ?c ?n WHERE { ?c skos:notation ?n }", self.ref.vocab)
        }
        labels: dict[str, set[str]] = defaultdict(set)
        abbreviations: dict[str, set[str]] = defaultdict(set)
        for row in self._select(
            "SELECT ?t ?label ?abbr WHERE { ?t a pg:Treaty . "
            "{ ?t skos:prefLabel|skos:altLabel|pg:shortTitle ?label } UNION { ?t pg:abbreviation ?abbr } }"
        ):
            t = row["t"] or ""
            if row["abbr"]:
                abbreviations[t].add(row["abbr"])
            elif row["label"]:
                labels[t].add(row["label"])
        for row in self._select(
            "SELECT ?t ?code ?title ?kind ?parent ?complaints ?asof ?force WHERE { ?t a pg:Treaty ; "
            "skos:notation ?code ; skos:prefLabel ?title ; pg:kind ?kind ; pg:statusListAsOf ?asof ; "
            "pg:entryIntoForce ?force . "
            "OPTIONAL { ?t pg:protocolTo/skos:notation ?parent } "
            "OPTIONAL { ?t pg:complaintProcedure ?complaints } }"
        ):
            t, code = row["t"] or "", row["code"] or ""
            abbr = abbreviations[t]
            self.instruments[code] = Instrument(
                code=code,
                iri=t,
                title=row["title"] or code,
                core=row["kind"] == PGV + "treaty-core",
                parent=row["parent"],
                complaints=row["complaints"] == "true" and row["parent"] is not None,
                list_as_of=row["asof"] or "",
                in_force=row["force"] or "",
                labels=tuple(sorted(labels[t] - abbr)),
                abbreviations=tuple(sorted(abbr)),
            )
        code_of = {i.iri: i.code for i in self.instruments.values()}
        state = len(base + "id/state/")
        for row in self._select(
            "SELECT ?a ?s ?t ?date ?year WHERE { ?a a pg:TreatyAction ; pg:state ?s ; "
            "pg:instrument ?t ; pg:act pgv:act-ratification-accession-or-succession . "
            "OPTIONAL { ?a pg:actDate ?date } OPTIONAL { ?a pg:actYear ?year } }"
        ):
            pair = ((row["s"] or "")[state:], code_of[row["t"] or ""])
            self.acts[pair] = Act(row["a"] or "", pair[0], pair[1], row["date"] or row["year"])
        for row in self._select(
            "SELECT ?s ?t ?status WHERE { ?x a pg:TreatyStatus ; pg:state ?s ; pg:instrument ?t ; "
            "pg:status ?status }"
        ):
            pair = ((row["s"] or "")[state:], code_of[row["t"] or ""])
            self.statuses[pair] = notation.get(row["status"] or "", "")
        self.members = frozenset(
            (row["s"] or "")[state:]
            for row in self._select("SELECT ?s WHERE { ?s a pg:State ; pg:unMember true }")
        )
        bound = "time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear"
        for row in self._select(
            f"SELECT ?m ?s ?b ?e ?ended ?by WHERE {{ ?m a org:Membership ; org:member ?s ; "
            f"org:memberDuring ?t . ?t time:hasBeginning/({bound}) ?b ; time:hasEnd/({bound}) ?e . "
            f"OPTIONAL {{ ?m pg:endedEarly ?ended }} OPTIONAL {{ ?m prov:wasGeneratedBy ?by }} }}"
        ):
            m = Membership(
                row["m"] or "",
                (row["s"] or "")[state:],
                row["b"] or "",
                row["e"] or "",
                row["ended"],
                row["by"],
            )
            self.memberships.setdefault(m.state, []).append(m)
        for ms in self.memberships.values():
            ms.sort(key=lambda m: (m.begin, m.iri))
        elected: dict[str, set[str]] = defaultdict(set)
        for row in self._select("SELECT ?e ?s WHERE { ?e a pg:Election ; pg:electedState ?s }"):
            elected[row["e"] or ""].add((row["s"] or "")[state:])
        for row in self._select(
            f"SELECT ?e ?date ?b ?end ?complete WHERE {{ ?e a pg:Election ; pg:electionDate ?date . "
            f"OPTIONAL {{ ?e pg:resultsComplete ?complete }} "
            f"OPTIONAL {{ ?e pg:electedFor ?t OPTIONAL {{ ?t time:hasBeginning/({bound}) ?b }} "
            f"OPTIONAL {{ ?t time:hasEnd/({bound}) ?end }} }} }}"
        ):
            iri = row["e"] or ""
            key = iri.rsplit("/", 1)[-1]
            self.elections[key] = Election(
                key,
                iri,
                row["date"] or "",
                row["b"],
                row["end"],
                row["complete"] == "true",
                frozenset(elected[iri]),
            )
        for row in self._select(
            "SELECT ?c ?s ?e ?outcome ?group WHERE { ?c a pg:Candidature ; pg:candidate ?s ; "
            "pg:election ?e . OPTIONAL { ?c pg:outcome ?outcome } "
            "OPTIONAL { ?c pg:regionalGroup ?group } }"
        ):
            key = (row["e"] or "").rsplit("/", 1)[-1]
            self.candidacies.setdefault(key, []).append(
                Candidacy(
                    row["c"] or "",
                    (row["s"] or "")[state:],
                    key,
                    notation.get(row["outcome"] or ""),
                    row["group"],
                )
            )

        for row in self._select(
            "SELECT ?e ?g ?n WHERE { ?a a pg:SeatAllocation ; pg:election ?e ; pg:regionalGroup ?g ; "
            "pg:candidateCount ?n }"
        ):
            key = (row["e"] or "").rsplit("/", 1)[-1]
            self.candidates[(key, row["g"] or "")] = int(row["n"] or 0)
        for row in self._select("SELECT ?s ?g WHERE { ?s a pg:State ; pg:regionalGroup ?g }"):
            self.groups[(row["s"] or "")[state:]] = row["g"] or ""

    # ------------------------------------------------------------------------------------------
    # Treaties

    @cached_property
    def default_as_of(self) -> str:
        """The day as of which every instrument's list is complete: the reference date of the
        follow-ups when the build is given none."""
        return min(i.list_as_of for i in self.instruments.values())

    def core(self, day: str | None = None) -> list[Instrument]:
        """The core instruments (in force before `day`, when given)."""
        return sorted(
            (i for i in self.instruments.values() if i.core and (day is None or i.in_force < day)),
            key=lambda i: i.code,
        )

    def protocols(self, of: str | None = None, day: str | None = None) -> list[Instrument]:
        """The optional protocols (of one instrument; in force before `day`)."""
        return sorted(
            (
                i
                for i in self.instruments.values()
                if i.parent is not None
                and (of is None or i.parent == of)
                and (day is None or i.in_force < day)
            ),
            key=lambda i: i.code,
        )

    def party(self, state: str, code: str, day: str) -> Party:
        """Whether `state` was a party to the instrument as of `day` (before that day)."""
        inst = self.instruments[code]
        act = self.acts.get((state, code))
        status = self.statuses.get((state, code))
        if act is not None:
            if status == "denounced":
                return Party(inst, None, act, f"{code} was later denounced, on a day not recorded")
            done = before(act.when, day)
            if done is None and day >= inst.list_as_of:
                done = True  # every act the list holds happened by the day of the list
            if done is None:
                why = (
                    f"{code} in {act.year}: whether before {human(day)} is not known"
                    if act.when
                    else f"{code}: the record gives no year"
                )
                return Party(inst, None, act, why)
            return Party(inst, done, act)
        if state not in self.members:
            return Party(inst, None, None, f"the record of {code} covers UN Member States only")
        if day > inst.list_as_of:
            return Party(
                inst, None, None, f"the record of {code} stops at {human(inst.list_as_of)}"
            )
        return Party(inst, False)

    def signed(self, state: str, code: str) -> bool:
        """Whether the list records the State as a signatory that had not become a party."""
        return self.statuses.get((state, code)) == "signatory"

    # ------------------------------------------------------------------------------------------
    # Memberships and elections

    def terms_begun(self, state: str, day: str) -> list[Membership]:
        """The State's memberships known to have begun before `day`."""
        return [m for m in self.memberships.get(state, []) if before(m.begin, day)]

    def terms_in_doubt(self, state: str, day: str) -> list[Membership]:
        """Memberships whose beginning is known only to a month or year that holds `day`."""
        return [m for m in self.memberships.get(state, []) if before(m.begin, day) is None]

    def member_in_year(self, state: str, year: int, day: str) -> bool | None:
        """Whether the State sat on the Council some day of `year` (memberships begun before `day`)."""
        found = False
        for m in self.terms_begun(state, day):
            if int(m.begin[:4]) <= year <= int(m.last[:4]):
                found = True
        if found:
            return True
        return None if self.terms_in_doubt(state, day) else False

    def member_on(self, state: str, day: str) -> tuple[bool | None, Membership | None]:
        """Whether the State was a member on `day`, and the membership that says so."""
        unknown = None
        for m in self.memberships.get(state, []):
            began, ended = before(m.begin, day), before(m.last, day)
            if began and ended is False:
                return True, m
            if began is None or (began and ended is None):
                unknown = m
        return (None, unknown) if unknown else (False, None)

    @cached_property
    def _seated(self) -> dict[str, tuple[int, int]]:
        """The years each election's winners sat: its term's, else (the first election, whose terms
        were drawn by lot) from the first year one of its memberships began to the last it ended."""
        years: dict[str, list[int]] = defaultdict(list)
        for ms in self.memberships.values():
            for m in ms:
                if m.election:
                    years[m.election] += [int(m.begin[:4]), int(m.last[:4])]
        out = {}
        for e in self.elections.values():
            if e.term_begin and e.term_end:
                out[e.key] = (int(e.term_begin[:4]), int(e.term_end[:4]))
            elif years.get(e.iri):
                out[e.key] = (min(years[e.iri]), max(years[e.iri]))
        return out

    def elections_covering(self, first: int, last: int, day: str) -> list[Election]:
        """The elections held before `day`, with complete results, whose winners sat some day of the
        years `first` to `last`: the record that a State absent from their lists was not a member."""
        seated = self._seated
        return sorted(
            (
                e
                for e in self.elections.values()
                if e.complete
                and e.date < day
                and e.key in seated
                and seated[e.key][0] <= last
                and seated[e.key][1] >= first
            ),
            key=lambda e: e.date,
        )

    def election_of(self, key: str | None) -> Election | None:
        return self.elections.get(key) if key else None

    def elections_in(self, year: int) -> list[Election]:
        return sorted(
            (e for e in self.elections.values() if e.date[:4] == str(year)), key=lambda e: e.date
        )

    def candidates_complete(self, election: str, group: str) -> bool:
        """Whether the record names every candidate on the ballot of a group in an election."""
        named = [
            c
            for c in self.candidacies.get(election, [])
            if c.group == group and c.outcome != "withdrawn"
        ]
        return self.candidates.get((election, group)) == len(named)

    def next_election(self, after_term_end: str) -> Election | None:
        """The regular election whose winners' term follows a term ending `after_term_end` (within
        two months: the rule of shape R33)."""

        def months(when: str) -> int:
            return int(when[:4]) * 12 + (int(when[5:7]) if len(when) >= 7 else 6)

        for e in sorted(self.elections.values(), key=lambda e: e.date):
            # a regular election (a by-election is keyed by its date, not its year)
            gap = months(e.term_begin) - months(after_term_end) if e.term_begin else -1
            if 0 <= gap <= 2 and not e.key[4:]:
                return e
        return None

    def first_term_begin(self) -> str:
        """When the Council's first members began to sit (the record's earliest term)."""
        return min(m.begin for ms in self.memberships.values() for m in ms)
