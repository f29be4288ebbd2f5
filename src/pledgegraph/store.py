"""The query interface over a build: the embedded pyoxigraph store (remote stores implement the same protocol)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

Term = ox.NamedNode | ox.Literal | ox.BlankNode
Row = dict[str, Term | None]


class StoreError(Exception):
    """The store cannot be opened or reached, or refused a query."""


class Selects(Protocol):
    """The one read interface of the data: SELECT rows, with variables bound to terms. The build's
    store, a remote SPARQL store and the server's backends all answer it; the named queries and the
    pages run on it."""

    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]: ...

    def close(self) -> None: ...


class QueryStore(Selects, Protocol):
    """A store the command line queries and publishes to: SELECT, ASK and CONSTRUCT."""

    def ask(self, query: str) -> bool: ...

    def construct(self, query: str) -> list[ox.Triple]: ...


def names_graphs(query: str) -> bool:
    """Whether a query reads named graphs (GRAPH, FROM or FROM NAMED), from its parse tree.

    A query the parser cannot read goes to the complete store, which answers every query rightly
    (only more slowly).
    """
    from .sparql_syntax import QueryRefused, shape

    try:
        found = shape(query)
    except QueryRefused:
        return True
    return found.graphs or found.dataset


class BuildStore:
    """A build held in memory for fast reading, with the same answers as its complete store.

    The build's store holds each letter's named graph and, in its default graph, their union. Queries
    that read only the default graph are answered from an in-memory store of the union (graph.ttl)
    alone: pyoxigraph's in-memory lookups walk every quad of a subject, in all graphs, so leaving the
    named copies out makes them 10-30% faster, and pyoxigraph answers 3-5x faster from memory than from
    RocksDB. Queries that name graphs go to the complete store: the on-disk store opened read-only, or
    the dataset (dataset.nq) loaded into memory where there is no on-disk store.
    """

    def __init__(self, union: ox.Store, complete: Callable[[], ox.Store]) -> None:
        self.union = union
        self._open_complete = complete
        self._complete: ox.Store | None = None

    @property
    def complete(self) -> ox.Store:
        if self._complete is None:
            self._complete = self._open_complete()
        return self._complete

    def for_query(self, query: str, graphs: bool | None = None) -> ox.Store:
        """The store to answer a query: the complete one when it reads named graphs (from its parse
        tree, unless the caller already knows)."""
        if graphs is None:
            graphs = names_graphs(query)
        return self.complete if graphs else self.union

    def query(
        self,
        query: str,
        *,
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
        | None = None,
        graphs: bool | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        return self.for_query(query, graphs).query(query, substitutions=substitutions)


# What a query runs on: a pyoxigraph store or a build held in memory.
Queryable = ox.Store | BuildStore


def load_in_memory(data_dir: Path) -> BuildStore:
    """A build's union graph (graph.ttl) in memory, and its complete store opened when first needed."""
    dataset, union = data_dir / "dataset.nq", data_dir / "graph.ttl"
    if not dataset.is_file() or not union.is_file():
        raise StoreError(
            f"{data_dir}: no build here (run `pledgegraph build --out {data_dir}` first)"
        )
    store = ox.Store()
    try:
        store.bulk_load(path=str(union), format=ox.RdfFormat.TURTLE)
    except (OSError, SyntaxError) as e:
        raise StoreError(f"{data_dir}: cannot load the build: {e}") from None

    def complete() -> ox.Store:
        if (data_dir / "store").is_dir():
            try:
                return ox.Store.read_only(str(data_dir / "store"))
            except (OSError, RuntimeError) as e:
                raise StoreError(f"{data_dir / 'store'}: cannot open the store: {e}") from None
        return dataset_with_union(dataset)

    return BuildStore(store, complete)


def dataset_with_union(path: Path) -> ox.Store:
    """An in-memory store of a dataset file, with the union of its graphs in the default graph."""
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    except (OSError, SyntaxError) as e:
        raise StoreError(f"{path}: cannot load the dataset: {e}") from None
    store.bulk_extend(
        [
            ox.Quad(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, None)
        ]
    )
    return store


class EmbeddedStore:
    """A build's pyoxigraph store; its default graph holds the union of all named graphs, materialised."""

    def __init__(self, store: Queryable) -> None:
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
        except (OSError, RuntimeError) as e:  # RocksDB reports a damaged store as RuntimeError
            raise StoreError(f"{path}: cannot open the store: {e}; build again") from None

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
        return cls(dataset_with_union(Path(path)))

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

    def close(self) -> None:
        del self.store
