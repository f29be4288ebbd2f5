"""Writes a letter's scrutiny into its graph: each claim checked as a schema.org ClaimReview of a
schema:Claim on the claim's text span, each pledge's follow-up as a pg:FollowUp (a schema:Review of
the pledge), and the candidate's record as of the letter's date as a pg:Scorecard.

These are the build's findings about the letter, not what the letter states: each is authored by the
project, dated as of the day it holds for, and rests on the record's facts (schema:isBasedOn), whose
sources the reference data gives. Verdicts and statuses are concepts of ontology/vocabulary.ttl that
are also schema:Rating values."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox

from ..extract import Evidence
from ..graph import LetterGraph, N, date_literal, human_date, lit
from ..namespaces import PG, PGV, PROV, RDFS, SCHEMA, XSD, slug
from .model import ClaimCheck, FollowUp, Scrutiny, Standing

VERDICTS = {
    "supported": "supported",
    "contradicted": "contradicted",
    "not checkable": "not-checkable",
}
STATUSES = {
    "fulfilled": "fulfilled",
    "not fulfilled": "not-fulfilled",
    "pending": "pending",
    "not assessed": "not-assessed",
}


def _digest(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:10]


def add_scrutiny(g: LetterGraph, found: Scrutiny) -> None:
    """Add the claim checks, follow-ups and scorecard of a letter to its graph."""
    project = g.id("project")
    for check in found.claims:
        _claim(g, check, project)
    for follow in found.follow_ups:
        _follow_up(g, follow, project)
    if found.standing is not None:
        _scorecard(g, found.standing)


def _as_of(day: str) -> ox.Literal:
    return lit(day, XSD + "date")


def _claim(g: LetterGraph, check: ClaimCheck, project: ox.NamedNode) -> None:
    text = g.ex.doc.text[check.begin : check.end]
    claim = g.id(f"letter/{g.key}/claim-check/{check.aspect}-{_digest(text)}")
    review = N(claim.value + "/review")
    g.a(claim, SCHEMA + "Claim")
    g.add(claim, PG + "statedIn", g.letter_node)
    if g.state_node is not None:
        g.add(claim, PG + "madeBy", g.state_node)
    g.add(claim, RDFS + "label", lit(f"Claim: {' '.join(text.split())[:80]}", lang="en"))
    if check.statement is not None:
        g.add(claim, PROV + "wasDerivedFrom", g.statement_nodes[check.statement])
    g.evidence(claim, Evidence(check.begin, check.end))
    g.a(review, SCHEMA + "ClaimReview")
    g.add(review, SCHEMA + "itemReviewed", claim)
    g.add(review, SCHEMA + "reviewRating", N(PGV + "verdict-" + VERDICTS[check.verdict]))
    g.add(review, SCHEMA + "reviewBody", lit(check.explanation, lang="en"))
    g.add(review, SCHEMA + "author", project)
    g.add(review, RDFS + "label", lit(f"Claim check: {check.verdict}", lang="en"))
    if check.as_of:
        g.add(review, PG + "asOf", _as_of(check.as_of))
    for iri in check.evidence:
        g.add(review, SCHEMA + "isBasedOn", N(iri))


def _follow_up(g: LetterGraph, f: FollowUp, project: ox.NamedNode) -> None:
    pledge = g.statement_nodes[f.statement]
    what = f.instrument or (slug(f.action) if f.action else "none")
    node = N(f"{pledge.value}/follow-up/{what}")
    g.a(node, PG + "FollowUp", SCHEMA + "Review")
    g.add(node, SCHEMA + "itemReviewed", pledge)
    g.add(node, SCHEMA + "reviewRating", N(PGV + "follow-up-" + STATUSES[f.status]))
    g.add(node, SCHEMA + "reviewBody", lit(f.explanation, lang="en"))
    g.add(node, SCHEMA + "author", project)
    g.add(node, PG + "asOf", _as_of(f.as_of))
    about = f" ({f.instrument})" if f.instrument else ""
    g.add(node, RDFS + "label", lit(f"Follow-up: {f.status}{about}", lang="en"))
    if f.action:
        g.add(node, PG + "pledgedAction", N(PGV + "action-" + slug(f.action)))
    if f.instrument:
        g.add(node, PG + "instrument", g.id(f"treaty/{f.instrument}"))
    if f.year:
        g.add(node, PG + "fulfilledIn", date_literal(f.year[:10]))
    if f.deadline:
        g.add(node, PG + "deadline", date_literal(f.deadline[:10]))
    for iri in f.evidence:
        g.add(node, SCHEMA + "isBasedOn", N(iri))


def _scorecard(g: LetterGraph, s: Standing) -> None:
    if g.candidature_node is None:
        return
    card = g.id(f"letter/{g.key}/scorecard")
    g.a(card, PG + "Scorecard")
    g.add(card, SCHEMA + "about", g.candidature_node)
    g.add(card, PROV + "wasDerivedFrom", g.letter_node)  # its date is the letter's
    g.add(card, PG + "asOf", _as_of(s.as_of))
    g.add(card, RDFS + "label", lit(f"Scorecard as of {human_date(s.as_of)}", lang="en"))
    for iri in s.acts:
        g.add(card, PG + "partyBy", N(iri))
    for iri in s.acts_in_doubt:
        g.add(card, PG + "actInDoubt", N(iri))
    for iri in s.terms:
        g.add(card, PG + "previousTerm", N(iri))
