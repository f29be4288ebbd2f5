"""The reader: structure and offsets of any text, robust to layout, furniture and odd characters."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DEV, SEED
from pledgegraph.extract import NotACandidature, extract
from pledgegraph.read import NormText, ReadError, decode, parse_date, structure
from pledgegraph.reference import Reference

REF = Reference()
SEED_TEXT = SEED.read_text(encoding="utf-8")
FRAGMENTS = [s for s in re.split(r"(?<=[.\n])", SEED_TEXT) if s.strip()] + [
    "United Nations A/64/726* Distr.: General 24 March 2010 Original: French ",
    "10-29024 (E) 260310 290310 *1029024* ",
    "* A/74/50. ",
    "[Original: Arabic] ",
    "Item 116 (c) of the preliminary list* ",
    "Note verbale dated 30 May 2019 from the Permanent Mission of Germany to the United Nations addressed to the President of the General Assembly ",
    "(Signed) Bénédicte Frankinet ",
    "\u201cquoted\u201d \u2018single\u2019 \u2013 \u2014 ",
    "\t\t   \n\n  1.\n",
    "for the period 2020\u20132022 ",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=40))
def test_any_text_reads_with_offsets_inside(parts: list[str]) -> None:
    text = "".join(parts)
    doc = structure(text, "x.txt")
    n = len(text)
    for span in [*doc.regions.values(), *doc.furniture]:
        assert 0 <= span.begin <= span.end <= n
    for p in doc.paragraphs:
        assert 0 <= p.begin < p.end <= n
    for s in doc.sentences:
        assert 0 <= s.begin < s.end <= n
        assert text[s.begin : s.end] == s.text
    try:
        ex = extract(doc, REF)
    except NotACandidature:
        return
    for st_ in ex.statements:
        assert 0 <= st_.begin < st_.end <= n
        assert text[st_.begin : st_.end] == st_.text
    for r in ex.resolutions:
        assert 0 <= r.begin < r.end <= n
    for ev in ex.candidature.evidence.values():
        assert 0 <= ev.begin <= ev.end <= n


@given(st.text(max_size=300))
def test_normalised_view_maps_back(text: str) -> None:
    norm = NormText(text)
    assert len(norm.origin) == len(norm.text)
    assert all(0 <= i < len(text) for i in norm.origin)
    assert norm.origin == sorted(norm.origin)


def test_regions_of_the_seed() -> None:
    doc = structure(SEED_TEXT, SEED.name)
    assert set(doc.regions) >= {"title", "body", "signature", "annex"}
    title = doc.regions["title"]
    assert SEED_TEXT[title.begin : title.end].startswith("Letter dated 9 April 2007")
    annex = doc.regions["annex"]
    assert SEED_TEXT[annex.begin : annex.end].startswith("Annex to the letter dated 9 April 2007")


def test_furniture_found() -> None:
    text = (DEV / "028_Switzerland_2010.txt").read_text(encoding="utf-8")
    doc = structure(text, "ch.txt")
    found = {text[f.begin : f.end] for f in doc.furniture}
    assert {"Distr.: General 24 March 2010", "10-29024 (E) 260310 290310", "*1029024*"} <= found


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("9 April 2007", "2007-04-09"),
        ("April 9, 2007", "2007-04-09"),
        ("1st May 2008", "2008-05-01"),
        ("31 February 2008", None),
        ("May 2008", None),
    ],
)
def test_dates(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"   \n\t ", "empty file"),
        (b"\x00\x01binary\x00", "binary file"),
        ("The Government\u2019s pledge".encode("cp1252"), "not UTF-8: byte 0x92"),
        (b"%PDF-1.4 broken", "PDF"),
    ],
)
def test_bad_bytes(data: bytes, message: str) -> None:
    with pytest.raises(ReadError, match=re.escape(message)):
        decode(data, "x")


def test_too_large() -> None:
    with pytest.raises(ReadError, match="too large"):
        decode(b"x" * (20 * 1024 * 1024), "x")
