"""Each SHACL shape: its valid example passes it, its invalid example makes exactly that shape fire on ex:focus."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from conftest import run_cli
from pledgegraph import resources
from pledgegraph.validate import validate_triples

EXAMPLES = Path(__file__).resolve().parent / "shapes"
PGSH = "https://w3id.org/pledgegraph/shapes#"
FOCUS = "https://example.org/focus"


def shape_names() -> list[str]:
    g = rdflib.Graph().parse(resources.ontology_file("shapes.ttl"))
    return sorted(
        str(s).removeprefix(PGSH)
        for s in g.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#NodeShape"))
    )


def triples(path: Path) -> list[tuple]:
    return [
        (t.subject, t.predicate, t.object)
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    ]


def test_every_shape_has_both_examples() -> None:
    for name in shape_names():
        assert (EXAMPLES / f"{name}.valid.ttl").is_file(), name
        assert (EXAMPLES / f"{name}.invalid.ttl").is_file(), name


def test_every_shape_is_named_with_a_message() -> None:
    g = rdflib.Graph().parse(resources.ontology_file("shapes.ttl"))
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    for name in shape_names():
        shape = rdflib.URIRef(PGSH + name)
        assert g.value(shape, sh.name), name
        messages = list(g.objects(shape, sh.message))
        for part in (*g.objects(shape, sh.property), *g.objects(shape, sh.sparql)):
            messages += list(g.objects(part, sh.message))
        assert messages, name


@pytest.mark.parametrize("name", shape_names())
def test_valid_example_passes(name: str) -> None:
    findings = validate_triples(triples(EXAMPLES / f"{name}.valid.ttl"))
    assert not [f for f in findings if f.shape == PGSH + name], findings


@pytest.mark.parametrize("name", shape_names())
def test_invalid_example_fires_that_shape_on_its_focus(name: str) -> None:
    findings = validate_triples(triples(EXAMPLES / f"{name}.invalid.ttl"))
    fired = [f for f in findings if f.shape == PGSH + name]
    assert fired, f"{name} did not fire: {findings}"
    assert {f.focus for f in fired} == {FOCUS}
    want = "Warning" if name.startswith("W") else "Violation"
    assert {f.severity for f in fired} == {want}


@pytest.mark.parametrize("name", shape_names())
def test_validate_command_exit_status(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`pledgegraph validate` on a dataset holding only the invalid example: exit 1 (warnings with --fail-on warning)."""
    data = tmp_path / "build"
    data.mkdir()
    graph = ox.NamedNode("https://example.org/graph/letter/example")
    quads = [ox.Quad(s, p, o, graph) for s, p, o in triples(EXAMPLES / f"{name}.invalid.ttl")]
    (data / "dataset.nq").write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    args = ["validate", "--data", data]
    if name.startswith("W"):
        args += ["--fail-on", "warning"]
    assert run_cli(*args) == 1
    assert name in capsys.readouterr().out
