"""Resolutions a letter cites, with the adopting body, the symbol, the title, the year and the State's role."""

from __future__ import annotations

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
                raw.strip(), _body_context(s, m.start(), a, words), s
            )
            if number is None:
                continue
            begin, end = doc.norm.to_source(a0 + a, a0 + b)
            mention = ResolutionMention(number, body, symbol, role, begin, end)
            title = _title_near(s, a, b)
            if title:
                mention.title = title[0]
                mention.title_evidence = Evidence(*doc.norm.to_source(a0 + title[1], a0 + title[2]))
            if (d := re.match(r"\s*of\s+(\d{1,2}\s+" + MONTH_RE + r"\s+\d{4})", s[b:])) is not None:
                mention.year = int(d.group(1)[-4:])
            elif adopted_year and body in ("general-assembly", "human-rights-council", None):
                mention.year = adopted_year
            elif re.fullmatch(r"(?:E/CN\.4/RES/|E/RES/)?(\d{4})/\d+", raw.strip()):
                mention.year = int(re.search(r"\d{4}", raw).group(0))  # type: ignore[union-attr]
            out.append(mention)
    return out


def _body_context(
    s: str, list_start: int, at: int, words: tuple[tuple[str, str], ...]
) -> str | None:
    """The adopting body named just before "resolution", or else the nearest one named earlier."""
    prefix = s[:list_start]
    m = _body_before(words).search(prefix.rstrip() + " resolution") if prefix.strip() else None
    if m:
        for i, (key, _) in enumerate(words):
            if m.group(f"b{i}"):
                return key
    nearest: tuple[int, str] | None = None
    for key, rx in words:
        for n in re.finditer(rx, s[:at]):
            if nearest is None or n.start() > nearest[0]:
                nearest = (n.start(), key)
    return nearest[1] if nearest else None


def _title_near(s: str, a: int, b: int) -> tuple[str, int, int] | None:
    """A quoted title given for a resolution: “Title” (resolution N), or resolution N, entitled “Title”."""
    before = s[:a]
    q = list(re.finditer(r"\"([^\"]{8,400})\"", before))
    if q:
        last = q[-1]
        between = before[last.end() :]
        if re.fullmatch(
            r"\s*\(?\s*(?:see\s+)?(?:[A-Z][\w\s]{0,60})?resolutions?\s*", between, re.I
        ):
            return last.group(1), last.start(1), last.end(1)
    after = re.match(r"\s*(?:\([^)]*\)\s*)?,?\s*(?:entitled|on|titled)\s+\"([^\"]{8,400})\"", s[b:])
    if after:
        return after.group(1), b + after.start(1), b + after.end(1)
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
