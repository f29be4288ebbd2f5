"""The extractor's knowledge as data, loaded once: the cues of ontology/lexicon.ttl, and the patterns that
the concepts of ontology/vocabulary.ttl carry (scopes, roles, visit statuses).

Both files are found through `resources`; the extractor's modules compile what they need from here
when they are imported, so every regular expression is compiled once per process."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from .. import resources
from ..namespaces import PG, PGL, PGV, RDF, SKOS

_TYPE = ox.NamedNode(RDF + "type")


@dataclass(frozen=True)
class Cue:
    """One cue of the lexicon: a regular expression, what it signals (its kind), and its examples."""

    name: str  # the cue's local name in the lexicon, e.g. "formulaic.honour"
    kind: str  # the local name of its kind, e.g. "formulaic"
    label: str
    pattern: str
    priority: int
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    notation: str | None = None  # a value the cue stands for (a cardinal's number)


@dataclass(frozen=True)
class Kind:
    """A kind of cue: its cues in the order they are tried, and whether they are matched with case."""

    name: str
    label: str
    case_sensitive: bool
    cues: tuple[Cue, ...]

    @property
    def flags(self) -> int:
        return 0 if self.case_sensitive else re.I


@dataclass(frozen=True)
class Concept:
    """A concept of the vocabulary that carries patterns: its notation (the value the extractor gives),
    its patterns for a sentence and for the verb before an event, its order and its examples."""

    name: str  # local name under pgv:, e.g. "scope-both"
    label: str
    notation: str
    patterns: tuple[str, ...]
    event_patterns: tuple[str, ...]
    priority: int | None
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]


def _literals(store: ox.Store, subject: ox.NamedNode, predicate: str) -> tuple[str, ...]:
    """The values of a property, sorted: RDF gives no order, and the result must not depend on it."""
    return tuple(
        sorted(
            q.object.value
            for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None, None)
            if isinstance(q.object, ox.Literal)
        )
    )


def _iri(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """The IRI an object names (the lexicon links concepts by IRI only)."""
    if not isinstance(term, ox.NamedNode):
        raise ValueError(f"expected an IRI in the lexicon, found {term}")
    return term.value


def _one(store: ox.Store, subject: ox.NamedNode, predicate: str) -> str | None:
    values = _literals(store, subject, predicate)
    return values[0] if values else None


def _load(name: str) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(resources.ontology_file(name)), format=ox.RdfFormat.TURTLE)
    return store


@cache
def kinds() -> dict[str, Kind]:
    """Every kind of cue in ontology/lexicon.ttl, by local name."""
    store = _load("lexicon.ttl")
    cues: dict[str, list[Cue]] = {}
    for q in store.quads_for_pattern(None, _TYPE, ox.NamedNode(PG + "Cue"), None):
        cue = q.subject
        assert isinstance(cue, ox.NamedNode)
        broader = next(store.quads_for_pattern(cue, ox.NamedNode(SKOS + "broader"), None, None))
        kind_name = _iri(broader.object).removeprefix(PGL)
        cues.setdefault(kind_name, []).append(
            Cue(
                name=cue.value.removeprefix(PGL),
                kind=kind_name,
                label=_one(store, cue, SKOS + "prefLabel") or "",
                pattern=_one(store, cue, PG + "matchPattern") or "",
                priority=int(_one(store, cue, PG + "matchPriority") or 0),
                examples=_literals(store, cue, SKOS + "example"),
                counter_examples=_literals(store, cue, PG + "counterExample"),
                notation=_one(store, cue, SKOS + "notation"),
            )
        )
    out = {}
    for q in store.quads_for_pattern(None, _TYPE, ox.NamedNode(PG + "CueKind"), None):
        subject = q.subject
        assert isinstance(subject, ox.NamedNode)
        name = subject.value.removeprefix(PGL)
        out[name] = Kind(
            name=name,
            label=_one(store, subject, SKOS + "prefLabel") or "",
            case_sensitive=_one(store, subject, PG + "caseSensitive") == "true",
            cues=tuple(sorted(cues.get(name, []), key=lambda c: (c.priority, c.name))),
        )
    return out


def alternation(*names: str) -> str:
    """The cues of these kinds as one alternation, in order: each cue a group of its own, so that the
    alternation matches exactly what the cues written one after the other with `|` match."""
    return "|".join(f"(?:{c.pattern})" for name in names for c in kinds()[name].cues)


def pattern(*names: str) -> re.Pattern[str]:
    """The cues of these kinds compiled as one pattern (the kinds must agree on case)."""
    flags = {kinds()[name].flags for name in names}
    if len(flags) != 1:
        raise ValueError(f"cue kinds {names} do not agree on case")
    return re.compile(alternation(*names), flags.pop())


def cue_patterns(name: str) -> tuple[tuple[Cue, re.Pattern[str]], ...]:
    """The cues of a kind compiled one by one, in order: for kinds whose cues name groups (a year,
    a number), which one alternation could not hold twice."""
    kind = kinds()[name]
    return tuple((c, re.compile(c.pattern, kind.flags)) for c in kind.cues)


@cache
def concepts() -> dict[str, Concept]:
    """The concepts of ontology/vocabulary.ttl that carry patterns or an order, by local name under pgv:."""
    store = _load("vocabulary.ttl")
    subjects = {
        q.subject
        for p in ("matchPattern", "eventRolePattern", "matchPriority")
        for q in store.quads_for_pattern(None, ox.NamedNode(PG + p), None, None)
    }
    out = {}
    for s in subjects:
        assert isinstance(s, ox.NamedNode)
        name = s.value.removeprefix(PGV)
        priority = _one(store, s, PG + "matchPriority")
        out[name] = Concept(
            name=name,
            label=_one(store, s, SKOS + "prefLabel") or name,
            notation=_one(store, s, SKOS + "notation") or name,
            patterns=_literals(store, s, PG + "matchPattern"),
            event_patterns=_literals(store, s, PG + "eventRolePattern"),
            priority=int(priority) if priority is not None else None,
            examples=_literals(store, s, SKOS + "example"),
            counter_examples=_literals(store, s, PG + "counterExample"),
        )
    return out


def concept_pattern(name: str) -> re.Pattern[str]:
    """A concept's patterns as one case-insensitive alternation."""
    return re.compile("|".join(f"(?:{p})" for p in concepts()[name].patterns), re.I)


def ranked(prefix: str, event: bool = False, named: bool = False) -> list[Concept]:
    """The concepts whose name starts with prefix (e.g. "role-") in their order (pg:matchPriority):
    those with patterns for a sentence, or for the verb before an event (event), or all that are
    ordered (named: found by their name, as the senders are)."""
    found = [
        c
        for c in concepts().values()
        if c.name.startswith(prefix)
        and (c.priority is not None if named else (c.event_patterns if event else c.patterns))
    ]
    return sorted(found, key=lambda c: (c.priority if c.priority is not None else 1 << 30, c.name))
