"""What the server has rendered from its (immutable) build, kept in memory and revalidated by ETag.

A build never changes while it is served (a new build is a new folder, and a new context: see
`live.py`), so the same request gets the same bytes for the build's whole life: each answer is
kept in a cache bounded by bytes (least recently used out first), and its ETag is known before
anything is rendered (the build's digest, the path and query, the `Accept` header), so a client
revalidating (`If-None-Match`) gets 304 without a query being run.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from typing import Any, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Contexts(Protocol):
    """Where the current context comes from (`live.Live`)."""

    def enter(self) -> Any: ...

    def leave(self, ctx: Any) -> None: ...


MAX_KEY = 2048
"""Requests whose path and query (or Accept header) are longer are answered, never kept."""
MAX_ACCEPT = 256
CACHE_CONTROL = b"public, no-cache"
"""Browsers and proxies may keep an answer but ask again each time: a rebuild shows at once, and
asking again costs a 304."""
_DROP = {b"etag", b"last-modified", b"cache-control"}


@dataclass(frozen=True)
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


class Rendered:
    """A least-recently-used store of answers, bounded by their total size in bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.max_entry = limit // 8
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[bytes, bytes, bytes], Entry] = OrderedDict()

    def get(self, key: tuple[bytes, bytes, bytes]) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: tuple[bytes, bytes, bytes], entry: Entry) -> None:
        if entry.size > self.max_entry or key in self._entries:
            return
        self._entries[key] = entry
        self.size += entry.size
        while self.size > self.limit and self._entries:
            _, old = self._entries.popitem(last=False)
            self.size -= old.size

    def __len__(self) -> int:
        return len(self._entries)


def etag_for(build_id: str, path: bytes, query: bytes, accept: bytes) -> bytes:
    digest = hashlib.blake2b(b"\0".join((path, query, accept)), digest_size=10).hexdigest()
    return f'"{build_id[:16]}-{digest}"'.encode()


def _header(scope: Scope, name: bytes) -> bytes | None:
    for k, v in scope["headers"]:
        if k == name:
            return bytes(v)
    return None


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    tags = {t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")}
    return etag in tags or b"*" in tags


def _not_modified_since(value: bytes, modified: float) -> bool:
    try:
        since = parsedate_to_datetime(value.decode("latin-1")).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return int(modified) <= since


class RenderCache:
    """ASGI middleware: pins each request to the current context, answers from its cache and
    revalidations with 304, and keeps what the app renders (GET, 200, not /sparql, not /static)."""

    def __init__(self, app: ASGIApp, live: Contexts) -> None:
        self.app = app
        self.live = live

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ctx = self.live.enter()
        scope["pledgegraph.ctx"] = ctx
        try:
            await self._serve(ctx, scope, receive, send)
        finally:
            self.live.leave(ctx)

    async def _serve(self, ctx: Any, scope: Scope, receive: Receive, send: Send) -> None:
        cache: Rendered | None = ctx.rendered
        path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        method = scope["method"]
        prefix = ctx.bases.prefix.encode()
        rest = path[len(prefix) :] if path.startswith(prefix) else path
        accept = _header(scope, b"accept") or b""
        if (
            cache is None
            or method not in ("GET", "HEAD")
            or rest.startswith((b"sparql", b"static/"))
            or len(path) + len(query) > MAX_KEY
            or len(accept) > MAX_ACCEPT
        ):
            await self.app(scope, receive, send)
            return
        etag = etag_for(ctx.build_id, path, query, accept)
        inm = _header(scope, b"if-none-match")
        if inm is not None and _matches(inm, etag):
            await self._not_modified(ctx, etag, send)
            return
        key = (path, query, accept)
        entry = cache.get(key)
        ims = _header(scope, b"if-modified-since") if inm is None else None
        if entry is not None:
            if ims is not None and _not_modified_since(ims, ctx.modified):
                await self._not_modified(ctx, etag, send)
                return
            await send(
                {"type": "http.response.start", "status": entry.status, "headers": entry.headers}
            )
            await send(
                {"type": "http.response.body", "body": b"" if method == "HEAD" else entry.body}
            )
            return
        await self._render(ctx, cache, key, etag, ims, scope, receive, send)

    def _validators(self, ctx: Any, etag: bytes) -> list[tuple[bytes, bytes]]:
        return [
            (b"etag", etag),
            (b"last-modified", ctx.last_modified.encode()),
            (b"cache-control", CACHE_CONTROL),
        ]

    async def _not_modified(self, ctx: Any, etag: bytes, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": 304, "headers": self._validators(ctx, etag)}
        )
        await send({"type": "http.response.body", "body": b""})

    async def _render(
        self,
        ctx: Any,
        cache: Rendered,
        key: tuple[bytes, bytes, bytes],
        etag: bytes,
        ims: bytes | None,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        keep = scope["method"] == "GET"
        state: dict[str, Any] = {"start": None, "chunks": [], "size": 0, "skip": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if status != 200:
                    state["skip"] = True
                    await send(message)
                    return
                if ims is not None and _not_modified_since(ims, ctx.modified):
                    state["skip"] = True
                    state["swallow"] = True
                    await self._not_modified(ctx, etag, send)
                    return
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _DROP]
                headers += self._validators(ctx, etag)
                message = {**message, "headers": headers}
                state["start"] = message
                await send(message)
                return
            if message["type"] == "http.response.body":
                if state.get("swallow"):
                    return
                body = message.get("body", b"")
                if keep and not state["skip"]:
                    state["size"] += len(body)
                    if state["size"] > cache.max_entry:
                        state["skip"] = True
                        state["chunks"] = []
                    else:
                        state["chunks"].append(body)
                await send(message)
                if not message.get("more_body", False) and keep and not state["skip"]:
                    start = state["start"]
                    if start is not None:
                        cache.put(
                            key, Entry(start["status"], start["headers"], b"".join(state["chunks"]))
                        )
                return
            await send(message)

        await self.app(scope, receive, capture)


def http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)
