"""JSON-LD a web developer can read as plain JSON: one published @context (short keys, IRIs as strings), documents compacted with it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..namespaces import OWL, PG, PREFIXES, RDF, RDFS, XSD
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


def _terms(ctx: Context) -> dict[tuple[str, str], str]:
    """(IRI, coercion) -> key: which short key writes a property's values, by how they are written
    ("@id" for IRIs, "@language" for English text, a datatype, or "" for plain values)."""

    def make() -> dict[tuple[str, str], str]:
        prefixes = {
            k: v for k, v in context(ctx).items() if isinstance(v, str) and v.endswith(("/", "#"))
        }
        out: dict[tuple[str, str], str] = {}
        for key, value in context(ctx).items():
            if key in prefixes or key.startswith("@") or key in ("id", "type"):
                continue
            iri, coercion = (value, "") if isinstance(value, str) else (value["@id"], "")
            if isinstance(value, dict):
                coercion = value.get("@type") or ("@language" if "@language" in value else "")
            out[(_expand(iri, prefixes), coercion)] = key
        return out

    return ctx.once("jsonld-terms", make)


def _expand(name: str, prefixes: dict[str, str]) -> str:
    prefix, _, local = name.partition(":")
    return prefixes[prefix] + local if prefix in prefixes and not local.startswith("//") else name


def _short(iri: str, prefixes: list[tuple[str, str]]) -> str:
    for prefix, ns in prefixes:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


NATIVE = (XSD + "integer", XSD + "boolean")


def compact(ctx: Context, triples: Sequence[ox.Triple]) -> bytes:
    """The triples as JSON-LD compacted with the published context, which it names by URL: one
    object per subject, short keys, IRIs as strings, English text as plain strings, integers and
    booleans as JSON's, one type as a string (a list only for several)."""
    terms = _terms(ctx)
    prefixes = sorted(
        ((k, v) for k, v in context(ctx).items() if isinstance(v, str) and v.endswith(("/", "#"))),
        key=lambda kv: -len(kv[1]),
    )
    nodes: dict[str, dict[str, Any]] = {}
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode):
            continue
        node = nodes.setdefault(t.subject.value, {"id": t.subject.value})
        p, o = t.predicate.value, t.object
        plain_key = terms.get((p, "")) or _short(p, prefixes)
        key: str
        value: Any
        if p == RDF + "type" and isinstance(o, ox.NamedNode):
            key, value = "type", _short(o.value, prefixes)
        elif isinstance(o, ox.NamedNode):
            as_iri = terms.get((p, "@id"))
            key, value = (as_iri, o.value) if as_iri else (plain_key, {"id": o.value})
        elif isinstance(o, ox.Literal):
            dt = o.datatype.value
            typed = terms.get((p, _short(dt, prefixes))) or terms.get((p, dt))
            if o.language == "en" and (p, "@language") in terms:
                key, value = terms[(p, "@language")], o.value
            elif o.language:
                key, value = plain_key, {"@value": o.value, "@language": o.language}
            elif dt == XSD + "string":
                key, value = plain_key, o.value
            elif dt in NATIVE and _native_ok(o.value, dt):
                native = o.value == "true" if dt.endswith("boolean") else int(o.value)
                key, value = plain_key, native
            elif typed:
                key, value = typed, o.value
            else:
                key, value = plain_key, {"@value": o.value, "@type": _short(dt, prefixes)}
        else:
            continue
        if key in node:
            if not isinstance(node[key], list):
                node[key] = [node[key]]
            if value not in node[key]:
                node[key].append(value)
        else:
            node[key] = value
    graph = [nodes[k] for k in sorted(nodes)]
    doc: dict[str, Any] = {"@context": context_url(ctx)}
    if len(graph) == 1:
        doc.update(graph[0])
    else:
        doc["@graph"] = graph
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


def _native_ok(value: str, dt: str) -> bool:
    if dt.endswith("boolean"):
        return value in ("true", "false")
    return value.lstrip("-").isdigit() and len(value) < 16
