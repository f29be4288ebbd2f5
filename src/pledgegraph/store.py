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


class EmbeddedStore:
    """A build's pyoxigraph store; the default graph is the union of all named graphs."""

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

    def _query(self, query: str, bindings: Mapping[str, Term] | None = None):  # type: ignore[no-untyped-def]
        subs = {ox.Variable(k): v for k, v in (bindings or {}).items()}
        try:
            return self.store.query(
                query, use_default_graph_as_union=True, substitutions=subs or None
            )
        except SyntaxError as e:
            raise StoreError(f"query syntax: {e}") from None

    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]:
        result = self._query(query, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError("not a SELECT query")
        names = [v.value for v in result.variables]
        rows = [{n: sol[n] for n in names} for sol in result]
        return names, rows  # type: ignore[return-value]

    def ask(self, query: str) -> bool:
        return bool(self._query(query))

    def construct(self, query: str) -> list[ox.Triple]:
        return list(self._query(query))

    def quads(self) -> list[ox.Quad]:
        return list(self.store.quads_for_pattern(None, None, None, None))

    def close(self) -> None:
        del self.store
