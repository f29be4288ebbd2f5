"""The build pipeline: source files in, a complete build directory out (written aside, then swapped in)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import __version__, resources
from .extract import Extraction, NotACandidature, extract
from .graph import letter_key, letter_quads, lit
from .namespaces import DCAT, DCTERMS, PG, PREFIXES, PROV, RDF, RDFS, VOID, XSD
from .read import Document, ReadError, read_path
from .reference import Reference
from .validate import Finding, conforms, letter_data, report_json, report_text, report_turtle, validate_letters

SOURCE_SUFFIXES = {".txt", ".text", ".pdf"}
Log = Callable[[str], None]


class BuildError(Exception):
    """The build as a whole cannot proceed (no readable source, output not writable)."""


@dataclass
class Letter:
    path: Path
    doc: Document
    extraction: Extraction
    key: str = ""
    quads: list[ox.Quad] = field(default_factory=list)


@dataclass
class BuildResult:
    out: Path
    letters: list[Letter]
    errors: list[tuple[Path, str]]
    findings: list[Finding]
    triples: int

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 0 if conforms(self.findings) else 1


def collect_sources(args: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand folders into the letters they hold; a missing path is an error of its own."""
    found: list[Path] = []
    errors: list[tuple[Path, str]] = []
    for arg in args:
        if arg.is_dir():
            found.extend(sorted(p for p in arg.rglob("*") if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES))
        elif arg.is_file():
            found.append(arg)
        else:
            errors.append((arg, "no such file or folder"))
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return sorted(unique, key=lambda p: (p.name, str(p))), errors


def default_sources() -> list[Path]:
    root = resources.repo_root() or Path.cwd()
    return [root / "data" / "sources"]


def read_letters(
    paths: Sequence[Path], ref: Reference, progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None
) -> tuple[list[Letter], list[tuple[Path, str]]]:
    letters: list[Letter] = []
    errors: list[tuple[Path, str]] = []
    for path in progress(paths) if progress else paths:
        try:
            doc = read_path(path)
            letters.append(Letter(path, doc, extract(doc, ref)))
        except (ReadError, NotACandidature) as e:
            errors.append((path, str(e)))
    _assign_keys(letters)
    for letter in letters:
        letter.quads = letter_quads(letter.extraction, ref, letter.key)
    return letters, errors


def _assign_keys(letters: list[Letter]) -> None:
    """Keys from State and date; two letters of one State on one day are told apart by their text's hash."""
    by_key: dict[str, list[Letter]] = defaultdict(list)
    for letter in letters:
        by_key[letter_key(letter.extraction)].append(letter)
    for key, group in by_key.items():
        for letter in group:
            letter.key = key if len(group) == 1 else f"{key}-{letter.doc.sha256[:8]}"


# --------------------------------------------------------------------------------------------------
# The dataset around the letters: ontology, reference data and a description of itself


def ontology_quads(base: str) -> list[ox.Quad]:
    g = ox.NamedNode(base + "graph/ontology")
    out = []
    for name in ("pledgegraph.ttl", "themes.ttl", "vocabulary.ttl"):
        for t in ox.parse(path=str(resources.ontology_file(name)), format=ox.RdfFormat.TURTLE):
            out.append(ox.Quad(t.subject, t.predicate, t.object, g))
    return out


def reference_quads(ref: Reference) -> list[ox.Quad]:
    g = ox.NamedNode(ref.base + "graph/reference")
    return [ox.Quad(q.subject, q.predicate, q.object, g) for q in ref.quads()]


def description_quads(base: str, letters: Sequence[Letter], graphs: dict[str, int]) -> list[ox.Quad]:
    """DCAT and VoID description of the dataset: sources, licence, dumps, and counts per graph."""
    g = ox.NamedNode(base + "graph/dataset")
    ds = ox.NamedNode(base + "id/dataset")
    n = ox.NamedNode
    t: list[tuple[ox.NamedNode, str, ox.NamedNode | ox.Literal]] = [
        (ds, RDF + "type", n(DCAT + "Dataset")),
        (ds, RDF + "type", n(VOID + "Dataset")),
        (ds, DCTERMS + "title", lit("pledgegraph: Human Rights Council candidature pledges", lang="en")),
        (ds, RDFS + "label", lit("pledgegraph: Human Rights Council candidature pledges", lang="en")),
        (
            ds,
            DCTERMS + "description",
            lit(
                "Candidatures to the UN Human Rights Council and the voluntary pledges and commitments "
                "of the candidate States (General Assembly resolution 60/251), read from their letters "
                "and notes verbales, with every fact linked to the text it came from.",
                lang="en",
            ),
        ),
        (ds, DCTERMS + "license", n("https://creativecommons.org/licenses/by/4.0/")),
        (ds, DCTERMS + "hasVersion", lit(__version__)),
        (ds, VOID + "uriSpace", lit(base + "id/")),
        (ds, VOID + "sparqlEndpoint", n(base + "sparql")),
        (ds, VOID + "vocabulary", n(PG.rstrip("#"))),
        (ds, VOID + "triples", lit(sum(graphs.values()))),
        (ds, VOID + "entities", lit(len(letters))),
    ]
    for fmt, media in (("graph.ttl", "text/turtle"), ("dataset.trig", "application/trig"), ("dataset.nt", "application/n-triples")):
        dist = n(f"{base}dumps/{fmt}")
        t += [
            (ds, DCAT + "distribution", dist),
            (ds, VOID + "dataDump", dist),
            (dist, RDF + "type", n(DCAT + "Distribution")),
            (dist, DCAT + "downloadURL", dist),
            (dist, DCAT + "mediaType", n("https://www.iana.org/assignments/media-types/" + media)),
        ]
    for graph, count in sorted(graphs.items()):
        sub = n(graph)
        t += [(ds, VOID + "subset", sub), (sub, RDF + "type", n(VOID + "Dataset")), (sub, VOID + "triples", lit(count))]
    for letter in letters:
        source = n(f"{base}id/source/{letter.key}")
        t += [(ds, DCTERMS + "source", source), (ds, PROV + "wasDerivedFrom", source)]
    for ref_file in resources.reference_files():
        t.append((ds, PROV + "wasDerivedFrom", n(f"{base}id/source/reference/{ref_file.stem}")))
    return [ox.Quad(s, n(p), o, g) for s, p, o in t]


# --------------------------------------------------------------------------------------------------
# Writing


def validate_graphs(by_graph: dict[str, list[ox.Quad]], reference: ox.Store, jobs: int | None = None) -> list[Finding]:
    """Validate every letter graph on its own with the reference data it uses."""
    skip = ("graph/reference", "graph/ontology", "graph/dataset")
    work = [
        (graph.rsplit("/", 1)[-1], letter_data(quads, reference))
        for graph, quads in sorted(by_graph.items())
        if not graph.endswith(skip)
    ]
    return validate_letters(work, jobs) if work else []


def sorted_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    return sorted(set(quads), key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))


def turtle(triples: Iterable[ox.Triple]) -> bytes:
    ordered = sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def write_build(
    out: Path,
    base: str,
    letters: Sequence[Letter],
    quads: list[ox.Quad],
    findings: list[Finding],
) -> None:
    """Write every output into a folder beside `out`, then swap it in: `out` is never half-written."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        (tmp / "graph.ttl").write_bytes(turtle(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
        (tmp / "dataset.nq").write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
        (tmp / "report.ttl").write_bytes(report_turtle(findings, base))
        (tmp / "report.txt").write_text(report_text(findings), encoding="utf-8")
        (tmp / "report.json").write_text(report_json(findings), encoding="utf-8")
        sources = tmp / "sources"
        sources.mkdir()
        for letter in letters:
            name = letter.doc.name if letter.doc.media_type == "text/plain" else letter.doc.name + ".txt"
            (sources / name).write_text(letter.doc.text, encoding="utf-8", newline="")
        store = ox.Store(str(tmp / "store"))
        store.bulk_extend(quads)
        store.flush()
        store.optimize()
        del store
        manifest = {
            "pledgegraph": __version__,
            "base": base,
            "letters": [
                {"key": l.key, "source": l.doc.name, "sha256": l.doc.sha256, "graph": f"{base}graph/letter/{l.key}"}
                for l in letters
            ],
            "triples": len({(q.subject, q.predicate, q.object) for q in quads}),
            "quads": len(quads),
            "conforms": conforms(findings),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(new: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(new, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build(
    sources: Sequence[Path],
    out: Path,
    base: str,
    log: Log,
    jobs: int | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
) -> BuildResult:
    paths, errors = collect_sources(sources)
    ref = Reference(base)
    letters, read_errors = read_letters(paths, ref, progress)
    errors += read_errors
    for path, message in errors:
        log(f"error: {path}: {message}")
    if not letters:
        raise BuildError("no letter could be built" + ("" if paths or errors else ": no sources found"))
    quads = [q for letter in letters for q in letter.quads]
    quads += reference_quads(ref) + ontology_quads(base)
    by_graph: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        by_graph[q.graph_name.value].append(q)  # type: ignore[union-attr]
    findings = validate_graphs(by_graph, ref.store, jobs)
    counts = {g: len(qs) for g, qs in by_graph.items()}
    quads += description_quads(base, letters, counts)
    quads = sorted_quads(quads)
    write_build(out, base, letters, quads, findings)
    triples = len({(q.subject, q.predicate, q.object) for q in quads})
    return BuildResult(out, letters, errors, findings, triples)


def load_dataset(data_dir: Path) -> list[ox.Quad]:
    path = Path(data_dir) / "dataset.nq"
    if not path.is_file():
        raise BuildError(f"{data_dir}: no build here (dataset.nq is missing; run `pledgegraph build` first)")
    return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


def revalidate(data_dir: Path, jobs: int | None = None) -> list[Finding]:
    """Validate a build (or any N-Quads dataset.nq) again, letter graph by letter graph."""
    quads = load_dataset(data_dir)
    by_graph: dict[str, list[ox.Quad]] = defaultdict(list)
    reference = ox.Store()
    for q in quads:
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        if name.endswith(("graph/reference", "graph/ontology")):
            reference.add(q)
        by_graph[name].append(q)
    return validate_graphs(by_graph, reference, jobs)


_ = XSD
