"""The structure of a letter's text: header, title, body, signature and annex, paragraphs and sentences."""

from __future__ import annotations

import itertools
import re

from .document import FURNITURE, MONTH_RE, SYMBOL_RE, Document, Paragraph, Sentence, Span

# --------------------------------------------------------------------------------------------------
# Structure

TITLE_RE = re.compile(
    r"(?P<annex>Annex(?:\s+[IVX]+)?\s+to\s+the\s+)?"
    r"(?P<kind>(?:Identical\s+)?letters?|note\s+verbale)\s+dated\s+(?P<date>"
    + r"\d{1,2}(?:st|nd|rd|th)?\s+"
    + MONTH_RE
    + r",?\s+\d{4}|"
    + MONTH_RE
    + r"\s+\d{1,2},\s*\d{4})"
    r"\s+from\s+the\s+(?P<sender>.{3,160}?)\s+addressed\s+to\s+the\s+(?P<addressee>"
    r"President\s+of\s+the\s+General\s+Assembly|Secretary-General(?:\s+of\s+the\s+United\s+Nations)?"
    r"|Secretariat(?:\s+of\s+the\s+United\s+Nations)?"
    r"|President\s+of\s+the\s+Human\s+Rights\s+Council)",
    re.I,
)
SIGNED_RE = re.compile(r"\(\s*Signed\s*\)|\bSigned\s*:", re.I)
ANNEX_HEADINGS = [
    re.compile(
        r"Annex(?:\s+[IVX]+)?\s+to\s+the\s+(?:letter|note\s+verbale|identical\s+letters)", re.I
    ),
    re.compile(
        r"(?<!\ban\s)(?<!\bthe\s)(?<!\bwith\s)(?<!\bits\s)(?<!\bhis\s)(?<!herewith\s)(?<!attached\s)"
        r"(?<!enclosed\s)(?<!\ban\s\s)\bAide[-\s]?[Mm][ée]moire\b(?!\s+(?:on|containing|setting|with)\b)"
    ),
    re.compile(
        r"(?:^|(?<=[.!?:]\s)|(?<=\n))\s*(?:Updated\s+)?Voluntary\s+pledges\s+and\s+commitments\b",
        re.M,
    ),
]
"""Where an annex begins, most certain first: its heading, an aide-memoire, a pledges heading."""
COMPLIMENTARY_CLOSE_RE = re.compile(
    r"avails\s+itself\s+of\s+this\s+opportunity.*?consideration\.?", re.I
)


def structure(text: str, name: str, media_type: str = "text/plain") -> Document:
    """Find the regions, paragraphs and sentences of a letter's text."""
    doc = Document(name=name, text=text, media_type=media_type)
    norm = doc.norm
    nt = norm.text

    for pattern in FURNITURE:
        for m in pattern.finditer(nt):
            doc.furniture.append(Span(*norm.to_source(m.start(), m.end())))
    # The document symbol repeats at the top of each page; every occurrence is furniture.
    for m in SYMBOL_RE.finditer(nt):
        before = nt[max(0, m.start() - 40) : m.start()]
        if not re.search(r"(?:resolution|decision|document|see|in|and|,)\s*$", before, re.I):
            doc.furniture.append(Span(*norm.to_source(m.start(), m.end())))
    doc.furniture.sort(key=lambda s: (s.begin, s.end))

    titles = [m for m in TITLE_RE.finditer(nt) if not m.group("annex")]
    title = titles[0] if titles else None
    after = title.end() if title else 0
    annex_starts = []
    for heading in ANNEX_HEADINGS:
        annex_starts = [m.start() for m in heading.finditer(nt, after)]
        if annex_starts:
            break
    end = len(nt)
    body_start = title.end() if title else 0
    signed = next((m for m in SIGNED_RE.finditer(nt) if m.start() >= body_start), None)
    annex_start = annex_starts[0] if annex_starts else None
    if annex_start is not None and signed is not None and signed.start() > annex_start:
        # A signature after the annex heading belongs to the annex's end, not the letter's.
        signed = None
    body_end = min(
        x for x in (signed.start() if signed else None, annex_start, end) if x is not None
    )

    def put(region: str, a: int, b: int) -> None:
        if b > a:
            doc.regions[region] = Span(*norm.to_source(a, b))

    if title:
        put("header", 0, title.start())
        put("title", title.start(), title.end())
    put("body", body_start, body_end)
    if signed:
        sig_end = annex_start if annex_start is not None else min(end, signed.end() + 200)
        put("signature", signed.start(), sig_end)
    if annex_start is not None:
        put("annex", annex_start, end)

    _paragraphs_and_sentences(doc)
    return doc


_PARA_BREAK = re.compile(
    r"\n[ \t\f\v\r]*\n|(?<=[.:;!?\"”'’)])[ \t]*\r?\n(?=[ \t]+\S)|\r?\n(?=[ \t]*\d{1,2}\.(?:\s|$))"
)
_NUMBER_MARK = re.compile(
    # No "^": match(text, pos) anchors at pos, and "^" would only match at the text's very start.
    r"\s*(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s+|\s*\([a-z0-9]{1,3}\)\s+|\s*[•·▪\-–]\s+"
)
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|No|Nos|St|Art|Arts|para|paras|vol|p|pp|e\.g|i\.e|etc|cf|H\.E|U\.N|U\.S|Inc|Co|Rev|Corr|Add|Sect|Ch|Fig|approx|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z])$"
)


def _paragraphs_and_sentences(doc: Document) -> None:
    text = doc.text
    for region in ("body", "annex"):
        span = doc.regions.get(region)
        if span is None:
            continue
        starts = [span.begin]
        starts += [m.end() for m in _PARA_BREAK.finditer(text, span.begin, span.end)]
        starts.append(span.end)
        for a, b in itertools.pairwise(starts):
            a, b = _trim(text, a, b)
            if b <= a:
                continue
            doc.paragraphs.append(Paragraph(a, b, region))
    doc.paragraphs.sort(key=lambda p: p.begin)
    for index, para in enumerate(doc.paragraphs):
        for a, b in _split_sentences(doc, para.begin, para.end):
            doc.sentences.append(Sentence(a, b, para.region, index, text[a:b]))


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    m = _NUMBER_MARK.match(text, a, b)
    if m and m.end() < b:
        a = m.end()
    return a, b


_SENT_END = re.compile(r"[.!?](?:[\"”’')\]]+)?(?=\s+(?:[\"“‘(]?[A-Z0-9]))")


def _split_sentences(doc: Document, a: int, b: int) -> list[tuple[int, int]]:
    """Sentence spans of [a, b): split after . ! ? before a capital, not after abbreviations or furniture."""
    text = doc.text
    out: list[tuple[int, int]] = []
    start = a
    for m in _SENT_END.finditer(text, a, b):
        stop = m.end()
        head = text[max(start, m.start() - 12) : m.start()]
        if text[m.start()] == "." and _ABBREV.search(head):
            continue
        if doc.is_furniture(m.start()):
            continue
        out.append((start, stop))
        start = stop
    out.append((start, b))
    result = []
    for s, e in out:
        s, e = _strip_furniture(doc, *_trim(text, s, e))
        if e > s and any(c.isalpha() for c in text[s:e]):
            result.append((s, e))
    return result


def _strip_furniture(doc: Document, a: int, b: int) -> tuple[int, int]:
    """Drop page furniture and white space at the edges of a span (inside it, it stays: offsets must be exact).

    The span starts at the first position from `a` on that is neither furniture nor white space, and
    ends after the last such position before `b`; each step is a lookup in the furniture index, so a
    text full of furniture costs no more per sentence than a clean one.
    """
    text = doc.text
    while a < b:
        span = doc.covering_furniture(a)
        if span is not None:
            a = span.end
        elif text[a].isspace():
            a += 1
        else:
            break
    while b > a:
        span = doc.covering_furniture(b - 1)
        if span is not None:
            b = span.begin
        elif text[b - 1].isspace():
            b -= 1
        else:
            break
    return a, b
