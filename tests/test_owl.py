"""The ontology as OWL: in the OWL 2 DL profile as published, and consistent, with HermiT, together
with the ontologies it reuses (PROV-O, ORG, OWL-Time, SKOS, Web Annotation) and the seed's dataset.

Both checks run on Java: the OWL API and HermiT that owlready2 ships in its HermiT.jar.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import rdflib

from conftest import ROOT
from pledgegraph import resources

owlready2 = pytest.importorskip("owlready2")

W3C = Path(__file__).resolve().parent / "fixtures" / "w3c"
PROFILE_CHECK = Path(__file__).resolve().parent / "owl" / "OwlProfile.java"
HERMIT_JAR = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
REUSED = ("prov-o.ttl", "org.ttl", "time.ttl", "skos.nq", "oa.ttl")
OURS = ("pledgegraph.ttl", "themes.ttl", "vocabulary.ttl")

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="needs Java (CI installs it)")


def _ntriples(src: Path, dst: Path) -> Path:
    """owlready2 reads N-Triples, not Turtle: one flat graph per input file."""
    flat = rdflib.Graph()
    if src.suffix == ".nq":
        ds = rdflib.Dataset()
        ds.parse(src, format="nquads")
        for s, p, o, _ in ds.quads((None, None, None, None)):
            flat.add((s, p, o))
    else:
        flat.parse(src, format="turtle")
    flat.serialize(dst, format="nt", encoding="utf-8")
    return dst


def _consistent(files: list[Path]) -> bool:
    world = owlready2.World()
    for f in files:
        world.get_ontology(f"file://{f}").load(format="ntriples")
    try:
        with world.get_ontology("http://example.org/inferred#"):
            # xsd:gYear and xsd:gYearMonth (OWL-Time's and ours) are outside the OWL 2 datatype map;
            # HermiT refuses them unless told to leave those literals aside.
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
            )
    except owlready2.OwlReadyInconsistentOntologyError:
        return False
    return True


@pytest.fixture(scope="module")
def owl_inputs(tmp_path_factory: pytest.TempPathFactory, seed_build: Path) -> list[Path]:
    out = tmp_path_factory.mktemp("owl")
    files = [_ntriples(W3C / name, out / f"{Path(name).stem}.nt") for name in REUSED]
    files += [_ntriples(resources.ontology_file(name), out / f"{Path(name).stem}.nt") for name in OURS]
    files.append(_ntriples(seed_build / "graph.ttl", out / "seed.nt"))
    return files


def test_ontology_is_in_the_owl2_dl_profile() -> None:
    done = subprocess.run(
        ["java", "-cp", str(HERMIT_JAR), str(PROFILE_CHECK), str(ROOT / "ontology" / "pledgegraph.ttl")],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[-1] == "violations: 0", "\n".join(lines)


def test_ontology_reused_ontologies_and_seed_are_consistent(owl_inputs: list[Path]) -> None:
    assert _consistent(owl_inputs)


def test_the_reasoner_sees_a_clash_through_the_reused_ontologies(
    owl_inputs: list[Path], tmp_path: Path
) -> None:
    """The check can fail: an election (an org:ChangeEvent, hence a prov:Activity) used as a
    prov:Entity, the clash this model once had, is found through PROV-O's disjointness."""
    seed = rdflib.Graph().parse(owl_inputs[-1], format="nt")
    pg = rdflib.Namespace("https://w3id.org/pledgegraph/ontology#")
    election = next(seed.objects(None, pg.election))
    clash = tmp_path / "clash.nt"
    rdflib.Graph().add((election, rdflib.RDF.type, rdflib.PROV.Entity)).serialize(
        clash, format="nt", encoding="utf-8"
    )
    assert not _consistent([*owl_inputs, clash])
