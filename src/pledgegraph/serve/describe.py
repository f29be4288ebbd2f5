"""Linked data: which IRIs the server answers for, the triples of a resource's document, and their labels."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox

from ..namespaces import DCTERMS, DEFAULT_BASE, FOAF, PG, PREFIXES, RDF, RDFS, SCHEMA, SKOS
from ..queries import with_rows
from ..resources import page_query
from .conneg import SUFFIXES

if TYPE_CHECKING:
    from .backend import Backend

# Path roots of dereferenceable IRIs under the base; the vocabulary namespaces keep the default base
THING_ROOTS = ("id", "theme", "vocab", "ontology", "graph")
VOCAB_ROOTS = ("theme", "vocab", "ontology")
LABEL_PROPERTIES = (
    SKOS + "prefLabel",
    RDFS + "label",
    DCTERMS + "title",
    SCHEMA + "name",
    FOAF + "name",
    RDF + "value",
)

# The queries documents and pages are made of (queries/pages/*.rq); ?s is substituted
Q_OUT = page_query("document-out")
Q_IN = page_query("document-in")
Q_EXISTS = page_query("document-exists")
Q_GRAPH = page_query("document-graph")
Q_ONTOLOGY = page_query("document-ontology")
Q_LABELS = page_query("labels")
Q_IDENTIFIERS = page_query("identifiers")
Q_INVERSE = page_query("inverse-labels")
PREPOSITIONS = ("by", "in", "to", "for", "from", "of", "at", "on", "with", "during", "under", "as")
"""A label ending in one of these reads backwards as "LABEL this" ("made by this"); a noun reads
"LABEL of" ("candidate of")."""


@dataclass(frozen=True)
class Bases:
    """The data's base (in the store) and the served base (in URLs); IRIs are rewritten between the two."""

    data: str
    served: str
    prefix: str = "/"  # the URL path the data's base is served at, e.g. `/` or `/pledgegraph/`

    @classmethod
    def make(cls, data: str, served: str | None) -> Bases:
        """Without a served base, IRIs stay as they are and paths are served relative to the data's base."""
        if not served:
            return cls(data, data, "/")
        served = served if served.endswith("/") else served + "/"
        path = urlsplit(served).path or "/"
        return cls(data, served, path if path.endswith("/") else path + "/")

    def to_served(self, iri: str) -> str:
        if self.data != self.served and iri.startswith(self.data):
            return self.served + iri[len(self.data) :]
        return iri

    def to_data(self, iri: str) -> str:
        if self.data != self.served and iri.startswith(self.served):
            return self.data + iri[len(self.served) :]
        return iri

    def relative(self, iri: str) -> str | None:
        """The path of a dereferenceable IRI relative to the base, or None when it is not ours."""
        for base, roots in ((self.data, THING_ROOTS), (DEFAULT_BASE, VOCAB_ROOTS)):
            if iri.startswith(base):
                rest = iri[len(base) :]
                root = rest.split("/", 1)[0].split("#", 1)[0]
                if root in roots:
                    return rest
        return None

    def candidates(self, rel: str) -> list[str]:
        """The IRIs a document path may stand for (with and without a trailing slash)."""
        out = []
        for r in (rel, rel + "/"):
            out.append(self.data + r)
            if self.data != DEFAULT_BASE and r.split("/", 1)[0] in VOCAB_ROOTS:
                out.append(DEFAULT_BASE + r)
        return out

    def page(self, iri: str, ext: str = "html") -> str | None:
        """The path of the document about `iri` (with a suffix), or None for IRIs not under the base."""
        rel = self.relative(iri)
        if rel is None:
            return None
        rel, _, fragment = rel.partition("#")
        rel = rel.rstrip("/")
        if not rel:
            return None
        return f"{self.prefix}doc/{rel}.{ext}" + (f"#{fragment}" if fragment else "")

    def href(self, iri: str) -> str | None:
        """Where a link to `iri` should point in a page: its local document, or the IRI when it is on the web."""
        page = self.page(iri)
        if page:
            return page
        return iri if iri.startswith(("http://", "https://")) else None


# --------------------------------------------------------------------------------------------------
# Lookups


def exists(backend: Backend, iri: str) -> bool:
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return False
    _, rows = backend.select(Q_EXISTS, {"s": node})
    return bool(rows)


def resolve(backend: Backend, bases: Bases, rel: str) -> str | None:
    """The IRI (in the data) a path relative to the base names, if the data knows it."""
    if not rel or rel.split("/", 1)[0] not in THING_ROOTS:
        return None
    for iri in bases.candidates(rel.rstrip("/")):
        if exists(backend, iri):
            return iri
    return None


def split_suffix(rel: str) -> tuple[str, str | None]:
    """`doc/state/BLR.ttl` -> (`doc/state/BLR`, `text/turtle`); no known suffix -> (rel, None)."""
    head, dot, ext = rel.rpartition(".")
    if dot and "/" not in ext and ext in SUFFIXES:
        return head, SUFFIXES[ext]
    return rel, None


# --------------------------------------------------------------------------------------------------
# RDF documents


def document_triples(backend: Backend, bases: Bases, iri: str) -> list[ox.Triple]:
    """The triples of the document about `iri`: its own, those pointing at it, and a graph's or ontology's content."""
    node = ox.NamedNode(iri)
    triples: set[ox.Triple] = set()
    _, rows = backend.select(Q_OUT, {"s": node})
    triples.update(ox.Triple(node, r["p"], r["o"]) for r in rows)
    _, rows = backend.select(Q_IN, {"s": node})
    triples.update(ox.Triple(r["x"], r["p"], node) for r in rows)
    if "/graph/" in iri or iri.endswith("/graph"):
        _, rows = backend.select(Q_GRAPH, {"s": node})
        triples.update(ox.Triple(r["x"], r["p"], r["o"]) for r in rows)
    if iri == PG.rstrip("#"):
        _, rows = backend.select(Q_ONTOLOGY)
        triples.update(ox.Triple(r["x"], r["p"], r["o"]) for r in rows)
    return sort_triples(rewrite(bases, triples))


def sort_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _rewrite_term(bases: Bases, term: Any) -> Any:
    if isinstance(term, ox.NamedNode):
        served = bases.to_served(term.value)
        return term if served == term.value else ox.NamedNode(served)
    return term


def rewrite(bases: Bases, triples: Iterable[ox.Triple]) -> Iterable[ox.Triple]:
    """Triples with the data's IRIs moved onto the served base (so they dereference where served)."""
    if bases.data == bases.served:
        return triples
    return [
        ox.Triple(
            _rewrite_term(bases, t.subject),
            _rewrite_term(bases, t.predicate),
            _rewrite_term(bases, t.object),
        )
        for t in triples
    ]


_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def serialize(triples: Sequence[ox.Triple], media: str) -> bytes:
    fmt = _FORMATS[media]
    if fmt == ox.RdfFormat.N_TRIPLES:
        return ox.serialize(triples, format=fmt) or b""
    return ox.serialize(triples, format=fmt, prefixes=PREFIXES) or b""


# --------------------------------------------------------------------------------------------------
# Labels and descriptions for pages


def term_name(iri: str) -> str:
    """A property's or class's name when the data gives it no label: its local name in words
    ("pressRelease" -> "press release")."""
    name = local_name(iri)
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ")
    return words if name[:1].isupper() else words.lower()


def local_name(iri: str) -> str:
    tail = iri.rstrip("/#")
    for sep in ("#", "/"):
        if sep in tail:
            tail = tail.rsplit(sep, 1)[1]
    return tail or iri


def fetch_labels(backend: Backend, iris: Iterable[str]) -> dict[str, str]:
    """The best label of each IRI: prefLabel, then label, title, name; English or untagged first."""
    wanted = sorted({i for i in iris if i})
    found: dict[str, tuple[tuple[int, int], str]] = {}
    for start in range(0, len(wanted), 200):
        chunk = [ox.NamedNode(i) for i in wanted[start : start + 200]]
        _, rows = backend.select(with_rows(Q_LABELS, "x", chunk))
        for r in rows:
            label = r["l"]
            if not isinstance(label, ox.Literal):
                continue
            lang = label.language or ""
            rank = (LABEL_PROPERTIES.index(r["lp"].value), 0 if lang in ("en", "") else 1)
            key = r["x"].value
            if key not in found or rank < found[key][0]:
                found[key] = (rank, label.value)
    out = {}
    for key, (rank, text) in found.items():
        text = " ".join(text.split())
        if rank[0] == len(LABEL_PROPERTIES) - 1 and len(text) > 90:  # statement text as a label
            text = text[:88].rstrip() + "…"
        out[key] = text
    for i in wanted:
        if i not in out and i in vocabulary_labels():
            out[i] = vocabulary_labels()[i]
    missing = [i for i in wanted if i not in out]
    out.update(_identifiers(backend, missing))
    return out


@cache
def vocabulary_labels() -> dict[str, str]:
    """Labels of other vocabularies' terms the pages show (serve/vocabulary-labels.ttl)."""
    path = Path(__file__).resolve().parent / "vocabulary-labels.ttl"
    return {
        str(t.subject.value): str(t.object.value)
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        if isinstance(t.object, ox.Literal)
    }


def _identifiers(backend: Backend, iris: list[str]) -> dict[str, str]:
    """Names of IRIs that have no label: a symbol, notation, file name, date, position, or their
    type's label (queries/pages/identifiers.rq)."""
    best: dict[str, tuple[int, str]] = {}
    for start in range(0, len(iris), 200):
        chunk = []
        for i in iris[start : start + 200]:
            try:
                chunk.append(ox.NamedNode(i))
            except ValueError:
                continue
        if not chunk:
            continue
        _, rows = backend.select(with_rows(Q_IDENTIFIERS, "x", chunk))
        for r in rows:
            rank = int(r["rank"].value)
            key = r["x"].value
            if key not in best or (rank, r["l"].value) < best[key]:
                best[key] = (rank, r["l"].value)
    return {k: _short(" ".join(v.split()), 90) for k, (_, v) in best.items()}


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 2].rstrip() + "…"


def inverse_labels(backend: Backend, predicates: Iterable[str]) -> dict[str, str]:
    """How each property reads backwards: its owl:inverseOf's label where the data has one, else
    its label phrased as "X of" (a noun) or "X this" (a label ending in a preposition)."""
    wanted = sorted(set(predicates))
    found: dict[str, str] = {}
    if wanted:
        _, rows = backend.select(with_rows(Q_INVERSE, "p", [ox.NamedNode(p) for p in wanted]))
        found = {r["p"].value: r["l"].value for r in rows}
    return found


def phrase_inverse(label: str) -> str:
    """A property's label read backwards, when the data gives no inverse."""
    words = label.split()
    if not words:
        return label
    if words[0] == "has" and len(words) > 1:  # "has part" -> "part of"
        return " ".join(words[1:]) + " of"
    if words[0] == "is" and words[-1] == "of" and len(words) > 2:  # "is part of" -> "has part"
        return "has " + " ".join(words[1:-1])
    if words[-1].lower() in PREPOSITIONS:  # "made by" -> "made by this"
        return label + " this"
    return label + " of"


def external_label(bases: Bases, iri: str) -> str:
    """A readable name for an IRI the data gives no name: its place on the web (host and path), or
    its path under the base; never only its last segment."""
    rel = bases.relative(iri)
    if rel is not None:
        return term_name(iri) if "#" in rel else rel.rstrip("/") or iri
    parts = urlsplit(iri)
    if parts.scheme in ("http", "https") and parts.netloc:
        host = parts.netloc.removeprefix("www.")
        path = parts.path.rstrip("/")
        return host + path + (f"?{parts.query}" if parts.query else "")
    return iri


@dataclass
class Node:
    """A term as a page shows it."""

    term: Any
    label: str
    href: str | None = None
    iri: str | None = None  # the served IRI of a named node
    literal: bool = False
    note: str = ""  # language or datatype of a literal


@dataclass
class Arc:
    predicate: Node
    nodes: list[Node] = field(default_factory=list)
    more: int = 0
    label: str = ""  # how the row reads: the property's label, or its inverse for incoming links


@dataclass
class Description:
    iri: str
    served: str
    label: str
    types: list[Node]
    outgoing: list[Arc]
    incoming: list[Arc]
    graphs: list[Node]
    labels: dict[str, str]
    out_rows: list[dict[str, Any]]


def node(bases: Bases, labels: dict[str, str], term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        iri = term.value
        label = labels.get(iri) or external_label(bases, iri)
        return Node(term, label, bases.href(iri), bases.to_served(iri))
    if isinstance(term, ox.Literal):
        note = term.language or ""
        if not note and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            note = local_name(term.datatype.value)
        return Node(term, term.value, literal=True, note=note)
    if isinstance(term, ox.BlankNode):
        return Node(term, "_:" + term.value)
    return Node(term, str(term))


def describe(backend: Backend, bases: Bases, iri: str, per_predicate: int = 40) -> Description:
    """A resource with its outgoing and incoming links, everything labelled."""
    subject = ox.NamedNode(iri)
    _, out_rows = backend.select(Q_OUT, {"s": subject})
    _, in_rows = backend.select(Q_IN, {"s": subject})
    out: dict[str, list[Any]] = {}
    graphs: set[str] = set()
    for r in out_rows:
        graphs.add(r["g"].value)
        values = out.setdefault(r["p"].value, [])
        if r["o"] not in values:
            values.append(r["o"])
    inc: dict[str, list[Any]] = {}
    for r in in_rows:
        graphs.add(r["g"].value)
        subjects = inc.setdefault(r["p"].value, [])
        if r["x"] not in subjects:
            subjects.append(r["x"])
    need = {iri, *out, *inc, *graphs}
    for values in out.values():
        need.update(v.value for v in values if isinstance(v, ox.NamedNode))
    for subjects in inc.values():
        need.update(s.value for s in subjects[:per_predicate] if isinstance(s, ox.NamedNode))
    labels = fetch_labels(backend, need)
    types = [node(bases, labels, t) for t in out.pop(RDF + "type", [])]

    def order(p: str) -> tuple[int, str]:
        return (0 if p in LABEL_PROPERTIES else 1, labels.get(p) or local_name(p))

    # A link to a document on the web whose path ends with one of this resource's own values
    # (a UN document symbol) reads as that value ("A/64/726", not "726").
    own = {
        v.value for vs in out.values() for v in vs if isinstance(v, ox.Literal) and "/" in v.value
    }
    for vs in out.values():
        for v in vs:
            if (
                isinstance(v, ox.NamedNode)
                and v.value not in labels
                and bases.relative(v.value) is None
            ):
                path = unquote(urlsplit(v.value).path)
                for value in sorted(own, key=len, reverse=True):
                    if path.endswith("/" + value):
                        labels[v.value] = value
                        break
    inverse = inverse_labels(backend, inc)

    outgoing = [
        Arc(
            node(bases, labels, ox.NamedNode(p)),
            sorted((node(bases, labels, v) for v in vs), key=_node_key),
            label=labels.get(p) or term_name(p),
        )
        for p, vs in sorted(out.items(), key=lambda kv: order(kv[0]))
    ]
    incoming = []
    for p, subjects in sorted(inc.items(), key=lambda kv: order(kv[0])):
        shown = sorted((node(bases, labels, s) for s in subjects[:per_predicate]), key=_node_key)
        incoming.append(
            Arc(
                node(bases, labels, ox.NamedNode(p)),
                shown,
                max(0, len(subjects) - per_predicate),
                label=inverse.get(p) or phrase_inverse(labels.get(p) or term_name(p)),
            )
        )
    return Description(
        iri=iri,
        served=bases.to_served(iri),
        label=labels.get(iri) or external_label(bases, iri),
        types=types,
        outgoing=outgoing,
        incoming=incoming,
        graphs=[node(bases, labels, ox.NamedNode(g)) for g in sorted(graphs)],
        labels=labels,
        out_rows=out_rows,
    )


def _node_key(n: Node) -> tuple[str, str]:
    return (n.label.lower(), str(n.term))
