"""Reads the facts a candidature letter states from its Document: the candidature, statements, resolutions, visits, events."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .read import (
    DAY_MONTH_YEAR,
    MONTH_DAY_YEAR,
    MONTH_RE,
    MONTH_YEAR,
    MONTHS,
    SYMBOL_RE,
    TITLE_RE,
    Document,
    Sentence,
    parse_date,
)
from .reference import Reference


class NotACandidature(Exception):
    """The text reads, but it is not a candidature letter for the Human Rights Council."""


@dataclass(frozen=True)
class Evidence:
    """Where in the source a fact was read: [begin, end) offsets into Document.text."""

    begin: int
    end: int


@dataclass
class Candidature:
    state_iso3: str | None = None
    state_as_printed: str | None = None
    document_kind: str | None = None
    letter_date: str | None = None
    document_symbol: str | None = None
    sender: str | None = None
    addressee: str | None = None
    agenda_item: str | None = None
    signatory: str | None = None
    term_start: int | None = None
    term_end: int | None = None
    reelection: bool = False
    election: str | None = None
    election_session: int | None = None
    evidence: dict[str, Evidence] = field(default_factory=dict)


@dataclass
class Statement:
    kind: str  # pledge | contribution | claim
    begin: int
    end: int
    text: str
    theme: str | None = None
    scope: str | None = None


@dataclass
class ResolutionMention:
    number: str
    body: str | None  # key of the adopting body in the reference data
    symbol: str | None
    role: str
    begin: int
    end: int
    title: str | None = None
    title_evidence: Evidence | None = None
    year: int | None = None


@dataclass
class Visit:
    mandate: str | None  # reference key, when known
    mandate_name: str
    status: str
    begin: int
    end: int
    year: int | None = None
    initiated_by_state: bool = False


@dataclass
class Event:
    label: str
    date: str | None
    place: str | None
    role: str
    begin: int
    end: int


@dataclass
class Extraction:
    doc: Document
    candidature: Candidature
    statements: list[Statement] = field(default_factory=list)
    resolutions: list[ResolutionMention] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def pledges(self) -> list[Statement]:
        return [s for s in self.statements if s.kind == "pledge"]


def extract(doc: Document, ref: Reference) -> Extraction:
    """Everything the letter states that pledgegraph models."""
    nt = doc.norm.text
    if not re.search(r"Human\s*Rights\s*Coun\s?cil|\bHRC\b", nt, re.I) or not re.search(
        r"candida|election|pledge", nt, re.I
    ):
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
    _inherit_context(ex, doc, themes)
    for sentence in doc.sentences:
        ex.resolutions.extend(find_resolutions(sentence, doc, ref))
        ex.visits.extend(find_visits(sentence, doc, ref, names))
        ex.events.extend(find_events(sentence, doc))
    _dedupe_resolutions(ex)
    return ex


# ==================================================================================================
# The candidature


def _ev(doc: Document, a: int, b: int) -> Evidence:
    return Evidence(*doc.norm.to_source(a, b))


WORD_NUMBERS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}  # fmt: skip
TENS = {"sixtieth": 60, "seventieth": 70, "eightieth": 80, "fiftieth": 50, "ninetieth": 90}
TENS_PREFIX = {"fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


def ordinal_number(word: str) -> int | None:
    """60th, sixtieth, sixty-first -> 60, 60, 61."""
    w = word.lower().strip()
    if m := re.fullmatch(r"(\d+)(?:st|nd|rd|th)", w):
        return int(m.group(1))
    if w in TENS:
        return TENS[w]
    m = re.fullmatch(r"(\w+)-(\w+)", w)
    if m and m.group(1) in TENS_PREFIX and m.group(2) in WORD_NUMBERS:
        return TENS_PREFIX[m.group(1)] + WORD_NUMBERS[m.group(2)]
    return None


SESSION_WORD = r"(\d{2}(?:st|nd|rd|th)|(?:fifty|sixty|seventy|eighty|ninety)-\w+|\w+tieth)"


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
        c.addressee = _addressee(title.group("addressee"))
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
            c.addressee = _addressee(m.group(1))
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


def _sender_role(text: str) -> str | None:
    """Permanent Representative or Mission; another sender (a chargé d'affaires, a deputy) is neither."""
    t = text.lower()
    if re.search(r"charg|deputy|acting|minister|ambassador\s+and", t):
        return None
    if "permanent mission" in t:
        return "Permanent Mission"
    if "permanent representative" in t:
        return "Permanent Representative"
    return None


def _addressee(text: str) -> str | None:
    t = text.lower()
    if "secretary-general" in t or "secretary general" in t:
        return "Secretary-General"
    if "president" in t and "general assembly" in t:
        return "President of the General Assembly"
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
_TERM_GOOD = re.compile(
    r"\b(?:term|period|mandate|membership|Council|candida\w+|election|seat|serve)\b", re.I
)
_TERM_BAD = re.compile(
    r"\b(?:previous|previously|served|serving|most\s+recently|Commission|one-year|two-year|former|past|since|during\s+its|first\s+term|was\s+(?:a\s+)?member|member\s+of\s+the\s+Commission|plan|programme|strategy|action\s+plan|decade)\b",
    re.I,
)


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


def _election(c: Candidature, doc: Document) -> None:
    """The election date, as precisely as the letter gives it, and the General Assembly session."""
    nt = doc.norm.text
    letter_year = int(c.letter_date[:4]) if c.letter_date else None
    found: list[tuple[str, int, int]] = []
    for m in ELECTION_RE.finditer(nt):
        # Looked for only as far as the window reaches: a search to the text's end per mention is quadratic.
        stop = nt.find(". ", m.end(), m.end() + 161)
        window = nt[m.end() : min(len(nt) if stop < 0 else stop, m.end() + 160)]
        if re.search(
            r"Commission|previous|last\s+year|was\s+elected",
            nt[max(0, m.start() - 60) : m.end()] + window[:40],
            re.I,
        ):
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
        date = _first_date(window)
        if date is not None:
            found.append((date[0], at + date[1], at + date[2]))
        else:
            y = re.match(r"[^.]{0,60}?\bin\s+((?:19|20)\d\d)\b(?!\s*-)", window)
            if y:
                found.append((y.group(1), at + y.start(1), at + y.end(1)))
        s = re.match(r"[^.]{0,80}?\bduring\s+the\s+" + SESSION_WORD + r"\s+session", window, re.I)
        if s and c.election_session is None:
            c.election_session = ordinal_number(s.group(1))
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


def _first_date(text: str) -> tuple[str, int, int] | None:
    """The first date in text, whichever way it is written: (ISO value as precise as given, start, end)."""
    best: tuple[str, int, int] | None = None
    for rx in (DAY_MONTH_YEAR, MONTH_DAY_YEAR, MONTH_YEAR):
        for d in rx.finditer(text):
            if best is not None and d.start() >= best[1]:
                break
            if rx is MONTH_YEAR:
                if best is not None and best[1] <= d.start() < best[2]:
                    continue  # the month and year of a full date already found
                value: str | None = f"{d.group(2)}-{MONTHS[d.group(1).lower()]:02d}"
            else:
                value = parse_date(d.group(0))
            if value:
                best = (value, d.start(), d.end())
                break
    return best


def _reelection(c: Candidature, doc: Document) -> None:
    nt = doc.norm.text
    for m in re.finditer(
        r"\bre-?\s?election\b|\b(?:second|another|further|new)\s+(?:consecutive\s+)?(?:term|mandate)\b|\bre-?elected\s+(?:to|as\s+a\s+member\s+of)\s+the\s+(?:Human\s+Rights\s+)?Council\b",
        nt,
        re.I,
    ):
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


# ==================================================================================================
# Statements: pledges (commitments about the future), contributions (what the State did) and claims
# (what it says it is). Matched on the normalised sentence; offsets map back to the source.

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


def _mentions_state(text: str, names: list[str], loose: bool = True) -> bool:
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
        if future and _mentions_state(probe, names):
            pledge = future
    if pledge is None:
        weak = _PLEDGE_WEAK.search(probe)
        if weak and _mentions_state(probe[max(0, weak.start() - 60) : weak.start()], names):
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
    contribution = _CONTRIBUTION.search(s) if _mentions_state(s, names, loose=False) else None
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


@dataclass(frozen=True)
class Theme:
    key: str
    patterns: tuple[re.Pattern[str], ...]
    scope: str
    priority: int


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


def _inherit_context(ex: Extraction, doc: Document, themes: list[Theme]) -> None:
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


# ==================================================================================================
# Resolutions

_BODY_WORDS = [
    ("commission-on-human-rights", r"Commission\s+on\s+Human\s+Rights|Commission"),
    ("human-rights-council", r"Human\s+Rights\s+Council|(?<!Security\s)(?<!Social\s)Council"),
    ("security-council", r"Security\s+Council"),
    ("economic-and-social-council", r"Economic\s+and\s+Social\s+Council|ECOSOC"),
    ("general-assembly", r"General\s+Assembly|Assembly"),
]
_BODY_BEFORE = re.compile(
    r"(?P<body>"
    + "|".join(f"(?P<b{i}>{rx})" for i, (_, rx) in enumerate(_BODY_WORDS))
    + r")\s+resolutions?\s*$",
    re.I,
)
_NUM = r"(?:S-\d{1,2}/\d{1,3}|\d{1,4}/\d{1,4}(?:\s?[A-Z](?![a-z]))?|\d{3,4}\s\(\d{4}\))"
RESOLUTION_RE = re.compile(
    r"\bresolutions?\s+(?P<list>" + _NUM + r"(?:\s*(?:,|and|,\s*and)\s*" + _NUM + r")*)"
    r"|(?P<sym>\b(?:A/RES/\d{2}/\d{1,4}|A/HRC/RES/(?:S-)?\d{1,2}/\d{1,3}|E/CN\.4/RES/\d{4}/\d{1,3}|E/RES/\d{4}/\d{1,3}|S/RES/\d{3,4}\s?\(\d{4}\)))",
    re.I,
)
_ROLE_RES = [
    ("co-initiated", re.compile(r"\bco-?initiat(?:ed|or)\b", re.I)),
    ("initiated", re.compile(r"(?<!co-)(?<!co)\binitiat(?:ed|or|ive\s+of)\b", re.I)),
    ("co-sponsored", re.compile(r"\bco-?sponsor(?:ed|s|ship)?\b", re.I)),
    ("sponsored", re.compile(r"(?<!co-)(?<!co)\b(?:main\s+)?sponsor(?:ed)?\b", re.I)),
]


def find_resolutions(sentence: Sentence, doc: Document, ref: Reference) -> list[ResolutionMention]:
    a0, b0 = doc.norm.from_source(sentence.begin), doc.norm.from_source(sentence.end)
    s = doc.norm.text[a0:b0]
    out: list[ResolutionMention] = []
    role = "cited"
    for name, rx in _ROLE_RES:
        if rx.search(s):
            role = name
            break
    adopted_year = None
    if y := re.search(
        r"\b(?:In|in)\s+((?:19|20)\d\d)\b[^.]{0,80}?\badopted\b|\badopted\b[^.]{0,80}?\bin\s+((?:19|20)\d\d)\b",
        s,
    ):
        adopted_year = int(y.group(1) or y.group(2))
    near = _Nearby(s)
    for m in RESOLUTION_RE.finditer(s):
        if m.group("sym"):
            items = [(m.group("sym"), m.start("sym"), m.end("sym"))]
        else:
            items = [
                (n.group(0), m.start("list") + n.start(), m.start("list") + n.end())
                for n in re.finditer(_NUM, m.group("list"))
            ]
        for raw, a, b in items:
            number, body, symbol = ref.resolve_resolution(
                raw.strip(), _body_context(s, m.start(), a, near), s
            )
            if number is None:
                continue
            begin, end = doc.norm.to_source(a0 + a, a0 + b)
            mention = ResolutionMention(number, body, symbol, role, begin, end)
            title = _title_near(s, a, b, near)
            if title:
                mention.title = title[0]
                mention.title_evidence = Evidence(*doc.norm.to_source(a0 + title[1], a0 + title[2]))
            if (d := _OF_DATE.match(s, b)) is not None:
                mention.year = int(d.group(1)[-4:])
            elif adopted_year and body in ("general-assembly", "human-rights-council", None):
                mention.year = adopted_year
            elif re.fullmatch(r"(?:E/CN\.4/RES/|E/RES/)?(\d{4})/\d+", raw.strip()):
                mention.year = int(re.search(r"\d{4}", raw).group(0))  # type: ignore[union-attr]
            out.append(mention)
    return out


class _Nearby:
    """The body names and quoted titles of one sentence, found once: each resolution mention asks for
    the last one before it, and a search of the sentence per mention would be quadratic in its length."""

    def __init__(self, s: str) -> None:
        # Per body, the ends and starts of its names in s, in order: a search of s[:at] finds exactly
        # those that end by `at` (no body's name contains another's start).
        self.bodies: list[tuple[str, list[int], list[int]]] = []
        for key, rx in _BODY_WORDS:
            found = list(re.finditer(rx, s))
            self.bodies.append((key, [n.end() for n in found], [n.start() for n in found]))
        self.quotes = list(_QUOTED.finditer(s))
        self.quote_ends = [q.end() for q in self.quotes]

    def body_before(self, at: int) -> str | None:
        """The body named last in s[:at] (the first in _BODY_WORDS order on a tie)."""
        nearest: tuple[int, str] | None = None
        for key, ends, starts in self.bodies:
            i = bisect.bisect_right(ends, at) - 1
            if i >= 0 and (nearest is None or starts[i] > nearest[0]):
                nearest = (starts[i], key)
        return nearest[1] if nearest else None

    def last_quote_before(self, a: int) -> re.Match[str] | None:
        """The last quoted passage in s[:a], as a search of s[:a] would find it."""
        i = bisect.bisect_right(self.quote_ends, a) - 1
        return self.quotes[i] if i >= 0 else None


_QUOTED = re.compile(r"\"([^\"]{8,400})\"")
_TITLE_AFTER = re.compile(r"\s*(?:\([^)]*\)\s*)?,?\s*(?:entitled|on|titled)\s+\"([^\"]{8,400})\"")
_OF_DATE = re.compile(r"\s*of\s+(\d{1,2}\s+" + MONTH_RE + r"\s+\d{4})")
_BODY_NAME_REACH = 200
"""How far before "resolution" the name of its body can start: the longest name is a few dozen
characters; only that tail of the text is searched for it."""


def _body_context(s: str, list_start: int, at: int, near: _Nearby | None = None) -> str | None:
    """The adopting body named just before "resolution", or else the nearest one named earlier."""
    # The tail only, never a copy of the whole prefix: that too is quadratic over many mentions.
    tail = s[max(0, list_start - 2 * _BODY_NAME_REACH) : list_start].rstrip()[-_BODY_NAME_REACH:]
    m = _BODY_BEFORE.search(tail + " resolution") if tail else None
    if m:
        for i, (key, _) in enumerate(_BODY_WORDS):
            if m.group(f"b{i}"):
                return key
    return (near or _Nearby(s)).body_before(at)


def _title_near(s: str, a: int, b: int, near: _Nearby | None = None) -> tuple[str, int, int] | None:
    """A quoted title given for a resolution: “Title” (resolution N), or resolution N, entitled “Title”."""
    last = (near or _Nearby(s)).last_quote_before(a)
    if last is not None:
        between = s[last.end() : a]
        if re.fullmatch(
            r"\s*\(?\s*(?:see\s+)?(?:[A-Z][\w\s]{0,60})?resolutions?\s*", between, re.I
        ):
            return last.group(1), last.start(1), last.end(1)
    after = _TITLE_AFTER.match(s, b)
    if after:
        return after.group(1), after.start(1), after.end(1)
    return None


def _dedupe_resolutions(ex: Extraction) -> None:
    """One mention per resolution: the strongest role, the first title and year stated."""
    rank = {"initiated": 0, "co-initiated": 1, "sponsored": 2, "co-sponsored": 3, "cited": 4}
    merged: dict[tuple[str, str | None], ResolutionMention] = {}
    for r in ex.resolutions:
        key = (r.number, r.body)
        if key not in merged:
            merged[key] = r
            continue
        m = merged[key]
        if rank[r.role] < rank[m.role]:
            m.role, m.begin, m.end = r.role, r.begin, r.end
        if m.title is None and r.title:
            m.title, m.title_evidence = r.title, r.title_evidence
        if m.year is None and r.year:
            m.year = r.year
    ex.resolutions = list(merged.values())


# ==================================================================================================
# Country visits by special procedures

MANDATE_RE = re.compile(
    r"(?P<title>Special\s+Rapporteur|Independent\s+Expert|Working\s+Group(?:\s+of\s+Experts)?|Special\s+Representative(?:\s+of\s+the\s+Secretary-General)?)"
    r"\s+(?P<rest>(?:on|of|for|in\s+the\s+field\s+of)\s+[^.;()]{3,200})"
)
_MANDATE_END = re.compile(
    r",?\s*(?:the\s+|a\s+)?(?:Special\s+Rapporteur|Independent\s+Expert|Working\s+Group|Special\s+Representative)\b"
    r"|\s+as\s+well\s+as\b|,\s*due\b|\s+due\s+to\b|\s+in\s+(?:19|20)\d\d\b|,\s*(?:which|who|in|and)\b|\s+(?:has|have|had|was|were|will|is|are|to\s+visit|visited)\b|,\s*(?=[A-Z])",
)
_VISIT_DONE = re.compile(
    r"\b(?:has|have)\s+been\s+visited\b|\bvisited\b|\bpaid\s+(?:a\s+)?visits?\b|\b(?:undertook|carried\s+out|conducted|made)\s+(?:a\s+)?(?:country\s+)?visits?\b|\bvisit(?:s)?\s+(?:took\s+place|in\s+(?:19|20)\d\d)\b",
    re.I,
)
_VISIT_PLANNED = re.compile(
    r"\bdue\s+to\s+(?:be\s+held|take\s+place|visit)\b|\bwill\s+(?:visit|be\s+held|take\s+place)\b|\bplanned\b|\bscheduled\b|\bforthcoming\b|\bupcoming\b|\bto\s+visit\b",
    re.I,
)


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
    if planned and re.search(r"\binitiated\s+a\s+(?:country\s+)?visit\b", s, re.I):
        status = "planned"
    initiated = bool(
        re.search(
            r"\b(?:initiated|invited|at\s+the\s+invitation\s+of|extended\s+an\s+invitation)\b",
            s,
            re.I,
        )
    ) and _mentions_state(s, names)
    years = re.findall(r"\b(?:in|during)\s+((?:19|20)\d\d)\b", s)
    year = int(years[0]) if len(set(years)) == 1 else None
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
        out.append(Visit(key, name, status, begin, end, year, initiated))
    return out


# ==================================================================================================
# Events: conferences and the like the State hosted, organised or sponsored

_EVENT_NOUN = r"(?:conferences?|seminars?|workshops?|forums?|fora|symposi(?:um|a)|summits?|round[-\s]tables?|congress(?:es)?|expert\s+meetings?|high-level\s+meetings?)"
_EVENT_ROLE = re.compile(
    r"\b(?P<role>co-?hosted|hosted|co-?organi[sz]ed|organi[sz]ed|co-?sponsored|sponsored|convened|co-?chaired|chaired)\s+(?P<np>(?:an?|the|two|three|four|five|six|several|\d+)?\s*(?:[\w-]+\s+){0,4}?"
    + _EVENT_NOUN
    + r")",
    re.I,
)
_COUNT = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def find_events(sentence: Sentence, doc: Document) -> list[Event]:
    a0, b0 = doc.norm.from_source(sentence.begin), doc.norm.from_source(sentence.end)
    s = doc.norm.text[a0:b0]
    out: list[Event] = []
    for m in _EVENT_ROLE.finditer(s):
        role = m.group("role").lower().replace("organised", "organized")
        if re.match(r"co[^-]", role):
            role = "co-" + role[2:]
        tail = s[m.end() :]
        stop = re.search(r",\s*(?:in\s+(?:" + MONTH_RE + r")|in\s+(?:19|20)\d\d)|\.\s*$|;", tail)
        desc = tail[: stop.start()] if stop else tail
        desc = re.split(r",\s*(?:and|which|where|with)\b", desc)[0]
        place_m = re.search(
            r"\b(?:held\s+)?(?:in|at)\s+(?P<place>(?:the\s+)?(?!"
            + MONTH_RE
            + r"\b)[A-Z][\w'-]*(?:\s+(?:of\s+)?[A-Z][\w'-]*)*)",
            s[m.start() :],
        )
        place = place_m.group("place") if place_m else None
        if place and re.fullmatch(r"(?:the\s+)?(?:" + MONTH_RE + r")", place):
            place = None
        label_tail = re.sub(
            r"\s+held\s+(?:in|at)\s+(?:the\s+)?[A-Z][\w'-]*(?:\s+(?:of\s+)?[A-Z][\w'-]*)*", "", desc
        )
        np = re.sub(
            r"^(?:an?|the|two|three|four|five|six|several|\d+)\s+", "", m.group("np"), flags=re.I
        )
        np = re.sub(
            r"(conference|seminar|workshop|forum|summit|symposium|meeting|round table)s\b",
            r"\1",
            np,
            flags=re.I,
        )
        label = re.sub(r"\s+", " ", (np + label_tail).strip(" ,"))
        label = label[0].upper() + label[1:]
        dates: list[tuple[str, int, int]] = []
        for d in DAY_MONTH_YEAR.finditer(s):
            dates.append((parse_date(d.group(0)) or "", d.start(), d.end()))
        for d in MONTH_YEAR.finditer(s):
            if not any(x[1] <= d.start() < x[2] for x in dates):
                dates.append((f"{d.group(2)}-{MONTHS[d.group(1).lower()]:02d}", d.start(), d.end()))
        dates = sorted(d for d in dates if d[0])
        dates.sort(key=lambda d: d[1])
        count = _COUNT.get(m.group("np").split()[0].lower(), 1) if m.group("np").split() else 1
        after = [d for d in dates if d[1] > m.start()]
        chosen = (
            after[:count]
            if count > 1 and len(after) >= count
            else (dates[:1] if count == 1 else [])
        )
        begin, end = doc.norm.to_source(a0 + m.start("np"), a0 + m.end("np") + len(desc.rstrip()))
        if not chosen:
            out.append(Event(label, None, place, role, begin, end))
        for value, _, _ in chosen:
            out.append(Event(label, value, place, role, begin, end))
    return out
