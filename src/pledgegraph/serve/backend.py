"""The server's access to the data: a pool of killable query processes, the store in-process, or a remote store."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from ..store import BuildStore, Queryable
from . import worker

log = logging.getLogger("pledgegraph.serve")

Term = ox.NamedNode | ox.Literal | ox.BlankNode
Row = dict[str, Any]


class BackendError(Exception):
    """A query the backend refused or could not answer, with the HTTP status to answer it with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    truncated: bool = False


class Backend(Protocol):
    """What the app needs from a store: protocol answers (bytes) and SELECT rows for its pages."""

    max_rows: int
    timeout: float

    def sparql(
        self, query: str, form: str, select_media: str | None, graph_media: str | None
    ) -> Answer: ...

    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]: ...

    def close(self) -> None: ...


def _unwrap(reply: tuple[Any, ...]) -> tuple[Any, ...]:
    if reply[0] == "error":
        raise BackendError(int(reply[1]), str(reply[2]))
    return reply


def _as_rows(names: list[str], rows: list[tuple[Any, ...]]) -> list[Row]:
    return [dict(zip(names, row, strict=True)) for row in rows]


class DirectBackend:
    """The store queried in the calling thread: for static export and tests (no time limit is enforced)."""

    def __init__(self, store: Queryable, *, max_rows: int = 10_000, timeout: float = 10.0) -> None:
        self.store = store
        self.max_rows = max_rows
        self.timeout = timeout

    def sparql(
        self, query: str, form: str, select_media: str | None, graph_media: str | None
    ) -> Answer:
        reply = _unwrap(
            worker.handle(self.store, ("sparql", query, select_media, graph_media, self.max_rows))
        )
        return Answer(reply[1], reply[2], reply[3])

    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]:
        reply = _unwrap(worker.handle(self.store, ("select", query, dict(bindings or {}))))
        return reply[1], _as_rows(reply[1], reply[2])

    def close(self) -> None:
        pass


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    send: Connection
    recv: Connection


class ProcessPoolBackend:
    """Queries run in worker processes that each open the store read-only.

    pyoxigraph cannot cancel a running query, so a worker that overruns the time limit is killed and
    replaced in the background, while the other workers go on answering.
    """

    def __init__(
        self,
        store_path: Path,
        *,
        workers: int | None = None,
        timeout: float = 10.0,
        max_rows: int = 10_000,
        cache_bytes: int = 64 * 2**20,
    ) -> None:
        self.store_path = str(store_path)
        self.size = workers or max(2, min(4, os.cpu_count() or 2))
        self.timeout = timeout
        self.max_rows = max_rows
        # The build is read-only while served, so an answer stays right: recent ones are kept
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[tuple[str, str | None, str | None], Answer] = OrderedDict()
        self._cached = 0
        self._cache_lock = threading.Lock()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._started = False
        self._closed = False

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        with self._start_lock:
            if self._started:
                return
            if not Path(self.store_path).is_dir():
                raise BackendError(500, "no store in the build")
            threads = [
                threading.Thread(target=self._add_worker, daemon=True) for _ in range(self.size)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if self._idle.qsize() == 0:
                raise BackendError(500, "no query worker could open the store")
            self._started = True

    def _spawn(self) -> _Worker:
        # A fresh interpreter per worker (not multiprocessing): nothing of the server's state is inherited
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        try:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pledgegraph.serve.worker",
                    self.store_path,
                    str(down_r),
                    str(up_w),
                ],
                pass_fds=(down_r, up_w),
                stdin=subprocess.DEVNULL,
            )
        finally:
            os.close(down_r)
            os.close(up_w)
        w = _Worker(process, Connection(down_w, readable=False), Connection(up_r, writable=False))
        if not w.recv.poll(60):
            self._kill(w)
            raise BackendError(500, "a query worker did not start")
        hello = w.recv.recv()
        if hello[0] != "ready":
            self._kill(w)
            raise BackendError(500, str(hello[2]))
        return w

    def _add_worker(self) -> None:
        for attempt in range(3):
            if self._closed:
                return
            try:
                w = self._spawn()
            except (BackendError, OSError) as e:
                log.error("query worker failed to start (attempt %d): %s", attempt + 1, e)
                time.sleep(0.5)
                continue
            with self._lock:
                if self._closed:
                    self._kill(w)
                    return
                self._all.add(w)
            self._idle.put(w)
            return

    def _kill(self, w: _Worker) -> None:
        with contextlib.suppress(OSError):
            w.process.kill()
        for conn in (w.send, w.recv):
            with contextlib.suppress(OSError):
                conn.close()

    def _replace(self, w: _Worker) -> None:
        with self._lock:
            self._all.discard(w)
        self._kill(w)

        def later() -> None:
            try:
                w.process.wait(5)
            except subprocess.TimeoutExpired:
                log.error("query worker %d did not stop", w.process.pid)
            self._add_worker()

        threading.Thread(target=later, daemon=True).start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            self._kill(w)
        for w in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                w.process.wait(2)

    # -- queries --------------------------------------------------------------------------------

    def _call(self, request: tuple[Any, ...]) -> tuple[Any, ...]:
        if self._closed:
            raise BackendError(503, "the server is shutting down")
        if not self._started:
            self.start()
        deadline = time.monotonic() + self.timeout
        try:
            w = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise BackendError(
                503, f"all query workers stayed busy for {self.timeout:g} s; try again later"
            ) from None
        healthy = False
        try:
            w.send.send(request)
            if w.recv.poll(max(0.0, deadline - time.monotonic())):
                reply = w.recv.recv()
                healthy = True
                return _unwrap(reply)
            raise BackendError(
                503,
                f"the query ran longer than the time limit of {self.timeout:g} s and was stopped",
            )
        except (EOFError, OSError):
            raise BackendError(
                500, "the query process stopped unexpectedly (out of memory?)"
            ) from None
        finally:
            if healthy:
                self._idle.put(w)
            else:
                self._replace(w)

    def sparql(
        self, query: str, form: str, select_media: str | None, graph_media: str | None
    ) -> Answer:
        key = (query, select_media, graph_media)
        if self.cache_bytes:
            with self._cache_lock:
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
                    return hit
        reply = self._call(("sparql", query, select_media, graph_media, self.max_rows))
        answer = Answer(reply[1], reply[2], reply[3])
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
        reply = self._call(("select", query, dict(bindings or {})))
        return reply[1], _as_rows(reply[1], reply[2])


class RemoteBackend:
    """A remote SPARQL 1.1 endpoint (`pledgegraph.remote.RemoteStore`): queries pass through after our checks."""

    def __init__(self, remote: Any, *, timeout: float = 10.0, max_rows: int = 10_000) -> None:
        self.remote = remote
        self.timeout = timeout
        self.max_rows = max_rows

    def _error(self, e: Exception) -> BackendError:
        return BackendError(
            502, f"the triple store behind this endpoint failed: {worker.first_line(str(e), 500)}"
        )

    def sparql(
        self, query: str, form: str, select_media: str | None, graph_media: str | None
    ) -> Answer:
        media = select_media if form in ("SELECT", "ASK") else graph_media
        if media is None:
            raise BackendError(406, f"no acceptable media type for a {form} query")
        try:
            body, content_type = self.remote.raw(query, media)
        except Exception as e:  # any failure of the remote store becomes one clear line
            raise self._error(e) from None
        return Answer(body, (content_type or media).split(";")[0].strip())

    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]:
        try:
            names, rows = self.remote.select(query, bindings)
        except Exception as e:  # any failure of the remote store becomes one clear line
            raise self._error(e) from None
        return list(names), [dict(r) for r in rows]

    def close(self) -> None:
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
        )
    if isinstance(store, ox.Store | BuildStore):
        return DirectBackend(store, timeout=timeout, max_rows=max_rows)
    inner = getattr(store, "store", None)
    if isinstance(inner, ox.Store | BuildStore):
        return DirectBackend(inner, timeout=timeout, max_rows=max_rows)
    raise TypeError(f"cannot serve from {type(store).__name__}")
