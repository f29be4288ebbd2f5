"""IRIs that stay put: a sentence added to a letter leaves the IRIs of its other statements, and of
the letter, its candidature and its State, unchanged (statements are keyed by their text's digest,
not by their place in the letter)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import SEED
from pledgegraph.build import build

BASE = "https://w3id.org/pledgegraph/"
STATEMENTS = """
PREFIX pg: <https://w3id.org/pledgegraph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?s ?text WHERE { GRAPH ?g { ?s a pg:LetterStatement ; rdf:value ?text } }
"""
INSERTED = " Belarus pledges to submit its overdue reports to the treaty bodies in good faith. \n\n"


def _statements(out: Path) -> dict[str, str]:
    store = ox.Store()
    store.load(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    return {r["text"].value: r["s"].value for r in store.query(STATEMENTS)}


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, str]]:
    root = tmp_path_factory.mktemp("stable")
    letter = SEED
    text = letter.read_text(encoding="utf-8")
    anchor = "   Annex to the letter dated"  # a sentence before the annex, as issue 14 asks
    assert anchor in text
    edited = root / "edited"
    edited.mkdir()
    (edited / letter.name).write_text(text.replace(anchor, INSERTED + anchor, 1), encoding="utf-8")
    build([SEED], root / "before", BASE, log=lambda _m: None, use_cache=False)
    build([edited], root / "after", BASE, log=lambda _m: None, use_cache=False)
    return _statements(root / "before"), _statements(root / "after")


def test_an_inserted_sentence_moves_no_other_statement(
    both: tuple[dict[str, str], dict[str, str]],
) -> None:
    before, after = both
    assert len(before) >= 20
    assert len(set(after) - set(before)) <= 1  # the inserted sentence, if it reads as a statement
    for text, iri in before.items():
        assert after.get(text) == iri, text[:60]


def test_statement_iris_are_not_ordinals(both: tuple[dict[str, str], dict[str, str]]) -> None:
    before, _ = both
    for iri in before.values():
        assert not iri.rsplit("/", 1)[1].isdigit(), iri


def test_retired_iris_redirect_to_their_successor_or_are_gone(tmp_path: Path) -> None:
    """Rebuilt into the same folder with one pledge's words edited and another's removed: the edited
    pledge's old IRI answers 301 to the new one (same letter, kind and ordinal), a removed one 410."""
    from starlette.testclient import TestClient

    from pledgegraph.serve.app import create_app

    letter = SEED
    text = letter.read_text(encoding="utf-8")
    edited_from = "Belarus pledges to continue its efforts in fighting human trafficking"
    assert edited_from in text
    src = tmp_path / "letters"
    src.mkdir()
    (src / letter.name).write_text(text, encoding="utf-8")
    out = tmp_path / "build"
    build([src], out, BASE, log=lambda _m: None, use_cache=False)
    before = _statements(out)
    (src / letter.name).write_text(
        text.replace(edited_from, edited_from.replace("continue", "redouble"), 1), encoding="utf-8"
    )
    build([src], out, BASE, log=lambda _m: None, use_cache=False)
    after = _statements(out)
    (old,) = [iri for t, iri in before.items() if edited_from in t]
    (new,) = [iri for t, iri in after.items() if "redouble" in t]
    assert old != new
    with TestClient(create_app(out, data_dir=out, query_timeout=5.0)) as client:
        r = client.get(old.removeprefix(BASE[:-1]), follow_redirects=False)
        assert r.status_code == 301
        assert r.headers["location"] == new.removeprefix(BASE[:-1])
        r = client.get("/doc" + old.removeprefix(BASE[:-1]) + ".ttl", follow_redirects=False)
        assert r.status_code == 301
        assert r.headers["location"] == "/doc" + new.removeprefix(BASE[:-1]) + ".ttl"
        assert client.get(new.removeprefix(BASE[:-1]), follow_redirects=False).status_code == 303
        missing = old.rsplit("/", 1)[0] + "/0000000000"
        assert client.get(missing.removeprefix(BASE[:-1])).status_code == 404

    # The pledge removed altogether: its IRI is gone, and stays gone in the next build.
    (src / letter.name).write_text(
        text.replace(edited_from, "Belarus notes that", 1), encoding="utf-8"
    )
    build([src], out, BASE, log=lambda _m: None, use_cache=False)
    build([src], out, BASE, log=lambda _m: None, use_cache=False)
    with TestClient(create_app(out, data_dir=out, query_timeout=5.0)) as client:
        assert len(_statements(out)) == len(after) - 1  # one pledge fewer: no successor is known
        assert client.get(new.removeprefix(BASE[:-1]), follow_redirects=False).status_code == 410
        assert client.get(old.removeprefix(BASE[:-1]), follow_redirects=False).status_code == 410


def test_ledger_rules() -> None:
    from pledgegraph.identifiers import ledger

    a, b, c = "x/pledge/a", "x/pledge/b", "x/pledge/c"
    first = ledger({a: ("K", "pledge", 1)}, None)
    assert first["retired"] == {}
    second = ledger({b: ("K", "pledge", 1)}, first)  # edited in place: b succeeds a
    assert second["retired"] == {a: b}
    third = ledger({c: ("K", "pledge", 1)}, second)  # edited again: a and b both lead to c
    assert third["retired"] == {a: c, b: c}
    fourth = ledger({a: ("K", "pledge", 1)}, third)  # the first words back: a lives again
    assert fourth["retired"] == {b: a, c: a}
    fifth = ledger({}, fourth)  # the pledge removed: everything is gone
    assert fifth["retired"] == {a: None, b: None, c: None}


def test_a_second_letter_of_the_same_day_renames_neither(tmp_path: Path) -> None:
    """Issue 15: a second document of one State and day no longer renames the first when the build
    goes on in the same folder (a fresh build still tells both apart by their text's digest)."""
    import json

    letter = SEED
    text = letter.read_text(encoding="utf-8")
    src = tmp_path / "letters"
    src.mkdir()
    (src / "first.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "build"
    build([src], out, BASE, log=lambda _m: None, use_cache=False)
    (first,) = json.loads((out / "manifest.json").read_text())["letters"]
    (src / "second.txt").write_text(text + "\n Corrigendum.\n", encoding="utf-8")
    build([src], out, BASE, log=lambda _m: None, use_cache=False)
    keys = {
        lt["source"]: lt["key"] for lt in json.loads((out / "manifest.json").read_text())["letters"]
    }
    assert keys["first.txt"] == first["key"] == "BLR-2007-04-09"
    assert keys["second.txt"].startswith("BLR-2007-04-09-") and keys["second.txt"] != first["key"]
    build([src], out, BASE, log=lambda _m: None, use_cache=False)  # and stays so
    again = {
        lt["source"]: lt["key"] for lt in json.loads((out / "manifest.json").read_text())["letters"]
    }
    assert again == keys
