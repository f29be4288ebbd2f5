"""The SPARQL 1.1 Protocol at /sparql: read-only checks, content negotiation, answers and the service description."""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..namespaces import DCTERMS, PREFIXES, RDF, RDFS, VOID
from . import conneg, pages
from .backend import BackendError
from .context import ctx_of
from .pages import SPARQL_CSP

if TYPE_CHECKING:
    from .context import Context

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
MAX_QUERY_BYTES = 64 * 1024
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Expose-Headers": "Content-Type, X-Result-Truncated, X-Result-Limit",
    "Access-Control-Max-Age": "86400",
}

MAX_BODY_SECONDS = 10.0
"""A request body (a POSTed query) must arrive within this time: a slow sender holds no task for ever."""


def _cors(headers: dict[str, str] | None = None) -> dict[str, str]:
    return {**CORS, **(headers or {})}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=_cors(headers))


async def _read_body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_QUERY_BYTES:
            raise BackendError(413, f"the request is larger than {MAX_QUERY_BYTES} bytes")
    return body


def _one(params: list[tuple[str, str]], name: str) -> str | None:
    """The value of a parameter a request may give once (the protocol allows one query)."""
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise BackendError(400, f"the request gives {len(values)} {name} parameters: give one")
    return values[0] if values else None


async def _read_request(request: Request) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """The query, the update (if any) and all parameters of a protocol request."""
    params = list(request.query_params.multi_items())
    query = _one(params, "query")
    update = _one(params, "update")
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            body = await asyncio.wait_for(_read_body(request), MAX_BODY_SECONDS)
        except TimeoutError:
            raise BackendError(
                408, f"the request body did not arrive within {MAX_BODY_SECONDS:g} s"
            ) from None
        if media == "application/sparql-update":
            raise BackendError(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if media == "application/x-www-form-urlencoded":
            params += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            query = _one(params, "query")
            update = _one(params, "update")
        elif media == "application/sparql-query":
            if query is not None:
                raise BackendError(400, "the request gives a query twice (in the URL and the body)")
            query = body.decode("utf-8", "replace")
        elif not body.strip():
            pass  # an empty POST: answered "no query" below
        else:
            raise BackendError(
                415,
                "POST a query as application/sparql-query or application/x-www-form-urlencoded (query=...)",
            )
    if query is not None and len(query.encode()) > MAX_QUERY_BYTES:
        raise BackendError(413, f"the query is longer than {MAX_QUERY_BYTES} bytes")
    return query, update, params


def _media(request: Request, params: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """The media types to answer a SELECT/ASK and a CONSTRUCT/DESCRIBE with."""
    for key, value in params:
        if key in ("format", "output") and value.strip().lower() in conneg.FORMAT_PARAM:
            select_media, graph_media = conneg.FORMAT_PARAM[value.strip().lower()]
            return select_media, graph_media
    accept = request.headers.get("accept")
    return conneg.negotiate(accept, conneg.SELECT_OFFERS), conneg.negotiate(
        accept, conneg.GRAPH_OFFERS
    )


async def endpoint(request: Request) -> Response:
    ctx = ctx_of(request)
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=_cors())
    if request.method not in ("GET", "HEAD", "POST"):
        return error_response(
            405, "use GET or POST (this endpoint is read-only)", {"Allow": "GET, POST, OPTIONS"}
        )
    try:
        query, update, params = await _read_request(request)
        if update is not None:
            raise BackendError(403, "SPARQL Update is not allowed: this endpoint is read-only")
        names = {k for k, _ in params}
        if names & {"default-graph-uri", "named-graph-uri"}:
            raise BackendError(
                400,
                "default-graph-uri and named-graph-uri are not allowed: the dataset of this endpoint is fixed "
                "(the union of all its named graphs)",
            )
        if query is None:
            if request.method == "POST":
                raise BackendError(
                    400, "no query: send query=... (form) or an application/sparql-query body"
                )
            return await _describe_service(request, ctx)
        select_media, graph_media = _media(request, params)
        if "text/html" in (select_media, graph_media):
            return await _html_results(request, ctx, query)
        client = request.client.host if request.client else "unknown"
        with ctx.limiter.slot(client):
            answer = await run_in_threadpool(ctx.backend.sparql, query, select_media, graph_media)
    except BackendError as e:
        if e.status == 406:
            return error_response(
                406,
                f"{e.message}\n(offered: {conneg.offered(conneg.SELECT_OFFERS)}; "
                f"{conneg.offered(conneg.GRAPH_OFFERS)})",
            )
        return error_response(e.status, e.message, _retry(e.status))
    headers = _cors({"Vary": "Accept", "X-Result-Limit": str(ctx.backend.max_rows)})
    if answer.truncated:
        headers["X-Result-Truncated"] = "true"
    return Response(answer.body, media_type=answer.media_type, headers=headers)


def _retry(status: int) -> dict[str, str] | None:
    """Busy (503) and too many (429) are worth trying again a little later."""
    return {"Retry-After": "2"} if status in (429, 503) else None


async def _html_results(request: Request, ctx: Context, query: str) -> Response:
    """Results as a page for people (the query form above a table)."""
    error = None
    names: list[str] = []
    rows: list[dict[str, object]] = []
    text = None
    boolean = None
    truncated = False
    try:
        client = request.client.host if request.client else "unknown"
        with ctx.limiter.slot(client):
            answer = await run_in_threadpool(
                ctx.backend.sparql, query, "application/sparql-results+json", "text/turtle"
            )
        if answer.form in ("CONSTRUCT", "DESCRIBE"):
            text = answer.body.decode("utf-8", "replace")
        else:
            data = json.loads(answer.body)
            if "boolean" in data:
                boolean = bool(data["boolean"])
            else:
                names = list(data["head"]["vars"])
                rows = data["results"]["bindings"]
        truncated = answer.truncated
    except BackendError as e:
        error = (e.status, e.message)
    html = pages.render(
        ctx,
        "sparql.html",
        title="SPARQL query",
        query=query,
        settings=pages.sparql_settings(ctx, query),
        error=error,
        names=names,
        rows=[pages.json_row(ctx, names, r) for r in rows],
        text=text,
        boolean=boolean,
        truncated=truncated,
    )
    status = error[0] if error else 200
    return Response(html, status_code=status, media_type="text/html", headers=_html_headers())


def _html_headers() -> dict[str, str]:
    return _cors({"Vary": "Accept", "Content-Security-Policy": SPARQL_CSP})


async def _describe_service(request: Request, ctx: Context) -> Response:
    media = conneg.negotiate(request.headers.get("accept"), conneg.DOCUMENT_OFFERS)
    if media == "text/html":
        html = pages.render(
            ctx,
            "sparql.html",
            title="SPARQL query",
            query=pages.served_query(ctx, pages.EXAMPLE_QUERY),
            settings=pages.sparql_settings(ctx, None),
            error=None,
            names=[],
            rows=[],
            text=None,
            boolean=None,
            truncated=False,
        )
        return Response(html, media_type="text/html", headers=_html_headers())
    if media is None:
        return error_response(
            406, f"the service description is offered as {conneg.offered(conneg.DOCUMENT_OFFERS)}"
        )
    from .describe import serialize

    body = serialize(service_description(ctx), media)
    return Response(body, media_type=media, headers=_cors({"Vary": "Accept"}))


def service_description(ctx: Context) -> list[ox.Triple]:
    """The SPARQL 1.1 service description of /sparql, with the limits this endpoint applies."""
    n = ox.NamedNode
    endpoint = n(ctx.bases.served + "sparql")
    dataset = n(ctx.bases.served + "sparql#dataset")
    default_graph = n(ctx.bases.served + "sparql#default-graph")
    described = n(ctx.bases.to_served(ctx.bases.data + "id/dataset"))
    limit = ctx.backend.max_rows
    t: list[tuple[ox.NamedNode, str, ox.NamedNode | ox.Literal]] = [
        (endpoint, RDF + "type", n(SD + "Service")),
        (endpoint, SD + "endpoint", endpoint),
        (endpoint, SD + "supportedLanguage", n(SD + "SPARQL11Query")),
        (endpoint, SD + "feature", n(SD + "UnionDefaultGraph")),
        (endpoint, SD + "defaultEntailmentRegime", n("http://www.w3.org/ns/entailment/Simple")),
        (endpoint, SD + "defaultDataset", dataset),
        (endpoint, RDFS + "label", ox.Literal("pledgegraph SPARQL endpoint", language="en")),
        (
            endpoint,
            RDFS + "comment",
            ox.Literal(
                f"Read-only SPARQL 1.1 Query endpoint. Results are limited to {limit} rows (SELECT) or "
                f"triples (CONSTRUCT, DESCRIBE); a cut result carries the header X-Result-Truncated: true. "
                f"Queries stop after {ctx.backend.timeout:g} seconds (HTTP 503). SPARQL Update, SERVICE, "
                "FROM and FROM NAMED are refused. The default graph is the union of all named graphs.",
                language="en",
            ),
        ),
        (dataset, RDF + "type", n(SD + "Dataset")),
        (dataset, SD + "defaultGraph", default_graph),
        (dataset, DCTERMS + "source", described),
        (default_graph, RDF + "type", n(SD + "Graph")),
        (
            default_graph,
            RDFS + "comment",
            ox.Literal("the union of all named graphs", language="en"),
        ),
    ]
    for fmt in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "JSON-LD",
        "N-Triples",
        "RDF_XML",
    ):
        t.append((endpoint, SD + "resultFormat", n(FORMATS + fmt)))
    for graph in ctx.graphs():
        # sd:name is the IRI a query names the graph by: on the served base, as the pages show it
        key = re.sub(r"[^A-Za-z0-9]+", "-", graph.removeprefix(ctx.bases.data)).strip("-")
        node = n(ctx.bases.served + "sparql#graph-" + key)
        t += [
            (dataset, SD + "namedGraph", node),
            (node, RDF + "type", n(SD + "NamedGraph")),
            (node, SD + "name", n(ctx.bases.to_served(graph))),
        ]
    t.append((described, VOID + "sparqlEndpoint", endpoint))
    return [ox.Triple(s, n(p), o) for s, p, o in t]


_ = PREFIXES
