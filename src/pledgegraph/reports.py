"""The validation report in its three forms: plain text for people, JSON for tools, and the SHACL
validation report vocabulary in Turtle (sh:ValidationReport), minted under the build's base."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from .findings import SEVERITY_ORDER, Finding
from .iris import Iris
from .namespaces import PG, SH
from .rdf import rdf_bytes


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
