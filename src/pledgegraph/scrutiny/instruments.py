"""Finds the instruments a text names: by every label treaties.ttl gives them (titles, short titles,
other names, abbreviations with their case), "its optional protocols" after a named instrument, "the
Optional Protocol to" an instrument that has one, and the names of instruments the record does not
follow (the Rome Statute), so that a check can say which it could not follow."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..extract import lexicon
from ..reference import fold_keep_length
from .record import Record

_PROTOCOLS_ALL = lexicon.pattern("protocols-all")
_PROTOCOL_OF = lexicon.pattern("protocol-of")
_INSTRUMENT_NOUN = lexicon.pattern("instrument-noun")


@dataclass(frozen=True)
class Mention:
    """An instrument named in a text: its code (None for one the record does not follow), where."""

    code: str | None
    begin: int
    end: int
    name: str  # the words as written
    ambiguous: tuple[str, ...] = ()  # "the Optional Protocol to the CRC": the protocols it may be


def _words(label: str) -> str:
    """A label as a pattern: its words, any run of white space between them."""
    return r"\s+".join(re.escape(w) for w in label.split())


class Instruments:
    """The instruments of the record, found by their names."""

    def __init__(self, record: Record) -> None:
        self.record = record
        by_label: dict[str, str] = {}
        by_abbr: dict[str, str] = {}
        for inst in record.instruments.values():
            for label in inst.labels:
                by_label.setdefault(fold_keep_length(label), inst.code)
            for abbr in inst.abbreviations:
                by_abbr.setdefault(abbr, inst.code)
        self._by_label = by_label
        self._by_abbr = by_abbr
        titles = sorted(by_label, key=len, reverse=True)
        self._titles = re.compile(r"(?<![\w-])(?:" + "|".join(map(_words, titles)) + r")(?![\w-])")
        abbrs = sorted(by_abbr, key=len, reverse=True)
        self._abbrs = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, abbrs)) + r")(?![\w-])")

    def find(self, text: str) -> list[Mention]:
        """Every instrument named in `text`, in order; the longest name wins where names overlap."""
        folded = fold_keep_length(text)
        found: list[Mention] = []
        for m in self._titles.finditer(folded):
            code = self._by_label[" ".join(m.group(0).split())]
            found.append(Mention(code, m.start(), m.end(), text[m.start() : m.end()]))
        for m in self._abbrs.finditer(text):
            if not any(f.begin <= m.start() < f.end for f in found):
                found.append(Mention(self._by_abbr[m.group(0)], m.start(), m.end(), m.group(0)))
        found.sort(key=lambda f: f.begin)
        return [self._protocol_of(text, f) for f in found] + self._others(text, found)

    def _protocol_of(self, text: str, mention: Mention) -> Mention:
        """ "the Optional Protocol to the Convention ...": a protocol, not the Convention."""
        inst = self.record.instruments[mention.code or ""]
        if inst.parent is not None:
            return mention
        head = text[max(0, mention.begin - 60) : mention.begin]
        m = next((x for x in _PROTOCOL_OF.finditer(head) if x.end() == len(head)), None)
        if m is None:
            return mention
        begin = mention.begin - len(head) + m.start()
        protocols = self.record.protocols(of=inst.code)
        name = text[begin : mention.end]
        if len(protocols) == 1:
            return Mention(protocols[0].code, begin, mention.end, name)
        return Mention(None, begin, mention.end, name, tuple(p.code for p in protocols))

    def _others(self, text: str, known: list[Mention]) -> list[Mention]:
        """Names of instruments none of whose labels matched: instruments the record does not follow."""
        out = []
        generic = [(g.start(), g.end()) for g in _PROTOCOLS_ALL.finditer(text)]
        for m in _INSTRUMENT_NOUN.finditer(text):
            if len(m.group(0).split()) < 2:
                continue  # "the Convention": one named before
            if any(k.begin < m.end() and m.start() < k.end for k in known) or any(
                a < m.end() and m.start() < b for a, b in generic
            ):
                continue
            out.append(Mention(None, m.start(), m.end(), m.group(0)))
        return out

    def protocols_of(self, text: str, mentions: list[Mention]) -> list[Protocols]:
        """Where the text names optional protocols by their instruments, and which: "all their
        optional protocols" (of every instrument named before), "its (two) Optional Protocols" (of
        the last one), "its Optional Protocol" (its only one; ambiguous when it has several)."""
        out = []
        for m in _PROTOCOLS_ALL.finditer(text):
            named = [
                x.code
                for x in mentions
                if x.code and x.end <= m.start() and self.record.instruments[x.code].parent is None
            ]
            words = m.group(0).lower().split()
            if "its" in words:
                named = named[-1:]
            codes = [p.code for code in named for p in self.record.protocols(of=code)]
            if words[-1] == "protocol" and len(codes) > 1:
                out.append(Protocols(m.start(), m.group(0), [], tuple(codes)))
                continue
            out.append(Protocols(m.start(), m.group(0), codes))
        return out


@dataclass(frozen=True)
class Protocols:
    """Optional protocols named by their instrument ("and its Optional Protocols")."""

    at: int
    name: str
    codes: list[str]
    ambiguous: tuple[str, ...] = ()
