"""Statements: pledges (commitments about the future), contributions (what the State did) and claims
(what it says it is), with the theme and scope of each pledge. Matched on the normalised sentence;
offsets map back to the source."""

from __future__ import annotations

import re

from ..read import Document, Sentence
from . import lexicon
from .model import Extraction, Statement, Theme

# The cues, from the lexicon (ontology/lexicon.ttl), where each kind's definition says what it signals.
_FORMULAIC = lexicon.pattern("formulaic")
_NOUN_PLEDGES = lexicon.pattern("noun-pledges")
_PLEDGE_STRONG = lexicon.pattern("pledge-strong")
_PLEDGE_ITEM = lexicon.pattern("pledge-item")
_PLEDGE_WEAK = lexicon.pattern("pledge-weak")
_PLEDGE_FUTURE = lexicon.pattern("pledge-future")
_CLAIM = lexicon.pattern("claim")
_CONTRIBUTION = lexicon.pattern("contribution")
_ANNOUNCEMENT = lexicon.pattern("announcement")
_SPEAKER = lexicon.pattern("speaker")
_SPEAKER_LOOSE = lexicon.pattern("speaker", "speaker-loose")


def mentions_state(text: str, names: list[str], loose: bool = True) -> bool:
    """Whether the State is the one speaking or acting: its name, its Government, "we", or (loosely) "it"."""
    if (_SPEAKER_LOOSE if loose else _SPEAKER).search(text):
        return True
    return any(re.search(r"\b" + re.escape(n) + r"\b", text, re.I) for n in names)


def classify(
    sentence: Sentence, doc: Document, names: list[str], themes: list[Theme]
) -> list[Statement]:
    """The pledge, contribution or claim a sentence makes (a sentence may hold a claim and a pledge)."""
    a0, b0 = doc.norm.from_source(sentence.begin), doc.norm.from_source(sentence.end)
    s = doc.norm.text[a0:b0]
    if _FORMULAIC.search(s) or (not re.search(r"[.!?;:]\W*$", s) and len(s) < 160):
        return []  # formulae of diplomatic correspondence, and headings
    if s.rstrip().endswith(":") and len(s) < 160:
        return []  # "X commits to:" introduces the list of pledges that follows
    a0 = a0 + _heading_prefix(s)
    s = doc.norm.text[a0:b0]
    # Words inside quotations (titles, constitutions quoted) are not the State's own commitments.
    probe = re.sub(r'"[^"]{0,600}"', lambda m: " " * len(m.group(0)), _NOUN_PLEDGES.sub(" ", s))
    pledge = _PLEDGE_STRONG.search(probe)
    if pledge is None:
        future = _PLEDGE_FUTURE.search(probe)
        if future and mentions_state(probe, names):
            pledge = future
    if pledge is None:
        weak = _PLEDGE_WEAK.search(probe)
        if weak and mentions_state(probe[max(0, weak.start() - 60) : weak.start()], names):
            pledge = weak
    if pledge is None and sentence.region == "annex":
        pledge = _PLEDGE_ITEM.match(probe)
    out: list[Statement] = []

    def emit(kind: str, a: int, b: int) -> None:
        begin, end = doc.norm.to_source(a0 + a, a0 + b)
        begin, end = _tidy(doc.text, begin, end)
        if end > begin:
            out.append(Statement(kind, begin, end, doc.text[begin:end]))

    claim = _CLAIM.search(s)
    contribution = _CONTRIBUTION.search(s) if mentions_state(s, names, loose=False) else None
    if contribution and _ANNOUNCEMENT.search(s):
        contribution = None  # announcing the candidature is neither a contribution nor a claim
    if pledge is not None:
        first = min((m.start() for m in (claim, contribution) if m is not None), default=None)
        if first is not None and first < pledge.start():
            # "X is a party to ..., and is committed to ...": the claim and the pledge are apart.
            cut = None
            for j in re.finditer(
                r"(?:,\s*|;\s*|\s)and\s+(?=(?:\w+\s+){0,2}?(?:is|are|remains|will|shall|pledges|commits|undertakes|intends)\b)|;\s+",
                s[: pledge.end()],
            ):
                if j.start() > first:
                    cut = j
            if cut is not None:
                emit(
                    "claim" if claim and claim.start() == first else "contribution", 0, cut.start()
                )
                emit("pledge", cut.end(), len(s))
                _annotate(out, s, themes)
                return out
        emit("pledge", 0, len(s))
    elif claim is not None:
        emit("claim", 0, len(s))
    elif contribution is not None:
        emit("contribution", 0, len(s))
    _annotate(out, s, themes)
    return out


_HEADING_PREFIX = re.compile(
    r"^(?:Annex(?:\s+[IVX]+)?\s+to\s+the\s+[^.]{10,300}?\s+addressed\s+to\s+the\s+(?:President\s+of\s+the\s+General\s+Assembly|Secretary-General|Secretariat)(?:\s+of\s+the\s+United\s+Nations)?\s+)?"
    r"(?:\[\s*Original\s*:[^\]]{2,60}\]\s+)?"
    r"(?:Aide[-\s]?m[ée]moire\s*:?\s+(?=[A-Z]))?"
    r"(?:(?:Candida(?:cy|ture)|Election)\s+of\s+[^.]{2,80}?(?:Council|\d{4})(?:\s*,?\s*\(?\d{4}\s*-\s*\d{4}\)?)?\s*:?\s+)?"
    r"(?:(?:Updated\s+)?Voluntary\s+pledges\s+and\s+commitments[^.]{0,80}?(?:resolution\s+60/251|human\s+rights|of\s+\w+)\s+)?"
    r"(?:[IVX]{1,4}\.\s+[A-Z][^.]{0,80}?\s+(?=[A-Z]))?",
)


def _heading_prefix(s: str) -> int:
    """Length of headings run into the sentence's start (texts copied without line breaks)."""
    m = _HEADING_PREFIX.match(s)
    return m.end() if m else 0


def _tidy(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (text[a].isspace() or text[a] in ",;"):
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


# Scope cues are on the scope concepts of the vocabulary (ontology/vocabulary.ttl).
_SCOPE_BOTH = lexicon.concept_pattern("scope-both")
_SCOPE_NATIONAL = lexicon.concept_pattern("scope-national")
_SCOPE_INTERNATIONAL = lexicon.concept_pattern("scope-international")


def explicit_scope(text: str) -> str | None:
    if _SCOPE_BOTH.search(text):
        return "both"
    national = _SCOPE_NATIONAL.search(text)
    international = _SCOPE_INTERNATIONAL.search(text)
    if national and international:
        return "both"
    if national:
        return "national"
    if international:
        return "international"
    return None


def theme_of(text: str, themes: list[Theme]) -> Theme | None:
    """The first theme, in the scheme's priority order, any of whose patterns the text matches."""
    return next((t for t in themes if any(p.search(text) for p in t.patterns)), None)


_INTERNATIONAL_ARENA = lexicon.pattern("international-arena")
_SCOPE_HEADING = lexicon.pattern("scope-heading")


def _annotate(statements: list[Statement], sentence: str, themes: list[Theme]) -> None:
    for st in statements:
        if st.kind == "pledge":
            t = theme_of(st.text, themes)
            st.theme = t.key if t else None


def inherit_context(ex: Extraction, doc: Document, themes: list[Theme]) -> None:
    """Pledges without a theme of their own take their paragraph's; "At the national level" opens a scope."""
    para_of = {s.begin: s.paragraph for s in doc.sentences}
    by_key = {t.key: t for t in themes}
    last_theme: dict[int, str] = {}
    para_scope: dict[int, str] = {}
    for st in ex.pledges:
        para = max((p for b, p in para_of.items() if b <= st.begin), default=-1)
        opening = doc.paragraphs[para] if 0 <= para < len(doc.paragraphs) else None
        if opening is not None and para not in para_scope:
            head = doc.norm.text[
                doc.norm.from_source(opening.begin) : doc.norm.from_source(opening.begin) + 40
            ]
            scope = explicit_scope(head) if _SCOPE_HEADING.match(head) else None
            if scope:
                para_scope[para] = scope
        if st.theme is None and para in last_theme:
            st.theme = last_theme[para]
        if st.theme is None:
            st.theme = "human-rights-general"
        st.scope = explicit_scope(st.text) or para_scope.get(para)
        if st.scope is None:
            default = by_key[st.theme].scope if st.theme in by_key else "international"
            st.scope = "international" if _INTERNATIONAL_ARENA.search(st.text) else default
        last_theme[para] = st.theme
