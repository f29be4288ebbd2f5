"""Pages for people beside the linked data: lists, search, the validation report, and their downloads."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .. import search as fts
from . import charts, lists, pages, report, tables
from .context import Context, ctx_of
from .pages import HTML_CSP

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
MAX_QUERY = 500
"""Longest search text read from a request."""


def _html(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers={"Content-Security-Policy": HTML_CSP})


def split_format(name: str, request: Request | None = None) -> tuple[str, str]:
    """`states.csv` -> (`states`, `csv`); `?format=json` also asks for a download; else html."""
    for ext in (*FORMATS, "html"):
        if name.endswith("." + ext):
            return name[: -len(ext) - 1], ext
    fmt = (request.query_params.get("format", "") if request is not None else "").lower()
    return name, fmt if fmt in FORMATS else "html"


def download(table: tables.Table, fmt: str) -> Response:
    body: bytes | str = tables.as_csv(table) if fmt == "csv" else tables.as_json(table)
    return Response(
        body,
        media_type=FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{table.name}.{fmt}"',
            "Access-Control-Allow-Origin": "*",
        },
    )


def params_of(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k != "format" and v}


def render_list(ctx: Context, name: str, params: dict[str, str]) -> str:
    table = lists.table(ctx, name)
    assert table is not None
    shown = tables.select(table, params)
    chart = charts.for_list(ctx, name)
    return pages.render(
        ctx,
        "list.html",
        title=table.title,
        table=shown,
        params=params,
        chart=chart,
        lists=[(n, lists.title(n), lists.href(ctx, n)) for n in lists.names()],
        name=name,
    )


def list_page(request: Request) -> Response:
    ctx = ctx_of(request)
    name, fmt = split_format(request.path_params["name"], request)
    table = lists.table(ctx, name) if name in lists.names() else None
    if table is None:
        raise HTTPException(404)
    params = params_of(request)
    if fmt != "html":
        return download(tables.select(table, params), fmt)
    return _html(render_list(ctx, name, params))


def list_index(request: Request) -> Response:
    ctx = ctx_of(request)
    return _html(pages.render(ctx, "lists.html", title="Lists", lists=summaries(ctx)))


def summaries(ctx: Context) -> list[dict[str, Any]]:
    out = []
    for n in lists.names():
        t = lists.table(ctx, n)
        out.append(
            {
                "name": n,
                "title": lists.title(n),
                "href": lists.href(ctx, n),
                "count": t.total if t else 0,
                "purpose": t.purpose if t else "",
            }
        )
    return out


# --------------------------------------------------------------------------------------------------
# Search


def index(ctx: Context) -> Any:
    """The build's full-text index, opened once per context (None without one)."""

    def make() -> Any:
        path = ctx.path(fts.INDEX_FILE)
        if path is None:
            return None
        with contextlib.suppress(fts.SearchError):
            return fts.open_index(path)
        return None

    return ctx.once("search-index", make)


def search_table(ctx: Context, hits: list[fts.Hit]) -> tables.Table:
    cols = [
        tables.Column("text", "Statement", iris=True),
        tables.Column("kind", "Kind"),
        tables.Column("state", "State", iris=True),
        tables.Column("themes", "Themes"),
        tables.Column("candidature", "Candidature", iris=True),
        tables.Column("score", "Score", numeric=True),
    ]

    def link(iri: str, text: str) -> tables.Cell:
        return tables.Cell(text, ctx.bases.href(iri), ctx.bases.to_served(iri), text)

    rows = [
        [
            link(h.statement, " ".join(h.text.split())),
            tables.Cell(h.kind, value=h.kind),
            link(h.state, h.state_name or h.state_iso3) if h.state else tables.Cell(""),
            tables.Cell(h.themes, value=h.themes),
            link(h.candidature, h.candidature_label) if h.candidature else tables.Cell(""),
            tables.Cell(f"{h.score:.2f}", value=h.score),
        ]
        for h in hits
    ]
    t = tables.Table("search", "Search", cols, rows)
    t.total = len(rows)
    return t


def search_page(request: Request) -> Response:
    ctx = ctx_of(request)
    _, fmt = split_format(request.url.path, request)
    q = request.query_params.get("q", "")[:MAX_QUERY]
    state = request.query_params.get("state_iso3", "")[:MAX_QUERY]
    theme = request.query_params.get("theme", "")[:MAX_QUERY]
    db = index(ctx)
    hits = fts.search(db, q, state_iso3=state, theme=theme, limit=100) if db is not None else []
    table = search_table(ctx, hits)
    if fmt != "html":
        return download(table, fmt)
    states = fts.search_states(db, q) if db is not None and q else []
    query = {k: v for k, v in (("q", q), ("state_iso3", state), ("theme", theme)) if v}
    from urllib.parse import urlencode

    table.downloads = {
        f: f"{ctx.bases.prefix}search.{f}?{urlencode(query)}" for f in ("csv", "json")
    }
    return _html(
        pages.render(
            ctx,
            "search.html",
            title=f"Search: {q}" if q else "Search",
            q=q,
            state=state,
            theme=theme,
            table=table,
            snippets=[list(fts.iter_marked(h.snippet)) for h in hits],
            states=[
                {"label": s.name, "href": ctx.bases.href(s.state), "iso3": s.iso3} for s in states
            ],
            available=db is not None,
        )
    )


# --------------------------------------------------------------------------------------------------
# The validation report and the JSON-LD context


def report_page(request: Request) -> Response:
    ctx = ctx_of(request)
    data = report.load(ctx)
    if data is None:
        raise HTTPException(404)
    return _html(pages.render(ctx, "report.html", title="Validation report", report=data))


def context_document(request: Request) -> Response:
    from .jsonld import context

    ctx = ctx_of(request)
    body = json.dumps({"@context": context(ctx)}, indent=1, ensure_ascii=False)
    return Response(
        body, media_type="application/ld+json", headers={"Access-Control-Allow-Origin": "*"}
    )
