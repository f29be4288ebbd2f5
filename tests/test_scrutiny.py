"""Scrutiny (issue 13): each letter's claims checked against the record as of its date, its pledges
followed up as of the reference date, and a scorecard per candidature.

The letters of tests/fixtures/scrutiny/ were written for these tests; their index.json and
real-verdicts.json (the seed, dev, held-out and synthetic letters) hold the verdicts worked out by
hand, each definite one with the facts of data/reference/ it rests on ("facts"). A wrong verdict is
worse than none: every definite verdict the build gives must be expected, and every expected one
given; the facts named must hold in the reference data, with their sources, and a definite verdict
may rest on no other fact. The scorecards' figures are counted here from the reference files
themselves, not from pledgegraph's reading of them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import FIXTURES, ROOT, SEED, query_rows, run_cli
from pledgegraph.reference import Reference
from pledgegraph.scrutiny import Scrutineer
from pledgegraph.scrutiny.record import before

SCRUTINY = FIXTURES / "scrutiny"
DEFINITE = {"supported", "contradicted", "fulfilled", "not fulfilled", "pending"}
BASE = "https://w3id.org/pledgegraph/"
ID = BASE + "id/"
PGV = BASE + "vocab/"
PREFIXES = """PREFIX pg: <https://w3id.org/pledgegraph/ontology#>
PREFIX pgv: <https://w3id.org/pledgegraph/vocab/> PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#> PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX prov: <http://www.w3.org/ns/prov#>
"""
BOUND = "time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear"

# The columns issue 13 sets for each query (its JSON keys).
COLUMNS = {
    "claim-checks": "state_iso3, claim, begin, end, verdict, explanation, evidence, source",
    "pledge-follow-up": "state_iso3, pledge, text, action, instrument, status, year, evidence, source",
    "scorecard": "state_iso3, state, election, region, outcome, votes, core_treaties, "
    "optional_protocols, complaint_procedures, op_cat, previous_terms, third_consecutive, pledges, "
    "themes, claims_supported, claims_contradicted, claims_unchecked, pledges_fulfilled, "
    "pledges_not_fulfilled, pledges_pending, pledges_not_assessed, source",
}


@pytest.fixture(scope="module")
def reference() -> ox.Store:
    """The reference data as the files give it (parsed with the default base), and the
    vocabularies whose notations name outcomes and statuses."""
    store = ox.Store()
    files = [*(ROOT / "data" / "reference").glob("*.ttl"), ROOT / "ontology" / "vocabulary.ttl"]
    for path in sorted(files):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=BASE)
    return store


def _select(store: ox.Store, query: str) -> list[dict[str, str]]:
    result = store.query(PREFIXES + query)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [
        {n: row[n].value for n in names if row[n] is not None}  # type: ignore[union-attr]
        for row in result  # type: ignore[union-attr]
    ]


def _sourced(store: ox.Store, iri: str) -> bool:
    return bool(_select(store, f"SELECT ?s WHERE {{ <{iri}> dcterms:source ?s }}"))


def fact(store: ox.Store, text: str) -> tuple[str, str | None]:
    """Checks that a fact an expectation names holds in the reference data, with a source; returns
    the IRI of the record's fact a verdict rests on and, for an act or an election, its year.

    act S C YEAR: S became a party to C in YEAR (ratification, accession or succession)
    no act S C: C's list (complete for every UN Member State) has no such act of S
    signatory S C: C's list has S as a signatory that had not become a party
    term S BEGIN END: a membership of the Council with these bounds
    not elected S E: S is not among the States the election E elected (a complete list)
    not a candidate S E: S is not among the candidates of its regional group in E (complete)"""
    words = text.split()
    if words[0] == "act":
        state, code, year = words[1:]
        iri = f"{ID}treaty-action/{state}/{code}/ratification-accession-or-succession"
        rows = _select(store, f"SELECT ?y WHERE {{ <{iri}> pg:actYear|pg:actDate ?y }}")
        assert [r["y"][:4] for r in rows] == [year], (text, rows)
        assert _sourced(store, iri), text
        return iri, year
    if words[:2] == ["no", "act"]:
        state, code = words[2:]
        iri = f"{ID}treaty/{code}"
        member = f"SELECT * WHERE {{ <{ID}state/{state}> pg:unMember true }}"
        assert _select(store, member), f"{text}: the lists cover UN Member States only"
        acts = _select(
            store,
            f"SELECT ?a WHERE {{ ?a a pg:TreatyAction ; pg:state <{ID}state/{state}> ; "
            f"pg:instrument <{iri}> }}",
        )
        assert not acts, text
        assert _select(store, f"SELECT ?d WHERE {{ <{iri}> pg:statusListAsOf ?d }}"), text
        assert _sourced(store, iri), text
        return iri, None
    if words[0] == "signatory":
        state, code = words[1:]
        iri = f"{ID}treaty-status/{state}/{code}"
        assert _select(store, f"SELECT * WHERE {{ <{iri}> pg:status pgv:status-signatory }}"), text
        assert _sourced(store, iri), text
        return f"{ID}treaty/{code}", None
    if words[0] == "term":
        state, begin, end = words[1:]
        rows = _select(
            store,
            f"SELECT ?m WHERE {{ ?m a org:Membership ; org:member <{ID}state/{state}> ; "
            f"org:memberDuring ?t . ?t time:hasBeginning/({BOUND}) ?b ; time:hasEnd/({BOUND}) ?e . "
            f'FILTER (STR(?b) = "{begin}" && STR(?e) = "{end}") }}',
        )
        assert len(rows) == 1 and _sourced(store, rows[0]["m"]), text
        return rows[0]["m"], None
    *_, state, key = words
    iri = f"{ID}election/{key}"
    (date,) = _select(store, f"SELECT ?d WHERE {{ <{iri}> pg:electionDate ?d }}")
    assert _sourced(store, iri), text
    if words[:2] == ["not", "elected"]:
        assert _select(store, f"SELECT * WHERE {{ <{iri}> pg:resultsComplete true }}"), text
        assert not _select(
            store, f"SELECT * WHERE {{ <{iri}> pg:electedState <{ID}state/{state}> }}"
        )
        return iri, date["d"][:4]
    assert words[:3] == ["not", "a", "candidate"], text
    (group,) = _select(store, f"SELECT ?g WHERE {{ <{ID}state/{state}> pg:regionalGroup ?g }}")
    (count,) = _select(
        store,
        f"SELECT ?n WHERE {{ ?x a pg:SeatAllocation ; pg:election <{iri}> ; "
        f"pg:regionalGroup <{group['g']}> ; pg:candidateCount ?n }}",
    )
    named = _select(
        store,
        f"SELECT ?s WHERE {{ ?c a pg:Candidature ; pg:election <{iri}> ; pg:candidate ?s ; "
        f"pg:regionalGroup <{group['g']}> FILTER NOT EXISTS {{ ?c pg:outcome pgv:outcome-withdrawn }} }}",
    )
    assert len(named) == int(count["n"]), (text, "the group's candidates are not all named")
    assert f"{ID}state/{state}" not in {r["s"] for r in named}, text
    return iri, date["d"][:4]


@pytest.fixture(scope="module")
def scrutiny_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scrutiny") / "build"
    assert run_cli("build", SCRUTINY, "--out", out, "--quiet") == 0
    return out


def _words(text: str) -> str:
    return " ".join(text.split())


def _expected(entries: list[dict]) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    claims = {e["file"]: e["claims"] for e in entries}
    follow_ups = {e["file"]: e["follow_ups"] for e in entries}
    return claims, follow_ups


def _evidence(row: dict) -> dict[str, list[str]]:
    """The facts a row rests on, each with its sources ("fact <source> <source> | fact ...")."""
    out = {}
    for item in (row["evidence"] or "").split(" | "):
        if item:
            iri, *sources = item.split(" ")
            out[iri] = sources
    return out


def _traced(store: ox.Store, row: dict, want: dict, problems: list[str]) -> None:
    """A definite verdict rests on the facts its expectation names, each with a source, and the
    year it gives for a fulfilled pledge is the year of one of them."""
    named = dict(fact(store, f) for f in want.get("facts", []))
    evidence = _evidence(row)
    if not evidence:
        problems.append(f"{row['source']}: {want['text']!r} rests on no fact")
    for iri, sources in evidence.items():
        if iri not in named:
            problems.append(f"{row['source']}: {want['text']!r} rests on {iri}, not a named fact")
        if not sources:
            problems.append(f"{row['source']}: {iri} has no source")
    if want.get("year") is not None and str(want["year"]) not in named.values():
        problems.append(f"{row['source']}: {want['text']!r}: no named fact of {want['year']}")


def _score(build: Path, entries: list[dict], store: ox.Store) -> tuple[int, int, list[str]]:
    """(right, definite, problems): every claim check and every follow-up naming an act is matched
    to its expectation; the definite verdicts and statuses are counted for precision, and each is
    traced to the facts its expectation names."""
    claims, follow_ups = _expected(entries)
    right = definite = 0
    problems: list[str] = []
    seen: set[tuple[str, str, str | None]] = set()
    for row in query_rows("claim-checks", build):
        file, text = row["source"], _words(row["claim"])
        if file not in claims:
            continue
        found = [e for e in claims[file] if text.startswith(e["text"])]
        if len(found) != 1:
            problems.append(f"{file}: no expectation (or several) for the claim {text[:60]!r}")
            continue
        seen.add((file, found[0]["text"], None))
        definite += row["verdict"] in DEFINITE
        if row["verdict"] == found[0]["verdict"]:
            right += row["verdict"] in DEFINITE
            if row["verdict"] in DEFINITE:
                _traced(store, row, found[0], problems)
        else:
            problems.append(f"{file}: {text[:60]!r} is {row['verdict']}, not {found[0]['verdict']}")
    for row in query_rows("pledge-follow-up", build):
        file, text = row["source"], _words(row["text"])
        if file not in follow_ups or (row["action"] is None and row["status"] == "not assessed"):
            continue
        found = [
            e
            for e in follow_ups[file]
            if text.startswith(e["text"]) and e["instrument"] == row["instrument"]
        ]
        if len(found) != 1:
            problems.append(f"{file}: no expectation for the follow-up {text[:50]!r} {row}")
            continue
        want = found[0]
        seen.add((file, want["text"], want["instrument"]))
        definite += row["status"] in DEFINITE
        got = (row["status"], row["action"], row["year"])
        if got == (want["status"], want["action"], want.get("year")):
            right += row["status"] in DEFINITE
            if row["status"] in DEFINITE:
                _traced(store, row, want, problems)
        else:
            problems.append(f"{file}: {text[:50]!r} {row['instrument']}: {got} != {want}")
    for file, expected in claims.items():
        problems += [
            f"{file}: expected claim not checked: {e['text']!r}"
            for e in expected
            if (file, e["text"], None) not in seen
        ]
    for file, expected in follow_ups.items():
        problems += [
            f"{file}: expected follow-up missing: {e['text']!r} {e['instrument']}"
            for e in expected
            if (e["action"] is not None or e["status"] != "not assessed")
            and (file, e["text"], e["instrument"]) not in seen
        ]
    return right, definite, problems


# -------------------------------------------------------------------------------------- the oracle


def _done(when: str, day: str) -> bool | None:
    """Done before `day`: a fact known by its year (or month) only is unknown within it."""
    if len(when) >= 10:
        return when[:10] < day
    return None if when == day[: len(when)] else when < day[: len(when)]


def _months(when: str) -> int:
    """Months since year 0, a bound known to the year only counting as June (shape R33's rule)."""
    return int(when[:4]) * 12 + (int(when[5:7]) if len(when) >= 7 else 6)


def standing(store: ox.Store, state: str, day: str, election: str | None) -> dict:
    """The scorecard's record figures for `state` as of `day`, counted from the reference files."""
    acts = _select(
        store,
        f"SELECT ?code ?kind ?complaints ?when ?denounced WHERE {{ ?a a pg:TreatyAction ; "
        f"pg:state <{ID}state/{state}> ; pg:instrument ?t ; pg:actYear|pg:actDate ?when . "
        f"?t skos:notation ?code ; pg:kind ?kind OPTIONAL {{ ?t pg:complaintProcedure ?complaints }} "
        f"OPTIONAL {{ ?x pg:state <{ID}state/{state}> ; pg:instrument ?t ; "
        f"pg:status pgv:status-denounced BIND (true AS ?denounced) }} }}",
    )
    party = [a for a in acts if _done(a["when"], day) and "denounced" not in a]
    doubt = {a["code"] for a in acts if _done(a["when"], day) is None or "denounced" in a}
    core = [a["code"] for a in party if a["kind"] == PGV + "treaty-core"]
    protocols = [a for a in party if a["kind"] == PGV + "treaty-optional-protocol"]
    terms = _select(
        store,
        f"SELECT ?b ?e WHERE {{ ?m a org:Membership ; org:member <{ID}state/{state}> ; "
        f"org:memberDuring ?t . ?t time:hasBeginning/({BOUND}) ?b ; time:hasEnd/({BOUND}) ?e }}",
    )
    begun = sorted((t for t in terms if _done(t["b"], day)), key=lambda t: t["b"])
    op_cat = "OP-CAT" in {a["code"] for a in party} or (None if "OP-CAT" in doubt else False)
    third = None
    term = election and _select(
        store,
        f"SELECT ?b WHERE {{ <{ID}election/{election}> pg:electedFor/time:hasBeginning/({BOUND}) ?b }}",
    )
    if term:
        chain = [term[0]["b"]] + [
            t for pair in reversed(begun[-2:]) for t in (pair["e"], pair["b"])
        ]
        gaps = [_months(chain[i]) - _months(chain[i + 1]) for i in range(0, len(chain) - 1, 2)]
        third = len(begun) >= 2 and all(0 <= g <= 2 for g in gaps)
    return {
        "core_treaties": len(core),
        "optional_protocols": len(protocols),
        "complaint_procedures": sum(a.get("complaints") == "true" for a in protocols),
        "op_cat": op_cat,
        "previous_terms": len(begun),
        "third_consecutive": third,
    }


# -------------------------------------------------------------------------------------- acceptance


def test_seed_six_core_conventions_supported(data_build: Path, reference: ox.Store) -> None:
    """Belarus, 9 April 2007: "party to ... six core human rights conventions" is supported, on the
    six acts of ratification or accession, each named with its year (the years: ratifications.ttl)."""
    rows = query_rows("claim-checks", data_build, state_iso3="BLR")
    six = [r for r in rows if "six core human rights conventions" in _words(r["claim"])]
    assert len(six) == 1 and six[0]["verdict"] == "supported", rows
    row = six[0]
    acts = _select(
        reference,
        f"SELECT ?code ?year WHERE {{ ?a pg:state <{ID}state/BLR> ; pg:actYear ?year ; "
        f'pg:instrument ?t . ?t skos:notation ?code ; pg:kind pgv:treaty-core FILTER (STR(?year) < "2007") }}',
    )
    assert len(acts) == 6
    for act in acts:
        assert f"{act['code']} ({act['year']})" in row["explanation"], row["explanation"]
        assert f"/treaty-action/BLR/{act['code']}/" in row["evidence"], act
    assert "9 April 2007" in row["explanation"]
    assert "CRPD" not in row["evidence"]  # ratified in 2016
    assert all(s for s in _evidence(row).values())  # each fact with its source (the UNTC page)


def test_seed_scorecard(data_build: Path, reference: ox.Store) -> None:
    (card,) = query_rows("scorecard", data_build, state_iso3="BLR")
    pledges = query_rows("pledges", data_build, state_iso3="BLR")
    (cand,) = _select(
        reference,
        f"SELECT ?votes ?outcome ?group WHERE {{ <{ID}candidature/BLR-2007> pg:votes ?votes ; "
        f"pg:outcome/skos:notation ?outcome ; pg:regionalGroup/skos:prefLabel ?group }}",
    )
    assert card["election"] == "2007" and card["region"] == cand["group"]
    assert card["outcome"] == cand["outcome"] == "not elected"
    assert card["votes"] == int(cand["votes"])
    # As of 9 April 2007: six core treaties and four optional protocols, two of which open a
    # complaint procedure (ICCPR-OP1, OP-CEDAW), no OP-CAT, no term.
    figures = standing(reference, "BLR", "2007-04-09", "2007")
    assert {k: card[k] for k in figures} == figures
    assert (figures["core_treaties"], figures["optional_protocols"]) == (6, 4)
    assert card["pledges"] == len(pledges) and card["themes"] >= 1
    assert (card["claims_supported"], card["claims_contradicted"]) == (1, 0)
    assert card["pledges_not_assessed"] == len(pledges)  # no pledge names an act the record follows


def test_named_queries_on_a_build_of_data(data_build: Path) -> None:
    """The main job's build (`pledgegraph build data`): every claim checked on its span, every pledge
    followed up, one scorecard per letter."""
    text = next((data_build / "sources").glob("*.txt")).read_text(encoding="utf-8")
    checks = query_rows("claim-checks", data_build)
    assert checks
    for row in checks:
        assert text[row["begin"] : row["end"]] == row["claim"]
        assert row["verdict"] in {"supported", "contradicted", "not checkable"}
        assert row["explanation"].startswith(("Supported", "Contradicted", "Not checkable"))
    follow_ups = query_rows("pledge-follow-up", data_build)
    assert {r["pledge"] for r in follow_ups} == {
        r["pledge"] for r in query_rows("pledges", data_build)
    }
    assert {r["status"] for r in follow_ups} <= {
        "fulfilled",
        "not fulfilled",
        "pending",
        "not assessed",
    }
    (card,) = query_rows("scorecard", data_build)
    assert card["source"] == "belarus-2007-04-09.txt" and card["pledges"] == len(follow_ups)


def test_python_m_pledgegraph() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pledgegraph", "queries"], capture_output=True, text=True, check=True
    )
    assert {"claim-checks", "pledge-follow-up", "scorecard"} <= set(done.stdout.split())


# -------------------------------------------------------------------------------------- precision


def _definite(entries: list[dict]) -> int:
    return sum(
        e.get("verdict", e.get("status")) in DEFINITE
        for entry in entries
        for e in entry["claims"] + entry["follow_ups"]
    )


def test_expected_facts_hold_in_the_reference_data(reference: ox.Store) -> None:
    """Every fact an expectation names holds in the reference data, with its source; every definite
    expectation names the facts it rests on."""
    for name in ("index.json", "real-verdicts.json"):
        for entry in json.loads((SCRUTINY / name).read_text(encoding="utf-8")):
            for e in entry["claims"] + entry["follow_ups"]:
                for f in e.get("facts", []):
                    fact(reference, f)
                if e.get("verdict", e.get("status")) in DEFINITE:
                    assert e.get("facts"), (entry["file"], e["text"])


def test_letters_written_for_the_tests(scrutiny_build: Path, reference: ox.Store) -> None:
    entries = json.loads((SCRUTINY / "index.json").read_text(encoding="utf-8"))
    right, definite, problems = _score(scrutiny_build, entries, reference)
    assert not problems, "\n".join(problems)
    # precision 1.0 over the definite verdicts, and every definite one expected is given
    assert right == definite == _definite(entries)
    statuses = {r["status"] for r in query_rows("pledge-follow-up", scrutiny_build)}
    verdicts = {r["verdict"] for r in query_rows("claim-checks", scrutiny_build)}
    assert statuses == {"fulfilled", "not fulfilled", "pending", "not assessed"}
    assert verdicts == {"supported", "contradicted", "not checkable"}


def test_not_assessed_says_why(scrutiny_build: Path) -> None:
    """Never a guess: a follow-up that is not assessed says why; an instrument the record does not
    follow (the Rome Statute) is named as such."""
    from pledgegraph.store import EmbeddedStore

    store = EmbeddedStore.open(scrutiny_build)
    try:
        _, rows = store.select(
            PREFIXES + "PREFIX schema: <https://schema.org/> SELECT ?body WHERE { "
            "?f a pg:FollowUp ; schema:reviewRating pgv:follow-up-not-assessed ; "
            "schema:reviewBody ?body }"
        )
    finally:
        store.close()
    bodies = [str(r["body"].value) for r in rows if r["body"] is not None]
    assert bodies and all(len(b) > 20 for b in bodies)
    assert any(
        '"Rome Statute of the International Criminal Court" is not a name of an instrument the '
        "record follows" in b
        for b in bodies
    ), bodies


def test_real_letters(all_build: Path, reference: ox.Store) -> None:
    """The seed, dev, held-out and synthetic letters: every verdict hand-checked."""
    entries = json.loads((SCRUTINY / "real-verdicts.json").read_text(encoding="utf-8"))
    right, definite, problems = _score(all_build, entries, reference)
    assert not problems, "\n".join(problems)
    assert right == definite == _definite(entries)
    checked = {r["source"] for r in query_rows("claim-checks", all_build)}
    assert checked <= {e["file"] for e in entries}  # no check on a letter left out of the file


def test_every_claim_and_pledge_is_reviewed(all_build: Path) -> None:
    statements = query_rows("statements", all_build)
    checks = {(r["source"], r["begin"]) for r in query_rows("claim-checks", all_build)}
    for s in statements:
        if s["kind"] == "claim":
            assert (s["source"], s["begin"]) in checks, s["text"]
    followed = {(r["source"], _words(r["text"])) for r in query_rows("pledge-follow-up", all_build)}
    pledges = {(r["source"], _words(r["text"])) for r in query_rows("pledges", all_build)}
    assert pledges == followed


def test_every_scorecard_row(all_build: Path, reference: ox.Store) -> None:
    """Each candidature's treaty and term figures as of its letter's date are those the reference
    files give (Germany, 30 May 2019: terms 2006-2009, 2013-2015 and 2016-2018 begun, and 2019
    between the last and the term of 2020-2022, so not a third consecutive one)."""
    cards = query_rows("scorecard", all_build)
    letters = {r["source"]: r for r in query_rows("candidatures", all_build)}
    assert sorted(c["source"] for c in cards) == sorted(letters)
    for c in cards:
        figures = standing(
            reference, c["state_iso3"], letters[c["source"]]["letter_date"], c["election"]
        )
        if figures["third_consecutive"] is None:
            del figures["third_consecutive"]  # the term the letter proposes: not in the record
        assert {k: c[k] for k in figures} == figures, c["source"]
    germany = next(c for c in cards if c["source"] == "033_Germany_2019.txt")
    assert germany["previous_terms"] == 3 and germany["third_consecutive"] is False


# -------------------------------------------------------------------------------------- the rules


def test_a_year_only_date_is_unknown_within_its_year() -> None:
    assert before("2006", "2007-04-09") is True
    assert before("2007", "2007-04-09") is None
    assert before("2008", "2007-04-09") is False
    assert before("2007-04-08", "2007-04-09") is True
    assert before("2007-04-09", "2007-04-09") is False
    assert before("2007-04", "2007-04-09") is None
    record = Scrutineer.of(Reference()).record
    assert record.party("BLR", "CRPD", "2016-03-01").known is None  # ratified in 2016
    assert record.party("BLR", "CRPD", "2017-01-01").known is True
    assert record.party("BLR", "CRPD", "2015-12-31").known is False
    assert record.party("BLR", "CPED", "2023-01-01").known is None  # after the list's date


def test_instruments_are_found_by_their_names_in_the_data() -> None:
    scrutineer = Scrutineer.of(Reference())
    find = scrutineer.instruments.find
    for inst in scrutineer.record.instruments.values():
        for label in (*inst.labels, *inst.abbreviations):
            codes = [m.code for m in find(f"Chile will ratify the {label}.") if m.code]
            assert codes == [inst.code], (label, codes)
    assert [m.code for m in find("ratify OPCAT")] == ["OP-CAT"]
    assert [m.code for m in find("the Optional Protocol to the CAT")] == ["OP-CAT"]
    assert [m.code for m in find("the cat sat")] == []  # abbreviations keep their case
    (rome,) = find("accede to the Rome Statute of the International Criminal Court")
    assert rome.code is None and rome.name == "Rome Statute of the International Criminal Court"
    (crc,) = find("ratify the Optional Protocol to the Convention on the Rights of the Child")
    assert crc.code is None and set(crc.ambiguous) == {"OP-CRC-AC", "OP-CRC-SC", "OP-CRC-IC"}


def test_the_reference_date_is_data_or_an_option(tmp_path: Path) -> None:
    """Pending as of the day the treaty lists are complete (the default); not assessed as of a day
    past the lists' end and the deadline: the record cannot say; never the clock."""
    letter = SCRUTINY / "scrutiny-finland-2021.txt"
    out = tmp_path / "build"

    def cped() -> dict:
        rows = query_rows("pledge-follow-up", out, instrument="CPED")
        return next(r for r in rows if r["action"] == "ratify")

    assert run_cli("build", letter, "--out", out, "--quiet") == 0
    assert cped()["status"] == "pending"
    assert run_cli("build", letter, "--out", out, "--quiet", "--as-of", "2025-06-01") == 0
    assert cped()["status"] == "not assessed"  # due by 2024, the lists stop in 2022
    assert run_cli("build", letter, "--out", out, "--quiet") == 0  # not a stale cache entry
    assert cped()["status"] == "pending"


def test_a_bad_reference_date_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        run_cli("build", SEED, "--as-of", "2022-13-40")
    assert stop.value.code == 2 and "not a date" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_query_columns(scrutiny_build: Path, name: str) -> None:
    from pledgegraph import queries

    want = [c.strip() for c in COLUMNS[name].split(",")]
    assert list(queries.get(name).columns) == want
    rows = query_rows(name, scrutiny_build)
    assert rows and all(list(r) == want for r in rows)
