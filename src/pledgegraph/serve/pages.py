"""HTML pages for people: landing page, resource pages, candidature pages with the letter's text, query pages."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from ..namespaces import PG, SKOS
from ..queries import NamedQuery, catalogue
from ..resources import page_query
from . import diagram, ontodocs, profiles
from .describe import Description, Node, describe, fetch_labels, local_name, node
from .tables import Table

if TYPE_CHECKING:
    from .context import Context

EXAMPLE_QUERY = """PREFIX pg: <https://w3id.org/pledgegraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

# The candidate States and how many pledges each letter makes
SELECT ?state ?candidature (COUNT(?pledge) AS ?pledges)
WHERE {
  ?candidature a pg:Candidature ; pg:candidate/skos:prefLabel ?state .
  OPTIONAL { ?candidature pg:pledge ?pledge }
  FILTER (LANG(?state) = "en")
}
GROUP BY ?state ?candidature
ORDER BY DESC(?pledges)
LIMIT 50
"""

# The pages' own queries (queries/pages/*.rq)
Q_CANDIDATURES = page_query("landing-candidatures")
Q_COUNTS = page_query("landing-counts")
Q_THEMES = page_query("landing-themes")
Q_LETTER = page_query("candidature-letter")
Q_PLEDGES = page_query("candidature-pledges")
Q_EVIDENCE = page_query("resource-evidence")

HTML_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'"
)
"""The Content-Security-Policy of every HTML page: nothing but our own files."""
SPARQL_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
)
"""The SPARQL page's: YASGUI's result table inserts a <style> element; nothing else is loosened."""

_env: Environment | None = None


def env() -> Environment:
    global _env
    if _env is None:
        _env = Environment(
            loader=PackageLoader("pledgegraph.serve", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _env


def render(ctx: Context, template: str, **values: Any) -> str:
    return (
        env()
        .get_template(template)
        .render(ctx=ctx, prefix=ctx.bases.prefix, version=__version__, **values)
    )


def served_query(ctx: Context, text: str) -> str:
    """One of our own query texts with its IRIs on the served base (what /sparql answers for)."""
    if ctx.bases.data == ctx.bases.served:
        return text
    return re.sub(r"<([^<>\s]*)>", lambda m: f"<{ctx.bases.to_served(m[1])}>", text)


def sparql_settings(ctx: Context, query: str | None) -> str:
    """The SPARQL page's settings for static/sparql.js: the endpoint, and a tab for the query asked
    (or an example) and one per named query. JSON made safe to sit in a <script> data block."""
    tabs = [{"name": "Query", "query": query or served_query(ctx, EXAMPLE_QUERY)}]
    for q in sorted(catalogue().values(), key=lambda q: q.title):
        tabs.append({"name": q.title, "query": served_query(ctx, q.text)})
    data = json.dumps({"endpoint": f"{ctx.bases.prefix}sparql", "tabs": tabs}, ensure_ascii=False)
    return data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _int(term: Any) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except (ValueError, AttributeError):
        return None


# --------------------------------------------------------------------------------------------------
# Landing page


def landing(ctx: Context) -> str:
    dataset = ctx.bases.data + "id/dataset"
    info = describe(ctx.backend, ctx.bases, dataset)
    facts = {arc.predicate.term.value: arc.nodes for arc in info.outgoing}
    _, rows = ctx.backend.select(Q_CANDIDATURES)
    candidatures = [
        {
            "href": ctx.bases.href(r["c"].value),
            "state": r["state_label"].value
            if r.get("state_label")
            else local_name(r["state"].value),
            "state_href": ctx.bases.href(r["state"].value),
            "date": r["date"].value if r.get("date") else "",
            "term": r["term"].value if r.get("term") else "",
            "outcome": r["outcome"].value if r.get("outcome") else "",
            "kind": r["kind"].value if r.get("kind") else "",
            "pledges": _int(r.get("pledges")) or 0,
        }
        for r in rows
    ]
    _, counts = ctx.backend.select(Q_COUNTS)
    stats = {k: _int(v) for k, v in (counts[0] if counts else {}).items()}
    stats["triples"] = None if ctx.remote else ctx.manifest.get("triples")
    themes = _themes(ctx)
    from . import charts, lists

    explore = []
    for name in lists.names():
        table = lists.table(ctx, name)
        explore.append((lists.title(name), lists.href(ctx, name), table.total if table else 0))
    return render(
        ctx,
        "landing.html",
        explore=explore,
        chart=charts.for_list(ctx, "themes"),
        title=info.label,
        info=info,
        facts=facts,
        candidatures=candidatures,
        stats=stats,
        queries=sorted(catalogue().values(), key=lambda q: q.title),
        themes=themes,
        dumps=ctx.dumps(),
    )


def _themes(ctx: Context) -> list[dict[str, Any]]:
    _, rows = ctx.backend.select(Q_THEMES)
    return [
        {
            "label": r["label"].value if r.get("label") else local_name(r["theme"].value),
            "href": ctx.bases.href(r["theme"].value),
            "n": _int(r["n"]) or 0,
        }
        for r in rows
    ]


# --------------------------------------------------------------------------------------------------
# Resource pages


@dataclass
class Segment:
    text: str
    pledge: dict[str, Any] | None = None


@dataclass
class Excerpt:
    before: str
    marked: str
    after: str
    start: int
    end: int
    file: str


def excerpts(ctx: Context, iri: str) -> list[Excerpt]:
    """The places in the letter's text a resource was read from, with some text around them."""
    _, rows = ctx.backend.select(Q_EVIDENCE, {"s": ox.NamedNode(iri)})
    out = []
    for r in rows:
        start, end = _int(r["start"]), _int(r["end"])
        file = r["file"].value if r.get("file") else ""
        text = ctx.source_text(r["source"].value)
        if text is None or start is None or end is None or not 0 <= start <= end <= len(text):
            continue
        lo = max(0, start - 240)
        hi = min(len(text), end + 240)
        lo = (
            text.rfind("\n", 0, start - 120) + 1
            if start > 120 and text.rfind("\n", lo, start) >= 0
            else lo
        )
        out.append(
            Excerpt(
                ("…" if lo > 0 else "") + text[lo:start],
                text[start:end],
                text[end:hi] + ("…" if hi < len(text) else ""),
                start,
                end,
                file,
            )
        )
    return out


def candidature(ctx: Context, iri: str, candidature_desc: Description) -> dict[str, Any]:
    """The letter's facts, its pledges grouped by theme and the letter's text with each pledge marked."""
    subject = {"s": ox.NamedNode(iri)}
    _, letters = ctx.backend.select(Q_LETTER, subject)
    letter = letters[0]["letter"].value if letters else None
    file = letters[0]["file"].value if letters and letters[0].get("file") else None
    source = letters[0]["source"].value if letters and letters[0].get("source") else None
    letter_desc = describe(ctx.backend, ctx.bases, letter) if letter else None
    _, rows = ctx.backend.select(Q_PLEDGES, subject)
    pledges: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for r in rows:
        p = pledges.setdefault(
            r["pledge"].value,
            {
                "iri": r["pledge"].value,
                "ordinal": _int(r.get("ordinal")),
                "text": r["text"].value,
                "themes": [],
                "start": None,
                "end": None,
            },
        )
        if r.get("theme") is not None and r["theme"].value not in p["themes"]:
            p["themes"].append(r["theme"].value)
        if p["start"] is None and r.get("start") is not None:
            p["start"], p["end"] = _int(r["start"]), _int(r["end"])
    labels = fetch_labels(ctx.backend, {t for p in pledges.values() for t in p["themes"]})
    palette: dict[str, int] = {}
    groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for p in pledges.values():
        p["href"] = ctx.bases.href(p["iri"])
        p["anchor"] = "pledge-" + local_name(p["iri"])
        first = p["themes"][0] if p["themes"] else ""
        p["colour"] = palette.setdefault(first, len(palette) % 8)
        p["theme_labels"] = [labels.get(t, local_name(t)) for t in p["themes"]]
        for theme in p["themes"] or [""]:
            g = groups.setdefault(
                theme,
                {
                    "label": labels.get(theme, local_name(theme)) if theme else "No theme",
                    "href": ctx.bases.href(theme) if theme else None,
                    "pledges": [],
                    "colour": palette.get(theme, 0),
                },
            )
            g["pledges"].append(p)
    checked = profiles.reviews(ctx, iri)
    for review in checked:
        if review["kind"] == "pledge" and review["statement"] in pledges:
            pledges[review["statement"]].setdefault("reviews", []).append(review)
    claims = [r for r in checked if r["kind"] == "claim" and r["begin"] is not None]
    marks = [p for p in pledges.values() if p["start"] is not None]
    marks += [
        {**r, "start": r["begin"], "anchor": "claim-" + local_name(r["statement"]), "claim": True}
        for r in claims
    ]
    text = ctx.source_text(source) if source else None
    segments: list[Segment] = []
    if text is not None:
        pos = 0
        for p in sorted(marks, key=lambda p: p["start"]):
            start, end = p["start"], p["end"]
            if start < pos or end > len(text):  # overlapping or out of range: listed, not marked
                continue
            segments.append(Segment(text[pos:start]))
            segments.append(Segment(text[start:end], p))
            pos = end
        segments.append(Segment(text[pos:]))
    hide = {
        PG + "pledge",
        PG + "statement",
        PG + "evidence",
        PG + "mentionsResolution",
        PG + "reportsVisit",
        PG + "reportsEvent",
    }
    return {
        "facts": [a for a in candidature_desc.outgoing if a.predicate.term.value not in hide],
        "letter_facts": [a for a in letter_desc.outgoing if a.predicate.term.value not in hide]
        if letter_desc
        else [],
        "letter": letter_desc,
        "file": file,
        "pledges": list(pledges.values()),
        "groups": sorted(groups.values(), key=lambda g: (-len(g["pledges"]), g["label"])),
        "segments": segments,
        "has_text": text is not None,
        "reviews": checked,
        "scorecard": profiles.scorecard(ctx, iri),
    }


def resource(ctx: Context, iri: str) -> str:
    from . import charts

    if (documentation := ontodocs.page(iri)) is not None:
        return documentation  # the ontology: pyLODE's page of it

    desc = describe(ctx.backend, ctx.bases, iri)
    types = {t.term.value for t in desc.types}
    extra: dict[str, Any] = {}
    template = "resource.html"
    if PG + "Candidature" in types:
        template = "candidature.html"
        extra = candidature(ctx, iri, desc)
        extra["chart"] = charts.themes_of(ctx, extra["groups"])
    else:
        extra["excerpts"] = excerpts(ctx, iri)
    if PG + "State" in types:
        extra["chart"] = charts.candidatures_timeline(ctx, state=iri)
        extra["profile"] = profiles.state_profile(ctx, iri)
    if PG + "Election" in types:
        extra["results"] = profiles.election_results(ctx, iri)
        extra["chart"] = profiles.election_themes(ctx, iri)
        extra["scorecard_fields"] = profiles.SCORECARD_FIELDS
    if SKOS + "ConceptScheme" in types:
        extra["concepts"] = profiles.scheme_concepts(ctx, iri)
    formats = [(ext, ctx.bases.page(iri, ext)) for ext in ("ttl", "jsonld", "nt", "rdf")]
    return render(
        ctx,
        template,
        title=desc.label,
        desc=desc,
        graph_svg=diagram.svg(desc),
        formats=formats,
        is_type=lambda t: t in types,
        **extra,
    )


# --------------------------------------------------------------------------------------------------
# Named queries and result tables


def json_row(ctx: Context, names: list[str], binding: dict[str, Any]) -> list[Node | None]:
    """One row of SPARQL JSON results as page nodes (IRIs linked to their pages)."""
    out: list[Node | None] = []
    for name in names:
        b = binding.get(name)
        if b is None:
            out.append(None)
        elif b.get("type") == "uri":
            out.append(node(ctx.bases, {}, ox.NamedNode(b["value"])))
            out[-1].label = ctx.bases.to_served(b["value"])  # type: ignore[union-attr]
        else:
            note = b.get("xml:lang") or (local_name(b["datatype"]) if b.get("datatype") else "")
            out.append(Node(None, str(b.get("value", "")), literal=True, note=note))
    return out


def query_page(
    ctx: Context,
    query: NamedQuery,
    table: Table | None,
    params: dict[str, str],
    error: str | None = None,
) -> str:
    from urllib.parse import urlencode

    if table is not None:
        suffix = f"?{urlencode(params)}" if params else ""
        table.downloads = {
            f: f"{ctx.bases.prefix}queries/{query.name}.{f}{suffix}" for f in ("csv", "json")
        }
    return render(
        ctx,
        "query.html",
        title=query.title,
        query=query,
        table=table,
        params=params,
        error=error,
    )
