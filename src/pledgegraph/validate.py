"""Validates letter graphs against the SHACL shapes (each letter with the reference data it uses) and renders the report.

The engine is pyshacl-turbo (a SHACL engine in Rust with pySHACL's interface): the shapes are compiled
once per process and each letter is validated from a pyoxigraph store. pySHACL stays the reference
engine (`--engine pyshacl`), and the tests prove both give the same findings. An engine that cannot
run the shapes is an error, never a silent switch to the other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .buildfolder import BuildError
from .findings import SEVERITY_ORDER, Finding
from .iris import Iris
from .namespaces import OA, PG, SH
from .rdf import rdf_bytes

ENGINES = ("turbo", "pyshacl")
"""pyshacl-turbo (the default) and pySHACL (the reference)."""


class ValidationEngineError(BuildError):
    """The SHACL engine cannot run the shapes (an unsupported feature, a broken shape)."""


@cache
def shapes_graph():
    import rdflib

    g = rdflib.Graph()
    g.parse(resources.ontology_file("shapes.ttl"), format="turtle")
    return g


def _to_rdflib(term: ox.NamedNode | ox.Literal | ox.BlankNode):
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def validate_triples(triples: Iterable[tuple], label: str = "") -> list[Finding]:
    """Run pySHACL on one data graph (a letter with the reference data it uses)."""
    import rdflib
    from pyshacl import validate as shacl

    data = rdflib.Graph()
    for s, p, o in triples:
        data.add((_to_rdflib(s), _to_rdflib(p), _to_rdflib(o)))
    _, results, _ = shacl(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=None,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    return _findings(results, lambda focus, path: _source_text(data, focus, path), label)


@cache
def compiled_shapes():
    """The shapes compiled by pyshacl-turbo, once per process (forked workers inherit them)."""
    import pyshacl_turbo

    try:
        return pyshacl_turbo.compile_shapes(shapes_graph(), advanced=True)
    except (NotImplementedError, ValueError) as e:
        raise ValidationEngineError(f"pyshacl-turbo cannot run the shapes: {e}") from None


def validate_turbo(label: str, nt: bytes) -> list[Finding]:
    """Run pyshacl-turbo on one data graph (N-Triples of a letter with the reference data it uses).

    The text goes to the engine's own parser as it is: a pyoxigraph store would hand it over with
    derived datatypes canonicalised (xsd:nonNegativeInteger read back as xsd:integer), and the
    shapes check datatypes.
    """
    import pyshacl_turbo

    data = pyshacl_turbo.Input(nt.decode("utf-8"), "nquads", None, {}, preserve_ids=True)
    result = compiled_shapes().validate(data, allow_warnings=True)
    report = result[1]
    if not hasattr(report, "subjects"):  # a ValidationFailure, as pySHACL returns it
        raise ValidationEngineError(
            f"pyshacl-turbo failed on {label or 'a data graph'}: {result[2]}"
        )
    store: list[ox.Store] = []  # loaded only when a finding needs its fact's words

    def source_text(focus: object, path: object) -> str | None:
        if not store:
            store.append(ox.Store())
            store[0].bulk_load(nt, format=ox.RdfFormat.N_TRIPLES)
        return _store_source_text(store[0], focus, path)

    return _findings(report, source_text, label)


_Q_SPANS = f"""SELECT ?focus ?span ?exact ?property WHERE {{
  ?focus <{PG}evidence> ?span . ?span <{OA}hasSelector> ?sel . ?sel <{OA}exact> ?exact .
  OPTIONAL {{ ?span <{PG}supportsProperty> ?property }}
}}"""


def _store_source_text(store: ox.Store, focus, path) -> str | None:
    """The source text a fact was read from (see _source_text), from a pyoxigraph store."""
    import rdflib

    if not isinstance(focus, rdflib.URIRef):
        return None
    spans: dict[str, tuple[str, set[str]]] = {}
    rows = store.query(_Q_SPANS, substitutions={ox.Variable("focus"): ox.NamedNode(str(focus))})
    assert isinstance(rows, ox.QuerySolutions)
    for row in rows:
        _, props = spans.setdefault(row["span"].value, (row["exact"].value, set()))
        if row["property"] is not None:
            props.add(row["property"].value)
    if not spans:
        return None
    chosen = sorted(spans)
    if path is not None:
        chosen = [s for s in chosen if str(path) in spans[s][1]] or chosen
    return " ".join(spans[chosen[0]][0].split())


def _findings(results, source_text, label: str) -> list[Finding]:
    import rdflib

    shacl = rdflib.Namespace(SH)
    shapes = shapes_graph()
    out = []
    for r in results.subjects(rdflib.RDF.type, shacl.ValidationResult):
        shape = results.value(r, shacl.sourceShape)
        if isinstance(shape, rdflib.BNode):
            parent = shapes.value(None, shacl.property, shape) or shapes.value(
                None, shacl.sparql, shape
            )
            shape = parent if parent is not None else shape
        if isinstance(shape, rdflib.BNode):
            owner = next((s for s, _, _ in shapes.triples((None, shacl.sparql, shape))), None)
            shape = owner or shape
        focus = results.value(r, shacl.focusNode)
        path = results.value(r, shacl.resultPath)
        value = results.value(r, shacl.value)
        severity = str(results.value(r, shacl.resultSeverity)).rsplit("#", 1)[-1]
        message = str(results.value(r, shacl.resultMessage) or "")
        text = source_text(focus, path)
        out.append(
            Finding(
                severity=severity,
                shape=str(shape),
                focus=str(focus),
                path=str(path)
                if isinstance(path, rdflib.URIRef)
                else (None if path is None else "(path)"),
                value=None if value is None else str(value),
                message=message,
                source_text=text,
                source=label or None,
            )
        )
    return sorted(out)


def _source_text(data, focus, path) -> str | None:
    """The source text a fact was read from: the span supporting that property, or the node's first span."""
    import rdflib

    pg, oa = rdflib.Namespace(PG), rdflib.Namespace(OA)
    spans = list(data.objects(focus, pg.evidence))
    if path is not None:
        spans = [s for s in spans if (s, pg.supportsProperty, path) in data] or spans
    for span in sorted(spans):
        for sel in data.objects(span, oa.hasSelector):
            exact = data.value(sel, oa.exact)
            if exact is not None:
                return " ".join(str(exact).split())
    return None


# --------------------------------------------------------------------------------------------------
# Per-letter data: one data graph per letter, each with the reference triples it points to.


REFERENCE_UNIT = "reference"
"""The label of the reference data's findings: the record is validated as a whole (a State's terms,
a group's seats, an elected candidature's membership)."""

REFERENCE_DEPTH = 3
"""How far from a letter's own IRIs its reference data reaches: election -> term -> its instants."""


class ReferenceIndex:
    """The reference triples as N-Triples lines grouped by subject, to assemble letter data without RDF objects.

    Working on N-Triples text keeps the per-letter data assembly linear in plain string operations;
    building pyoxigraph objects for every triple cost more than validation itself at 1,000 letters.
    """

    def __init__(self, reference: ox.Store | Iterable[ox.Quad]) -> None:
        quads = (
            reference.quads_for_pattern(None, None, None, None)
            if isinstance(reference, ox.Store)
            else reference
        )
        nt = rdf_bytes(
            (ox.Triple(q.subject, q.predicate, q.object) for q in quads),
            format=ox.RdfFormat.N_TRIPLES,
        )
        self.by_subject: dict[str, list[str]] = {}
        for line in nt.decode("utf-8").splitlines():
            if line:
                self.by_subject.setdefault(line[: line.index(" ")], []).append(line)

    def letter_data(self, lines: Sequence[str], depth: int = REFERENCE_DEPTH) -> bytes:
        """The letter's N-Triples lines plus the reference lines about the IRIs it names, and about
        the IRIs those name, to `depth` steps: a shape may compare a letter with the record (its
        candidature's outcome, its election's date, the term that election elected for)."""
        out = dict.fromkeys(lines)
        seen: set[str] = set()
        frontier = {line[: line.index(" ")] for line in lines}
        frontier |= {o for line in lines if (o := _object_of(line)).startswith("<")}
        for _ in range(depth):
            found: set[str] = set()
            for iri in frontier - seen:
                seen.add(iri)
                for ref_line in self.by_subject.get(iri, ()):
                    out.setdefault(ref_line)
                    o = _object_of(ref_line)
                    if o.startswith("<"):
                        found.add(o)
            frontier = found
        return ("\n".join(out) + "\n").encode("utf-8")


def _object_of(line: str) -> str:
    """The object of an N-Triples line `<s> <p> o .` (IRIs hold no spaces, so split twice)."""
    return line.split(" ", 2)[2][:-2]


def nt_lines(triples: Iterable[ox.Triple]) -> list[str]:
    """Triples as sorted, unique N-Triples lines (the order of the published files, see build.turtle)."""
    nt = rdf_bytes(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    return sorted(set(nt.splitlines()) - {""})


# --------------------------------------------------------------------------------------------------
# Running the engines across cores


def _worker(payload: tuple[str, bytes]) -> list[Finding]:
    label, nt = payload
    triples = [
        (t.subject, t.predicate, t.object) for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
    ]
    return validate_triples(triples, label)


def _turbo_batch(batch: list[tuple[str, bytes]]) -> list[Finding]:
    return [f for label, nt in batch for f in validate_turbo(label, nt)]


# Below this many letters a second process costs more (fork, result transfer) than it saves.
_MIN_BATCH = 150


def validate_letters(
    letters: Sequence[tuple[str, list[tuple] | bytes]],
    jobs: int | None = None,
    engine: str = "turbo",
) -> list[Finding]:
    """Validate each (label, triples or N-Triples bytes) on its own, across cores; the findings of all, sorted.

    `engine` is "turbo" (pyshacl-turbo, shapes compiled once and inherited by forked workers) or
    "pyshacl" (the reference engine, one pySHACL run per letter). ValidationEngineError when the
    engine cannot run the shapes.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r} (known: {', '.join(ENGINES)})")
    payloads = [
        (
            label,
            data
            if isinstance(data, bytes)
            else rdf_bytes([ox.Triple(*t) for t in data], format=ox.RdfFormat.N_TRIPLES),
        )
        for label, data in letters
    ]
    if not payloads:
        return []
    cores = os.cpu_count() or 1
    if engine == "turbo":
        compiled_shapes()  # compiled before forking, so every worker inherits them
        jobs = jobs or min(cores, max(1, len(payloads) // _MIN_BATCH))
        if jobs <= 1:
            return sorted(_turbo_batch(payloads))
        batches = [payloads[i::jobs] for i in range(jobs)]
        with ProcessPoolExecutor(max_workers=jobs, mp_context=_fork()) as pool:
            return sorted(f for batch in pool.map(_turbo_batch, batches) for f in batch)
    jobs = jobs or min(len(payloads), cores)
    if jobs <= 1 or len(payloads) <= 1:
        results = [_worker(p) for p in payloads]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(
                pool.map(_worker, payloads, chunksize=max(1, len(payloads) // (jobs * 4)))
            )
    return sorted(f for batch in results for f in batch)


def _fork():
    """Fork where the platform has it: the workers inherit the compiled shapes instead of importing again."""
    import multiprocessing

    return multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )


# --------------------------------------------------------------------------------------------------
# Reports


def conforms(findings: Iterable[Finding], fail_on: str = "violation") -> bool:
    worst = {"violation": 0, "warning": 1, "info": 2}[fail_on]
    return not any(SEVERITY_ORDER.get(f.severity, 0) <= worst for f in findings)


def report_text(findings: Sequence[Finding]) -> str:
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITY_ORDER}
    lines = [
        "pledgegraph validation report",
        f"conforms: {'yes' if counts['Violation'] == 0 else 'no'}"
        f" ({counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} infos)",
        "",
    ]
    for f in sorted(
        findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.source or "", f.focus)
    ):
        lines.append(f"[{f.severity}] {f.message}")
        lines.append(f"  shape: {f.shape.rsplit('#', 1)[-1]}")
        if f.source:
            lines.append(f"  letter: {f.source}")
        lines.append(f"  node:  {f.focus}")
        if f.path:
            lines.append(f"  path:  {f.path}")
        if f.value is not None:
            lines.append(f"  value: {f.value}")
        if f.source_text:
            quote = f.source_text if len(f.source_text) < 300 else f.source_text[:297] + "..."
            lines.append(f"  text:  \u201c{quote}\u201d")
        lines.append("")
    return "\n".join(lines)


def report_json(findings: Sequence[Finding]) -> str:
    return json.dumps(
        {"conforms": conforms(findings), "results": [dict(vars(f)) for f in findings]},
        indent=2,
        ensure_ascii=False,
    )


def report_turtle(findings: Sequence[Finding], iris: Iris) -> bytes:
    """The report as a SHACL ValidationReport with IRIs minted from each result's content (no blank nodes)."""
    sh = SH
    report = ox.NamedNode(iris.report)
    t: list[ox.Triple] = [
        ox.Triple(report, ox.NamedNode(RDF_TYPE), ox.NamedNode(sh + "ValidationReport")),
        ox.Triple(report, ox.NamedNode(sh + "conforms"), _bool(conforms(findings))),
    ]
    for f in findings:
        r = ox.NamedNode(iris.report_result(f.key()))
        t.append(ox.Triple(report, ox.NamedNode(sh + "result"), r))
        t.append(ox.Triple(r, ox.NamedNode(RDF_TYPE), ox.NamedNode(sh + "ValidationResult")))
        t.append(ox.Triple(r, ox.NamedNode(sh + "resultSeverity"), ox.NamedNode(sh + f.severity)))
        t.append(ox.Triple(r, ox.NamedNode(sh + "focusNode"), _node(f.focus)))
        t.append(ox.Triple(r, ox.NamedNode(sh + "resultMessage"), ox.Literal(f.message)))
        if f.shape.startswith("http"):
            t.append(ox.Triple(r, ox.NamedNode(sh + "sourceShape"), ox.NamedNode(f.shape)))
        if f.path and f.path.startswith("http"):
            t.append(ox.Triple(r, ox.NamedNode(sh + "resultPath"), ox.NamedNode(f.path)))
        if f.value is not None:
            t.append(ox.Triple(r, ox.NamedNode(sh + "value"), ox.Literal(f.value)))
        if f.source_text:
            t.append(ox.Triple(r, ox.NamedNode(PG + "sourceText"), ox.Literal(f.source_text)))
    from .namespaces import PREFIXES

    return rdf_bytes(sorted(t, key=str), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _bool(b: bool) -> ox.Literal:
    return ox.Literal(
        "true" if b else "false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
    )


def _node(value: str) -> ox.NamedNode | ox.Literal:
    return (
        ox.NamedNode(value)
        if value.startswith(("http://", "https://", "urn:"))
        else ox.Literal(value)
    )


# --------------------------------------------------------------------------------------------------
# A build validated again


def revalidate(data_dir: Path, jobs: int | None = None, engine: str = "turbo") -> list[Finding]:
    """Validate a build (or any N-Quads dataset.nq) again, letter graph by letter graph."""
    from .buildfolder import BuildFolder, unreadable
    from .workers import die_with_parent

    folder = BuildFolder(data_dir).require()
    path = folder.dataset
    # Parsed, not loaded into a store: a store keeps derived datatypes in their canonical form
    # (xsd:nonNegativeInteger as xsd:integer), and the shapes check datatypes.
    by_graph: dict[str, list[ox.Triple]] = {}
    try:
        for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
            by_graph.setdefault(name, []).append(ox.Triple(q.subject, q.predicate, q.object))
    except (OSError, SyntaxError, ValueError) as e:
        raise BuildError(unreadable(path, e)) from None
    # A dataset without its build's manifest tells its base by its letter graphs' IRIs.
    iris = Iris(folder.base if folder.manifest else _base_of(by_graph) or folder.base)
    reference = [by_graph.get(iris.reference_graph, []), by_graph.get(iris.ontology_graph, [])]
    index = ReferenceIndex(
        ox.Quad(t.subject, t.predicate, t.object) for ts in reference for t in ts
    )
    work = [
        (iris.letter_key(name), index.letter_data(nt_lines(triples)))
        for name, triples in sorted(by_graph.items())
        if iris.is_letter_graph(name)
    ]
    if by_graph.get(""):
        work.append(("", index.letter_data(nt_lines(by_graph[""]))))
    # The record is validated as a whole, as the build does (a State's terms, a group's seats).
    record = [t for ts in reference for t in ts]
    if record:
        work.append((REFERENCE_UNIT, rdf_bytes(record, format=ox.RdfFormat.N_TRIPLES)))
    if not work:
        return []
    with die_with_parent():
        return validate_letters(work, jobs, engine)


def _base_of(graphs: Iterable[str]) -> str | None:
    """The base under which a dataset's letter graphs were minted (`{base}graph/letter/{key}`)."""
    for name in sorted(graphs):
        base, found, _ = name.partition("graph/letter/")
        if found:
            return base
    return None
