"""The seed letter (Belarus, 9 April 2007): every fact it states, read back through the named queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SEED, query_json

SOURCE = SEED.read_text(encoding="utf-8")


def test_candidature(seed_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = query_json(capsys, "candidatures", seed_build)
    assert rows == [
        {
            "state": "Belarus",
            "state_iso3": "BLR",
            "body": "Human Rights Council",
            "term_start": 2007,
            "term_end": 2010,
            "election": "2007-05",
            "reelection": False,
            "letter_date": "2007-04-09",
            "document_kind": "letter",
            "document_symbol": None,
            "sender": "Permanent Representative",
            "addressee": "President of the General Assembly",
            "agenda_item": "105 (e)",
            "signatory": "Andrei Dapkiunas",
            "source": SEED.name,
        }
    ]


def test_not_elected_is_not_a_membership(
    seed_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    [row] = query_json(capsys, "outcomes", seed_build)
    assert row["outcome"] == "not elected"
    assert row["membership"] is None
    assert row["election_date"] == "2007-05-17"


def test_resolutions(seed_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = {r["number"]: r for r in query_json(capsys, "resolutions", seed_build)}
    assert set(rows) == {"60/251", "61/180", "61/166", "2003/61", "59/175"}
    assert {n: (r["symbol"], r["body"], r["role"]) for n, r in rows.items()} == {
        "60/251": ("A/RES/60/251", "General Assembly", "cited"),
        "61/180": ("A/RES/61/180", "General Assembly", "initiated"),
        "61/166": ("A/RES/61/166", "General Assembly", "initiated"),
        "2003/61": ("E/CN.4/RES/2003/61", "Commission on Human Rights", "co-initiated"),
        "59/175": ("A/RES/59/175", "General Assembly", "initiated"),
    }
    assert (
        rows["61/180"]["title"]
        == "Improving the coordination of efforts against trafficking in persons"
    )
    assert (
        rows["61/166"]["title"]
        == "Promotion of equitable and mutually respectful dialogue on human rights"
    )
    assert rows["2003/61"]["title"].startswith("Promotion of peace as a vital requirement")
    assert rows["59/175"]["title"].endswith("xenophobia, including neo-Nazism")
    assert rows["61/180"]["year"] == rows["61/166"]["year"] == 2006
    assert rows["2003/61"]["year"] == 2003
    assert all(r["state_iso3"] == "BLR" for r in rows.values())


def test_country_visits(seed_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = query_json(capsys, "country-visits", seed_build)
    done = sorted(r["mandate_as_printed"] for r in rows if r["status"] == "completed")
    assert done == [
        "Special Rapporteur on the independence of judges and lawyers",
        "Special Rapporteur on the promotion and protection of the right to freedom of opinion and expression",
        "Working Group on Arbitrary Detention",
    ]
    [planned] = [r for r in rows if r["status"] == "planned"]
    assert (
        planned["mandate_as_printed"]
        == "Special Rapporteur on trafficking in persons, especially women and children"
    )
    assert planned["year"] == 2007
    assert planned["initiated_by_state"] is True
    assert not any(r["initiated_by_state"] for r in rows if r["status"] == "completed")


def test_events(seed_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = query_json(capsys, "events", seed_build)
    assert sorted((r["date"], r["place"], r["role"]) for r in rows) == [
        ("2006-10", "Minsk", "hosted"),
        ("2007-03", "United Nations Headquarters", "co-sponsored"),
        ("2007-04", "Minsk", "hosted"),
    ]
    assert all("onference" in r["label"] for r in rows)


# The independent reading: each pledge the letter makes, by a phrase only it contains.
PLEDGE_PHRASES = [
    "committed to international cooperation in the field of human rights",
    "pledges to continue to engage constructively",
    "committed to \nfulfilling its international commitments in good faith",
    "transparent cooperation with special thematic",
    "committed to making its own tangible contribution",
    "A long-standing pledge of Belarus",
    "consolidation of the status and authority",
    "Priority will be given to addressing truly urgent challenges",
    "rights of small and medium Member",
    "key principles to which Belarus",
    "A major priority for Belarus would",
    "Belarus pledges to contribute to the development of the Human Rights",
    "attention will be given to assisting in the establishment of a system of universal",
    "Our strong commitment is to ensure",
    "Belarus will strive to ensure",
    "Belarus will commit itself to contributing to the ongoing reform",
    "Belarus will do its utmost",
    "continue its activities to promote and protect human rights",
    "further strengthening its activities in promoting gender",
    "Belarus pledges to continue its efforts in fighting human trafficking",
]
# What the letter says the State has done or is: never a pledge.
NOT_PLEDGES = [
    "is a party to almost all human",
    "has been visited",
    "has undertaken practical",
    "initiated a country visit",
    "adopted two human rights",
    "co-sponsored an international conference",
    "hosted two international conferences",
    "co-initiated the resolution",
    "initiated the General Assembly resolution",
    "consistently promotes the idea",
    "Priority is given to addressing",
    "Please find enclosed",
]


def test_pledges_found_exactly(seed_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = query_json(capsys, "pledges", seed_build)
    texts = [r["text"] for r in rows]
    for phrase in PLEDGE_PHRASES:
        assert sum(phrase in t for t in texts) == 1, phrase
    for phrase in NOT_PLEDGES:
        assert not any(phrase in t for t in texts), phrase
    assert len(rows) == len(PLEDGE_PHRASES)


def test_pledge_offsets_index_the_source(
    seed_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for r in query_json(capsys, "pledges", seed_build):
        assert SOURCE[r["begin"] : r["end"]] == r["text"]
        assert r["scope"] in {"international", "national", "both"}
        assert r["theme"]
        assert r["source"] == SEED.name


def test_pledge_themes_and_scopes(seed_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    by_phrase = {}
    for r in query_json(capsys, "pledges", seed_build):
        for phrase in PLEDGE_PHRASES:
            if phrase in r["text"]:
                by_phrase[phrase] = (r["theme"], r["scope"])
    assert by_phrase["transparent cooperation with special thematic"] == (
        "Cooperation with the special procedures",
        "international",
    )
    assert (
        by_phrase["Belarus will commit itself to contributing to the ongoing reform"][0]
        == "Reform of the treaty body system"
    )
    assert (
        by_phrase[
            "attention will be given to assisting in the establishment of a system of universal"
        ][0]
        == "Universal periodic review"
    )
    assert by_phrase["further strengthening its activities in promoting gender"] == (
        "Rights of women and gender equality",
        "national",
    )
    assert by_phrase["Belarus pledges to continue its efforts in fighting human trafficking"] == (
        "Combating trafficking in persons",
        "both",
    )
    assert by_phrase["Belarus will do its utmost"][1] == "national"
    assert by_phrase["continue its activities to promote and protect human rights"][1] == "national"


def test_contributions_and_claims_kept_apart(
    seed_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = query_json(capsys, "statements", seed_build)
    kinds = {r["kind"] for r in rows}
    assert kinds == {"pledge", "contribution", "claim"}
    [claim] = [r for r in rows if r["kind"] == "claim"]
    assert "six core human rights conventions" in claim["text"]
    contributions = " ".join(r["text"] for r in rows if r["kind"] == "contribution")
    for phrase in (
        "has been visited",
        "hosted two international conferences",
        "co-initiated the resolution",
    ):
        assert phrase in contributions


def test_pledges_by_theme_counts(seed_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = query_json(capsys, "pledges-by-theme", seed_build)
    assert sum(r["pledges"] for r in rows) == len(PLEDGE_PHRASES)
    assert all(isinstance(r["pledges"], int) and r["state_iso3"] == "BLR" for r in rows)
