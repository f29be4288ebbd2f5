"""The mutation suite: each way a built dataset can go wrong is caught by the shape named for it.

A mutation is one entry of MUTATIONS: a SPARQL Update on a build's dataset.nq, written as what it
deletes and inserts where, within one named graph ?g (a letter's graph or the reference graph), with
?focus bound to the node the named shape must fire on. IRIs are relative to the build's `id/`. The
mutated dataset is validated again as `pledgegraph validate` validates it (validate.revalidate: each
letter graph with the reference data it uses, and the record as a whole), and the named shape must
fire on every ?focus at its severity; the unmutated builds have no finding of any of these shapes.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import DEV, SEED, run_cli
from pledgegraph.buildfolder import MANIFEST, BuildFolder
from pledgegraph.extract import extract
from pledgegraph.extract.resolutions import find_resolutions
from pledgegraph.findings import Finding
from pledgegraph.namespaces import PREFIXES, XSD
from pledgegraph.read import structure
from pledgegraph.reference import Reference
from pledgegraph.validate import revalidate

PGSH = "https://w3id.org/pledgegraph/shapes#"
DENMARK = DEV / "012_Denmark_2007.txt"
REF = Reference()


@dataclass(frozen=True)
class Mutation:
    what: str
    shape: str
    where: str
    delete: str = ""
    insert: str = ""
    build: str = "seed"  # or "pair": the seed and Denmark's note of 2 February 2007
    pyshacl: bool = False  # also with pySHACL, the reference engine (see PYSHACL_CASES)

    @property
    def severity(self) -> str:
        return "Warning" if self.shape.startswith("W") else "Violation"

    def update(self) -> str:
        return (
            f"DELETE {{ GRAPH ?g {{ {self.delete} }} }} INSERT {{ GRAPH ?g {{ {self.insert} }} }}"
            f" WHERE {{ GRAPH ?g {{ {self.where} }} }}"
        )


FIRST_PLEDGE = "?pledge a pg:Pledge ; pg:ordinal 1 ; pg:madeBy <state/BLR> . "
DATE_SPAN = "?letter a pg:Letter ; pg:evidence ?focus . ?focus pg:supportsProperty dcterms:date . "

MUTATIONS = [
    Mutation(
        "a quote different from the source text",
        "R15-QuoteInText",
        DATE_SPAN
        + '?focus oa:hasSelector ?q . ?q oa:exact ?exact . BIND (REPLACE(?exact, "2007", "2008") AS ?other)',
        "?q oa:exact ?exact .",
        "?q oa:exact ?other .",
        pyshacl=True,
    ),
    Mutation(
        "a pledge different from its quote",
        "R16-StatementQuote",
        FIRST_PLEDGE
        + '?pledge rdf:value ?text . BIND (?pledge AS ?focus) BIND (CONCAT(?text, " And more.") AS ?other)',
        "?pledge rdf:value ?text .",
        "?pledge rdf:value ?other .",
    ),
    Mutation(
        "offsets past the end of the text",
        "R17-OffsetsInText",
        DATE_SPAN + "?focus nif:endIndex ?end ; oa:hasSelector ?p ; nif:referenceContext ?text ."
        " ?p oa:end ?end . ?text pg:characterCount ?length . BIND (?length + 10 AS ?past)",
        "?focus nif:endIndex ?end . ?p oa:end ?end .",
        "?focus nif:endIndex ?past . ?p oa:end ?past .",
    ),
    Mutation(
        "a span on another letter's text",
        "R18-SpanOnOwnText",
        FIRST_PLEDGE
        + "?pledge pg:evidence ?span . ?span oa:hasSource ?own ; nif:referenceContext ?own ."
        " GRAPH ?other { ?text nif:isString ?words } FILTER (?text != ?own) BIND (?pledge AS ?focus)",
        "?span oa:hasSource ?own ; nif:referenceContext ?own .",
        "?span oa:hasSource ?text ; nif:referenceContext ?text .",
        build="pair",
        pyshacl=True,
    ),
    Mutation(
        "a pledge stated in another letter than its candidature's",
        "R19-StatementOfCandidature",
        FIRST_PLEDGE + "?focus pg:pledge ?pledge . ?pledge pg:statedIn ?own ."
        " GRAPH ?other { ?letter a pg:CandidatureDocument } FILTER (?letter != ?own)",
        "?pledge pg:statedIn ?own .",
        "?pledge pg:statedIn ?letter .",
        build="pair",
        pyshacl=True,
    ),
    Mutation(
        "a span whose NIF context is another letter's text",
        "R18-SpanOnOwnText",
        FIRST_PLEDGE + "?pledge pg:evidence ?span . ?span nif:referenceContext ?own ."
        " GRAPH ?other { ?text nif:isString ?words } FILTER (?text != ?own) BIND (?pledge AS ?focus)",
        "?span nif:referenceContext ?own .",
        "?span nif:referenceContext ?text .",
        build="pair",
    ),
    Mutation(
        "a visit reported in another letter than its candidature's",
        "R19-StatementOfCandidature",
        "?focus pg:reportsVisit ?visit ; pg:candidate <state/BLR> . ?visit pg:reportedIn ?own ."
        " GRAPH ?other { ?letter a pg:CandidatureDocument } FILTER (?letter != ?own)",
        "?visit pg:reportedIn ?own .",
        "?visit pg:reportedIn ?letter .",
        build="pair",
    ),
    Mutation(
        "an outcome contradicting the election record",
        "R25-OutcomeAgreesWithRecord",
        "BIND (<candidature/BLR-2007> AS ?focus) ?focus pg:outcome pgv:outcome-not-elected .",
        "?focus pg:outcome pgv:outcome-not-elected .",
        "?focus pg:outcome pgv:outcome-elected .",
        pyshacl=True,
    ),
    Mutation(
        "a membership with the wrong term",
        "R26-MembershipTerm",
        "BIND (<membership/BIH-2007> AS ?focus) ?focus org:memberDuring ?term ."
        " <election/2008> pg:electedFor ?other .",
        "?focus org:memberDuring ?term .",
        "?focus org:memberDuring ?other .",
    ),
    Mutation(
        "a proposed term of eight years",
        "R27-TermLength",
        "<candidature/BLR-2007> pg:proposedTerm ?focus . ?focus time:hasEnd ?end ."
        " ?end time:inXSDgYear ?year . BIND (STRDT(STR(xsd:integer(STR(?year)) + 5), xsd:gYear) AS ?later)",
        "?end time:inXSDgYear ?year .",
        "?end time:inXSDgYear ?later .",
    ),
    Mutation(
        "a membership of eight years",
        "R32-MembershipLength",
        "BIND (<membership/BIH-2007> AS ?focus) ?focus org:memberDuring ?term . ?term time:hasBeginning ?begin .",
        "?focus org:memberDuring ?term .",
        "?focus org:memberDuring <term/eight-years> . <term/eight-years> a time:ProperInterval ;"
        " time:hasBeginning ?begin ; time:hasEnd <term/eight-years/end> ."
        ' <term/eight-years/end> a time:Instant ; time:inXSDDate "2015-06-19"^^xsd:date .',
    ),
    Mutation(
        "ISO code XXX",
        "R20-StateCode",
        'BIND (<state/BLR> AS ?focus) ?focus pg:iso3 "BLR" .',
        '?focus pg:iso3 "BLR" .',
        '?focus pg:iso3 "XXX" .',
    ),
    Mutation(
        "a candidate State with code XXX, not in the reference data",
        "R01-CandidatureState",
        "BIND (<candidature/BLR-2007> AS ?focus) ?focus pg:announcedIn ?letter ; pg:candidate ?state .",
        "?focus pg:candidate ?state .",
        "?focus pg:candidate <state/XXX> .",
    ),
    Mutation(
        "a theme not in the scheme",
        "R13-PledgeTheme",
        FIRST_PLEDGE + "?pledge pg:theme ?theme . BIND (?pledge AS ?focus)",
        "?pledge pg:theme ?theme .",
        "?pledge pg:theme pgt:gardening .",
    ),
    Mutation(
        "a role of the wrong kind: a resolution mention with a role in an event",
        "R22-MentionRole",
        '?focus a pg:ResolutionMention ; pg:numberAsPrinted "60/251" ; pg:role ?role .',
        "?focus pg:role ?role .",
        "?focus pg:role pgv:role-hosted .",
    ),
    Mutation(
        "a role of the wrong kind: an event with a role in a resolution",
        "R24-EventLabel",
        "?focus a pg:Event ; pg:stateRole ?role .",
        "?focus pg:stateRole ?role .",
        "?focus pg:stateRole pgv:role-cited .",
    ),
    Mutation(
        "a mandate of the wrong kind",
        "R23-Visit",
        '?focus a pg:CountryVisit ; pg:mandate ?mandate ; pg:mandateAsPrinted ?printed . FILTER CONTAINS(?printed, "trafficking")',
        "?focus pg:mandate ?mandate .",
        "?focus pg:mandate <body/human-rights-council> .",
    ),
    Mutation(
        "a letter dated after its election",
        "R28-LetterBeforeElection",
        "?focus a pg:Letter ; dcterms:date ?date .",
        "?focus dcterms:date ?date .",
        '?focus dcterms:date "2007-06-01"^^xsd:date .',
    ),
    Mutation(
        "a candidature for an election whose term is not the proposed one",
        "R29-ElectionTerm",
        "BIND (<candidature/BLR-2007> AS ?focus) ?focus pg:election ?election .",
        "?focus pg:election ?election .",
        "?focus pg:election <election/2008> .",
    ),
    Mutation(
        'Denmark\'s "resolution 60/251" as a phantom A/HRC/RES/60/251 with a document link',
        "R21-ResolutionSymbol",
        '?mention pg:numberAsPrinted "60/251" ; pg:madeBy <state/DNK> ; pg:resolution ?resolution .'
        " BIND (<resolution/A-HRC-RES-60-251> AS ?focus)",
        "?mention pg:resolution ?resolution .",
        '?mention pg:resolution ?focus . ?focus a pg:Resolution , schema:Legislation ; pg:resolutionNumber "60/251" ;'
        ' schema:legislationIdentifier "A/HRC/RES/60/251" ; schema:legislationPassedBy <body/human-rights-council> ;'
        " schema:url <https://undocs.org/A/HRC/RES/60/251> .",
        build="pair",
    ),
    Mutation(
        'Denmark\'s "resolution 60/251" as a Council resolution without a symbol',
        "R21-ResolutionSymbol",
        '?mention pg:numberAsPrinted "60/251" ; pg:madeBy <state/DNK> ; pg:resolution ?resolution .'
        " BIND (<resolution/HRC-60-251> AS ?focus)",
        "?mention pg:resolution ?resolution .",
        '?mention pg:resolution ?focus . ?focus a pg:Resolution , schema:Legislation ; pg:resolutionNumber "60/251" ;'
        " schema:legislationPassedBy <body/human-rights-council> .",
        build="pair",
        pyshacl=True,
    ),
    Mutation(
        "a membership generated by an election that did not elect the State",
        "R08-MembershipFromElection",
        "BIND (<membership/BIH-2007> AS ?focus) ?focus prov:wasGeneratedBy ?election .",
        "?focus prov:wasGeneratedBy ?election .",
        "?focus prov:wasGeneratedBy <election/2008> .",
    ),
    Mutation(
        "an elected candidature without its membership",
        "R30-ElectedHasMembership",
        "BIND (<candidature/BIH-2007> AS ?focus) ?focus pg:resultedIn ?membership . ?membership ?p ?o .",
        "?focus pg:resultedIn ?membership . ?membership ?p ?o .",
    ),
    Mutation(
        "a regional group electing more States than it has seats",
        "R31-SeatsFilled",
        "BIND (<election/2007/group/eastern-european-states> AS ?focus) ?focus pg:seats ?seats .",
        "?focus pg:seats ?seats .",
        "?focus pg:seats 1 .",
    ),
    Mutation(
        "a third consecutive term (Indonesia 2006, 2007 and 2010)",
        "R33-NoThirdConsecutiveTerm",
        "<election/2010> pg:electedFor ?term . BIND (<membership/IDN-2010> AS ?focus)",
        "",
        "?focus a org:Membership ; org:member <state/IDN> ; org:memberDuring ?term ;"
        " org:organization <body/human-rights-council> ; prov:wasGeneratedBy <election/2010> .",
        pyshacl=True,
    ),
    Mutation(
        "a letter's candidature the complete results of its election do not name",
        "W09-CandidatureInRecord",
        "BIND (<candidature/BLR-2007> AS ?focus) ?focus pg:outcome ?outcome .",
        "?focus pg:outcome ?outcome .",
    ),
]


# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Build:
    path: Path
    quads: list[ox.Quad]
    findings: list[Finding]

    @property
    def prologue(self) -> str:
        prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
        return f"BASE <{BuildFolder(self.path).base}id/>\n{prefixes}"

    def store(self) -> ox.Store:
        store = ox.Store()
        store.bulk_extend(self.quads)
        return store


def load(path: Path) -> Build:
    quads = list(ox.parse(path=str(path / "dataset.nq"), format=ox.RdfFormat.N_QUADS))
    return Build(path, quads, revalidate(path))


@pytest.fixture(scope="module")
def builds(seed_build: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    pair = tmp_path_factory.mktemp("pair") / "build"
    assert run_cli("build", SEED, DENMARK, "--out", pair, "--quiet") == 0
    return {"seed": load(seed_build), "pair": load(pair)}


def mutated(build: Build, update: str) -> list[ox.Quad]:
    """The build's quads after the update, those it did not touch as the build wrote them.

    A store keeps a derived datatype as its primitive (an xsd:nonNegativeInteger as xsd:integer) and
    the shapes check datatypes: so the untouched quads are the parsed ones, and an inserted integer
    gets back the one datatype the build gives its property (an offset stays an offset).
    """
    store = build.store()
    before = set(store)
    store.update(build.prologue + update)
    typed: dict[ox.NamedNode, set[ox.NamedNode]] = {}
    for q in build.quads:
        if isinstance(q.object, ox.Literal):
            typed.setdefault(q.predicate, set()).add(q.object.datatype)
    kept = [q for q in build.quads if q in store]
    added = []
    for q in sorted(set(store) - before, key=str):
        o = q.object
        types = typed.get(q.predicate, set())
        if isinstance(o, ox.Literal) and o.datatype.value == XSD + "integer" and len(types) == 1:
            o = ox.Literal(o.value, datatype=next(iter(types)))
        added.append(ox.Quad(q.subject, q.predicate, o, q.graph_name))
    return kept + added


def foci(build: Build, m: Mutation) -> set[str]:
    rows = build.store().query(
        f"{build.prologue}SELECT DISTINCT ?focus WHERE {{ GRAPH ?g {{ {m.where} }} }}"
    )
    assert isinstance(rows, ox.QuerySolutions)
    return {row["focus"].value for row in rows}


def revalidated(
    build: Build, quads: list[ox.Quad], folder: Path, engine: str = "turbo"
) -> list[Finding]:
    """The findings of `pledgegraph validate` on a copy of the build holding the given dataset."""
    folder.mkdir()
    shutil.copy(build.path / MANIFEST, folder / MANIFEST)
    (folder / "dataset.nq").write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    return revalidate(folder, engine=engine)


def _case(m: Mutation, engine: str) -> object:
    return pytest.param(m, engine, id=f"{engine} {m.shape}: {m.what}")


# Every mutation with pyshacl-turbo, the build's engine. pySHACL takes some 9 s a validation of the
# seed (7 s of it the record's shapes on its 345 memberships; turbo 1.3 s), so it runs on those
# marked: the SPARQL shapes that join across a letter's graph, the record, and R33 (rewritten for it).
PYSHACL_CASES = [_case(m, "pyshacl") for m in MUTATIONS if m.pyshacl]


@pytest.mark.parametrize(("m", "engine"), [*(_case(m, "turbo") for m in MUTATIONS), *PYSHACL_CASES])
def test_the_named_shape_catches_the_mutation(
    m: Mutation, engine: str, builds: dict[str, Build], tmp_path: Path
) -> None:
    build = builds[m.build]
    targets = foci(build, m)
    assert targets, "the mutation finds nothing to change in the build"
    quads = mutated(build, m.update())
    assert set(quads) != set(build.quads), "the mutation changed nothing"
    findings = revalidated(build, quads, tmp_path / "build", engine)
    caught = [f for f in findings if f.shape == PGSH + m.shape]
    assert targets <= {f.focus for f in caught}, f"{m.shape} did not fire on {targets}: {caught}"
    assert {f.severity for f in caught} == {m.severity}


@pytest.mark.parametrize("engine", ["turbo", "pyshacl"])
@pytest.mark.parametrize("name", ["seed", "pair"])
def test_the_unmutated_builds_have_none_of_these_findings(
    name: str, engine: str, builds: dict[str, Build]
) -> None:
    build = builds[name]
    findings = build.findings if engine == "turbo" else revalidate(build.path, engine=engine)
    shapes = {PGSH + m.shape for m in MUTATIONS}
    assert not [f for f in findings if f.shape in shapes]


def test_the_quads_an_update_leaves_alone_are_the_builds_own(builds: dict[str, Build]) -> None:
    """What `mutated` promises: a store would read the build's offsets back as xsd:integer."""
    build = builds["seed"]
    offsets = [q for q in build.quads if q.predicate.value.endswith("#endIndex")]
    assert offsets and {q.object.datatype.value for q in offsets} == {XSD + "nonNegativeInteger"}
    quads = mutated(build, "INSERT DATA { <x> <y> <z> }")
    assert quads[: len(build.quads)] == build.quads and len(quads) == len(build.quads) + 1


def test_every_record_shape_has_a_mutation() -> None:
    assert {f"R{n}" for n in range(25, 34)} <= {m.shape[:3] for m in MUTATIONS}


# --- Denmark's "resolution 60/251": what the extractor makes of it, before any shape sees it -------


def _mentions_of(text: str, number: str) -> list[tuple[str | None, str | None]]:
    """(body, symbol) of each mention of a resolution number in a letter, as the extractor reads it."""
    doc = structure(text, "letter.txt")
    return [
        (r.body, r.symbol)
        for sentence in doc.sentences
        for r in find_resolutions(sentence, doc, REF)
        if r.number == number
    ]


def test_denmark_resolution_60_251_is_the_assemblys() -> None:
    """The note names the Council just before "in accordance with resolution 60/251" (its annex:
    "Candidacy of Denmark to the Human Rights Council ... in accordance with resolution 60/251"); the
    nearest body named is not taken when its numbers cannot be that one: the Council numbers its
    resolutions by session (1-2 digits each), so 60/251 is the General Assembly's A/RES/60/251."""
    text = DENMARK.read_text(encoding="utf-8")
    annex = "Human Rights Council at the elections in 2007 Voluntary pledges and commitments"
    assert annex + " in accordance with resolution 60/251" in text
    mentions = _mentions_of(text, "60/251")
    assert len(mentions) == 2  # "General Assembly resolution 60/251" and the annex's
    assert set(mentions) == {("general-assembly", "A/RES/60/251")}
    resolutions = extract(structure(text, DENMARK.name), REF).resolutions
    assert [(r.number, r.body, r.symbol) for r in resolutions if r.number == "60/251"] == [
        ("60/251", "general-assembly", "A/RES/60/251")
    ]
    assert not [r for r in resolutions if (r.symbol or "").startswith("A/HRC/RES/60/")]


@pytest.mark.parametrize(
    ("sentence", "number", "expected"),
    [
        # The Council named right before the number: still no A/HRC/RES/60/251.
        (
            "Denmark supports Human Rights Council resolution 60/251.",
            "60/251",
            ("general-assembly", "A/RES/60/251"),
        ),
        # A number the Council's pattern takes is the Council's.
        (
            "Denmark supports Human Rights Council resolution 5/1.",
            "5/1",
            ("human-rights-council", "A/HRC/RES/5/1"),
        ),
    ],
)
def test_a_council_named_before_a_number_it_cannot_have(
    sentence: str, number: str, expected: tuple[str, str]
) -> None:
    text = DENMARK.read_text(encoding="utf-8") + "\n\n" + sentence + "\n"
    mentions = _mentions_of(text, number)
    assert mentions and set(mentions) == {expected}
    assert ("human-rights-council", "A/HRC/RES/60/251") not in mentions


def test_the_built_denmark_mention_links_the_assemblys_resolution(
    builds: dict[str, Build],
) -> None:
    """Built, Denmark's mention resolves to A/RES/60/251, and no phantom A/HRC/RES/60/251 is minted."""
    build = builds["pair"]
    rows = build.store().query(
        build.prologue
        + 'SELECT ?resolution ?symbol WHERE { GRAPH ?g { ?mention pg:numberAsPrinted "60/251" ;'
        " pg:madeBy <state/DNK> ; pg:resolution ?resolution } OPTIONAL { GRAPH ?h {"
        " ?resolution schema:legislationIdentifier ?symbol } } }"
    )
    assert isinstance(rows, ox.QuerySolutions)
    found = {(r["resolution"].value.rsplit("/", 1)[-1], r["symbol"].value) for r in rows}
    assert found == {("A-RES-60-251", "A/RES/60/251")}
    assert not [q for q in build.quads if "A/HRC/RES/60/" in str(q) or "A-HRC-RES-60-" in str(q)]
