"""JSON-LD a web developer can read as plain JSON: one published @context (short keys, IRIs as strings), documents compacted with it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..namespaces import OWL, PG, PREFIXES, RDF, RDFS
from ..resources import page_query

if TYPE_CHECKING:
    from .context import Context

CONTEXT_PATH = "context.jsonld"
"""Where the context is served, under the served base."""

# Terms of other vocabularies with a short key of their own (the pg: terms get their local names)
COMMON = {
    "label": (RDFS + "label", "@language"),
    "name": ("http://www.w3.org/2004/02/skos/core#prefLabel", "@language"),
    "altName": ("http://www.w3.org/2004/02/skos/core#altLabel", "@language"),
    "notation": ("http://www.w3.org/2004/02/skos/core#notation", None),
    "comment": (RDFS + "comment", "@language"),
    "value": (RDF + "value", None),
    "title": ("http://purl.org/dc/terms/title", "@language"),
    "date": ("http://purl.org/dc/terms/date", "xsd:date"),
    "source": ("http://purl.org/dc/terms/source", "@id"),
    "derivedFrom": ("http://www.w3.org/ns/prov#wasDerivedFrom", "@id"),
    "sameAs": (OWL + "sameAs", "@id"),
    "seeAlso": (RDFS + "seeAlso", "@id"),
    "member": ("http://www.w3.org/ns/org#member", "@id"),
    "organization": ("http://www.w3.org/ns/org#organization", "@id"),
    "memberDuring": ("http://www.w3.org/ns/org#memberDuring", "@id"),
    "url": ("https://schema.org/url", "@id"),
    "symbol": ("https://schema.org/legislationIdentifier", None),
}


def context(ctx: Context) -> dict[str, Any]:
    """The @context of every JSON-LD document and dump: prefixes, the ontology's terms by their
    local names (object properties as IRIs), and short keys for the common terms of other vocabularies."""

    def make() -> dict[str, Any]:
        out: dict[str, Any] = {"id": "@id", "type": "@type"}
        served = ctx.bases.to_served
        out.update({p: served(iri) for p, iri in PREFIXES.items()})
        _, rows = ctx.backend.select(page_query("jsonld-terms"))
        for r in rows:
            iri = r["term"].value
            local = iri[len(PG) :]
            kind = r["kind"].value if r.get("kind") is not None else ""
            if not local or local in out:
                continue
            if kind == OWL + "ObjectProperty":
                out[local] = {"@id": f"pg:{local}", "@type": "@id"}
            elif kind == OWL + "Class":
                out[local] = f"pg:{local}"
            else:
                out[local] = f"pg:{local}"
        for key, (iri, kind) in COMMON.items():
            entry: dict[str, str] = {"@id": served(iri)}
            if kind == "@language":
                entry["@language"] = "en"
            elif kind:
                entry["@type"] = kind
            out[key] = entry
        return out

    return ctx.once("jsonld-context", make)


def context_url(ctx: Context) -> str:
    return ctx.bases.served + CONTEXT_PATH


def compact(ctx: Context, triples: Sequence[ox.Triple]) -> bytes:
    """The triples as JSON-LD compacted with the published context, which it names by URL."""
    import rdflib

    g = rdflib.Graph()
    g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    body = g.serialize(format="json-ld", context=context(ctx), auto_compact=True)
    doc = json.loads(body)
    if isinstance(doc, dict):
        doc["@context"] = context_url(ctx)
        graph = doc.get("@graph")
        if isinstance(graph, list) and len(graph) == 1 and isinstance(graph[0], dict):
            doc = {"@context": doc["@context"], **graph[0]}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()
