"""Pools of killable query processes: each holds the build (or nothing, to check queries) and answers
one request at a time; a process that overruns its time limit is killed and replaced."""

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
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

log = logging.getLogger("pledgegraph.serve")


class BackendError(Exception):
    """A query the backend refused or could not answer, with the HTTP status to answer it with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _unwrap(reply: tuple[Any, ...]) -> tuple[Any, ...]:
    if reply[0] == "error":
        raise BackendError(int(reply[1]), str(reply[2]))
    return reply


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
