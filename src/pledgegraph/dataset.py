"""The dataset a build publishes: each named graph as sorted lines and Turtle blocks, the ontology,
reference and description graphs beside the letters', and the union and N-Quads made from them."""

from __future__ import annotations

import bisect
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from . import __version__, resources
from .iris import Iris
from .namespaces import DCTERMS, PREFIXES, PROV, RDF, VOID, XSD
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


def description_part(iris: Iris, letters: Sequence[Letter], graphs: dict[str, int]) -> GraphPart:
    """DCAT and VoID description of the dataset: the template of data/dataset.ttl, with the counts
    per graph, the sources read and the software's version added."""
    template = ox.parse(
        path=str(resources.dataset_template()), format=ox.RdfFormat.TURTLE, base_iri=iris.base
    )
    ds = ox.NamedNode(iris.dataset)

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    triples = list(template)
    added: list[tuple[ox.NamedNode, str, ox.NamedNode | ox.Literal]] = [
        (ds, DCTERMS + "hasVersion", ox.Literal(__version__)),
        (ds, VOID + "uriSpace", ox.Literal(iris.uri_space)),
        (ds, VOID + "triples", integer(sum(graphs.values()))),
        (ds, VOID + "entities", integer(len(letters))),
    ]
    for graph, count in sorted(graphs.items()):
        sub = ox.NamedNode(graph)
        added += [
            (ds, VOID + "subset", sub),
            (sub, RDF + "type", ox.NamedNode(VOID + "Dataset")),
            (sub, VOID + "triples", integer(count)),
        ]
    for letter in letters:
        source = ox.NamedNode(iris.source(letter.key))
        added += [(ds, DCTERMS + "source", source), (ds, PROV + "wasDerivedFrom", source)]
    for ref_file in resources.reference_files():
        added.append(
            (ds, PROV + "wasDerivedFrom", ox.NamedNode(iris.reference_source(ref_file.stem)))
        )
    triples += [ox.Triple(s, ox.NamedNode(p), o) for s, p, o in added]
    return GraphPart.of(iris.dataset_graph, triples)


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
    owners: dict[str, list[GraphPart]] = defaultdict(list)
    for part in parts:
        for subject in part.blocks:
            owners[subject].append(part)
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
