"""The ontology's documentation as people read it: pyLODE's page of the ontology (its OntPub profile)
at the ontology's IRI. Each concept scheme has a page of its own too, made by the site's templates
from the store (pyLODE's VocPub profile lists a scheme's metadata, not its concepts).

The page is made from the ontology file pledgegraph ships (the one every build loads into its
`graph/ontology`), once per process, on first request (about a second and a half). It is
self-contained: no asset from the internet.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from types import ModuleType

import rdflib

from .. import resources
from ..dataset import ONTOLOGY_FILES
from ..namespaces import PG

ONTOLOGY_IRI = PG.rstrip("#")


def page(iri: str) -> str | None:
    """pyLODE's page of `iri` when it is the ontology, else None."""
    return _ontology_page() if iri == ONTOLOGY_IRI else None


@cache
def _ontology_page() -> str:
    graph = rdflib.Graph()
    graph.parse(resources.ontology_file(ONTOLOGY_FILES[0]), format="turtle")
    with _root_logger_kept():
        html = _pylode().OntPub(ontology=graph).make_html()
    return _term_anchors(html)


_ENTITY = re.compile(
    r'(<div class="property entity" id="(?P<id>[^"]+)">)(?P<body>.*?)<code>'
    + re.escape(PG)
    + r"(?P<local>[A-Za-z0-9_-]+)</code>",
    re.S,
)


def _term_anchors(html: str) -> str:
    """pyLODE names a term's section after its label or its local name, as it finds them; a term's
    IRI (`ontology#Candidature`) and our pages' links to it need its local name: add it where the
    section has another id."""
    taken = set(re.findall(r'id="([^"]+)"', html))

    def anchor(m: re.Match[str]) -> str:
        local = m["local"]
        if local == m["id"] or local in taken:
            return m[0]
        taken.add(local)
        return f'{m[1]}<span id="{local}"></span>{m["body"]}<code>{PG}{local}</code>'

    return _ENTITY.sub(anchor, html)


@cache
def _pylode() -> ModuleType:
    with _root_logger_kept():
        import pylode
    return pylode


@contextmanager
def _root_logger_kept() -> Iterator[None]:
    """pyLODE configures the root logger on import and logs through it (which configures it when
    nothing has): keep the server's log as it was, without pyLODE's progress at DEBUG."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
