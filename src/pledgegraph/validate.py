"""Validates letter graphs against the SHACL shapes (each letter with the reference data it uses) and renders the report."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, astuple, dataclass
from functools import cache

import pyoxigraph as ox

from . import resources
from .namespaces import OA, PG, SH

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Finding:
    """One validation result, with the source text of the fact it concerns where there is one."""

    severity: str
    shape: str
    focus: str
    path: str | None
    value: str | None
    message: str
    source_text: str | None = None
    source: str | None = None

    def __lt__(self, other: Finding) -> bool:
        return self.sort_key() < other.sort_key()

    def sort_key(self) -> tuple[str, ...]:
        return tuple("" if v is None else v for v in astuple(self))

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


@cache
def shapes_graph():  # type: ignore[no-untyped-def]
    import rdflib

    g = rdflib.Graph()
    g.parse(resources.ontology_file("shapes.ttl"), format="turtle")
    return g


@cache
def _ontology_graph():  # type: ignore[no-untyped-def]
    import rdflib

    g = rdflib.Graph()
    for name in ("pledgegraph.ttl",):
        g.parse(resources.ontology_file(name), format="turtle")
    return g


def _to_rdflib(term: ox.NamedNode | ox.Literal | ox.BlankNode):  # type: ignore[no-untyped-def]
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def validate_triples(triples: Iterable[tuple], label: str = "") -> list[Finding]:  # type: ignore[type-arg]
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
    return _findings(results, data, label)


def _findings(results, data, label: str) -> list[Finding]:  # type: ignore[no-untyped-def]
    import rdflib

    shacl = rdflib.Namespace(SH)
    shapes = shapes_graph()
    out = []
    for r in results.subjects(rdflib.RDF.type, shacl.ValidationResult):
        shape = results.value(r, shacl.sourceShape)
        if isinstance(shape, rdflib.BNode):
            parent = shapes.value(None, shacl.property, shape) or shapes.value(None, shacl.sparql, shape)
            shape = parent if parent is not None else shape
        if isinstance(shape, rdflib.BNode):
            owner = next((s for s, _, _ in shapes.triples((None, shacl.sparql, shape))), None)
            shape = owner or shape
        focus = results.value(r, shacl.focusNode)
        path = results.value(r, shacl.resultPath)
        value = results.value(r, shacl.value)
        severity = str(results.value(r, shacl.resultSeverity)).rsplit("#", 1)[-1]
        message = str(results.value(r, shacl.resultMessage) or "")
        text = _source_text(data, focus, path)
        out.append(
            Finding(
                severity=severity,
                shape=str(shape),
                focus=str(focus),
                path=str(path) if isinstance(path, rdflib.URIRef) else (None if path is None else "(path)"),
                value=None if value is None else str(value),
                message=message,
                source_text=text,
                source=label or None,
            )
        )
    return sorted(out)


def _source_text(data, focus, path) -> str | None:  # type: ignore[no-untyped-def]
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
# Parallel validation: one data graph per letter, each with the reference triples it points to.


def letter_data(letter: Sequence[ox.Quad], reference: ox.Store) -> list[tuple]:  # type: ignore[type-arg]
    """A letter's triples plus the reference triples about the resources it names (one hop)."""
    triples = [(q.subject, q.predicate, q.object) for q in letter]
    seen = {q.subject for q in letter}
    for q in letter:
        o = q.object
        if isinstance(o, ox.NamedNode) and o not in seen:
            seen.add(o)
            triples.extend((r.subject, r.predicate, r.object) for r in reference.quads_for_pattern(o, None, None, None))
    return list(dict.fromkeys(triples))


def _worker(payload: tuple[str, bytes]) -> list[Finding]:
    label, nt = payload
    triples = [(t.subject, t.predicate, t.object) for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)]
    return validate_triples(triples, label)


def validate_letters(
    letters: Sequence[tuple[str, list[tuple]]],  # type: ignore[type-arg]
    jobs: int | None = None,
) -> list[Finding]:
    """Validate each (label, triples) on its own, across cores; the findings of all, sorted."""
    jobs = jobs or min(len(letters), os.cpu_count() or 1)
    payloads = [
        (label, ox.serialize([ox.Triple(*t) for t in triples], format=ox.RdfFormat.N_TRIPLES))
        for label, triples in letters
    ]
    if jobs <= 1 or len(letters) <= 1:
        results = [_worker(p) for p in payloads]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_worker, payloads, chunksize=max(1, len(payloads) // (jobs * 4))))
    return sorted(f for batch in results for f in batch)


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
    for f in sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.source or "", f.focus)):
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
        {"conforms": conforms(findings), "results": [asdict(f) for f in findings]},
        indent=2,
        ensure_ascii=False,
    )


def report_turtle(findings: Sequence[Finding], base: str) -> bytes:
    """The report as a SHACL ValidationReport with IRIs minted from each result's content (no blank nodes)."""
    sh = SH
    report = ox.NamedNode(base + "report")
    t: list[ox.Triple] = [
        ox.Triple(report, ox.NamedNode(RDF_TYPE), ox.NamedNode(sh + "ValidationReport")),
        ox.Triple(report, ox.NamedNode(sh + "conforms"), _bool(conforms(findings))),
    ]
    for f in findings:
        r = ox.NamedNode(f"{base}report/result/{f.key()}")
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

    return ox.serialize(sorted(t, key=str), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _bool(b: bool) -> ox.Literal:
    return ox.Literal("true" if b else "false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))


def _node(value: str) -> ox.NamedNode | ox.Literal:
    return ox.NamedNode(value) if value.startswith(("http://", "https://", "urn:")) else ox.Literal(value)
