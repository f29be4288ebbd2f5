"""Each SHACL shape, with both engines: its valid example has a focus node it passes, its invalid
example makes exactly that shape fire, on ex:focus only, at the shape's severity."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from conftest import run_cli
from pledgegraph import resources
from pledgegraph.findings import Finding
from pledgegraph.validate import ENGINES, validate_letters

EXAMPLES = Path(__file__).resolve().parent / "shapes"
PGSH = "https://w3id.org/pledgegraph/shapes#"
FOCUS = "https://example.org/focus"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(resources.ontology_file("shapes.ttl"))


def shape_names() -> list[str]:
    return sorted(
        str(s).removeprefix(PGSH) for s in shapes().subjects(rdflib.RDF.type, SH.NodeShape)
    )


def triples(path: Path) -> list[tuple]:
    return [
        (t.subject, t.predicate, t.object)
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    ]


def fired(name: str, example: str, engine: str) -> list[Finding]:
    """The findings of shape `name` on its example, validated as the build validates a letter."""
    findings = validate_letters([("example", triples(EXAMPLES / example))], jobs=1, engine=engine)
    return [f for f in findings if f.shape == PGSH + name]


def test_every_shape_has_both_examples_and_no_example_is_left_over() -> None:
    names = shape_names()
    for name in names:
        assert (EXAMPLES / f"{name}.valid.ttl").is_file(), name
        assert (EXAMPLES / f"{name}.invalid.ttl").is_file(), name
    expected = {f"{n}.{kind}.ttl" for n in names for kind in ("valid", "invalid")}
    assert {p.name for p in EXAMPLES.glob("*.ttl")} == expected


def test_every_example_says_what_it_shows() -> None:
    for path in sorted(EXAMPLES.glob("*.ttl")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and len(first) > 12, path.name


def test_every_shape_is_named_with_a_message() -> None:
    g = shapes()
    for name in shape_names():
        shape = rdflib.URIRef(PGSH + name)
        assert g.value(shape, SH.name), name
        messages = list(g.objects(shape, SH.message))
        for part in (*g.objects(shape, SH.property), *g.objects(shape, SH.sparql)):
            messages += list(g.objects(part, SH.message))
        assert messages, name


@pytest.mark.parametrize("name", shape_names())
def test_valid_example_has_a_focus_node_of_the_shape(name: str) -> None:
    """A valid example that the shape does not even target would pass whatever the shape says."""
    g, data = shapes(), rdflib.Graph().parse(EXAMPLES / f"{name}.valid.ttl")
    shape = rdflib.URIRef(PGSH + name)
    targets = {
        *(s for c in g.objects(shape, SH.targetClass) for s in data.subjects(rdflib.RDF.type, c)),
        *(s for p in g.objects(shape, SH.targetSubjectsOf) for s in data.subjects(p, None)),
        *(o for p in g.objects(shape, SH.targetObjectsOf) for o in data.objects(None, p)),
    }
    assert targets, f"{name}: the valid example has no focus node of the shape"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", shape_names())
def test_valid_example_passes(name: str, engine: str) -> None:
    assert not fired(name, f"{name}.valid.ttl", engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", shape_names())
def test_invalid_example_fires_that_shape_on_its_focus(name: str, engine: str) -> None:
    found = fired(name, f"{name}.invalid.ttl", engine)
    assert found, f"{name} did not fire"
    assert {f.focus for f in found} == {FOCUS}
    assert {f.severity for f in found} == {"Warning" if name.startswith("W") else "Violation"}
    assert not [f.message for f in found if "{" in f.message], "a message template left unfilled"


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
