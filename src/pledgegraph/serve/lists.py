"""The list pages (States, elections, candidatures, themes, pledges, queries): their tables and where they live.

Each list is a query file `queries/pages/list-NAME.rq` whose header gives its title, the class of
its items (`class`), the column holding each item (`key`) and the columns' headings. A list is at
`/list/NAME`, and also at the folder its items' IRIs share (`/doc/id/state/` for States) when they
all sit directly in one: found from the data, so new IRI shapes move the lists with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from ..queries import catalogue, parse_header
from ..resources import folder
from .tables import Cell, Column, Table, from_rows

if TYPE_CHECKING:
    from .context import Context

QUERIES = "queries"
"""The list of the named queries (from their headers, not from the data)."""


@dataclass(frozen=True)
class ListDef:
    name: str
    title: str
    purpose: str
    key: str
    headings: tuple[str, ...]
    text: str


@cache
def definitions() -> dict[str, ListDef]:
    out = {}
    for path in sorted((folder("queries") / "pages").glob("list-*.rq")):
        text = path.read_text(encoding="utf-8")
        h = parse_header(text)
        name = path.stem.removeprefix("list-")
        out[name] = ListDef(
            name,
            h.get("title", name),
            h.get("purpose", ""),
            h.get("key", ""),
            tuple(x.strip() for x in h.get("headings", "").split(",") if x.strip()),
            text,
        )
    return out


def names() -> list[str]:
    return [*definitions(), QUERIES]


def title(name: str) -> str:
    return "Named queries" if name == QUERIES else definitions()[name].title


def href(ctx: Context, name: str, fmt: str = "html") -> str:
    return f"{ctx.bases.prefix}list/{name}.{fmt}"


def table(ctx: Context, name: str) -> Table | None:
    """A list's whole table (made once per build)."""
    if name == QUERIES:
        return ctx.once("list:queries", lambda: _queries(ctx))
    d = definitions().get(name)
    if d is None:
        return None

    def make() -> Table:
        cols, rows = ctx.backend.select(d.text)
        t = from_rows(
            ctx, cols, rows, name=name, title=d.title, headings=d.headings, purpose=d.purpose
        )
        t.downloads = {f: href(ctx, name, f) for f in ("csv", "json")}
        return t

    return ctx.once(f"list:{name}", make)


def _queries(ctx: Context) -> Table:
    cols = [
        Column("query", "Query", iris=True),
        Column("name", "Name"),
        Column("purpose", "What it answers"),
        Column("parameters", "Parameters"),
        Column("columns", "Columns"),
    ]
    rows = []
    for q in sorted(catalogue().values(), key=lambda q: q.title):
        page = f"{ctx.bases.prefix}queries/{q.name}.html"
        rows.append(
            [
                Cell(q.title, page, page, q.title),
                Cell(q.name, None, None, q.name),
                Cell(" ".join(q.purpose.split()), None, None, q.purpose),
                Cell(", ".join(q.parameters), None, None, ", ".join(q.parameters)),
                Cell(", ".join(q.columns), None, None, ", ".join(q.columns)),
            ]
        )
    t = Table(QUERIES, "Named queries", cols, rows, purpose="Questions answered without SPARQL.")
    t.total = len(rows)
    t.downloads = {f: href(ctx, QUERIES, f) for f in ("csv", "json")}
    return t


def collections(ctx: Context) -> dict[str, str]:
    """Where each list also lives: the folder (relative to the base) its items' IRIs all sit
    directly in, when there is one -> the list's name."""

    def make() -> dict[str, str]:
        out: dict[str, str] = {}
        for name, d in definitions().items():
            t = table(ctx, name)
            if t is None or not t.rows:
                continue
            i = t.column(d.key)
            if i is None:
                continue
            folders: set[str] = set()
            for row in t.rows:
                iri = row[i].iri
                rel = ctx.bases.relative(ctx.bases.to_data(iri)) if iri else None
                if rel is None or "#" in rel or "/" not in rel.rstrip("/"):
                    folders = set()
                    break
                folders.add(rel.rstrip("/").rsplit("/", 1)[0] + "/")
            if len(folders) == 1:
                out.setdefault(folders.pop(), name)
        return out

    return ctx.once("collections", make)


def collection_of(ctx: Context, name: str) -> str | None:
    for rel, n in collections(ctx).items():
        if n == name:
            return rel
    return None
