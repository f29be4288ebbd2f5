"""Real letter openings (2006-2019) and letters written for the tests: every stated field read exactly, nothing invented."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DEV, REAL, SYNTHETIC, gold_index, query_json, query_rows

FIELDS = {
    "iso3": "state_iso3",
    "document_kind": "document_kind",
    "document_date": "letter_date",
    "document_symbol": "document_symbol",
    "sender": "sender",
    "addressee": "addressee",
    "term_start": "term_start",
    "term_end": "term_end",
    "reelection": "reelection",
    "election_month_year": "election",
    "agenda_item": "agenda_item",
    "signatory": "signatory",
}
CASES = [(folder, e) for folder in (DEV, REAL, SYNTHETIC) for e in gold_index(folder)]


@pytest.fixture(scope="module")
def candidatures(all_build: Path) -> dict[str, dict]:
    return {r["source"]: r for r in query_rows("candidatures", all_build)}


@pytest.mark.parametrize(("folder", "entry"), CASES, ids=[e["file"] for _, e in CASES])
def test_fields(candidatures: dict[str, dict], folder: Path, entry: dict) -> None:
    row = candidatures[entry["file"]]
    for field, column in FIELDS.items():
        want = entry["gold"].get(field)
        got = row[column]
        if field == "election_month_year":
            if want is None:
                assert got is None, f"{column}: invented {got!r}"
            else:
                # The gold gives the month (or day); the letter may be read more precisely, never differently.
                assert got is not None and (got.startswith(want) or want.startswith(got[:7])), (
                    column,
                    got,
                    want,
                )
                assert len(got) >= len(want[:7])
        elif field == "reelection":
            assert got is (want is True), (column, got, want)
        else:
            assert got == want, (column, got, want)


@pytest.mark.parametrize("entry", gold_index(SYNTHETIC), ids=lambda e: e["file"])
def test_synthetic_pledges(
    all_build: Path, capsys: pytest.CaptureFixture[str], entry: dict
) -> None:
    rows = [r for r in query_json(capsys, "pledges", all_build) if r["source"] == entry["file"]]
    assert len(rows) == entry["pledges"]
    text = (SYNTHETIC / entry["file"]).read_text(encoding="utf-8")
    for r in rows:
        assert text[r["begin"] : r["end"]] == r["text"]


def test_every_letter_has_one_candidature(candidatures: dict[str, dict]) -> None:
    for _, e in CASES:
        assert e["file"] in candidatures


def test_furniture_is_not_a_fact(all_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Job numbers, barcodes and footnote symbols are neither resolutions nor pledges."""
    numbers = {r["number"] for r in query_json(capsys, "resolutions", all_build)}
    assert not any(n.startswith(("74/50", "68/150", "71/50")) for n in numbers)
    for r in query_json(capsys, "pledges", all_build):
        assert "*1" not in r["text"] and "(E)" not in r["text"]


def test_cross_letter_queries(all_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    states = {r["state_iso3"] for r in query_json(capsys, "resolutions", all_build)}
    assert {"BLR", "DNK", "ITA", "CHE", "CUB", "DEU"} <= states
    compare = query_json(capsys, "compare-themes", all_build)
    assert {"state_iso3", "term_start", "theme", "pledges"} == set(compare[0])
    assert {r["state_iso3"] for r in compare} >= {"BLR", "TUN", "BEL"}
    only = query_json(capsys, "compare-themes", all_build, "term_start=2007")
    assert only and all(r["term_start"] == 2007 for r in only)
    blr = query_json(capsys, "pledges", all_build, "state_iso3=BLR")
    assert blr and all(r["state_iso3"] == "BLR" for r in blr)
