"""Exports a build as RDF: Turtle, TriG (one named graph per letter), N-Triples or JSON-LD, in stable order."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from .buildfolder import BuildFolder
from .namespaces import PREFIXES
from .rdf import rdf_bytes

FORMATS = {
    "turtle": (ox.RdfFormat.TURTLE, False),
    "trig": (ox.RdfFormat.TRIG, True),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "nq": (ox.RdfFormat.N_QUADS, True),
    "jsonld": (ox.RdfFormat.JSON_LD, False),
    "rdfxml": (ox.RdfFormat.RDF_XML, False),
}


def sorted_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    return sorted(
        set(quads),
        key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
    )


def turtle(triples: Iterable[ox.Triple]) -> bytes:
    """Triples as sorted Turtle (the form of the golden files)."""
    ordered = sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return rdf_bytes(ordered, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def serialize_quads(quads: list[ox.Quad], fmt: str) -> bytes:
    rdf_format, keeps_graphs = FORMATS[fmt]
    if keeps_graphs:
        data = rdf_bytes(sorted_quads(quads), format=rdf_format, prefixes=PREFIXES)
    else:
        triples = sorted(
            {ox.Triple(q.subject, q.predicate, q.object) for q in quads},
            key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
        )
        data = rdf_bytes(triples, format=rdf_format, prefixes=PREFIXES)
    assert data is not None  # no output file given: serialize returns the bytes
    return data


def export(data_dir: Path, fmt: str) -> bytes:
    return serialize_quads(BuildFolder(data_dir).load_dataset(), fmt)
