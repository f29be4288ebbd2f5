"""Statements: pledges (commitments about the future), contributions (what the State did) and claims
(what it says it is), with the theme and scope of each pledge. Matched on the normalised sentence;
offsets map back to the source."""

from __future__ import annotations

import re

from ..read import Document, Sentence
from .model import Extraction, Statement, Theme

_FORMULAIC = re.compile(
    r"\b(?:have|has)\s+the\s+honou?r\b|\bpresents\s+its\s+compliments\b|\bavails\s+itself\b|\bcirculated\s+as\s+a\s+document\b|\b(?:would|should)\s+be\s+(?:grateful|appreciated?)\b|\bI\s+would\s+(?:appreciate|be\s+grateful)\b|\bplease\s+find\b|\benclosed?\b|\bherewith\b|\bhighest\s+consideration\b|\bsee\s+annex\b",
    re.I,
)
_NOUN_PLEDGES = re.compile(
    r"\b(?:voluntary\s+)?pledges\s+and\s+(?:commitments|achievements)\b|\bvoluntary\s+(?:pledges|commitments)\b"
    r"|\b(?:contributions,?\s+)?commitments\s+and\s+pledges\b",
    re.I,
)
_PLEDGE_STRONG = re.compile(
    r"\bpledg(?:e|es|ed|ing)\b"
    r"|\b(?:is|are|remains?|stays?|stands?|will\s+remain|continues\s+to\s+be)\s+(?:\w+\s+){0,2}?(?:committed|determined|dedicated|resolved|ready|prepared|willing|resolute)\s+(?:to|in)\b"
    r"|\bcommit(?:s|ted)?\s+(?:itself|themselves|ourselves)\b"
    r"|\b(?:our|its|a)\s+(?:\w+\s+){0,2}commitment\s+(?:is|will\s+be)\s+to\b"
    r"|\bwould\s+be\s+to\b"
    r"|\b(?:undertakes|intends|vows|promises|commits)\s+to\b"
    r"|\bwill\s+be\s+given\b|\bwill\s+be\s+(?:paid|accorded|devoted)\b",
    re.I,
)
_PLEDGE_ITEM = re.compile(
    r"^(?:To\s+)?(?:Continue|Cooperate|Support|Promote|Strengthen|Ensure|Submit|Work|Contribute|Engage|Maintain|Pursue|Consider|Ratify|Accede|Implement|Participate|Uphold|Advocate|Fight|Combat|Protect|Foster|Encourage|Extend|Provide|Play|Further|Enhance|Step\s+up|Keep|Remain|Respond|Take|Make|Develop|Adopt|Improve|Facilitate|Seek|Advance|Raise|Increase|Reinforce|Defend|Champion|Prioritize|Prioritise|Mainstream|Host|Invite|Follow\s+up|Report)\b(?!\s+(?:of|by|for)\b)",
    re.I,
)
"""A list item of commitments written as a bare verb ("Continue to cooperate ...", "To submit ...")."""
_PLEDGE_WEAK = re.compile(
    r"\b(?:would\s+like\s+to\s+(?:continue|contribute|work|help|play|strengthen|support|promote|be\s+able\s+to)|wishes\s+to\s+(?:continue|contribute|help|strengthen|support|promote)|intends\s+to|aims\s+to|seeks\s+to|hopes\s+to|(?:is|stands)\s+ready\s+to|looks\s+forward\s+to|(?:is\s+)?demonstrating\s+its\s+commitment\s+to)\b",
    re.I,
)
"""Intentions that are pledges only when the State itself is the subject (not "the resolution seeks to")."""
_PLEDGE_FUTURE = re.compile(r"\b(?:will|shall)\s+(?!be\s+held\b)(?!have\s+been\b)\w+", re.I)
_CLAIM = re.compile(
    r"\b(?:is|are)\s+(?:(?:a|already\s+a|now\s+a)\s+)?(?:State\s+)?part(?:y|ies)\s+to\b|\bis\s+a\s+member\s+of\b|\bhas\s+(?:ratified|acceded\s+to|signed)\b|\bhas\s+(?:extended\s+)?a\s+standing\s+invitation\b",
    re.I,
)
_CONTRIBUTION = re.compile(
    r"\b(?:has|have|had)\s+(?:\w+\s+){0,2}?(?:been\s+)?\w+(?:ed|en|t|ne)\b"
    r"|\b(?:co-?initiated|initiated|hosted|co-?hosted|organi[sz]ed|co-?organi[sz]ed|co-?sponsored|sponsored|launched|established|contributed|received|participated|served|chaired|presided|submitted|presented|adopted|ratified|acceded|supported|was\s+(?:re-?)?elected|were\s+adopted|was\s+visited|visited|signed|implemented|introduced|funded|made|took|undertook)\b",
    re.I,
)


_ANNOUNCEMENT = re.compile(
    r"\b(?:present(?:ed|s)?|submit(?:ted|s)?|declared?|announced?|put\s+forward)\s+(?:its|the|their)\s+(?:candidature|candidacy)|\bcandida(?:ture|cy)\s+(?:for|to)\s+(?:re-?election|election|membership|a\s+seat)",
    re.I,
)


def mentions_state(text: str, names: list[str], loose: bool = True) -> bool:
    """Whether the State is the one speaking or acting: its name, its Government, "we", or (loosely) "it"."""
    pronouns = r"\b(?:Government|we|our|us|delegation)\b" + (
        r"|\b(?:it|its|country)\b" if loose else ""
    )
    if re.search(pronouns, text, re.I):
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


_SCOPE_BOTH = re.compile(
    r"\bboth\s+(?:in\s+|at\s+)?(?:the\s+)?(?:domestic|national)\w*\s+(?:and|as\s+well\s+as)\s+(?:in\s+|at\s+)?(?:the\s+)?(?:foreign|international)\b|\bboth\s+(?:nationally|at\s+the\s+national)\b.*?\b(?:internationally|international)\b|\bat\s+the\s+national,\s+(?:regional\s+and\s+)?international\s+levels?\b|\bat\s+(?:the\s+)?(?:national|domestic)\s+and\s+international\s+levels?\b|\bnationally\s+and\s+internationally\b|\bat\s+home\s+and\s+abroad\b",
    re.I,
)
_SCOPE_NATIONAL = re.compile(
    r"\bat\s+the\s+national\s+level\b|\bnationally\b|\bdomestically\b|\bat\s+home\b|\bin\s+(?:its|our)\s+(?:own\s+)?(?:country|territory)\b|\bnational\s+(?:legislation|law|action\s+plan|institutions?)\b",
    re.I,
)
_SCOPE_INTERNATIONAL = re.compile(
    r"\bat\s+the\s+international\s+level\b|\binternationally\b|\babroad\b", re.I
)


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


_INTERNATIONAL_ARENA = re.compile(
    r"Human\s+Rights\s+Council|United\s+Nations|\binternational\b|Member\s+States", re.I
)


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
            scope = (
                explicit_scope(head)
                if re.match(r"\s*(?:At|On)\s+the\s+\w+\s+level", head)
                else None
            )
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
