"""Events (conferences and the like) that the State hosted, organised, sponsored or chaired."""

from __future__ import annotations

import re

from ..read import Document, Sentence
from . import lexicon
from .dates import DAY_MONTH_YEAR, MONTH_RE, MONTH_YEAR, MONTHS, parse_date
from .model import Event, Evidence

_EVENT_NOUN = "(?:" + lexicon.alternation("event-noun") + ")"
# The role verbs are on the role concepts of the vocabulary (pg:eventRolePattern); the role is the
# concept whose verb matched.
_ROLES = lexicon.ranked("role-", event=True)
_EVENT_ROLE = re.compile(
    r"\b(?P<role>"
    + "|".join(f"(?P<r{i}>{'|'.join(c.event_patterns)})" for i, c in enumerate(_ROLES))
    + r")\s+(?P<np>(?:an?|the|two|three|four|five|six|several|\d+)?\s*(?:[\w-]+\s+){0,4}?"
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
        role = next(c.notation for i, c in enumerate(_ROLES) if m.group(f"r{i}") is not None)
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

        def ev(a: int, b: int) -> Evidence:
            return Evidence(*doc.norm.to_source(a0 + a, a0 + b))

        evidence = {"role": ev(*m.span("role"))}
        if place and place_m is not None:
            at = m.start() + place_m.start("place")
            evidence["place"] = ev(at, at + len(place))
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
            out.append(Event(label, None, place, role, begin, end, dict(evidence)))
        for value, at, to in chosen:
            out.append(
                Event(label, value, place, role, begin, end, {**evidence, "date": ev(at, to)})
            )
    return out
