"""The server's access to the data: a pool of killable query processes, the store in-process, or a remote store."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
    form: str = ""  # SELECT, ASK, CONSTRUCT or DESCRIBE, as the query's parse tree says


class Backend(Protocol):
    """What the app needs from a store: protocol answers (bytes) and SELECT rows for its pages."""

    max_rows: int
    timeout: float

    def sparql(self, query: str, select_media: str | None, graph_media: str | None) -> Answer: ...

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


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    send: Connection
    recv: Connection
    stderr: deque[str] = field(default_factory=lambda: deque(maxlen=5))


@dataclass(frozen=True)
class PoolConfig:
    """How one pool's processes run: how many, their limits, and how long a request may wait for one."""

    name: str  # "pages" or "sparql": for messages and the log
    size: int
    timeout: float  # seconds a request may run
    wait: float  # seconds a request may wait for a free process
    memory_mb: int = 0  # data-segment limit of each process (0: none)
    nice: int = 0  # how much lower than the server each process runs
    isolate: bool = True  # a process that cannot be cut off from the network refuses to start
    rewrite: tuple[str, str] = (
        "",
        "",
    )  # (data base, served base): the IRIs it loads moved onto the served base


class ProcessPool:
    """Processes that each hold the build (or nothing, to check queries) and answer one request at a time.

    pyoxigraph cannot cancel a running query, so a process that overruns the time limit is killed and
    replaced in the background, while the others go on answering. Every death is logged, with the
    process's last words.
    """

    def __init__(self, store_path: Path | None, config: PoolConfig) -> None:
        self.store_path = str(store_path) if store_path is not None else "-"
        self.config = config
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._started = False
        self._closed = False
        self.failure: str | None = None  # why no process could start
        # Processes are started from one long-lived thread: Linux's parent-death signal (which
        # stops the workers when the server is killed) fires when the thread that started them ends.
        self._launcher = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"{config.name}-spawn"
        )

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        with self._start_lock:
            if self._started:
                return
            if self.store_path != "-" and not Path(self.store_path).is_dir():
                raise BackendError(500, "no store in the build")
            threads = [
                threading.Thread(target=self._add_worker, daemon=True)
                for _ in range(self.config.size)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if self._idle.qsize() == 0:
                self.failure = self.failure or f"no {self.config.name} query process could start"
                raise BackendError(503, self.failure)
            self._started = True

    def _spawn(self) -> _Worker:
        # A fresh interpreter per worker (not multiprocessing): nothing of the server's state is inherited
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        c = self.config
        try:
            process = self._launcher.submit(
                subprocess.Popen,
                [
                    sys.executable,
                    "-m",
                    "pledgegraph.serve.worker",
                    self.store_path,
                    str(down_r),
                    str(up_w),
                    str(c.memory_mb),
                    str(c.nice),
                    "1" if c.isolate else "0",
                    *c.rewrite,
                ],
                pass_fds=(down_r, up_w),
                stdin=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env={**os.environ, "RUST_BACKTRACE": "0", "PLEDGEGRAPH_PARENT": str(os.getpid())},
            ).result()
        finally:
            os.close(down_r)
            os.close(up_w)
        w = _Worker(process, Connection(down_w, readable=False), Connection(up_r, writable=False))
        threading.Thread(target=self._drain, args=(w,), daemon=True).start()
        try:
            if not w.recv.poll(60):
                raise EOFError
            hello = w.recv.recv()
        except (EOFError, OSError):
            self._kill(w)
            raise BackendError(500, f"a {c.name} query process did not start") from None
        if hello[0] != "ready":
            self._kill(w)
            self.failure = str(hello[2])
            raise BackendError(503, str(hello[2]))
        return w

    @staticmethod
    def _drain(w: _Worker) -> None:
        """Keep the last lines a process wrote on stderr (the engine's words when it aborts)."""
        assert w.process.stderr is not None
        for raw in w.process.stderr:
            line = raw.decode("utf-8", "replace").strip()
            if line and not line[0].isdigit() and not line.startswith(("at ", "note:", "stack")):
                w.stderr.append(line)

    def _add_worker(self) -> None:
        for attempt in range(3):
            if self._closed:
                return
            try:
                w = self._spawn()
            except (BackendError, OSError) as e:
                if self.failure:
                    # The process said why it cannot serve (a build it cannot load, a machine that
                    # cannot isolate it): trying again will not help, and start() reports it.
                    return
                log.error(
                    "%s query process failed to start (attempt %d): %s",
                    self.config.name,
                    attempt + 1,
                    getattr(e, "message", e),
                )
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

    def _replace(self, w: _Worker, reason: str) -> None:
        with self._lock:
            self._all.discard(w)
        self._kill(w)

        def later() -> None:
            try:
                code = w.process.wait(5)
            except subprocess.TimeoutExpired:
                log.error("%s query process %d did not stop", self.config.name, w.process.pid)
                code = None
            words = "; ".join(w.stderr) or "no message"
            log.warning(
                "%s query process %d ended (%s, exit status %s): %s",
                self.config.name,
                w.process.pid,
                reason,
                code,
                words,
            )
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
        self._launcher.shutdown(wait=False)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all]

    # -- requests -------------------------------------------------------------------------------

    def call(self, request: tuple[Any, ...]) -> tuple[Any, ...]:
        c = self.config
        if self._closed:
            raise BackendError(503, "the server is shutting down")
        if not self._started:
            self.start()
        try:
            w = self._idle.get(timeout=c.wait)
        except queue.Empty:
            raise BackendError(
                503, f"all {c.name} query processes are busy; try again in a few seconds"
            ) from None
        deadline = time.monotonic() + c.timeout
        healthy = False
        reason = "stopped at the time limit"
        try:
            w.send.send(request)
            if w.recv.poll(max(0.0, deadline - time.monotonic())):
                reply = w.recv.recv()
                healthy = True
                return _unwrap(reply)
            raise BackendError(
                503, f"the query ran longer than the time limit of {c.timeout:g} s and was stopped"
            )
        except (EOFError, OSError):
            reason = "died"
            with contextlib.suppress(subprocess.TimeoutExpired):
                w.process.wait(1)
            if any("memory allocation" in line for line in w.stderr) or (
                w.process.returncode == -signal.SIGABRT
            ):
                raise BackendError(
                    503,
                    f"the query needed more memory than a query process may use ({c.memory_mb} MiB) "
                    "and was stopped",
                ) from None
            raise BackendError(500, "the query process stopped unexpectedly") from None
        finally:
            if healthy:
                self._idle.put(w)
            else:
                self._replace(w, reason)


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
