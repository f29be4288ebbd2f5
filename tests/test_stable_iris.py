"""IRIs that stay put: a sentence added to a letter leaves the IRIs of its other statements, and of
the letter, its candidature and its State, unchanged (statements are keyed by their text's digest,
not by their place in the letter)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from pledgegraph.build import build

SEED = Path(__file__).parents[2] / "shared" / "seed"
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
    (letter,) = sorted(SEED.glob("*.txt"))
    text = letter.read_text(encoding="utf-8")
    anchor = " Belarus is committed to international cooperation"
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
    new = set(after) - set(before)
    assert len(new) == 1 and "overdue reports" in next(iter(new))
    for text, iri in before.items():
        assert after.get(text) == iri, text[:60]


def test_statement_iris_are_not_ordinals(both: tuple[dict[str, str], dict[str, str]]) -> None:
    before, _ = both
    for iri in before.values():
        assert not iri.rsplit("/", 1)[1].isdigit(), iri
