"""The record's pages: an election's results by regional group, a State's profile (candidatures and
treaty record) and a concept scheme's concepts, each from a page query of its own."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..iris import Iris
from ..resources import page_query
from . import charts
from .describe import Node, local_name, node

if TYPE_CHECKING:
    from .context import Context

Q_ELECTION = page_query("election-results")
Q_STATE_CANDIDATURES = page_query("state-candidatures")
Q_STATE_TREATIES = page_query("state-treaties")
Q_CONCEPTS = page_query("scheme-concepts")
Q_REVIEWS = page_query("candidature-reviews")
Q_KEY = page_query("candidature-key")
Q_ELECTION_THEMES = page_query("election-themes")

SCORECARD_FIELDS = (
    ("core_treaties", "core treaties (of 9)"),
    ("optional_protocols", "optional protocols (of 9)"),
    ("complaint_procedures", "individual complaint procedures"),
    ("op_cat", "OP-CAT"),
    ("previous_terms", "previous Council terms"),
    ("third_consecutive", "would be a third consecutive term"),
    ("pledges", "pledges"),
    ("themes", "themes covered"),
    ("claims_supported", "claims supported"),
    ("claims_contradicted", "claims contradicted"),
    ("claims_unchecked", "claims not checkable"),
    ("pledges_fulfilled", "pledges fulfilled"),
    ("pledges_not_fulfilled", "pledges not fulfilled"),
    ("pledges_pending", "pledges pending"),
    ("pledges_not_assessed", "pledges not assessed"),
    ("outcome", "outcome"),
    ("votes", "votes"),
)


def _text(row: dict[str, Any], name: str) -> str:
    term = row.get(name)
    return "" if term is None else str(term.value)


def _link(
    ctx: Context, row: dict[str, Any], name: str, label: str = "", fallback: str = ""
) -> Node | None:
    """The page node of the IRI in column `name`, labelled by column `label` when it has one."""
    term = row.get(name)
    if term is None:
        return None
    n = node(ctx.bases, {}, term)
    if label and row.get(label) is not None:
        n.label = row[label].value
    elif fallback:
        n.label = fallback
    return n


def election_results(ctx: Context, election: str) -> list[dict[str, Any]]:
    """An election's regional groups: seats, candidates with outcome and votes (as bars), letters."""
    _, rows = ctx.backend.select(Q_ELECTION, {"election": ox.NamedNode(election)})
    groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for r in rows:
        g = groups.setdefault(
            r["group"].value,
            {
                "group": _link(ctx, r, "group", "group_label"),
                "seats": _text(r, "seats"),
                "candidates": _text(r, "candidates"),
                "clean_slate": _text(r, "clean_slate"),
                "rounds": _text(r, "rounds"),
                "rows": OrderedDict(),
            },
        )
        if r.get("candidature") is None:
            continue
        row = g["rows"].setdefault(
            r["candidature"].value,
            {
                "state": _link(ctx, r, "state", "state_label"),
                "candidature": _link(ctx, r, "candidature", "candidature_label", "candidature"),
                "outcome": _text(r, "outcome_label"),
                "votes": _text(r, "votes"),
                "letters": [],
            },
        )
        letter = _link(ctx, r, "letter", "letter_label")
        if letter is not None and all(x.href != letter.href for x in row["letters"]):
            row["letters"].append(letter)
    cards = election_scorecards(ctx, Iris(ctx.bases.data).election_key(election))
    out = []
    for g in groups.values():
        g["rows"] = list(g["rows"].values())
        g["scorecards"] = cards.get(g["group"].label if g["group"] else "", [])
        g["chart"] = charts.bars(
            f"Votes, {g['group'].label if g['group'] else ''}",
            [
                (r["state"].label, int(r["votes"]), r["state"].href)
                for r in g["rows"]
                if r["votes"].isdigit() and r["state"] is not None
            ],
            "votes",
        )
        out.append(g)
    return out


def state_profile(ctx: Context, state: str) -> dict[str, Any]:
    """A State's candidatures (outcome, votes, letters and their pledges) and treaty record."""
    s = {"state": ox.NamedNode(state)}
    _, rows = ctx.backend.select(Q_STATE_CANDIDATURES, s)
    candidatures: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for r in rows:
        c = candidatures.setdefault(
            r["candidature"].value,
            {
                "candidature": _link(ctx, r, "candidature", "candidature_label", "candidature"),
                "election": _link(ctx, r, "election", "election_label"),
                "date": _text(r, "election_date"),
                "group": _text(r, "group_label"),
                "outcome": _text(r, "outcome_label"),
                "votes": _text(r, "votes"),
                "letters": [],
            },
        )
        letter = _link(ctx, r, "letter", "letter_label")
        if letter is not None:
            c["letters"].append((letter, _text(r, "pledges")))
    _, rows = ctx.backend.select(Q_STATE_TREATIES, s)
    treaties = [
        {
            "treaty": _link(ctx, r, "treaty", "treaty_label"),
            "notation": _text(r, "notation"),
            "kind": _text(r, "kind_label"),
            "status": _text(r, "status_label") or "no action recorded",
            "party_year": _text(r, "party_year"),
            "signature_year": _text(r, "signature_year"),
            "as_of": _text(r, "as_of"),
        }
        for r in rows
    ]
    return {"candidatures": list(candidatures.values()), "treaties": treaties}


def scheme_concepts(ctx: Context, scheme: str) -> list[dict[str, Any]]:
    """A scheme's concepts as a tree (top concepts first, each followed by its narrower ones), with
    the depth of each: the scheme's page lists them indented."""
    _, rows = ctx.backend.select(Q_CONCEPTS, {"scheme": ox.NamedNode(scheme)})
    concepts: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for r in rows:
        c = concepts.setdefault(
            r["c"].value,
            {"node": node(ctx.bases, {}, r["c"]), "label": "", "notation": "", "definition": ""},
        )
        c["node"].label = r["label"].value if r.get("label") else local_name(r["c"].value)
        for key in ("notation", "definition"):
            if r.get(key) is not None:
                c[key] = r[key].value
        c.setdefault("broader", r["broader"].value if r.get("broader") else None)
    children: dict[str | None, list[str]] = {}
    for iri, c in concepts.items():
        parent = c["broader"] if c["broader"] in concepts else None
        children.setdefault(parent, []).append(iri)
    tree: list[dict[str, Any]] = []

    def walk(parent: str | None, depth: int) -> None:
        for iri in children.get(parent, []):
            tree.append({**concepts[iri], "depth": depth, "id": local_name(iri)})
            walk(iri, depth + 1)

    walk(None, 0)
    return tree


def reviews(ctx: Context, candidature: str) -> list[dict[str, Any]]:
    """The claims checked and pledges followed up of a candidature's letters, each with its facts."""
    _, rows = ctx.backend.select(Q_REVIEWS, {"s": ox.NamedNode(candidature)})
    out: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for r in rows:
        review = out.setdefault(
            r["review"].value,
            {
                "kind": _text(r, "kind"),
                "statement": r["statement"].value,
                "href": ctx.bases.href(r["statement"].value),
                "text": _text(r, "text"),
                "begin": int(_text(r, "begin")) if r.get("begin") is not None else None,
                "end": int(_text(r, "end")) if r.get("end") is not None else None,
                "rating": local_name(r["rating"].value),
                "rating_label": _text(r, "rating_label") or local_name(r["rating"].value),
                "explanation": _text(r, "explanation"),
                "as_of": _text(r, "as_of"),
                "facts": [],
            },
        )
        fact = _link(ctx, r, "fact", "fact_label")
        if fact is not None:
            review["facts"].append(fact)
    return list(out.values())


def _scorecard_rows(ctx: Context) -> list[dict[str, Any]]:
    """Every row of the named query `scorecard`, run once per build."""
    from ..queries import catalogue

    return ctx.once("scorecard-rows", lambda: ctx.backend.select(catalogue()["scorecard"].text))[1]


def scorecard(ctx: Context, candidature: str) -> list[tuple[str, str]] | None:
    """The scorecard row of a candidature (the named query `scorecard`), as (label, value) pairs."""
    _, keys = ctx.backend.select(Q_KEY, {"c": ox.NamedNode(candidature)})
    if not keys or keys[0].get("election") is None:
        return None
    state_iso3 = _text(keys[0], "state_iso3")
    election = Iris(ctx.bases.data).election_key(keys[0]["election"].value)
    for r in _scorecard_rows(ctx):
        if _text(r, "state_iso3") == state_iso3 and _text(r, "election") == election:
            return [(label, _text(r, key) or "unknown") for key, label in SCORECARD_FIELDS]
    return None


def election_scorecards(ctx: Context, election: str) -> dict[str, list[dict[str, str]]]:
    """The scorecards of an election's candidatures with a letter, by regional group."""
    groups: dict[str, list[dict[str, str]]] = {}
    for r in _scorecard_rows(ctx):
        if _text(r, "election") != election:
            continue
        groups.setdefault(_text(r, "region"), []).append(
            {"state": _text(r, "state"), **{k: _text(r, k) for k, _ in SCORECARD_FIELDS}}
        )
    return groups


def election_themes(ctx: Context, election: str) -> charts.Chart | None:
    """A heat map of the pledges per theme (rows) of each candidate with a letter (columns)."""
    _, rows = ctx.backend.select(Q_ELECTION_THEMES, {"election": ox.NamedNode(election)})
    states = sorted({_text(r, "state_iso3") for r in rows})
    themes: OrderedDict[str, tuple[str, str | None]] = OrderedDict()
    values: dict[tuple[int, int], int] = {}
    for r in rows:
        theme = r["theme"].value
        themes.setdefault(
            theme, (_text(r, "theme_label") or local_name(theme), ctx.bases.href(theme))
        )
        key = (list(themes).index(theme), states.index(_text(r, "state_iso3")))
        values[key] = int(_text(r, "pledges") or 0)
    return charts.heatmap("Pledges per theme, by candidate", list(themes.values()), states, values)
