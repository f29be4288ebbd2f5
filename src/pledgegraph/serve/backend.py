"""The server's access to the data: a pool of killable query processes, the store in-process, or a remote store."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from ..store import BuildStore, Queryable, Selects
from . import worker
from .pool import BackendError, PoolConfig, ProcessPool, _unwrap

log = logging.getLogger("pledgegraph.serve")

Term = ox.NamedNode | ox.Literal | ox.BlankNode
Row = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    truncated: bool = False
    form: str = ""  # SELECT, ASK, CONSTRUCT or DESCRIBE, as the query's parse tree says


class Backend(Selects, Protocol):
    """What the app needs from a store: the read interface every store answers (`store.Selects`:
    SELECT rows for its pages and named queries) and the SPARQL protocol's answers (bytes), within
    the limits it serves with."""

    max_rows: int
    timeout: float

    def sparql(self, query: str, select_media: str | None, graph_media: str | None) -> Answer: ...

    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]: ...


def _as_rows(names: list[str], rows: list[tuple[Any, ...]]) -> list[Row]:
    return [dict(zip(names, row, strict=True)) for row in rows]


def _answer(reply: tuple[Any, ...]) -> Answer:
    return Answer(reply[1], reply[2], reply[3], reply[4])


class DirectBackend:
    """The store queried in the calling thread: for static export and tests (no time limit is enforced)."""

    def __init__(self, store: Queryable, *, max_rows: int = 10_000, timeout: float = 10.0) -> None:
        self.store = store
        self.max_rows = max_rows
        self.timeout = timeout

    def sparql(self, query: str, select_media: str | None, graph_media: str | None) -> Answer:
        return _answer(
            _unwrap(
                worker.handle(
                    self.store, ("sparql", query, select_media, graph_media, self.max_rows)
                )
            )
        )

    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]:
        reply = _unwrap(worker.handle(self.store, ("select", query, dict(bindings or {}))))
        return reply[1], _as_rows(reply[1], reply[2])

    def close(self) -> None:
        pass


DEFAULT_MEMORY_MB = 2048
"""Data-segment limit of each query process: the build in memory plus a query's working set."""


class ProcessPoolBackend:
    """Two pools of query processes, so that a client's runaway queries never hold up the pages.

    The pages pool runs the app's own queries (pages, lookups, named queries); the SPARQL pool runs
    what clients send to /sparql, at a lower priority. A request waits for a process at most a
    fraction of the time limit, then gets 503 with a hint to retry.
    """

    def __init__(
        self,
        store_path: Path,
        *,
        workers: int | None = None,
        timeout: float = 10.0,
        max_rows: int = 10_000,
        cache_bytes: int = 64 * 2**20,
        memory_mb: int = DEFAULT_MEMORY_MB,
        rewrite: tuple[str, str] = ("", ""),
    ) -> None:
        self.timeout = timeout
        self.max_rows = max_rows
        cores = os.cpu_count() or 2
        sparql_size = workers or max(3, min(4, cores + 1))
        self.pages = ProcessPool(
            store_path,
            PoolConfig(
                "pages",
                max(2, min(4, cores)),
                timeout,
                wait=timeout,
                memory_mb=memory_mb,
                isolate=False,
            ),
        )
        self.queries = ProcessPool(
            store_path,
            PoolConfig(
                "sparql",
                sparql_size,
                timeout,
                wait=max(0.5, timeout / 4),
                memory_mb=memory_mb,
                nice=10,
                rewrite=rewrite,  # /sparql sees the IRIs the pages show
            ),
        )
        # The build is read-only while served, so an answer stays right: recent ones are kept
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[tuple[str, str | None, str | None], Answer] = OrderedDict()
        self._cached = 0
        self._cache_lock = threading.Lock()

    def start(self) -> None:
        self.pages.start()
        try:
            self.queries.start()
        except BackendError as e:
            # The pages do not need it; /sparql answers 503 with the reason.
            log.error("/sparql is disabled: %s", e.message)

    def close(self) -> None:
        self.pages.close()
        self.queries.close()

    def sparql(self, query: str, select_media: str | None, graph_media: str | None) -> Answer:
        key = (query, select_media, graph_media)
        if self.cache_bytes:
            with self._cache_lock:
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
                    return hit
        if self.queries.failure and not self.queries.pids():
            raise BackendError(503, f"/sparql is disabled on this server: {self.queries.failure}")
        answer = _answer(
            self.queries.call(("sparql", query, select_media, graph_media, self.max_rows))
        )
        size = len(answer.body) + len(query)
        if self.cache_bytes and size <= self.cache_bytes // 16:
            with self._cache_lock:
                if key not in self._cache:
                    self._cache[key] = answer
                    self._cached += size
                while self._cached > self.cache_bytes and self._cache:
                    (q, _, _), old = self._cache.popitem(last=False)
                    self._cached -= len(old.body) + len(q)
        return answer

    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]:
        reply = self.pages.call(("select", query, dict(bindings or {})))
        return reply[1], _as_rows(reply[1], reply[2])


class RemoteBackend:
    """A remote SPARQL 1.1 endpoint (`pledgegraph.remote.RemoteStore`): queries pass through after our checks."""

    def __init__(self, remote: Any, *, timeout: float = 10.0, max_rows: int = 10_000) -> None:
        self.remote = remote
        self.timeout = timeout
        self.max_rows = max_rows
        # The parser runs in processes of its own, under the time limit: a query crafted to make it
        # slow or deep costs one killable process, never the server.
        self.guard = ProcessPool(
            None, PoolConfig("check", 2, timeout, wait=max(0.5, timeout / 4), memory_mb=512)
        )

    def start(self) -> None:
        self.guard.start()

    def _error(self, e: Exception) -> BackendError:
        return BackendError(
            502, f"the triple store behind this endpoint failed: {worker.first_line(str(e), 500)}"
        )

    def sparql(self, query: str, select_media: str | None, graph_media: str | None) -> Answer:
        form = str(self.guard.call(("check", query))[1])
        media = select_media if form in ("SELECT", "ASK") else graph_media
        if media is None:
            raise BackendError(406, f"no acceptable media type for a {form} query")
        try:
            body, content_type = self.remote.raw(query, media)
        except Exception as e:  # any failure of the remote store becomes one clear line
            raise self._error(e) from None
        return Answer(body, (content_type or media).split(";")[0].strip(), form=form)

    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]:
        try:
            names, rows = self.remote.select(query, bindings)
        except Exception as e:  # any failure of the remote store becomes one clear line
            raise self._error(e) from None
        return list(names), [dict(r) for r in rows]

    def close(self) -> None:
        self.guard.close()
        close = getattr(self.remote, "close", None)
        if close:
            close()


def backend_for(
    store: Any,
    *,
    data_dir: Path | None,
    timeout: float,
    max_rows: int,
    workers: int | None = None,
    cache_bytes: int = 64 * 2**20,
    memory_mb: int = DEFAULT_MEMORY_MB,
    rewrite: tuple[str, str] = ("", ""),
) -> Backend:
    """The backend for what `create_app` was given: a backend, a remote store, a build's store or a pyoxigraph store."""
    if all(hasattr(store, a) for a in ("sparql", "select", "close", "max_rows")):
        return store
    if hasattr(store, "raw"):
        return RemoteBackend(store, timeout=timeout, max_rows=max_rows)
    if data_dir is not None and (Path(data_dir) / "store").is_dir():
        # the app queries the build through its own read-only processes, which it can stop
        return ProcessPoolBackend(
            Path(data_dir) / "store",
            workers=workers,
            timeout=timeout,
            max_rows=max_rows,
            cache_bytes=cache_bytes,
            memory_mb=memory_mb,
            rewrite=rewrite,
        )
    if isinstance(store, ox.Store | BuildStore):
        return DirectBackend(store, timeout=timeout, max_rows=max_rows)
    inner = getattr(store, "store", None)
    if isinstance(inner, ox.Store | BuildStore):
        return DirectBackend(inner, timeout=timeout, max_rows=max_rows)
    raise TypeError(f"cannot serve from {type(store).__name__}")
