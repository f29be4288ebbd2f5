"""The record's pages: an election's results by regional group, a State's profile (candidatures and
treaty record) and a concept scheme's concepts, each from a page query of its own."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..resources import page_query
from . import charts
from .describe import Node, local_name, node

if TYPE_CHECKING:
    from .context import Context

Q_ELECTION = page_query("election-results")
Q_STATE_CANDIDATURES = page_query("state-candidatures")
Q_STATE_TREATIES = page_query("state-treaties")
Q_CONCEPTS = page_query("scheme-concepts")


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
    out = []
    for g in groups.values():
        g["rows"] = list(g["rows"].values())
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
