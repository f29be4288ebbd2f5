"""Content negotiation: picks the media type to answer from an `Accept` header and what a resource offers."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

# Each offer: (media type answered, media types a client may ask for it by)
Offers = Sequence[tuple[str, tuple[str, ...]]]

DOCUMENT_OFFERS: Offers = (
    ("text/turtle", ("text/turtle", "application/x-turtle", "application/turtle")),
    ("text/html", ("text/html", "application/xhtml+xml")),
    ("application/ld+json", ("application/ld+json", "application/json", "application/x-json+ld")),
    ("application/n-triples", ("application/n-triples", "text/plain")),
    ("application/rdf+xml", ("application/rdf+xml", "application/xml", "text/xml")),
)
SUFFIXES = {
    "ttl": "text/turtle",
    "html": "text/html",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
EXTENSIONS = {media: ext for ext, media in SUFFIXES.items()}

SELECT_OFFERS: Offers = (
    ("application/sparql-results+json", ("application/sparql-results+json", "application/json")),
    (
        "application/sparql-results+xml",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
    ),
    ("text/csv", ("text/csv",)),
    ("text/tab-separated-values", ("text/tab-separated-values",)),
    ("text/html", ("text/html", "application/xhtml+xml")),
)
GRAPH_OFFERS: Offers = (
    ("text/turtle", ("text/turtle", "application/x-turtle", "application/turtle")),
    ("application/ld+json", ("application/ld+json", "application/json", "application/x-json+ld")),
    ("application/n-triples", ("application/n-triples", "text/plain")),
    ("application/rdf+xml", ("application/rdf+xml", "application/xml", "text/xml")),
    ("text/html", ("text/html", "application/xhtml+xml")),
)
# The `format` / `output` parameter many SPARQL clients send beside (or instead of) `Accept`
FORMAT_PARAM = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "json-ld": (None, "application/ld+json"),
    "jsonld": (None, "application/ld+json"),
    "nt": (None, "application/n-triples"),
    "ntriples": (None, "application/n-triples"),
    "n-triples": (None, "application/n-triples"),
    "rdfxml": (None, "application/rdf+xml"),
    "rdf": (None, "application/rdf+xml"),
    "html": ("text/html", "text/html"),
}
for _offers in (SELECT_OFFERS, GRAPH_OFFERS):
    for _media, _ in _offers:
        FORMAT_PARAM.setdefault(
            _media, (_media, None) if _offers is SELECT_OFFERS else (None, _media)
        )


CACHED_HEADER = 256
"""Only `Accept` headers up to this length are remembered: real clients send short ones, and a cache
keyed by long ones would let a client fill the server's memory."""
MAX_RANGES = 64
"""Media ranges read from one header; the rest are ignored (no client needs more)."""


def parse_accept(header: str) -> tuple[tuple[str, float], ...]:
    """The media ranges of an `Accept` header with their quality, in header order."""
    if len(header) <= CACHED_HEADER:
        return _parse_accept_cached(header)
    return _parse_accept(header)


@lru_cache(maxsize=512)
def _parse_accept_cached(header: str) -> tuple[tuple[str, float], ...]:
    return _parse_accept(header)


def _parse_accept(header: str) -> tuple[tuple[str, float], ...]:
    ranges = []
    for part in header.split(",", MAX_RANGES)[:MAX_RANGES]:
        fields = part.strip().split(";")
        media = fields[0].strip().lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media + "/*"
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return tuple(ranges)


def _match(ranges: tuple[tuple[str, float], ...], names: tuple[str, ...]) -> tuple[float, int]:
    """The quality the client gives to one offer and how specific the range that gave it is."""
    best = (-1.0, -1)
    for media, q in ranges:
        if media in names:
            spec = 2
        elif media.endswith("/*") and media != "*/*" and names[0].startswith(media[:-1]):
            spec = 1
        elif media == "*/*":
            spec = 0
        else:
            continue
        if spec > best[1]:
            best = (q, spec)
    return best


def negotiate(header: str | None, offers: Offers) -> str | None:
    """The best offer for `header` (the first offer when there is none), or None: 406 Not Acceptable."""
    if header is not None and len(header) > CACHED_HEADER:
        return _negotiate(header, offers)
    return _negotiate_cached(header, offers)


@lru_cache(maxsize=512)
def _negotiate_cached(header: str | None, offers: Offers) -> str | None:
    return _negotiate(header, offers)


def _negotiate(header: str | None, offers: Offers) -> str | None:
    if not header or not header.strip():
        return offers[0][0]
    ranges = parse_accept(header)
    if not ranges:
        return offers[0][0]
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, (media, names) in enumerate(offers):
        q, spec = _match(ranges, names)
        if q <= 0:
            continue
        key = (q, spec, -index)
        if best is None or key > best:
            best, chosen = key, media
    return chosen


def offered(offers: Offers) -> str:
    return ", ".join(media for media, _ in offers)
