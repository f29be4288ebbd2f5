"""The web application: routes for linked data, pages, dumps and /sparql, built by a factory from a store."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import search
from . import conneg, describe, jsonld, lists, pages, sparql, tables, views
from .backend import DEFAULT_MEMORY_MB, BackendError
from .context import DUMPS, PER_CLIENT, Context, ctx_of, make_context
from .live import Live
from .pages import HTML_CSP
from .rendered import RenderCache

log = logging.getLogger("pledgegraph.serve")

MAX_PATH = 2048
STATIC = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class PathGuard:
    """404 for paths that try to leave the data: dot segments, encoded slashes, NUL, very long paths."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw: bytes = scope.get("raw_path") or scope["path"].encode()
            lower = raw.lower()
            segments = unquote(raw.decode("latin-1")).split("/")
            if (
                len(raw) > MAX_PATH
                or b"%2f" in lower
                or b"%5c" in lower
                or b"%00" in lower
                or b"\\" in raw
                or any(s in (".", "..") for s in segments)
            ):
                response = PlainTextResponse("not found\n", status_code=404)
                await response(scope, receive, send)
                return

            async def send_with_headers(message: Any) -> None:
                if message["type"] == "http.response.start":
                    message.setdefault("headers", [])
                    message["headers"] = list(message["headers"]) + SECURITY_HEADERS
                await send(message)

            await self.app(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send)


def _wants_html(request: Request) -> bool:
    return conneg.negotiate(request.headers.get("accept"), conneg.DOCUMENT_OFFERS) == "text/html"


def _html(content: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(
        content,
        status_code=status,
        headers={"Content-Security-Policy": HTML_CSP, **(headers or {})},
    )


def _error_page(request: Request, status: int, message: str) -> Response:
    ctx: Context | None = ctx_of(request) if hasattr(request.app.state, "ctx") else None
    if ctx is not None and _wants_html(request) and not request.url.path.endswith("/sparql"):
        try:
            return _html(
                pages.render(ctx, "error.html", title=f"{status}", status=status, message=message),
                status,
            )
        except Exception:  # an error page must never fail into a traceback
            log.exception("error page failed")
    headers = sparql.CORS if request.url.path.endswith("/sparql") else None
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    messages = {404: "not found: nothing is published at this address", 405: "method not allowed"}
    message = messages.get(status) or str(getattr(exc, "detail", "")) or "error"
    response = _error_page(request, status, message)
    if status == 405:
        response.headers["Allow"] = "GET, HEAD"
    return response


async def _backend_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BackendError)
    return _error_page(request, exc.status, exc.message)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s: %s: %s", request.url.path, type(exc).__name__, exc)
    return PlainTextResponse(
        "internal server error (the details are in the server's log)\n", status_code=500
    )


# --------------------------------------------------------------------------------------------------
# Routes


def landing(request: Request) -> Response:
    ctx = ctx_of(request)
    return _html(pages.landing(ctx))


def _rel(request: Request) -> str:
    """The request's path relative to the served base, undecoded (IRIs are matched as written)."""
    raw = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    prefix = ctx_of(request).bases.prefix
    if not raw.startswith(prefix):
        raise HTTPException(404)
    return raw[len(prefix) :]


def thing(request: Request) -> Response:
    """A thing's IRI: 303 See Other to the document about it (W3C Cool URIs, 303 with a /doc/ twin)."""
    ctx = ctx_of(request)
    rel, media = describe.split_suffix(_rel(request))
    if media is None and rel.endswith("/") and rel in lists.collections(ctx):
        return RedirectResponse(f"{ctx.bases.prefix}doc/{rel}", status_code=303)
    iri = describe.resolve(ctx.backend, ctx.bases, rel)
    if iri is None:
        return _retired(ctx, rel, media, document=False)
    rel = rel.rstrip("/")
    target = f"{ctx.bases.prefix}doc/{rel}" + (f".{conneg.EXTENSIONS[media]}" if media else "")
    return RedirectResponse(
        target, status_code=303, headers={"Vary": "Accept", "Access-Control-Allow-Origin": "*"}
    )


def _retired(ctx: Context, rel: str, media: str | None, *, document: bool) -> Response:
    """A statement IRI an earlier build published and this one has not: 301 to its successor where
    the build knows it, else 410 Gone (identifiers.py keeps the ledger); any other IRI: 404."""
    folder = ctx.folder
    retired = ctx.once("retired", lambda: folder.retired if folder else {})
    iri = ctx.bases.data + rel.rstrip("/")
    if iri not in retired:
        raise HTTPException(404)
    successor = retired[iri]
    if successor is None:
        return PlainTextResponse(
            "gone: this statement was in an earlier build of its letter, and its words are no longer"
            " in the letter\n",
            status_code=410,
        )
    target = ctx.bases.relative(successor)
    assert target is not None
    target = (f"doc/{target}" if document else target) + (
        f".{conneg.EXTENSIONS[media]}" if media else ""
    )
    return RedirectResponse(
        f"{ctx.bases.prefix}{target}",
        status_code=301,
        headers={"Access-Control-Allow-Origin": "*"},
    )


def document(request: Request) -> Response:
    """The document about a thing, by suffix or by content negotiation."""
    ctx = ctx_of(request)
    rel = _rel(request)
    if not rel.startswith("doc/"):
        raise HTTPException(404)
    rel = rel[len("doc/") :]
    if rel.endswith(".txt") and (text := ctx.source_text(ctx.bases.data + rel[: -len(".txt")])):
        return _letter_text(ctx, rel[: -len(".txt")], text)
    rel, media = describe.split_suffix(rel)
    listed = lists.collections(ctx).get(rel.removesuffix("index.html"))
    if listed is not None and media in (None, "text/html"):
        return _html(views.render_list(ctx, listed, views.params_of(request)))
    iri = describe.resolve(ctx.backend, ctx.bases, rel)
    if iri is None:
        return _retired(ctx, rel, media, document=True)
    headers = {"Access-Control-Allow-Origin": "*"}
    if media is None:
        media = conneg.negotiate(request.headers.get("accept"), conneg.DOCUMENT_OFFERS)
        headers["Vary"] = "Accept"
        if media is None:
            return PlainTextResponse(
                f"not acceptable: this document is offered as {conneg.offered(conneg.DOCUMENT_OFFERS)}\n",
                status_code=406,
                headers=headers,
            )
        headers["Content-Location"] = (
            f"{ctx.bases.prefix}doc/{rel.rstrip('/')}.{conneg.EXTENSIONS[media]}"
        )
    return render_document(ctx, iri, media, headers)


def _letter_text(ctx: Context, rel: str, text: str) -> Response:
    """A letter's text exactly as the build read it: the string its spans' offsets index (NIF)."""
    headers = {
        "Access-Control-Allow-Origin": "*",
        "Link": f'<{ctx.bases.prefix}doc/{rel}.ttl>; rel="describedby"; type="text/turtle"',
    }
    return Response(text.encode("utf-8"), media_type="text/plain; charset=utf-8", headers=headers)


def render_document(
    ctx: Context, iri: str, media: str, headers: dict[str, str] | None = None
) -> Response:
    headers = dict(headers or {})
    alternates = ", ".join(
        f'<{ctx.bases.page(iri, ext)}>; rel="alternate"; type="{m}"'
        for ext, m in conneg.SUFFIXES.items()
        if m != media
    )
    headers["Link"] = alternates
    if media == "text/html":
        return _html(pages.resource(ctx, iri), headers=headers)
    triples = describe.document_triples(ctx.backend, ctx.bases, iri)
    if media == "application/ld+json":
        return Response(jsonld.compact(ctx, triples), media_type=media, headers=headers)
    body = describe.serialize(triples, media)
    return Response(body, media_type=media, headers=headers)


def void(request: Request) -> Response:
    """VoID and DCAT description of the dataset (the build's graph/dataset)."""
    ctx = ctx_of(request)
    media = conneg.negotiate(request.headers.get("accept"), conneg.DOCUMENT_OFFERS)
    if media is None:
        return PlainTextResponse(
            f"offered as {conneg.offered(conneg.DOCUMENT_OFFERS)}\n", status_code=406
        )
    if media == "text/html":
        return render_document(ctx, ctx.bases.data + "id/dataset", media, {"Vary": "Accept"})
    body = describe.serialize(void_triples(ctx), media)
    return Response(
        body, media_type=media, headers={"Vary": "Accept", "Access-Control-Allow-Origin": "*"}
    )


def void_triples(ctx: Context) -> list[ox.Triple]:
    graph = ox.NamedNode(ctx.bases.data + "graph/dataset")
    _, rows = ctx.backend.select(describe.Q_GRAPH, {"s": graph})
    triples = [ox.Triple(r["x"], r["p"], r["o"]) for r in rows]
    return describe.sort_triples(describe.rewrite(ctx.bases, triples))


def dump(request: Request) -> Response:
    ctx = ctx_of(request)
    name = request.path_params["name"]
    data = ctx.dump(name)
    if data is None:
        raise HTTPException(404)
    media = DUMPS[name][0]
    headers = {"Access-Control-Allow-Origin": "*"}
    if isinstance(data, Path):
        return FileResponse(data, media_type=media, headers=headers)
    return Response(data, media_type=media, headers=headers)


def report_json(request: Request) -> Response:
    path = ctx_of(request).path("report.json")
    if path is None or not path.is_file():
        raise HTTPException(404)
    return FileResponse(path, media_type="application/json")


def named_query(request: Request) -> Response:
    from ..queries import QueryError, get, run

    ctx = ctx_of(request)
    name, fmt = views.split_format(request.path_params["name"], request)
    try:
        query = get(name)
    except QueryError:
        raise HTTPException(404) from None
    # A parameter given several times means any of its values.
    given: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        if v and k != "format":
            given.setdefault(k, []).append(v)
    params = {k: ", ".join(vs) for k, vs in given.items()}
    if query.index and ctx.path(query.index) is not None:
        db = views.index(ctx)
        hits = (
            search.search(
                db,
                params.get("q", ""),
                state_iso3=params.get("state_iso3"),
                theme=params.get("theme"),
                limit=100,
            )
            if db is not None
            else []
        )
        table = views.search_table(ctx, hits)
        table.name, table.title = query.name, query.title
        if fmt != "html":
            return views.download(table, fmt)
        return _html(pages.query_page(ctx, query, table, params))
    try:
        names, rows = run(ctx.backend, query, given)  # as `pledgegraph query` runs it
    except QueryError as e:
        return _html(pages.query_page(ctx, query, None, params, str(e)), 400)
    table = tables.from_rows(ctx, names, rows, name=query.name, title=query.title)
    if fmt != "html":
        return views.download(table, fmt)
    return _html(pages.query_page(ctx, query, table, params))


def not_found(request: Request) -> Response:
    raise HTTPException(404)


# --------------------------------------------------------------------------------------------------
# The factory


def create_app(
    store: Any,
    *,
    base: str | None = None,
    data_dir: Path | None = None,
    query_timeout: float = 10.0,
    max_rows: int = 10_000,
    data_base: str | None = None,
    workers: int | None = None,
    cache_bytes: int = 64 * 2**20,
    memory_mb: int = DEFAULT_MEMORY_MB,
    per_client: int = PER_CLIENT,
    render_bytes: int = 64 * 2**20,
) -> Starlette:
    """The app over `store` (a build's EmbeddedStore, a RemoteStore, a pyoxigraph Store or a Backend).

    `base` is where the app is served (default: the data's own base); IRIs of the data are rewritten
    onto it in documents and pages, so they dereference where served.
    """

    def factory() -> Context:
        return make_context(
            store,
            base=base,
            data_dir=data_dir,
            query_timeout=query_timeout,
            max_rows=max_rows,
            data_base=data_base,
            workers=workers,
            cache_bytes=cache_bytes,
            memory_mb=memory_mb,
            per_client=per_client,
            render_bytes=render_bytes,
        )

    ctx = factory()
    # A build given by its folder can be served anew when a new build is swapped in; a store object
    # handed in (tests, static export) is served as it is.
    reloadable = isinstance(store, str | Path) and data_dir is not None
    live = Live(ctx, factory if reloadable else None, Path(data_dir) if data_dir else None)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        start = getattr(live.current.backend, "start", None)
        if start is not None:
            await run_in_threadpool(start)
        live.start_watching()
        try:
            yield
        finally:
            live.stop_watching()
            await run_in_threadpool(live.close)

    routes = [
        Route("/", landing),
        Route("/index.html", landing),
        Route(
            "/sparql",
            sparql.endpoint,
            methods=["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"],
        ),
        Route("/.well-known/void", void),
        Route("/dumps/{name}", dump),
        Route("/queries/{name}", named_query),
        Route("/list/", views.list_index),
        Route("/list/index.html", views.list_index),
        Route("/list/{name}", views.list_page),
        Route("/search", views.search_page),
        Route("/search.csv", views.search_page),
        Route("/search.json", views.search_page),
        Route("/report", views.report_page),
        Route("/report.html", views.report_page),
        Route("/report.json", report_json),
        Route("/" + jsonld.CONTEXT_PATH, views.context_document),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/doc/{rest:path}", document),
        *(Route(f"/{root}/{{rest:path}}", thing) for root in describe.THING_ROOTS),
        Route("/ontology", thing),
        Route("/{rest:path}", not_found),
    ]
    prefix = ctx.bases.prefix.rstrip("/")
    if prefix:
        routes = [Mount(prefix, routes=routes)]
    app = Starlette(
        debug=False,
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            HTTPException: _http_error,
            BackendError: _backend_error,
            Exception: _server_error,
        },
    )
    app.state.ctx = ctx
    app.state.live = live

    def switched(new: Context) -> None:
        app.state.ctx = new

    live.on_switch.append(switched)
    app.add_middleware(RenderCache, live=live)
    app.add_middleware(PathGuard)
    return app
