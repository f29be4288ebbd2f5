"""Country visits by special procedures that a letter reports: the mandate, done or planned, the year."""

from __future__ import annotations

import re

from ..read import Document, Sentence
from ..reference import Reference
from . import lexicon
from .model import Evidence, Visit
from .statements import mentions_state

MANDATE_RE = re.compile(
    r"(?P<title>Special\s+Rapporteur|Independent\s+Expert|Working\s+Group(?:\s+of\s+Experts)?|Special\s+Representative(?:\s+of\s+the\s+Secretary-General)?)"
    r"\s+(?P<rest>(?:on|of|for|in\s+the\s+field\s+of)\s+[^.;()]{3,200})"
)
_MANDATE_END = re.compile(
    r",?\s*(?:the\s+|a\s+)?(?:Special\s+Rapporteur|Independent\s+Expert|Working\s+Group|Special\s+Representative)\b"
    r"|\s+as\s+well\s+as\b|,\s*due\b|\s+due\s+to\b|\s+in\s+(?:19|20)\d\d\b|,\s*(?:which|who|in|and)\b|\s+(?:has|have|had|was|were|will|is|are|to\s+visit|visited)\b|,\s*(?=[A-Z])",
)
# The status cues are on the status concepts of the vocabulary.
_VISIT_DONE = lexicon.concept_pattern("visit-completed")
_VISIT_PLANNED = lexicon.concept_pattern("visit-planned")
_VISIT_INITIATED = lexicon.pattern("visit-initiated")
_VISIT_INVITATION = lexicon.pattern("visit-invitation")


def find_visits(sentence: Sentence, doc: Document, ref: Reference, names: list[str]) -> list[Visit]:
    a0, b0 = doc.norm.from_source(sentence.begin), doc.norm.from_source(sentence.end)
    s = doc.norm.text[a0:b0]
    if not re.search(r"\bvisit", s, re.I):
        return []
    planned = _VISIT_PLANNED.search(s)
    done = _VISIT_DONE.search(s)
    if not planned and not done:
        return []
    status = (
        "planned"
        if planned and (not done or (planned.start() < done.start() and "visited" not in s))
        else "completed"
    )
    if planned and _VISIT_INITIATED.search(s):
        status = "planned"
    invitation = _VISIT_INVITATION.search(s)
    initiated = bool(invitation) and mentions_state(s, names)
    years = list(re.finditer(r"\b(?:in|during)\s+((?:19|20)\d\d)\b", s))
    year = int(years[0].group(1)) if len({y.group(1) for y in years}) == 1 else None
    cue = planned if status == "planned" and planned is not None else done or planned

    def ev(span: tuple[int, int]) -> Evidence:
        return Evidence(*doc.norm.to_source(a0 + span[0], a0 + span[1]))

    evidence = {}
    if cue is not None:
        evidence["status"] = ev(cue.span())
    if year is not None:
        evidence["year"] = ev(years[0].span(1))
    if initiated and invitation is not None:
        evidence["initiated"] = ev(invitation.span())
    out: list[Visit] = []
    pos = 0
    while m := MANDATE_RE.search(s, pos):
        rest = m.group("rest")
        e = _MANDATE_END.search(rest)
        rest = rest[: e.start()] if e else rest
        pos = m.start("rest") + max(len(rest), 1)
        name = re.sub(r"\s+", " ", f"{m.group('title')} {rest}").strip(" ,")
        begin, end = doc.norm.to_source(a0 + m.start(), a0 + m.start("rest") + len(rest))
        key = ref.find_mandate(name)
        out.append(Visit(key, name, status, begin, end, year, initiated, dict(evidence)))
    return out
