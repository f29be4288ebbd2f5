"""The stores a build is queried through: the in-memory union with the complete store behind it."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from pledgegraph import queries
from pledgegraph.store import BuildStore, EmbeddedStore, load_in_memory, names_graphs

PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", False),
        ("# the source file it was read from\nSELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", True),
        ("select * where { graph ?g { ?s ?p ?o } }", True),
        ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", True),
        ("SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }", True),
        ("SELECT ?graph WHERE { ?graph ?p ?o }", False),
        ('SELECT * WHERE { ?s ?p "taken from GRAPH 3" }', False),
        ("SELECT * WHERE { ?s ?p 'from' }", False),
        ("SELECT * WHERE { ?s <http://example.org/graph#from> ?o }", False),
        ("PREFIX graph: <http://example.org/> SELECT * WHERE { ?s graph:from ?o }", False),
        ('SELECT * WHERE { ?s ?p """two\nlines from""" . GRAPH ?g { ?s ?p ?o } }', True),
        ("SELECT * WHERE { ?s ?p ?o FILTER (?o<3&&?o>1) GRAPH ?g { ?s ?p ?o } }", True),
        ("SELECT * WHERE { ?s ?p ?o } # GRAPH ?g\n", False),
    ],
)
def test_names_graphs(query: str, expected: bool) -> None:
    assert names_graphs(query) is expected


def _answers(store: EmbeddedStore, query: str) -> list[tuple[object, ...]]:
    names, rows = store.select(query)
    return [tuple(row[n] for n in names) for row in rows]


@pytest.fixture(scope="module")
def stores(all_build: Path) -> tuple[EmbeddedStore, EmbeddedStore]:
    return EmbeddedStore.in_memory(all_build), EmbeddedStore.open(all_build)


@pytest.mark.parametrize("name", sorted(queries.catalogue()))
def test_in_memory_answers_like_the_complete_store(
    stores: tuple[EmbeddedStore, EmbeddedStore], name: str
) -> None:
    memory, complete = stores
    text = queries.get(name).text
    assert isinstance(memory.store, BuildStore)
    assert memory.store.for_query(text) is memory.store.union
    assert _answers(memory, text) == _answers(complete, text)


def test_graph_queries_reach_the_named_graphs(
    stores: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    memory, complete = stores
    assert isinstance(memory.store, BuildStore)
    # the union alone has no named graphs: the query must go to the complete store
    assert list(memory.store.union.query(PER_GRAPH)) == []
    per_graph = _answers(memory, PER_GRAPH)
    assert len(per_graph) > 30
    assert per_graph == _answers(complete, PER_GRAPH)


def test_without_the_on_disk_store_the_dataset_is_loaded(all_build: Path, tmp_path: Path) -> None:
    for name in ("dataset.nq", "graph.ttl"):
        shutil.copy(all_build / name, tmp_path / name)
    store = load_in_memory(tmp_path)
    assert not (tmp_path / "store").exists()
    assert _answers(EmbeddedStore(store), PER_GRAPH) == _answers(
        EmbeddedStore.open(all_build), PER_GRAPH
    )


def test_pledges_come_in_their_letters_order(all_build: Path) -> None:
    """The pledges query orders by offset; that is the order of pg:ordinal in every letter."""
    store = EmbeddedStore.open(all_build)
    _, rows = store.select(queries.get("pledges").text)
    _, ordinals = store.select(
        "PREFIX pg: <https://w3id.org/pledgegraph/ontology#>"
        " SELECT ?pledge ?ordinal WHERE { ?pledge a pg:Pledge ; pg:ordinal ?ordinal }"
    )
    ordinal = {r["pledge"]: int(r["ordinal"].value) for r in ordinals}  # type: ignore[union-attr]
    by_letter: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        by_letter[r["source"].value].append(ordinal[r["pledge"]])  # type: ignore[union-attr]
    assert len(by_letter) > 10
    for source, seen in by_letter.items():
        assert seen == sorted(seen), source
