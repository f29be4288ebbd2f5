"""The SPARQL 1.1 Protocol at /sparql: read-only checks, content negotiation, answers and the service description."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..namespaces import DCTERMS, PREFIXES, RDF, RDFS, VOID
from . import conneg
from .backend import BackendError

if TYPE_CHECKING:
    from .app import Context

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

UPDATE_WORDS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
}
FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}

# Strings, IRIs, comments, variables, language tags and prefixed names are skipped whole, so a
# keyword inside them (`"service"`, `?from`, `ex:service`) is not mistaken for one.
_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|\#[^\n\r]*"
    r"|[?$]\w+"
    r"|@[A-Za-z]+(?:-[A-Za-z0-9]+)*"
    r"|[\w.\-]*:[\w.\-:%\\]*"
    r"|(?P<word>[A-Za-z_]\w*)",
    re.S,
)


@lru_cache(maxsize=2048)
def analyse(query: str) -> str:
    """The form of a query (SELECT, ASK, CONSTRUCT, DESCRIBE or "" when unclear), or BackendError if refused.

    A lexical check, fast enough for every request; the engine's parser then has the last word on syntax.
    """
    if not query.strip():
        raise BackendError(400, "the query is empty")
    form = ""
    for m in _TOKENS.finditer(query):
        word = m.group("word")
        if word is None:
            continue
        upper = word.upper()
        if upper in FORMS and not form:
            form = upper
        elif upper == "SERVICE":
            raise BackendError(
                400,
                "SERVICE is not allowed: this endpoint answers from its own data and does not query other services",
            )
        elif upper == "FROM":
            raise BackendError(
                400,
                "FROM and FROM NAMED are not allowed: this endpoint does not load graphs from elsewhere; "
                "its default graph is the union of all its named graphs (use GRAPH to pick one)",
            )
        elif upper in UPDATE_WORDS and not form:
            raise BackendError(403, "SPARQL Update is not allowed: this endpoint is read-only")
    return form


def _cors(headers: dict[str, str] | None = None) -> dict[str, str]:
    return {**CORS, **(headers or {})}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=_cors(headers))


async def _read_request(request: Request) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """The query, the update (if any) and all parameters of a protocol request."""
    params = list(request.query_params.multi_items())
    query = request.query_params.get("query")
    update = request.query_params.get("update")
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_QUERY_BYTES:
                raise BackendError(413, f"the request is larger than {MAX_QUERY_BYTES} bytes")
        if media == "application/sparql-update":
            raise BackendError(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if media == "application/x-www-form-urlencoded":
            form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            params += form
            fields = dict(form)
            query = fields.get("query", query)
            update = fields.get("update", update)
        elif media == "application/sparql-query":
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
    ctx: Context = request.app.state.ctx
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
        form = analyse(query)
        select_media, graph_media = _media(request, params)
        html = (form in ("SELECT", "ASK") and select_media == "text/html") or (
            form in ("CONSTRUCT", "DESCRIBE") and graph_media == "text/html"
        )
        if html:
            return await _html_results(request, ctx, query, form)
        if select_media == "text/html":
            select_media = "application/sparql-results+json"
        if graph_media == "text/html":
            graph_media = "text/turtle"
        answer = await run_in_threadpool(ctx.backend.sparql, query, form, select_media, graph_media)
    except BackendError as e:
        if e.status == 406:
            return error_response(
                406,
                f"{e.message}\n(offered: {conneg.offered(conneg.SELECT_OFFERS)}; "
                f"{conneg.offered(conneg.GRAPH_OFFERS)})",
            )
        return error_response(e.status, e.message)
    headers = _cors({"Vary": "Accept", "X-Result-Limit": str(ctx.backend.max_rows)})
    if answer.truncated:
        headers["X-Result-Truncated"] = "true"
    return Response(answer.body, media_type=answer.media_type, headers=headers)


async def _html_results(request: Request, ctx: Context, query: str, form: str) -> Response:
    """Results as a page for people (the query form above a table)."""
    from . import pages

    error = None
    names: list[str] = []
    rows: list[dict[str, object]] = []
    text = None
    boolean = None
    truncated = False
    try:
        if form in ("CONSTRUCT", "DESCRIBE"):
            answer = await run_in_threadpool(ctx.backend.sparql, query, form, None, "text/turtle")
            text = answer.body.decode("utf-8", "replace")
        else:
            answer = await run_in_threadpool(
                ctx.backend.sparql, query, form, "application/sparql-results+json", None
            )
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
        error=error,
        names=names,
        rows=[pages.json_row(ctx, names, r) for r in rows],
        text=text,
        boolean=boolean,
        truncated=truncated,
    )
    status = error[0] if error else 200
    return Response(
        html, status_code=status, media_type="text/html", headers=_cors({"Vary": "Accept"})
    )


async def _describe_service(request: Request, ctx: Context) -> Response:
    media = conneg.negotiate(request.headers.get("accept"), conneg.DOCUMENT_OFFERS)
    if media == "text/html":
        from . import pages

        html = pages.render(
            ctx,
            "sparql.html",
            title="SPARQL query",
            query=pages.EXAMPLE_QUERY,
            error=None,
            names=[],
            rows=[],
            text=None,
            boolean=None,
            truncated=False,
        )
        return Response(html, media_type="text/html", headers=_cors({"Vary": "Accept"}))
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
        # sd:name is the IRI a query names the graph by (queries see the data's own IRIs)
        key = re.sub(r"[^A-Za-z0-9]+", "-", graph.removeprefix(ctx.bases.data)).strip("-")
        node = n(ctx.bases.served + "sparql#graph-" + key)
        t += [
            (dataset, SD + "namedGraph", node),
            (node, RDF + "type", n(SD + "NamedGraph")),
            (node, SD + "name", n(graph)),
        ]
    t.append((described, VOID + "sparqlEndpoint", endpoint))
    return [ox.Triple(s, n(p), o) for s, p, o in t]


_ = PREFIXES
