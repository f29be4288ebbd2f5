"""Loads the reference data (States, UN bodies, mandates, resolutions, elections) and the pledge themes."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .namespaces import DEFAULT_BASE, PG, PGT, PGV, RDFS, SKOS


def _value(term: ox.Literal | ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    """The lexical value of a term (reference data holds no quoted triples)."""
    if isinstance(term, ox.Triple):
        raise TypeError("unexpected quoted triple in reference data")
    return term.value


def fold(text: str) -> str:
    """Lower case, no accents, one space: how names are compared."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[’'`]", "'", text)
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True)
class Theme:
    """A pledge theme of ontology/themes.ttl: the patterns that assign a pledge to it, in priority order."""

    key: str
    patterns: tuple[re.Pattern[str], ...]
    scope: str
    priority: int


@dataclass(frozen=True)
class ResolutionBody:
    """A body that adopts resolutions, as bodies.ttl describes it: the one owner of its symbol rules."""

    key: str  # e.g. "general-assembly"
    prefix: str  # e.g. "A/RES/"
    number: re.Pattern[str]  # the number as letters cite it, e.g. 60/251 B
    names: tuple[str, ...]  # its labels (preferred, alternative, hidden), longest first


@dataclass(frozen=True)
class ElectionRecord:
    """An election of the record (data/reference/elections.ttl), as letters are matched to it."""

    key: str  # the last segment of its IRI: "2007", or a by-election's date "2018-07-13"
    date: str  # xsd:date
    term_start: int | None  # the year the winners' term begins
    term_end: int | None
    by_election: bool


def _year_of(term: ox.Literal | ox.NamedNode | ox.BlankNode | ox.Triple) -> int | None:
    value = _value(term)
    return int(value[:4]) if value[:4].isdigit() else None


class _Record:
    """The election record's lookups (a mixin of Reference)."""

    store: ox.Store
    base: str

    @cached_property
    def elections(self) -> list[ElectionRecord]:
        """Every election of the record, in order of date."""
        query = f"""PREFIX pg: <{PG}> PREFIX time: <http://www.w3.org/2006/time#>
        SELECT ?e ?date ?begin ?end ?by WHERE {{
          ?e a pg:Election ; pg:electionDate ?date .
          OPTIONAL {{ ?e pg:byElection ?by }}
          OPTIONAL {{ ?e pg:electedFor ?t .
            OPTIONAL {{ ?t time:hasBeginning/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?begin }}
            OPTIONAL {{ ?t time:hasEnd/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?end }} }}
        }}"""
        out = {}
        for row in self.store.query(query):  # type: ignore[union-attr]
            key = _value(row["e"]).rsplit("/", 1)[-1]
            out[key] = ElectionRecord(
                key,
                _value(row["date"]),
                _year_of(row["begin"]) if row["begin"] is not None else None,
                _year_of(row["end"]) if row["end"] is not None else None,
                row["by"] is not None and _value(row["by"]) == "true",
            )
        return sorted(out.values(), key=lambda e: e.date)

    def find_election(
        self,
        stated: str | None,
        term_start: int | None,
        letter_date: str | None,
    ) -> ElectionRecord | None:
        """The election a letter's candidature stood in: the one on the date the letter states (as
        precisely as it states it), else the regular election whose winners' term begins in the year
        the letter proposes; None when the letter says neither (letters announce candidatures years
        ahead: the next election after a letter is a guess, not a fact)."""
        regular = [e for e in self.elections if not e.by_election]
        if stated:
            on = [e for e in self.elections if e.date.startswith(stated)]
            on = [e for e in on if not e.by_election] or on
            if len(on) == 1:
                return on[0]
        if term_start is not None:
            starting = [e for e in regular if e.term_start == term_start]
            if letter_date:
                starting = [e for e in starting if e.date >= letter_date]
            if len(starting) == 1:
                return starting[0]
        return None


class Reference(_Record):
    """Reference data parsed against a base IRI, with the look-ups extraction needs."""

    def __init__(self, base: str = DEFAULT_BASE, files: list[Path] | None = None) -> None:
        self.base = base
        self.files = files if files is not None else resources.reference_files()
        self.store = ox.Store()
        for path in self.files:
            self.store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base)
        self.vocab = ox.Store()
        for name in ("themes.ttl", "vocabulary.ttl"):
            self.vocab.bulk_load(
                path=str(resources.ontology_file(name)), format=ox.RdfFormat.TURTLE
            )

    def iri(self, path: str) -> ox.NamedNode:
        return ox.NamedNode(self.base + path)

    def quads(self) -> list[ox.Quad]:
        return list(self.store.quads_for_pattern(None, None, None, None))

    def with_vocabularies(self) -> list[ox.Quad]:
        """The reference data and the vocabularies (themes, roles, statuses) its values come from:
        what a shape may look up about the IRIs a letter names."""
        return self.quads() + list(self.vocab.quads_for_pattern(None, None, None, None))

    # ---------------------------------------------------------------------------------- States

    @cached_property
    def _states(self) -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        iso_p = ox.NamedNode(PG + "iso3")
        for q in self.store.quads_for_pattern(None, iso_p, None, None):
            iso = _value(q.object)
            labels = []
            for p in (SKOS + "prefLabel", RDFS + "label", SKOS + "altLabel"):
                for n in self.store.quads_for_pattern(q.subject, ox.NamedNode(p), None, None):
                    labels.append(_value(n.object))
            names[iso] = list(dict.fromkeys(labels))
        return names

    @cached_property
    def _state_regex(self) -> tuple[re.Pattern[str], dict[str, str]]:
        by_name: dict[str, str] = {}
        for iso, labels in self._states.items():
            for label in labels:
                by_name.setdefault(fold(label), iso)
        alternatives = sorted(by_name, key=len, reverse=True)
        body = "|".join(r"\s+".join(re.escape(w) for w in n.split(" ")) for n in alternatives)
        rx = re.compile(r"(?<![\w-])(?:" + body + r")(?![\w-])")
        return rx, by_name

    def find_state(self, text: str) -> tuple[str | None, int, int]:
        """The first State named in text (longest name wins): ISO alpha-3 and the name's span."""
        rx, by_name = self._state_regex
        folded = fold_keep_length(text)
        m = rx.search(folded)
        if not m:
            return None, 0, 0
        iso = by_name.get(fold(m.group(0)))
        return iso, m.start(), m.end()

    def state_names(self, iso3: str) -> list[str]:
        return self._states.get(iso3, [])

    def state_label(self, iso3: str) -> str | None:
        names = self._states.get(iso3)
        return names[0] if names else None

    def has_state(self, iso3: str) -> bool:
        return iso3 in self._states

    # ---------------------------------------------------------------------------------- themes

    def themes(self) -> list[Theme]:
        return self._themes

    @cached_property
    def _themes(self) -> list[Theme]:
        out = []
        for q in self.vocab.quads_for_pattern(None, ox.NamedNode(PG + "matchPriority"), None, None):
            concept = q.subject
            if not _value(concept).startswith(PGT):
                continue  # the roles of vocabulary.ttl are ordered too
            patterns = tuple(
                re.compile(_value(p.object), re.I)
                for p in self.vocab.quads_for_pattern(
                    concept, ox.NamedNode(PG + "matchPattern"), None, None
                )
            )
            scope = next(
                self.vocab.quads_for_pattern(concept, ox.NamedNode(PG + "defaultScope"), None, None)
            )
            out.append(
                Theme(
                    key=_value(concept).removeprefix(PGT),
                    patterns=patterns,
                    scope=_value(scope.object).removeprefix(PGV + "scope-"),
                    priority=int(_value(q.object)),
                )
            )
        return sorted(out, key=lambda t: t.priority)

    def theme_keys(self) -> set[str]:
        keys = set()
        for q in self.vocab.quads_for_pattern(None, ox.NamedNode(SKOS + "inScheme"), None, None):
            keys.add(_value(q.subject).removeprefix(PGT))
        return keys

    # ---------------------------------------------------------------------------------- resolutions

    @cached_property
    def _resolution_bodies(self) -> list[ResolutionBody]:
        out = []
        prefix_p = ox.NamedNode(PG + "resolutionSymbolPrefix")
        for q in self.store.quads_for_pattern(None, prefix_p, None, None):
            body = q.subject
            number = next(
                self.store.quads_for_pattern(
                    body, ox.NamedNode(PG + "resolutionNumberPattern"), None, None
                )
            )
            names = {
                _value(n.object)
                for p in (SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel")
                for n in self.store.quads_for_pattern(body, ox.NamedNode(p), None, None)
            }
            out.append(
                ResolutionBody(
                    key=_value(body).rsplit("/", 1)[-1],
                    prefix=_value(q.object),
                    number=re.compile(_value(number.object)),
                    names=tuple(sorted(names, key=lambda n: (-len(n), n))),
                )
            )
        return sorted(out, key=lambda b: b.key)

    def resolution_bodies(self) -> list[ResolutionBody]:
        """The bodies whose resolutions letters cite, with their symbol rules and names (bodies.ttl)."""
        return self._resolution_bodies

    def resolve_resolution(
        self, raw: str, body_hint: str | None, sentence: str
    ) -> tuple[str | None, str | None, str | None]:
        """(number as printed, adopting body key, full UN symbol) of a resolution reference."""
        raw = re.sub(r"\s+", " ", raw.strip())
        bodies = {b.key: b for b in self._resolution_bodies}
        for b in sorted(bodies.values(), key=lambda b: -len(b.prefix)):
            if raw.startswith(b.prefix):
                return raw[len(b.prefix) :], b.key, raw
        number = raw
        body: str | None = body_hint
        if body is not None and (body not in bodies or not bodies[body].number.match(number)):
            body = None
        if body is None:
            # Without a named body, only the GA's session/number form since the 31st session is unambiguous
            # enough; a bare year/number could be the Commission's or ECOSOC's, so it stays unknown.
            m = re.match(r"^(\d{1,2})/\d{1,4}$", number)
            if m and int(m.group(1)) >= 31:
                body = "general-assembly"
        symbol = bodies[body].prefix + number if body else None
        return number, body, symbol

    def post_name(self, key: str) -> str:
        """The name (skos:prefLabel) of a post of bodies.ttl, e.g. "President of the General Assembly"."""
        label = next(
            self.store.quads_for_pattern(
                self.iri("id/post/" + key), ox.NamedNode(SKOS + "prefLabel"), None, None
            ),
            None,
        )
        if label is None:
            raise KeyError(f"no post {key!r} in the reference data")
        return _value(label.object)

    def resolution_iri(self, symbol: str) -> ox.NamedNode:
        return self.iri("id/resolution/" + resolution_slug(symbol))

    def known(self, iri: ox.NamedNode) -> bool:
        return next(self.store.quads_for_pattern(iri, None, None, None), None) is not None

    # ---------------------------------------------------------------------------------- mandates

    @cached_property
    def _mandates(self) -> list[tuple[str, str]]:
        out = []
        mandate_class = ox.NamedNode(PG + "SpecialProcedureMandate")
        for q in self.store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), mandate_class, None):
            key = _value(q.subject).rsplit("/", 1)[-1]
            for p in (SKOS + "prefLabel", SKOS + "altLabel"):
                for n in self.store.quads_for_pattern(q.subject, ox.NamedNode(p), None, None):
                    out.append((_mandate_key(_value(n.object)), key))
        return sorted(out, key=lambda x: -len(x[0]))

    def find_mandate(self, name: str) -> str | None:
        """The reference key of a mandate named in a letter (its title, maybe abridged)."""
        probe = _mandate_key(name)
        for label, key in self._mandates:
            if (
                probe == label
                or probe.startswith(label)
                or (len(probe) > 25 and label.startswith(probe))
            ):
                return key
        return None


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _mandate_key(name: str) -> str:
    t = fold(name)
    t = re.sub(
        r"\b(?:the|promotion and protection of|promotion and protection of the right to|right to)\b",
        " ",
        t,
    )
    t = re.sub(r"[^a-z ]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def fold_keep_length(text: str) -> str:
    """fold() that keeps every character's position (for spans): case and accents only."""
    out = []
    for c in text:
        d = unicodedata.normalize("NFKD", c)
        base = "".join(x for x in d if not unicodedata.combining(x)) or c
        out.append(base[0].lower() if len(base) >= 1 else c)
    s = "".join(out)
    return s.replace("’", "'").replace("`", "'")


def resolution_slug(symbol: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[/.\s()]", "-", symbol)).strip("-")
