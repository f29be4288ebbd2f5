"""Every pg: term the project uses is declared in the ontology, with a label and a comment.

Terms are gathered wherever they can be written: the ontology and vocabularies, the shapes, the
reference data, the dataset template, the queries (named and the pages' own), the code, and a build's
own outputs (its graphs and its validation report), so that a term made up in one place cannot hide.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT

PG = "https://w3id.org/pledgegraph/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
ONTOLOGY = ROOT / "ontology" / "pledgegraph.ttl"
# pg:Foo in Turtle, SPARQL and code; the full IRI anywhere
_PREFIXED = re.compile(r"(?<![\w/#.-])pg:([A-Za-z][A-Za-z0-9]*)")
_FULL = re.compile(re.escape(PG) + r"([A-Za-z][A-Za-z0-9]*)")
_CODE_CONSTANT = re.compile(r"""\bPG\s*\+\s*["']([A-Za-z][A-Za-z0-9]*)["']""")


def _declared() -> dict[str, set[str]]:
    """Each pg: term the ontology describes, with the properties it has."""
    out: dict[str, set[str]] = {}
    for t in ox.parse(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE):
        if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(PG):
            out.setdefault(t.subject.value.removeprefix(PG), set()).add(t.predicate.value)
    return out


def _files() -> list[Path]:
    patterns = [
        "ontology/*.ttl",
        "data/reference/*.ttl",
        "data/dataset.ttl",
        "queries/**/*.rq",
        "src/pledgegraph/**/*.py",
        "src/pledgegraph/**/*.html",
    ]
    return sorted(p for pattern in patterns for p in ROOT.glob(pattern))


def _used_in(text: str) -> set[str]:
    found = set(_FULL.findall(text)) | set(_CODE_CONSTANT.findall(text))
    if "@prefix pg:" in text or "PREFIX pg:" in text or "prefix pg:" in text:
        found |= set(_PREFIXED.findall(text))
    return found


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_pg_term_in_the_sources_is_declared(path: Path) -> None:
    declared = _declared()
    missing = sorted(_used_in(path.read_text(encoding="utf-8")) - set(declared))
    assert not missing, f"pg: terms used in {path.name} but not declared: {missing}"


def test_every_pg_term_in_a_build_is_declared(seed_build: Path) -> None:
    """The published graphs and the validation report (pg:sourceText was not declared)."""
    declared = _declared()
    used: set[str] = set()
    for name in ("dataset.nq", "report.ttl"):
        fmt = ox.RdfFormat.N_QUADS if name.endswith(".nq") else ox.RdfFormat.TURTLE
        for q in ox.parse(path=str(seed_build / name), format=fmt):
            for term in (q.subject, q.predicate, q.object):
                if isinstance(term, ox.NamedNode) and term.value.startswith(PG):
                    used.add(term.value.removeprefix(PG))
    assert used, "the build uses pg: terms: the test is not vacuous"
    assert not sorted(used - set(declared))


def test_every_declared_term_has_a_label_and_a_comment() -> None:
    for term, properties in _declared().items():
        if term in ("",):
            continue
        assert {RDFS + "label", RDFS + "comment"} <= properties, term
