"""The query interface over a build: the embedded pyoxigraph store (remote stores implement the same protocol)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

Term = ox.NamedNode | ox.Literal | ox.BlankNode
Row = dict[str, Term | None]


class StoreError(Exception):
    """The store cannot be opened or reached, or refused a query."""


class QueryStore(Protocol):
    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]: ...

    def ask(self, query: str) -> bool: ...

    def construct(self, query: str) -> list[ox.Triple]: ...

    def close(self) -> None: ...


def load_in_memory(data_dir: Path) -> ox.Store:
    """The build's named graphs (dataset.nq) and their union in the default graph (graph.ttl)."""
    dataset, union = data_dir / "dataset.nq", data_dir / "graph.ttl"
    if not dataset.is_file() or not union.is_file():
        raise StoreError(
            f"{data_dir}: no build here (run `pledgegraph build --out {data_dir}` first)"
        )
    store = ox.Store()
    try:
        store.bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS)
        store.bulk_load(path=str(union), format=ox.RdfFormat.TURTLE)
    except (OSError, SyntaxError) as e:
        raise StoreError(f"{data_dir}: cannot load the build: {e}") from None
    return store


class EmbeddedStore:
    """A build's pyoxigraph store; its default graph holds the union of all named graphs, materialised."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    @classmethod
    def open(cls, data_dir: Path) -> EmbeddedStore:
        path = Path(data_dir) / "store"
        if not path.is_dir():
            raise StoreError(
                f"{data_dir}: no built store here (run `pledgegraph build --out {data_dir}` first)"
            )
        try:
            return cls(ox.Store.read_only(str(path)))
        except OSError as e:
            raise StoreError(f"{path}: cannot open the store: {e}") from None

    @classmethod
    def in_memory(cls, data_dir: Path) -> EmbeddedStore:
        """A build held in memory: pyoxigraph answers 3-5x faster from memory than from RocksDB.

        For long-running readers (the server's workers, benchmarks); one-shot commands open the
        on-disk store, which needs no loading.
        """
        return cls(load_in_memory(Path(data_dir)))

    @classmethod
    def from_nquads(cls, path: Path) -> EmbeddedStore:
        """An in-memory store of a dataset file, with the union of its graphs in the default graph."""
        store = ox.Store()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        store.bulk_extend(
            [
                ox.Quad(q.subject, q.predicate, q.object)
                for q in store.quads_for_pattern(None, None, None, None)
            ]
        )
        return cls(store)

    def _query(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): v for k, v in (bindings or {}).items()
        }
        try:
            return self.store.query(query, substitutions=subs or None)
        except SyntaxError as e:
            raise StoreError(f"query syntax: {e}") from None

    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]:
        result = self._query(query, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError("not a SELECT query")
        names = [v.value for v in result.variables]
        # A solution iterates over its values in the variables' order (None where unbound): zipping
        # is a fifth faster than looking each variable up, on results of thousands of rows.
        rows: list[Row] = [dict(zip(names, solution, strict=True)) for solution in result]
        return names, rows

    def ask(self, query: str) -> bool:
        return bool(self._query(query))

    def construct(self, query: str) -> list[ox.Triple]:
        return [t for t in self._query(query) if isinstance(t, ox.Triple)]  # type: ignore[union-attr]

    def quads(self) -> list[ox.Quad]:
        return [
            q
            for q in self.store.quads_for_pattern(None, None, None, None)
            if isinstance(q.graph_name, ox.NamedNode)
        ]

    def close(self) -> None:
        del self.store
