"""Reads the facts a candidature letter states from its Document: the candidature, statements,
resolutions, visits, events (one module each; the model and the date rules beside them)."""

from __future__ import annotations

from ..read import Document
from ..reference import Reference
from . import lexicon
from .candidature import read_candidature
from .events import find_events
from .model import (
    Candidature,
    Event,
    Evidence,
    Extraction,
    NotACandidature,
    ResolutionMention,
    Statement,
    Theme,
    Visit,
)
from .resolutions import dedupe_resolutions, find_resolutions
from .statements import classify, inherit_context
from .visits import find_visits

__all__ = [
    "Candidature",
    "Event",
    "Evidence",
    "Extraction",
    "NotACandidature",
    "ResolutionMention",
    "Statement",
    "Theme",
    "Visit",
    "extract",
]


_COUNCIL = lexicon.pattern("council-named")
_CANDIDATURE = lexicon.pattern("candidature-named")


def extract(doc: Document, ref: Reference) -> Extraction:
    """Everything the letter states that pledgegraph models."""
    nt = doc.norm.text
    if not _COUNCIL.search(nt) or not _CANDIDATURE.search(nt):
        raise NotACandidature(
            "not a candidature letter: no candidature or pledges for the Human Rights Council"
        )
    cand = read_candidature(doc, ref)
    if cand.state_iso3 is None:
        raise NotACandidature(
            "no candidate State could be read (no sender, mission or Government named)"
        )
    ex = Extraction(doc, cand)
    names = ref.state_names(cand.state_iso3)
    themes = ref.themes()
    for sentence in doc.sentences:
        ex.statements.extend(classify(sentence, doc, names, themes))
    inherit_context(ex, doc, themes)
    for sentence in doc.sentences:
        ex.resolutions.extend(find_resolutions(sentence, doc, ref))
        ex.visits.extend(find_visits(sentence, doc, ref, names))
        ex.events.extend(find_events(sentence, doc))
    dedupe_resolutions(ex)
    return ex
