"""Reads the candidature from a letter: the State, the document, its date, sender, addressee and
signatory, the proposed term, the election and whether it is a re-election."""

from __future__ import annotations

import re

from ..read import SYMBOL_RE, TITLE_RE, Document
from ..reference import Reference
from . import lexicon
from .dates import (
    DAY_MONTH_YEAR,
    MONTH_DAY_YEAR,
    MONTH_RE,
    SESSION_WORD,
    first_date,
    ordinal_number,
    parse_date,
)
from .model import Candidature, Evidence


def _ev(doc: Document, a: int, b: int) -> Evidence:
    return Evidence(*doc.norm.to_source(a, b))


def read_candidature(doc: Document, ref: Reference) -> Candidature:
    c = Candidature()
    nt = doc.norm.text
    title = next((m for m in TITLE_RE.finditer(nt) if not m.group("annex")), None)
    body, body_at = doc.region_norm("body")
    if not body:
        body, body_at = nt, 0

    # Kind, date, sender, addressee: the heading wins over the body.
    if title:
        kind = title.group("kind").lower()
        c.document_kind = "note verbale" if "verbale" in kind else "letter"
        c.evidence["document_kind"] = _ev(doc, title.start("kind"), title.end("kind"))
        c.letter_date = parse_date(title.group("date"))
        c.evidence["letter_date"] = _ev(doc, title.start("date"), title.end("date"))
        sender = title.group("sender")
        c.sender = _sender_role(sender)
        if c.sender:
            c.evidence["sender"] = _ev(doc, title.start("sender"), title.end("sender"))
        c.addressee = _addressee(title.group("addressee"), ref)
        if c.addressee:
            c.evidence["addressee"] = _ev(doc, title.start("addressee"), title.end("addressee"))
        iso, a, b = ref.find_state(sender)
        if iso:
            c.state_iso3, c.state_as_printed = iso, sender[a:b]
            c.evidence["state"] = _ev(doc, title.start("sender") + a, title.start("sender") + b)
    if c.document_kind is None:
        if m := re.search(r"presents\s+its\s+compliments", body, re.I):
            c.document_kind = "note verbale"
            c.evidence["document_kind"] = _ev(doc, body_at + m.start(), body_at + m.end())
        elif m := re.search(r"\bI\s+have\s+the\s+honour\b", body):
            c.document_kind = "letter"
            c.evidence["document_kind"] = _ev(doc, body_at + m.start(), body_at + m.end())
    if c.sender is None:
        if m := re.search(
            r"\bPermanent\s+Mission\s+of\s+.{2,80}?\s+presents\s+its\s+compliments", body, re.I
        ):
            c.sender = "Permanent Mission"
            c.evidence["sender"] = _ev(doc, body_at + m.start(), body_at + m.end())
        elif m := re.search(r"\(Signed\).{0,80}?Permanent\s+Representative", nt, re.I):
            c.sender = "Permanent Representative"
            c.evidence["sender"] = _ev(doc, m.start(), m.end())
    if c.addressee is None:
        m = re.search(
            r"(?:compliments|addressed)\s+to\s+the\s+(?:Office\s+of\s+the\s+)?(President\s+of\s+the\s+(?:\w+\s+session\s+of\s+the\s+)?General\s+Assembly|Secretary-General)",
            body,
            re.I,
        )
        if m:
            c.addressee = _addressee(m.group(1), ref)
            c.evidence["addressee"] = _ev(doc, body_at + m.start(1), body_at + m.end(1))
    if c.state_iso3 is None:
        for pattern in (
            r"Permanent\s+(?:Mission|Representative)\s+of\s+(.{3,80}?)\s+to\s+the\s+United\s+Nations",
            r"Government\s+of\s+(.{3,60}?)\s+(?:has|to|is|decided)",
            r"candida(?:ture|cy)\s+of\s+(.{3,60}?)\s+(?:to|for)\b",
        ):
            for m in re.finditer(pattern, nt, re.I):
                iso, a, b = ref.find_state(m.group(1))
                if iso:
                    c.state_iso3, c.state_as_printed = iso, m.group(1)[a:b]
                    c.evidence["state"] = _ev(doc, m.start(1) + a, m.start(1) + b)
                    break
            if c.state_iso3:
                break
    if c.state_iso3 is None:
        # Last resort: the first State the letter's own text names (not the annex, which may list others).
        iso, a, b = ref.find_state(body)
        if iso:
            c.state_iso3, c.state_as_printed = iso, body[a:b]
            c.evidence["state"] = _ev(doc, body_at + a, body_at + b)
    if c.letter_date is None:
        m = re.search(
            r"(?:New\s+York|Geneva)\s*[,.]?\s+(\d{1,2}\s+"
            + MONTH_RE
            + r"\s+\d{4}|"
            + MONTH_RE
            + r"\s+\d{1,2},\s*\d{4})",
            nt,
        )
        if m:
            c.letter_date = parse_date(m.group(1))
            c.evidence["letter_date"] = _ev(doc, m.start(1), m.end(1))
    if c.letter_date is None:
        # A note verbale dates itself after its complimentary close.
        close = re.search(r"highest\s+consideration\.?", nt, re.I)
        if close:
            d = DAY_MONTH_YEAR.search(nt, close.end(), close.end() + 120) or MONTH_DAY_YEAR.search(
                nt, close.end(), close.end() + 120
            )
            if d and (value := parse_date(d.group(0))):
                c.letter_date = value
                c.evidence["letter_date"] = _ev(doc, d.start(), d.end())

    _symbol(c, doc)
    _agenda_item(c, doc)
    _signatory(c, doc)
    _term(c, doc)
    _election(c, doc)
    _reelection(c, doc)
    return c


_NOT_SENDER = lexicon.pattern("not-sender")
# The senders the genre knows: the sender concepts of the vocabulary, by name, in their order.
_SENDERS = [c.label for c in lexicon.ranked("sender-", named=True)]
# The two posts a candidature is addressed to (keys of data/reference/bodies.ttl, which names them).
_ADDRESSEES = ("secretary-general", "president-of-the-general-assembly")


def _sender_role(text: str) -> str | None:
    """Permanent Representative or Mission; another sender (a chargé d'affaires, a deputy) is neither."""
    t = text.lower()
    if _NOT_SENDER.search(t):
        return None
    return next((name for name in _SENDERS if name.lower() in t), None)


def _addressee(text: str, ref: Reference) -> str | None:
    """The post addressed, by its name in bodies.ttl: named by its title (a hyphen or a space between
    words), and by the body its name says it is of ("President" and "General Assembly")."""
    t = text.lower()
    for key in _ADDRESSEES:
        name = ref.post_name(key)
        title, of_the, body = name.lower().partition(" of the ")
        if any(v in t for v in {title, title.replace("-", " ")}) and (not of_the or body in t):
            return name
    return None  # the Secretariat, the President of the Council: neither of the two the genre knows


def _symbol(c: Candidature, doc: Document) -> None:
    header, at = doc.region_norm("header")
    if not header:
        # No heading: only a symbol in the UN masthead at the very top counts.
        head = doc.norm.text[:400]
        if not re.search(r"Distr\.|General\s+Assembly", head):
            return
        header, at = head, 0
    for m in SYMBOL_RE.finditer(header):
        before = header[max(0, m.start() - 3) : m.start()]
        if "*" in before:
            continue  # a footnote naming the preliminary list, not this document
        c.document_symbol = m.group(1)
        c.evidence["document_symbol"] = _ev(doc, at + m.start(1), at + m.end(1))
        return


# "11 2 (e)": scans split numbers; a lone digit before the sub-item letter belongs to the number.
AGENDA_RE = re.compile(
    r"\b(?:Agenda\s+item|Item)\s+(\d{1,3}(?:\s\d(?=\s*\([a-z]\)))?(?:\s*\([a-z]{1,3}\))?)", re.I
)


def _agenda_item(c: Candidature, doc: Document) -> None:
    nt = doc.norm.text
    annex = doc.regions.get("annex")
    limit = doc.norm.from_source(annex.begin) if annex else len(nt)
    m = AGENDA_RE.search(nt, 0, limit)
    if m:
        number, _, sub = m.group(1).partition("(")
        c.agenda_item = re.sub(r"\s+", "", number) + (f" ({sub.strip()}" if sub else "")
        c.evidence["agenda_item"] = _ev(doc, m.start(1), m.end(1))


_NAME_TOKEN = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|(?:de|da|das|do|dos|du|del|della|van|von|der|den|bin|binti|al|el|la|le|ibn|y|e)(?=\s+[A-ZÀ-ÖØ-Þ]))"
SIGNATORY_RE = re.compile(
    r"\(\s*Signed\s*\)\s*:?\s*(?:H\.\s?E\.\s*)?(?:(?:Mr|Mrs|Ms|Dr|Sir|Dame)\.?\s+)?(?P<name>"
    + _NAME_TOKEN
    + r"(?:[ \t]+"
    + _NAME_TOKEN
    + r"){1,6})"
)
_NOT_NAME = re.compile(
    r"\b(?:Permanent|Ambassador|Representative|Charg[ée]|Minister|Deputy|Head|Counsellor|Annex|Mission|United|Acting|Secretary|President|Extraordinary|Plenipotentiary|H\.E\.)\b.*",
    re.S,
)


def _signatory(c: Candidature, doc: Document) -> None:
    # Matched on the original text: a line break ends a name in laid-out copies.
    m = SIGNATORY_RE.search(doc.text)
    if not m:
        return
    name = _NOT_NAME.sub("", m.group("name")).strip(" .,")
    if len(name.split()) < 2 or doc.is_furniture(m.start("name")):
        return
    c.signatory = name
    c.evidence["signatory"] = Evidence(m.start("name"), m.start("name") + len(name))


TERM_RES = [
    re.compile(r"(?<![\d/])((?:19|20)\d\d)\s*-\s*((?:19|20)\d\d|\d\d)(?![\d/])"),
    re.compile(r"\bfrom\s+((?:19|20)\d\d)\s+(?:to|until|through)\s+((?:19|20)\d\d)\b", re.I),
]
_TERM_GOOD = lexicon.pattern("term-context")
_TERM_BAD = lexicon.pattern("not-term-context")


def _term(c: Candidature, doc: Document) -> None:
    nt = doc.norm.text
    letter_year = int(c.letter_date[:4]) if c.letter_date else None
    best: tuple[int, int, int, int, int] | None = None
    for pattern in TERM_RES:
        for m in pattern.finditer(nt):
            if doc.is_furniture(doc.norm.origin[m.start()]):
                continue
            start = int(m.group(1))
            end_s = m.group(2)
            end = int(end_s) if len(end_s) == 4 else (start // 100) * 100 + int(end_s)
            if not 1 <= end - start <= 3:
                continue
            if letter_year is not None and not letter_year - 1 <= start <= letter_year + 2:
                continue
            before = nt[max(0, m.start() - 90) : m.start()]
            before = before[before.rfind(". ") + 1 :] if ". " in before else before
            after = nt[m.end() : m.end() + 25]
            score = 0
            if _TERM_GOOD.search(before) or re.match(r"\s*(?:term|period)\b", after, re.I):
                score += 2
            if _TERM_BAD.search(before):
                score -= 5
            if letter_year is not None and start < letter_year:
                score -= 1
            if score <= 0:
                continue
            key = (score, -m.start(), start, end, m.start())
            if best is None or key[:2] > best[:2]:
                best = key
                c.evidence["term"] = _ev(doc, m.start(), m.end())
    if best:
        c.term_start, c.term_end = best[2], best[3]


ELECTION_RE = re.compile(r"\belections?\b", re.I)
_PAST_ELECTION = lexicon.pattern("past-election")
_REELECTION = lexicon.pattern("reelection")


def _election(c: Candidature, doc: Document) -> None:
    """The election date, as precisely as the letter gives it, and the General Assembly session."""
    nt = doc.norm.text
    letter_year = int(c.letter_date[:4]) if c.letter_date else None
    found: list[tuple[str, int, int]] = []
    for m in ELECTION_RE.finditer(nt):
        # Only as far as the window reaches: a search to the end of the text per mention is quadratic.
        stop = nt.find(". ", m.end(), m.end() + 161)
        window = nt[m.end() : min(len(nt) if stop < 0 else stop, m.end() + 160)]
        if _PAST_ELECTION.search(nt[max(0, m.start() - 60) : m.end()] + window[:40]):
            continue
        if re.match(r"\s+(?:of|to\s+fill)\s+(?:\w+\s+)?(?:members|vacancies)\b", window, re.I):
            continue  # the agenda item's title, "election of fourteen members of the Council"
        window = re.split(r"\bdated\b", window, maxsplit=1)[0]
        if not re.match(
            r"[^.]{0,40}?\b(?:to\s+be\s+held|will\s+be\s+held|scheduled|to\s+take\s+place|taking\s+place|held|in|on|of|during|at)\b",
            window,
            re.I,
        ):
            continue
        at = m.end()
        date = first_date(window)
        if date is not None:
            found.append((date[0], at + date[1], at + date[2]))
        else:
            y = re.match(r"[^.]{0,60}?\bin\s+((?:19|20)\d\d)\b(?!\s*-)", window)
            if y:
                found.append((y.group(1), at + y.start(1), at + y.end(1)))
        s = re.match(r"[^.]{0,80}?\bduring\s+the\s+" + SESSION_WORD + r"\s+session", window, re.I)
        if s and c.election_session is None:
            c.election_session = ordinal_number(s.group(1))
            if c.election_session is not None:
                c.evidence["election_session"] = _ev(doc, at + s.start(1), at + s.end(1))
    if letter_year is not None:
        found = [f for f in found if int(f[0][:4]) >= letter_year]
    if not found:
        return
    year = found[0][0][:4]
    same = [f for f in found if f[0].startswith(year)]
    months = {f[0][:7] for f in same if len(f[0]) >= 7}
    if len(months) > 1:
        same = [f for f in same if f[0].startswith(same[0][0][:7]) or len(f[0]) == 4]
    best = max(same, key=lambda f: len(f[0]))
    c.election = best[0]
    c.evidence["election"] = _ev(doc, best[1], best[2])


def _reelection(c: Candidature, doc: Document) -> None:
    nt = doc.norm.text
    for m in _REELECTION.finditer(nt):
        around = nt[max(0, m.start() - 80) : m.end() + 80]
        if re.search(r"Commission\s+on\s+Human\s+Rights", around) and not re.search(
            r"Human\s+Rights\s+Council", around
        ):
            continue
        if re.search(r"\bnew\b", m.group(0), re.I) and not re.search(r"candida", around, re.I):
            continue
        c.reelection = True
        c.evidence["reelection"] = _ev(doc, m.start(), m.end())
        return
