"""Validation that scales gives the same report: pyshacl-turbo = pySHACL per letter = pySHACL on the whole graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import DEV, REAL, SEED, run_cli
from pledgegraph.buildfolder import BuildFolder
from pledgegraph.validate import (
    ENGINES,
    compiled_shapes,
    revalidate,
    shapes_graph,
    validate_letters,
)

EXAMPLES = Path(__file__).resolve().parent / "shapes"


@pytest.fixture(scope="module")
def dev_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scale") / "build"
    assert run_cli("build", SEED, DEV, REAL, "--out", out, "--quiet") in (0, 1)
    return out


def _content(findings):  # type: ignore[no-untyped-def]
    """What a whole-graph run can report: everything but the letter a finding came from."""
    return {
        (f.severity, f.shape, f.focus, f.path, f.value, f.message, f.source_text) for f in findings
    }


def test_the_engine_compiles_every_shape() -> None:
    """pyshacl-turbo refuses a feature it lacks at compile time: the shapes compile, so none is missing."""
    assert compiled_shapes() is not None


def test_an_engine_that_cannot_run_the_shapes_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never a silent switch to another engine: a shape the engine lacks is a clear error."""
    import rdflib

    from pledgegraph import validate

    shapes = rdflib.Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> ."
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:singleLine true .",
        format="turtle",
    )
    monkeypatch.setattr(validate, "shapes_graph", lambda: shapes)
    validate.compiled_shapes.cache_clear()
    try:
        with pytest.raises(validate.ValidationEngineError, match="cannot run the shapes"):
            validate_letters([("x", b"")], engine="turbo")
    finally:
        validate.compiled_shapes.cache_clear()


def test_engines_agree_per_letter(dev_build: Path) -> None:
    by_engine = {engine: revalidate(dev_build, engine=engine) for engine in ENGINES}
    assert by_engine["turbo"], "the dev letters carry warnings: the comparison is not vacuous"
    assert by_engine["turbo"] == by_engine["pyshacl"]


def test_parallel_is_the_same_as_serial(dev_build: Path) -> None:
    assert revalidate(dev_build, jobs=1) == revalidate(dev_build, jobs=2)


def test_per_letter_report_is_the_whole_graph_report(dev_build: Path) -> None:
    import rdflib
    from pyshacl import validate as shacl

    from pledgegraph.validate import _findings, _source_text

    per_letter = revalidate(dev_build)
    data = rdflib.Graph()
    data.parse(dev_build / "graph.ttl", format="turtle")
    _, results, _ = shacl(
        data, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True
    )
    whole = _findings(results, lambda focus, path: _source_text(data, focus, path), "")
    assert _content(per_letter) == _content(whole)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.ttl")), ids=lambda p: p.name)
def test_engines_agree_on_every_shape_example(example: Path) -> None:
    triples = [
        (t.subject, t.predicate, t.object)
        for t in ox.parse(path=str(example), format=ox.RdfFormat.TURTLE)
    ]
    turbo = validate_letters([("example", triples)], engine="turbo")
    reference = validate_letters([("example", triples)], engine="pyshacl")
    assert turbo == reference
    if example.name.endswith(".invalid.ttl"):
        assert turbo, "an invalid example makes the shapes fire"
    assert not any("{" in f.message for f in turbo), "a message template left unfilled"


def test_dataset_round_trip_validates_like_the_build(dev_build: Path) -> None:
    """Revalidating dataset.nq gives the report the build wrote."""
    import json

    written = json.loads((dev_build / "report.json").read_text(encoding="utf-8"))["results"]
    assert len(written) == len(revalidate(dev_build))
    assert BuildFolder(dev_build).load_dataset()
