"""The HTTP server's own limits: size and time of a request's head, idle connections, connection count.

uvicorn's httptools protocol bounds neither how large nor how slow a request's head may be, and a
connection that never sends a byte stays open: a few clients could hold the server's memory or all
its connections. This protocol refuses a head over MAX_HEAD_BYTES with 431, closes a connection whose
head has not arrived within HEAD_SECONDS, and the server config caps connections and keep-alive.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 64 * 1024
"""Request line and headers together (a browser's headers are under 8 KB; a longer SPARQL query is
POSTed); a larger head is refused with 431."""
HEAD_SECONDS = 10.0
"""A request's head must arrive within this time after the connection opens or its first byte."""
KEEP_ALIVE_SECONDS = 5
"""An idle kept-alive connection is closed after this time."""
MAX_CONNECTIONS = 256
"""Connections and requests in progress at once; past it, uvicorn answers 503."""


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bounded, timed request head."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = 0
        self._head_done = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _start_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(HEAD_SECONDS, self._head_too_slow)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self._head_done and not self.transport.is_closing():
            self._refuse(408, f"the request's head did not arrive within {HEAD_SECONDS:g} s")

    def _refuse(self, status: int, message: str) -> None:
        reason = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}[status]
        body = (message + "\n").encode("ascii")
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (status, reason, len(body), body)
        )
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if not self._head_done:
            self._start_head_timer()
            end = data.find(b"\r\n\r\n")
            self._head_bytes += len(data) if end < 0 else end + 4
            if self._head_bytes > MAX_HEAD_BYTES:
                self._cancel_head_timer()
                self._refuse(431, f"the request's head is larger than {MAX_HEAD_BYTES} bytes")
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._head_done = True
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # The next bytes on this connection are the head of the next request.
        self._head_done = False
        self._head_bytes = 0


def server_config(app: Any, host: str, port: int, **options: Any) -> Any:
    """The uvicorn configuration every server of ours runs with (the CLI's and the tests')."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=GuardedHttpTools,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        limit_concurrency=MAX_CONNECTIONS,
        server_header=False,
        **options,
    )
