"""Resolutions a letter cites, with the adopting body, the symbol, the title, the year and the State's role."""

from __future__ import annotations

import bisect
import re
from functools import cache

from ..read import Document, Sentence
from ..reference import Reference
from . import lexicon
from .dates import MONTH_RE
from .model import Evidence, Extraction, ResolutionMention

_NUM = r"(?:S-\d{1,2}/\d{1,3}|\d{1,4}/\d{1,4}(?:\s?[A-Z](?![a-z]))?|\d{3,4}\s\(\d{4}\))"
RESOLUTION_RE = re.compile(
    r"\bresolutions?\s+(?P<list>" + _NUM + r"(?:\s*(?:,|and|,\s*and)\s*" + _NUM + r")*)"
    r"|(?P<sym>\b(?:A/RES/\d{2}/\d{1,4}|A/HRC/RES/(?:S-)?\d{1,2}/\d{1,3}|E/CN\.4/RES/\d{4}/\d{1,3}|E/RES/\d{4}/\d{1,3}|S/RES/\d{3,4}\s?\(\d{4}\)))",
    re.I,
)
# The State's role: the role concepts of the vocabulary, tried in their order (co-initiated first).
_ROLE_RES = [(c.notation, lexicon.concept_pattern(c.name)) for c in lexicon.ranked("role-")]


def _name_pattern(name: str) -> str:
    return r"\s+".join(re.escape(word) for word in name.split())


@cache
def _body_words(bodies: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, str]]:
    """Per body, the pattern of its names (bodies.ttl labels, longest first). A name that ends
    another body's name is not taken where that name's word comes before it: "Council" alone is the
    Human Rights Council, not in "Security Council" or "Economic and Social Council"."""
    out = []
    for key, names in bodies:
        alternatives = []
        for name in names:
            before = sorted(
                {
                    other.split()[-2]
                    for other_key, others in bodies
                    if other_key != key
                    for other in others
                    if other.endswith(" " + name)
                }
            )
            guard = "".join(rf"(?<!{re.escape(word)}\s)" for word in before)
            alternatives.append(guard + _name_pattern(name))
        out.append((key, "|".join(alternatives)))
    return out


@cache
def _body_before(words: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    return re.compile(
        r"(?P<body>"
        + "|".join(f"(?P<b{i}>{rx})" for i, (_, rx) in enumerate(words))
        + r")\s+resolutions?\s*$",
        re.I,
    )


def find_resolutions(sentence: Sentence, doc: Document, ref: Reference) -> list[ResolutionMention]:
    a0, b0 = doc.norm.from_source(sentence.begin), doc.norm.from_source(sentence.end)
    s = doc.norm.text[a0:b0]
    out: list[ResolutionMention] = []
    words = tuple(_body_words(tuple((b.key, b.names) for b in ref.resolution_bodies())))
    role = "cited"
    role_at: tuple[int, int] | None = None
    for name, rx in _ROLE_RES:
        if r := rx.search(s):
            role, role_at = name, r.span()
            break
    adopted_year = None
    adopted_at: tuple[int, int] | None = None
    if y := re.search(
        r"\b(?:In|in)\s+((?:19|20)\d\d)\b[^.]{0,80}?\badopted\b|\badopted\b[^.]{0,80}?\bin\s+((?:19|20)\d\d)\b",
        s,
    ):
        group = 1 if y.group(1) else 2
        adopted_year, adopted_at = int(y.group(group)), y.span(group)

    def ev(span: tuple[int, int]) -> Evidence:
        return Evidence(*doc.norm.to_source(a0 + span[0], a0 + span[1]))

    near = _Nearby(s, words)
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
                raw.strip(), _body_context(s, m.start(), a, words, near), s
            )
            if number is None:
                continue
            begin, end = doc.norm.to_source(a0 + a, a0 + b)
            mention = ResolutionMention(number, body, symbol, role, begin, end)
            if role_at is not None:
                mention.evidence["role"] = ev(role_at)
            title = _title_near(s, a, b, near)
            if title:
                mention.title = title[0]
                mention.title_evidence = Evidence(*doc.norm.to_source(a0 + title[1], a0 + title[2]))
            if (d := _OF_DATE.match(s, b)) is not None:
                mention.year = int(d.group(1)[-4:])
                mention.evidence["year"] = ev(d.span(1))
            elif adopted_year and body in ("general-assembly", "human-rights-council", None):
                mention.year = adopted_year
                mention.evidence["year"] = ev(adopted_at)  # type: ignore[arg-type]
            elif re.fullmatch(r"(?:E/CN\.4/RES/|E/RES/)?(\d{4})/\d+", raw.strip()):
                mention.year = int(re.search(r"\d{4}", raw).group(0))  # type: ignore[union-attr]
                mention.evidence["year"] = Evidence(begin, end)
            out.append(mention)
    return out


class _Nearby:
    """The body names and quoted titles of one sentence, found once: each resolution mention asks for
    the last one before it, and a search of the sentence per mention would be quadratic in its length."""

    def __init__(self, s: str, words: tuple[tuple[str, str], ...]) -> None:
        # Per body, the ends and starts of its names in s, in order: a search of s[:at] finds exactly
        # those that end by `at` (a mention's number never stands inside a body's name).
        self.bodies: list[tuple[str, list[int], list[int]]] = []
        for key, rx in words:
            found = list(re.finditer(rx, s))
            self.bodies.append((key, [n.end() for n in found], [n.start() for n in found]))
        # A quoted passage in s[:a] is one in s that ends by `a`: a quote open at `a` matches nothing.
        self.quotes = list(_QUOTED.finditer(s))
        self.quote_ends = [q.end() for q in self.quotes]

    def body_before(self, at: int) -> str | None:
        """The body named last in s[:at] (the first in order on a tie)."""
        nearest: tuple[int, str] | None = None
        for key, ends, starts in self.bodies:
            i = bisect.bisect_right(ends, at) - 1
            if i >= 0 and (nearest is None or starts[i] > nearest[0]):
                nearest = (starts[i], key)
        return nearest[1] if nearest else None

    def last_quote_before(self, a: int) -> re.Match[str] | None:
        """The last quoted passage in s[:a]."""
        i = bisect.bisect_right(self.quote_ends, a) - 1
        return self.quotes[i] if i >= 0 else None


_QUOTED = re.compile(r"\"([^\"]{8,400})\"")
_TITLE_AFTER = re.compile(r"\s*(?:\([^)]*\)\s*)?,?\s*(?:entitled|on|titled)\s+\"([^\"]{8,400})\"")
_OF_DATE = re.compile(r"\s*of\s+(\d{1,2}\s+" + MONTH_RE + r"\s+\d{4})")
_BODY_NAME_REACH = 200
"""How far before "resolution" the name of its body can start: the longest name is a few dozen
characters; only that tail of the sentence is searched for it, never a copy of all before it."""


def _body_context(
    s: str,
    list_start: int,
    at: int,
    words: tuple[tuple[str, str], ...],
    near: _Nearby | None = None,
) -> str | None:
    """The adopting body named just before "resolution", or else the nearest one named earlier."""
    tail = s[max(0, list_start - 2 * _BODY_NAME_REACH) : list_start].rstrip()[-_BODY_NAME_REACH:]
    m = _body_before(words).search(tail + " resolution") if tail else None
    if m:
        for i, (key, _) in enumerate(words):
            if m.group(f"b{i}"):
                return key
    return (near or _Nearby(s, words)).body_before(at)


def _title_near(s: str, a: int, b: int, near: _Nearby | None = None) -> tuple[str, int, int] | None:
    """A quoted title given for a resolution: “Title” (resolution N), or resolution N, entitled “Title”."""
    last = (near or _Nearby(s, ())).last_quote_before(a)
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


def dedupe_resolutions(ex: Extraction) -> None:
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
