"""The dataset a build publishes: each named graph as sorted lines and Turtle blocks, the ontology,
reference and description graphs beside the letters', and the union and N-Quads made from them."""

from __future__ import annotations

import bisect
import hashlib
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from . import __version__, resources
from .graph import date_literal, lit
from .iris import Iris
from .namespaces import DCAT, DCTERMS, PREFIXES, PROV, RDF, RDFS, VOID, XSD
from .rdf import rdf_bytes
from .reference import Reference
from .sources import Letter, nt
from .validate import nt_lines

ONTOLOGY_FILES = ("pledgegraph.ttl", "themes.ttl", "vocabulary.ttl")


def ontology_part(iris: Iris) -> GraphPart:
    triples = [
        t
        for name in ONTOLOGY_FILES
        for t in ox.parse(path=str(resources.ontology_file(name)), format=ox.RdfFormat.TURTLE)
    ]
    return GraphPart.of(iris.ontology_graph, triples)


def reference_part(ref: Reference, iris: Iris) -> GraphPart:
    return GraphPart.of(
        iris.reference_graph, [ox.Triple(q.subject, q.predicate, q.object) for q in ref.quads()]
    )


def description_part(
    iris: Iris, letters: Sequence[Letter], parts: Sequence[GraphPart], ref: Reference
) -> GraphPart:
    """The DCAT and VoID description of the dataset: the template of data/dataset.ttl with what only
    the build knows added: the distinct counts of the whole and of each graph, the dataset's version
    (a digest of its graphs), the build activity (what it used, the software that ran it), the
    temporal coverage, and the issue date when the environment fixes one (SOURCE_DATE_EPOCH)."""
    template = ox.parse(
        path=str(resources.dataset_template()), format=ox.RdfFormat.TURTLE, base_iri=iris.base
    )
    ds = ox.NamedNode(iris.dataset)
    version = hashlib.sha256(
        "".join(f"{p.iri} {p.digest()}\n" for p in sorted(parts, key=lambda p: p.iri)).encode()
    ).hexdigest()[:16]
    activity = ox.NamedNode(iris.build_activity(version))
    software = ox.NamedNode(iris.software(__version__))

    added: list[tuple[ox.NamedNode, str, ox.NamedNode | ox.Literal]] = [
        (ds, DCAT + "version", ox.Literal(version)),
        (ds, VOID + "uriSpace", ox.Literal(iris.uri_space)),
        *_void_statistics(ds, parts, iris.uri_space),
        (ds, PROV + "wasGeneratedBy", activity),
        (activity, RDF + "type", ox.NamedNode(PROV + "Activity")),
        (activity, RDFS + "label", ox.Literal(f"build {version} of the dataset", language="en")),
        (activity, PROV + "wasAssociatedWith", software),
        (software, RDF + "type", ox.NamedNode(PROV + "SoftwareAgent")),
        (software, RDFS + "label", ox.Literal(f"pledgegraph {__version__}", language="en")),
    ]
    for part in sorted(parts, key=lambda p: p.iri):
        sub = ox.NamedNode(part.iri)
        added += [
            (ds, VOID + "subset", sub),
            (sub, RDF + "type", ox.NamedNode(VOID + "Dataset")),
            *_void_statistics(sub, [part], iris.uri_space),
        ]
    used = [iris.source(letter.key) for letter in letters]
    used += [iris.reference_source(f.stem) for f in resources.reference_files()]
    for iri in sorted(used):
        added += [
            (ds, PROV + "wasDerivedFrom", ox.NamedNode(iri)),
            (activity, PROV + "used", ox.NamedNode(iri)),
        ]

    dates = sorted(
        [d for letter in letters if (d := letter.extraction.candidature.letter_date)]
        + [e.date for e in ref.elections]
    )
    if dates:
        period = ox.NamedNode(iris.dataset_period)
        added += [
            (ds, DCTERMS + "temporal", period),
            (period, RDF + "type", ox.NamedNode(DCTERMS + "PeriodOfTime")),
            (period, DCAT + "startDate", date_literal(dates[0])),
            (period, DCAT + "endDate", date_literal(dates[-1])),
        ]
    if stamp := _release_time():
        catalog = ox.NamedNode(iris.catalog)
        added += [
            (catalog, DCTERMS + "issued", stamp),
            (catalog, DCTERMS + "modified", stamp),
            (ds, DCTERMS + "issued", stamp),
            (ds, DCTERMS + "modified", stamp),
            (activity, PROV + "endedAtTime", stamp),
        ]
    triples = list(template) + [ox.Triple(s, ox.NamedNode(p), o) for s, p, o in added]
    return GraphPart.of(iris.dataset_graph, triples)


def _release_time() -> ox.Literal | None:
    """The time of a reproducible build (SOURCE_DATE_EPOCH, https://reproducible-builds.org/specs/
    source-date-epoch/): without it the description states no time, so that the same input gives the
    same bytes."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw.isdigit():
        return None
    when = datetime.fromtimestamp(int(raw), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ox.Literal(when, datatype=ox.NamedNode(XSD + "dateTime"))


def _void_statistics(
    subject: ox.NamedNode, parts: Sequence[GraphPart], uri_space: str
) -> list[tuple[ox.NamedNode, str, ox.Literal]]:
    """VoID's figures of the union of `parts`, each triple counted once however many graphs state it:
    triples, entities (subjects in the dataset's URI space), distinct subjects, properties, classes."""
    subjects: set[str] = set()
    properties: set[str] = set()
    classes: set[str] = set()
    type_ = f"<{RDF}type>"
    for part in parts:
        subjects.update(part.blocks)
        for line in part.lines:
            s_end = line.index(" ")
            p_end = line.index(" ", s_end + 1)
            predicate = line[s_end + 1 : p_end]
            properties.add(predicate)
            if predicate == type_:
                classes.add(line[p_end + 1 : -3])
    entities = sum(1 for s in subjects if s.startswith(f"<{uri_space}"))
    return [
        (subject, VOID + "triples", lit(distinct_triples(parts))),
        (subject, VOID + "entities", lit(entities)),
        (subject, VOID + "distinctSubjects", lit(len(subjects))),
        (subject, VOID + "properties", lit(len(properties))),
        (subject, VOID + "classes", lit(len(classes))),
    ]


def distinct_triples(parts: Sequence[GraphPart]) -> int:
    """The number of distinct triples in the union of `parts` (a subject several graphs describe may
    have the same triple in each)."""
    total = sum(len(part.lines) for part in parts)
    for subject, group in _shared_subjects(parts).items():
        described = [_lines_of(part, subject) for part in group]
        total -= sum(len(lines) for lines in described) - len(
            {x for lines in described for x in lines}
        )
    return total


def _owners(parts: Sequence[GraphPart]) -> dict[str, list[GraphPart]]:
    """The graphs that describe each subject."""
    owners: dict[str, list[GraphPart]] = defaultdict(list)
    for part in parts:
        for subject in part.blocks:
            owners[subject].append(part)
    return owners


def _shared_subjects(parts: Sequence[GraphPart]) -> dict[str, list[GraphPart]]:
    return {s: group for s, group in _owners(parts).items() if len(group) > 1}


# --------------------------------------------------------------------------------------------------
# Turtle in blocks: the serialiser writes each subject's triples as one block, so graph.ttl is the
# prefixes followed by the blocks of all subjects in order. A block depends only on that subject's
# triples, so a letter's blocks are made once and cached, and only a subject several graphs describe
# (a State's mission, a term, a resolution) is serialised again when the graphs are put together.


def _prefix_header() -> bytes:
    one = rdf_bytes(
        [ox.Triple(ox.NamedNode("urn:x"), ox.NamedNode("urn:x"), ox.NamedNode("urn:x"))],
        format=ox.RdfFormat.TURTLE,
        prefixes=PREFIXES,
    )
    return one[: one.index(b"<urn:x>")]


def _subject(line: str) -> str:
    return line[: line.index(" ")]


def turtle_blocks(lines: Sequence[str]) -> dict[str, bytes]:
    """The Turtle block of each subject of sorted N-Triples lines."""
    if not lines:
        return {}
    body = rdf_bytes(
        ox.parse(nt(lines), format=ox.RdfFormat.N_TRIPLES),
        format=ox.RdfFormat.TURTLE,
        prefixes=PREFIXES,
    )
    body = body[len(_prefix_header()) :]
    subjects = list(dict.fromkeys(_subject(line) for line in lines))
    # Every block but a subject's first line starts with a tab: split before the other lines.
    chunks: list[bytes] = []
    for raw in body.splitlines(keepends=True):
        if raw.startswith(b"\t") and chunks:
            chunks[-1] += raw
        else:
            chunks.append(raw)
    if len(chunks) != len(subjects):
        raise AssertionError(
            "Turtle blocks do not match the subjects"
        )  # guards the byte-identity claim
    return dict(zip(subjects, chunks, strict=True))


@dataclass
class GraphPart:
    """One named graph as the outputs need it: sorted unique N-Triples lines and their Turtle blocks."""

    iri: str
    lines: list[str]
    blocks: dict[str, bytes]
    count: int  # triples as the graph was made, before duplicates were dropped (the VoID figure)
    sha: str = ""  # digest() when known already (a letter's graph from the cache)

    @classmethod
    def of(cls, iri: str, triples: Sequence[ox.Triple]) -> GraphPart:
        lines = nt_lines(triples)
        return cls(iri, lines, turtle_blocks(lines), len(triples))

    def digest(self) -> str:
        """The SHA-256 of the graph's N-Triples: the manifest's record of what each graph holds."""
        if not self.sha:
            self.sha = lines_digest(self.lines)
        return self.sha


def lines_digest(lines: Sequence[str]) -> str:
    return hashlib.sha256(nt(lines)).hexdigest()


def union_turtle(parts: Sequence[GraphPart]) -> tuple[bytes, int]:
    """graph.ttl from the parts' blocks, and the number of distinct triples."""
    owners = _owners(parts)
    out = [_prefix_header()]
    # Every line counts once, except the lines of subjects that several graphs describe: those are
    # merged, and counted once each after dropping the duplicates.
    triples = sum(len(part.lines) for part in parts)
    for subject in sorted(owners):
        group = owners[subject]
        if len(group) == 1:
            out.append(group[0].blocks[subject])
            continue
        described = [_lines_of(part, subject) for part in group]
        lines = sorted({line for part_lines in described for line in part_lines})
        triples += len(lines) - sum(len(part_lines) for part_lines in described)
        out.append(turtle_blocks(lines)[subject])
    return b"".join(out), triples


def _lines_of(part: GraphPart, subject: str) -> list[str]:
    lo = bisect.bisect_left(part.lines, subject + " ")
    hi = bisect.bisect_left(
        part.lines, subject + "!"
    )  # " " < "!": the first line past this subject's
    return part.lines[lo:hi]


def nquads(parts: Sequence[GraphPart]) -> bytes:
    """dataset.nq: graph by graph in IRI order, each graph's sorted lines with the graph named."""
    out = []
    for part in sorted(parts, key=lambda p: p.iri):
        g = f" <{part.iri}> .\n"
        out.append("".join(line[:-2] + g for line in part.lines))
    return "".join(out).encode("utf-8")
