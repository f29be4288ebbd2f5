"""The validation report for people: the build's findings grouped by letter file, in plain words, with what to do."""

from __future__ import annotations

import json
from collections import OrderedDict
from functools import cache
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..resources import ontology_file

if TYPE_CHECKING:
    from .context import Context

SH = "http://www.w3.org/ns/shacl#"
ADVICE = {
    "Violation": (
        "A rule the data must keep is broken: the build still wrote it, but a reader should not "
        "rely on this fact. Check the letter at the quoted place and the rule."
    ),
    "Warning": (
        "Something a candidature should state was not read. Look for it in the letter: if the "
        "letter states it, the reader missed it (report the letter and the words); if it does not, "
        "there is nothing to fix."
    ),
}


@cache
def requirements() -> dict[str, str]:
    """Each shape's requirement in words (its sh:name), from ontology/shapes.ttl."""
    out = {}
    for t in ox.parse(path=str(ontology_file("shapes.ttl")), format=ox.RdfFormat.TURTLE):
        if t.predicate.value == SH + "name" and isinstance(t.object, ox.Literal):
            out[t.subject.value] = t.object.value
    return out


def load(ctx: Context) -> dict[str, Any] | None:
    """report.json grouped by letter file, or None when the build has none."""
    path = ctx.path("report.json")
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = {e.get("key"): e.get("source") for e in ctx.manifest.get("letters", [])}
    groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
    counts = {"Violation": 0, "Warning": 0}
    for f in sorted(
        data.get("results", []),
        key=lambda f: (
            files.get(f.get("source"), f.get("source") or ""),
            f.get("severity") != "Violation",
        ),
    ):
        severity = str(f.get("severity", ""))
        counts[severity] = counts.get(severity, 0) + 1
        key = f.get("source") or ""
        name = files.get(key) or key or "the reference data"
        g = groups.setdefault(name, {"file": name, "key": key, "findings": []})
        message = str(f.get("message", ""))
        code, _, words = message.partition(": ")
        shape = str(f.get("shape", ""))
        focus = str(f.get("focus", ""))
        g["findings"].append(
            {
                "severity": severity,
                "code": code if words else shape.rsplit("#", 1)[-1].split("-", 1)[0],
                "message": (words or message)[:1].upper() + (words or message)[1:],
                "rule": requirements().get(shape, ""),
                "advice": ADVICE.get(severity, ""),
                "focus": focus,
                "href": ctx.bases.href(focus),
                # the quoted words are the fact's own only when a value was read: a missing fact
                # has no words of its own, and the text of its letter would mislead
                "quote": f.get("source_text") if f.get("value") is not None else None,
                "value": f.get("value"),
            }
        )
    return {
        "conforms": data.get("conforms", True),
        "counts": counts,
        "groups": list(groups.values()),
    }
