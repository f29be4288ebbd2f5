"""Serialises RDF to bytes with pyoxigraph (the one place that narrows its optional return type)."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox


def rdf_bytes(
    items: Iterable[ox.Triple] | Iterable[ox.Quad],
    format: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    data = ox.serialize(items, format=format, prefixes=prefixes)
    assert data is not None  # no output file was given, so the bytes come back
    return data
