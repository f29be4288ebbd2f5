"""The record's named queries (elections, memberships, ratifications, state-history) on a build of
`data/`, checked against facts of the public record, and the parameters every named query takes:
matched in any case, a State by its name too, a repeated parameter meaning any of its values, an
unknown parameter or value refused with the valid ones, `election` as the election's year.

Each fact is checked against its public source, named in a comment; the reference data cites the
same sources (data/reference/inputs/*.csv)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import query_json, query_rows, run_cli
from pledgegraph.queries import QueryError, bind_terms, get, with_block, with_values

# The letter-independent columns the issue fixes as the queries' contract (issue 12).
COLUMNS = {
    "elections": [
        "election", "election_date", "region", "state", "state_iso3", "votes", "outcome",
        "term_start", "term_end", "source",
    ],
    "memberships": [
        "state", "state_iso3", "election", "term_start", "term_end", "ended", "how_ended", "source",
    ],
    "ratifications": ["state_iso3", "instrument", "status", "year", "act", "source"],
    "state-history": ["state_iso3", "election", "outcome", "votes", "letter", "pledges"],
}  # fmt: skip
INSTRUMENTS = {
    "ICERD", "ICCPR", "ICESCR", "CEDAW", "CAT", "CRC", "ICMW", "CPED", "CRPD", "ICCPR-OP1",
    "ICCPR-OP2", "ICESCR-OP", "OP-CEDAW", "OP-CAT", "OP-CRC-AC", "OP-CRC-SC", "OP-CRC-IC", "OP-CRPD",
}  # fmt: skip


@pytest.fixture(scope="module")
def elections(data_build: Path) -> list[dict]:
    return query_rows("elections", data_build)


def elected(rows: list[dict], election_date: str) -> list[dict]:
    return [r for r in rows if r["election_date"] == election_date and r["outcome"] == "elected"]


# -------------------------------------------------------------------------------------- the columns


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_columns_as_the_header_and_the_issue_give_them(
    name: str, data_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert list(get(name).columns) == COLUMNS[name]
    rows = query_json(capsys, name, data_build)
    assert rows, name
    assert all(list(row) == COLUMNS[name] for row in rows)


def test_column_types(elections: list[dict], data_build: Path) -> None:
    assert all(isinstance(r["election"], int) for r in elections)
    assert all(r["votes"] is None or isinstance(r["votes"], int) for r in elections)
    assert {r["outcome"] for r in elections} == {"elected", "not elected", "withdrawn"}
    ratifications = query_rows("ratifications", data_build)
    assert all(r["year"] is None or isinstance(r["year"], int) for r in ratifications)
    history = query_rows("state-history", data_build)
    assert all(isinstance(r["pledges"], int) for r in history)


# ---------------------------------------------------------------------------------------- elections


def test_every_election_from_2006_to_2025_and_the_two_by_elections(elections: list[dict]) -> None:
    dates = sorted({r["election_date"] for r in elections})
    # One regular election a year (press releases GA/10459 of 9 May 2006 onwards); by-elections on
    # 13 July 2018 (Iceland for the United States) and 10 May 2022 (Czechia for the Russian
    # Federation).
    assert sorted({r["election"] for r in elections}) == list(range(2006, 2026))
    assert len(dates) == 22
    assert "2018-07-13" in dates and "2022-05-10" in dates
    assert all(r["source"] for r in elections), "every candidature cites a source"


def test_2006_elected_all_47_seats_by_regional_group(elections: list[dict]) -> None:
    # GA resolution 60/251, para. 7: 47 seats, 13 African, 13 Asian, 6 Eastern European, 8 Latin
    # American and Caribbean, 7 Western European and other States; all filled on 9 May 2006
    # (press release GA/10459).
    first = elected(elections, "2006-05-09")
    assert len(first) == 47
    assert Counter(r["region"] for r in first) == {
        "African States": 13,
        "Asia-Pacific States": 13,
        "Eastern European States": 6,
        "Latin American and Caribbean States": 8,
        "Western European and other States": 7,
    }
    # India was elected with 173 votes, the most of any candidate (GA/10459; nchro.org, 9 May 2006).
    india = [r for r in first if r["state_iso3"] == "IND"]
    assert [r["votes"] for r in india] == [173]


def test_each_regular_election_fills_the_seats_whose_terms_end(elections: list[dict]) -> None:
    # After the 2006 lot (terms of one, two and three years), a third of the 47 seats each year, in
    # a cycle of 14, 15 and 18 (the press releases: "elects 14 members", "15", "18").
    per_year = Counter(
        r["election"]
        for r in elections
        if r["outcome"] == "elected" and r["election_date"] not in ("2018-07-13", "2022-05-10")
    )
    for year in range(2007, 2026):
        assert per_year[year] == {0: 14, 1: 15, 2: 18}[year % 3], year
    assert len(elected(elections, "2018-07-13")) == len(elected(elections, "2022-05-10")) == 1


def test_known_outcomes_and_votes(elections: list[dict]) -> None:
    def row(date_prefix: str, iso3: str) -> tuple[str, int | None]:
        (found,) = [
            r
            for r in elections
            if r["election_date"].startswith(date_prefix) and r["state_iso3"] == iso3
        ]
        return found["outcome"], found["votes"]

    # 17 May 2007, Eastern European States, two seats: Slovenia (168) in the first round, Bosnia and
    # Herzegovina (112) in the second; Belarus not elected, 78 votes (UNIS/INF/208; stopvaw.org;
    # RIA Novosti via data.minsk.by).
    assert row("2007", "SVN") == ("elected", 168)
    assert row("2007", "BIH") == ("elected", 112)
    assert row("2007", "BLR") == ("not elected", 78)
    # 28 October 2016: Hungary 144 and Croatia 114 elected, the Russian Federation 112 not (PBS
    # NewsHour, "Russia narrowly loses Human Rights Council membership").
    assert row("2016", "HUN") == ("elected", 144)
    assert row("2016", "RUS") == ("not elected", 112)
    # 10 October 2023: Bulgaria 160 and Albania 123 elected, the Russian Federation 83 not (EFE,
    # 11 October 2023).
    assert row("2023", "BGR") == ("elected", 160)
    assert row("2023", "RUS") == ("not elected", 83)
    # By-elections: Iceland, 172 votes, 13 July 2018; Czechia, 157 votes, 10 May 2022.
    assert row("2018-07", "ISL") == ("elected", 172)
    assert row("2022-05", "CZE") == ("elected", 157)


def test_belarus_2007_seed(data_build: Path) -> None:
    """The seed: Belarus stood in the 2007 Eastern European group and was not elected."""
    rows = query_rows("elections", data_build, state_iso3="BLR")
    assert [(r["election"], r["region"], r["outcome"]) for r in rows] == [
        (2007, "Eastern European States", "not elected")
    ]


# -------------------------------------------------------------------------------------- memberships


def test_memberships(data_build: Path, elections: list[dict]) -> None:
    rows = query_rows("memberships", data_build)
    # One membership per elected candidature.
    assert len(rows) == sum(r["outcome"] == "elected" for r in elections)
    # Belarus has never been a member (it stood once, in 2007, and was not elected).
    assert query_rows("memberships", data_build, state_iso3="blr") == []
    early = {
        (r["state_iso3"], r["election"]): (r["ended"], r["how_ended"]) for r in rows if r["ended"]
    }
    assert early == {
        # A/RES/ES-11/3 of 7 April 2022 suspended the Russian Federation (elected in 2020).
        ("RUS", 2020): ("2022-04-07", "suspended"),
        # The United States announced its withdrawal on 19 June 2018 (elected in 2016).
        ("USA", 2016): ("2018-06-19", "withdrew"),
    }
    # Libya's suspension (A/RES/65/265) was lifted by A/RES/66/11: no early end.
    libya = query_rows("memberships", data_build, state_iso3="LBY", election="2010")
    assert [(r["term_end"], r["ended"]) for r in libya] == [("2013-12-31", None)]


# ------------------------------------------------------------------------------------ ratifications


def test_ratifications(data_build: Path) -> None:
    rows = query_rows("ratifications", data_build)
    assert {r["instrument"] for r in rows} == INSTRUMENTS
    assert {r["status"] for r in rows} == {"party", "signatory", "denounced"}
    assert len({r["state_iso3"] for r in rows}) == 193  # every UN Member State has some fact

    def status(iso3: str, instrument: str) -> tuple[str, int | None]:
        (row,) = query_rows("ratifications", data_build, state_iso3=iso3, instrument=instrument)
        return row["status"], row["year"]

    # UN Treaty Collection, chapter IV.4 (ICCPR): Belarus ratified on 12 November 1973, the United
    # States on 8 June 1992.
    assert status("BLR", "ICCPR") == ("party", 1973)
    assert status("USA", "ICCPR") == ("party", 1992)
    # IV.8 (CEDAW): Belarus ratified on 4 February 1981. IV.9 (CAT): 13 March 1987.
    assert status("BLR", "CEDAW") == ("party", 1981)
    assert status("BLR", "CAT") == ("party", 1987)
    # IV.11 (CRC): the United States signed (16 February 1995) and never ratified; the extraction
    # gives no signature dates.
    assert status("USA", "CRC") == ("signatory", None)
    # IV.5 (ICCPR-OP1): Jamaica acceded in 1975 and denounced it in 1997.
    assert status("JAM", "ICCPR-OP1") == ("denounced", 1975)
    # Belarus has taken no action on the second optional protocol (IV.12): no row.
    assert query_rows("ratifications", data_build, state_iso3="BLR", instrument="ICCPR-OP2") == []
    for row in rows:
        assert row["source"].startswith("https://treaties.un.org/"), row


# ------------------------------------------------------------------------------------ state-history


def test_state_history_of_belarus(data_build: Path) -> None:
    # One candidature, 2007, not elected with 78 votes, announced by the seed letter of 9 April
    # 2007 and its 20 pledges (test_seed).
    assert query_rows("state-history", data_build, state_iso3="BLR") == [
        {
            "state_iso3": "BLR",
            "election": 2007,
            "outcome": "not elected",
            "votes": 78,
            "letter": "belarus-2007-04-09.txt",
            "pledges": 20,
        }
    ]


def test_state_history_covers_the_record(data_build: Path, elections: list[dict]) -> None:
    rows = query_rows("state-history", data_build)
    assert len(rows) == len(elections)
    assert Counter(r["outcome"] for r in rows) == Counter(r["outcome"] for r in elections)
    assert [r["letter"] for r in rows if r["letter"]] == ["belarus-2007-04-09.txt"]


# --------------------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    "given", ["BLR", "blr", " Blr ", "BY", "Belarus", "BELARUS", "republic of belarus"]
)
def test_a_state_by_its_code_or_name_in_any_case(data_build: Path, given: str) -> None:
    rows = query_rows("elections", data_build, state_iso3=given)
    assert [r["state_iso3"] for r in rows] == ["BLR"]


def test_names_with_accents_and_other_forms(data_build: Path) -> None:
    # Türkiye also as Turkiye and Turkey; Côte d'Ivoire also with a typographic apostrophe.
    turkey = query_rows("ratifications", data_build, state_iso3="TUR")
    assert turkey and {r["state_iso3"] for r in turkey} == {"TUR"}
    for name in ("Türkiye", "turkiye", "Turkey"):
        assert query_rows("ratifications", data_build, state_iso3=name) == turkey
    ivory_coast = query_rows("elections", data_build, state_iso3="civ")
    assert ivory_coast
    assert query_rows("elections", data_build, state_iso3="Côte d’Ivoire") == ivory_coast
    assert query_rows("elections", data_build, state_iso3="cote d'ivoire") == ivory_coast


def test_codes_and_listed_values_in_any_case(data_build: Path) -> None:
    upper = query_rows("ratifications", data_build, state_iso3="BLR", instrument="ICCPR-OP1")
    assert upper and upper == query_rows(
        "ratifications", data_build, state_iso3="blr", instrument="iccpr-op1"
    )
    assert query_rows("statements", data_build, kind="CLAIM") == query_rows(
        "statements", data_build, kind="claim"
    )


def test_a_regional_group_by_name_or_abbreviation(data_build: Path) -> None:
    by_name = query_rows(
        "elections", data_build, election="2018", region="Western European and other States"
    )
    assert [r["state_iso3"] for r in by_name] == ["ISL", "AUT", "DNK", "ITA"]
    assert query_rows("elections", data_build, election="2018", region="weog") == by_name


def test_a_theme_by_label_or_words_of_it(data_build: Path) -> None:
    label = query_rows("pledges", data_build, theme="Combating trafficking in persons")
    assert len(label) == 1
    assert query_rows("pledges", data_build, theme="combating TRAFFICKING in persons") == label
    assert query_rows("pledges", data_build, theme="trafficking") == label
    special = query_rows("pledges", data_build, theme="special procedures")
    assert {r["theme"] for r in special} == {"Cooperation with the special procedures"}


def test_a_repeated_parameter_means_any_of_its_values(data_build: Path) -> None:
    blr = query_rows("elections", data_build, state_iso3="BLR")
    rus = query_rows("elections", data_build, state_iso3="RUS")
    both = query_rows("elections", data_build, state_iso3=["BLR", "rus"])
    assert len(both) == len(blr) + len(rus) > len(rus)
    assert sorted(map(json.dumps, both)) == sorted(map(json.dumps, blr + rus))
    # The same State twice (by code and by name) is bound once: no row twice.
    assert query_rows("elections", data_build, state_iso3=["BLR", "Belarus"]) == blr
    # Several parameters: a row must match each of them, one of each one's values.
    years = query_rows(
        "elections", data_build, election=["2007", "2016"], state_iso3=["blr", "rus"]
    )
    assert [(r["election"], r["state_iso3"]) for r in years] == [(2007, "BLR"), (2016, "RUS")]
    instruments = query_rows(
        "ratifications", data_build, state_iso3="BLR", instrument=["CAT", "iccpr"]
    )
    assert [r["instrument"] for r in instruments] == ["CAT", "ICCPR"]


def test_repeated_param_on_the_command_line(
    data_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = query_json(
        capsys, "memberships", data_build, "state_iso3=rus", "state_iso3=usa", "election=2016",
        "election=2020",
    )  # fmt: skip
    assert [(r["state_iso3"], r["election"]) for r in rows] == [("RUS", 2020), ("USA", 2016)]


def test_election_is_the_election_year(data_build: Path) -> None:
    assert {r["election_date"] for r in query_rows("elections", data_build, election="2018")} == {
        "2018-07-13",
        "2018-10-12",
    }
    assert {r["election"] for r in query_rows("memberships", data_build, election="2022")} == {2022}
    history = query_rows("state-history", data_build, election="2008")
    assert len(history) == 19 and {r["election"] for r in history} == {2008}
    # The queries of the letters: the seed's candidature stood in the 2007 election.
    for name in (
        "candidatures",
        "outcomes",
        "compare-themes",
        "events",
        "resolutions",
        "country-visits",
    ):
        assert query_rows(name, data_build, election="2007"), name
        assert query_rows(name, data_build, election="2008") == [], name
    pledges = query_rows("pledges", data_build, election="2007")
    assert len(pledges) == 20
    assert query_rows("pledges", data_build, election="2007", state_iso3="belarus") == pledges
    assert query_rows("pledges", data_build, election="2008") == []
    assert (
        sum(r["pledges"] for r in query_rows("pledges-by-theme", data_build, election="2007")) == 20
    )
    assert query_rows("statements", data_build, election="2008") == []


def test_an_unknown_parameter_is_an_error_listing_the_valid_ones(
    data_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(QueryError) as e:
        query_rows("elections", data_build, year="2007")
    assert str(e.value) == (
        "query 'elections' takes no parameter 'year' (it takes: election, state_iso3, region)"
    )
    capsys.readouterr()
    code = run_cli("query", "ratifications", "--data", data_build, "--param", "state=BLR")
    assert code == 2
    err = capsys.readouterr().err
    assert "takes no parameter 'state' (it takes: state_iso3, instrument)" in err


def test_an_unknown_value_is_an_error_naming_the_valid_ones(data_build: Path) -> None:
    with pytest.raises(QueryError, match=r"'xyz' is not one of ICERD, ICCPR, .*OP-CRPD"):
        query_rows("ratifications", data_build, instrument="xyz")
    with pytest.raises(QueryError, match=r"did you mean Belarus \(BLR\)\?"):
        query_rows("elections", data_build, state_iso3="Belarsu")
    with pytest.raises(QueryError, match=r"one of: African States, Asia-Pacific States"):
        query_rows("elections", data_build, region="Martians")
    with pytest.raises(QueryError, match="must be an integer"):
        query_rows("elections", data_build, election="2007-05")
    with pytest.raises(QueryError, match="is not one of pledge, contribution, claim"):
        query_rows("statements", data_build, kind="promise")


# ------------------------------------------------------------------- binding on the parse tree


def test_the_values_open_the_where_group_the_parser_finds() -> None:
    """Not the first "WHERE {" of the text: a comment, a string or the projection may hold one."""
    query = (
        "# WHERE { in a comment\n"
        'SELECT ?s ("WHERE {" AS ?label) # WHERE {\n'
        "WHERE # {\n"
        "{ ?s ?p ?o FILTER (!BOUND(?param_x) || ?o = ?param_x) }"
    )
    bound = with_values(query, {"x": [ox.Literal("a"), ox.Literal("b")]})
    assert bound == query.replace("WHERE # {\n{", 'WHERE # {\n{\n  VALUES ?param_x { "a" "b" }')
    store = ox.Store()
    for value in "abc":
        store.add(
            ox.Quad(ox.NamedNode("urn:x:" + value), ox.NamedNode("urn:x:p"), ox.Literal(value))
        )
    solutions = store.query(bound)
    assert sorted(s["s"].value for s in solutions) == ["urn:x:a", "urn:x:b"]  # type: ignore[index]


def test_no_where_group_no_binding() -> None:
    with pytest.raises(QueryError, match="no WHERE group"):
        with_block("CONSTRUCT WHERE { ?s ?p ?o }", {"s": ox.NamedNode("urn:x:a")})
    assert with_block("SELECT * { ?s ?p ?o }", {}) == "SELECT * { ?s ?p ?o }"


def test_without_a_store_a_state_is_its_code() -> None:
    terms = bind_terms(get("elections"), {"state_iso3": ["blr", "BLR", "rus"], "election": "2007"})
    assert terms == {
        "state_iso3": [ox.Literal("BLR"), ox.Literal("RUS")],
        "election": [
            ox.Literal("2007", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        ],
    }
