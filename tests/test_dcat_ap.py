"""The dataset's description (DCAT and VoID) against the DCAT-AP 3.0.1 shapes, and its figures."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from pyshacl import validate

from conftest import SEED
from pledgegraph.build import build

SHAPES = Path(__file__).parent / "fixtures" / "dcat-ap" / "3.0.1"
BASE = "https://w3id.org/pledgegraph/"
DATASET_GRAPH = f"{BASE}graph/dataset"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
VOID = "http://rdfs.org/ns/void#"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dcat") / "build"
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1764590400")  # 2025-12-01T12:00:00Z
    try:
        build([SEED], out, BASE, log=lambda _m: None, use_cache=False)
    finally:
        mp.undo()
    return out


def _quads(out: Path) -> list[ox.Quad]:
    return list(ox.parse(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS))


@pytest.fixture(scope="module")
def description(built: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    nt = "".join(
        f"{q.subject} {q.predicate} {q.object} .\n"
        for q in _quads(built)
        if q.graph_name == ox.NamedNode(DATASET_GRAPH)
    )
    g.parse(data=nt, format="nt")
    return g


def _results(data: rdflib.Graph, *files: str) -> list[tuple[str, str, str]]:
    shapes = rdflib.Graph()
    for name in files:
        shapes.parse(SHAPES / name, format="turtle")
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return [
        (
            str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1],
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
    ]


def test_description_conforms_to_dcat_ap(description: rdflib.Graph) -> None:
    found = _results(
        description, "shapes.ttl", "shapes_recommended.ttl", "range.ttl", "deprecateduris.ttl"
    )
    violations = [r for r in found if r[0] == "Violation"]
    assert violations == []


def test_controlled_vocabularies_but_the_eu_corporate_bodies(description: rdflib.Graph) -> None:
    """Every value from an EU authority table is in its table; the one constraint that fails is the
    publisher's, which DCAT-AP asks of EU institutions only (see the fixtures' README)."""
    violations = [
        r for r in _results(description, "mdr-vocabularies.shape.ttl") if r[0] == "Violation"
    ]
    assert violations, "the corporate-body constraint no longer fails: update the README"
    assert {focus for _, focus, _ in violations} == {f"{BASE}id/project"}


def test_a_description_missing_a_mandatory_property_fails(description: rdflib.Graph) -> None:
    broken = rdflib.Graph()
    for t in description:
        broken.add(t)
    broken.remove((rdflib.URIRef(f"{BASE}id/dataset"), rdflib.DCTERMS.description, None))
    violations = [r for r in _results(broken, "shapes.ttl") if r[0] == "Violation"]
    assert [focus for _, focus, _ in violations] == [f"{BASE}id/dataset"]


def test_void_counts_are_distinct_triples_and_entities(built: Path) -> None:
    quads = _quads(built)
    content = [q for q in quads if q.graph_name != ox.NamedNode(DATASET_GRAPH)]
    distinct = {(q.subject, q.predicate, q.object) for q in content}
    subjects = {q.subject for q in content}
    store = ox.Store()
    store.extend(quads)

    def figure(subject: str, prop: str) -> int:
        (q,) = store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(VOID + prop), None, None)
        return int(q.object.value)

    assert figure(f"{BASE}id/dataset", "triples") == len(distinct)
    assert figure(f"{BASE}id/dataset", "distinctSubjects") == len(subjects)
    assert figure(f"{BASE}id/dataset", "entities") == sum(
        1 for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(f"{BASE}id/")
    )
    for graph in {q.graph_name for q in content}:
        in_graph = {(q.subject, q.predicate, q.object) for q in content if q.graph_name == graph}
        assert figure(graph.value, "triples") == len(in_graph)


def test_build_activity_and_coverage(description: rdflib.Graph) -> None:
    ds = rdflib.URIRef(f"{BASE}id/dataset")
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    activity = description.value(ds, prov.wasGeneratedBy)
    version = description.value(ds, dcat.version)
    assert str(activity) == f"{BASE}id/build/{version}"
    assert (activity, prov.used, rdflib.URIRef(f"{BASE}id/source/BLR-2007-04-09")) in description
    software = description.value(activity, prov.wasAssociatedWith)
    assert (software, rdflib.RDF.type, prov.SoftwareAgent) in description
    assert (
        description.value(ds, rdflib.DCTERMS.issued).toPython().isoformat()
        == "2025-12-01T12:00:00+00:00"
    )
    period = description.value(ds, rdflib.DCTERMS.temporal)
    # the first election of the Council was held on 9 May 2006 (GA/10477)
    assert str(description.value(period, dcat.startDate)) == "2006-05-09"
    assert not any(isinstance(term, rdflib.BNode) for t in description for term in t)
    assert not list(description.objects(ds, rdflib.DCTERMS.hasVersion))
