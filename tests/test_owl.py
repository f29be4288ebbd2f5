"""The ontology as OWL: in the OWL 2 DL profile as published, and consistent, with HermiT, together
with the ontologies it reuses (PROV-O, ORG, OWL-Time, SKOS, Web Annotation) and the seed's dataset.

Both checks run on Java: the OWL API and HermiT that owlready2 ships in its HermiT.jar, driven by
tests/owl/OwlCheck.java. (owlready2's own sync_reasoner_hermit classifies and realises every
individual as well: minutes here, where a consistency check takes seconds.)
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
OWL_CHECK = Path(__file__).resolve().parent / "owl" / "OwlCheck.java"
HERMIT_JAR = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
REUSED = ("prov-o.ttl", "org.ttl", "time.ttl", "skos.nq", "oa.ttl")
OURS = ("pledgegraph.ttl", "themes.ttl", "vocabulary.ttl")

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="needs Java (CI installs it)")


def _ntriples(src: Path, dst: Path) -> Path:
    """One flat N-Triples graph per input file (they are concatenated for the check)."""
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


def _owl_check(*args: str | Path) -> list[str]:
    done = subprocess.run(
        ["java", "-cp", str(HERMIT_JAR), str(OWL_CHECK), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout.splitlines()


def _consistent(files: list[Path]) -> bool:
    combined = files[0].parent / "combined.nt"
    combined.write_bytes(b"".join(f.read_bytes() for f in files))
    verdict = _owl_check("consistent", combined)[-1]
    assert verdict in ("consistent", "inconsistent"), verdict
    return verdict == "consistent"


@pytest.fixture(scope="module")
def owl_inputs(tmp_path_factory: pytest.TempPathFactory, seed_build: Path) -> list[Path]:
    out = tmp_path_factory.mktemp("owl")
    files = [_ntriples(W3C / name, out / f"{Path(name).stem}.nt") for name in REUSED]
    files += [
        _ntriples(resources.ontology_file(name), out / f"{Path(name).stem}.nt") for name in OURS
    ]
    files.append(_ntriples(seed_build / "graph.ttl", out / "seed.nt"))
    return files


def test_ontology_is_in_the_owl2_dl_profile() -> None:
    lines = _owl_check("profile", ROOT / "ontology" / "pledgegraph.ttl")
    assert lines[-1] == "violations: 0", "\n".join(lines)


def test_ontology_reused_ontologies_and_seed_are_consistent(owl_inputs: list[Path]) -> None:
    assert _consistent(owl_inputs)


PG = rdflib.Namespace("https://w3id.org/pledgegraph/ontology#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")


@pytest.mark.parametrize(
    ("used_as", "end", "made"),
    [
        # an election (an org:ChangeEvent, hence a prov:Activity) used as a prov:Entity: the clash
        # this model once had, found through PROV-O's disjointness
        (PG.election, "object", rdflib.PROV.Entity),
        # a candidature taken for a membership: our own disjointness, through the seed's data
        (PG.candidate, "subject", ORG.Membership),
    ],
)
def test_the_check_can_fail(
    owl_inputs: list[Path], used_as: rdflib.URIRef, end: str, made: rdflib.URIRef
) -> None:
    seed = rdflib.Graph().parse(owl_inputs[-1], format="nt")
    subject, _, obj = next(iter(seed.triples((None, used_as, None))))
    clash = owl_inputs[0].parent / "clash.nt"
    extra = rdflib.Graph().add((subject if end == "subject" else obj, rdflib.RDF.type, made))
    extra.serialize(clash, format="nt", encoding="utf-8")
    assert not _consistent([*owl_inputs, clash])
