"""Writes a build as a static web site: the server's HTML pages and RDF documents as files."""

from __future__ import annotations

import shutil
import tempfile
from html import escape
from pathlib import Path

import pyoxigraph as ox

from .build import BuildError, swap_in
from .queries import catalogue, get
from .serve import describe, pages
from .serve.app import void_triples
from .serve.backend import DirectBackend
from .serve.conneg import SUFFIXES
from .serve.context import Context, make_context

STATIC = Path(__file__).resolve().parent / "serve" / "static"


def _redirect_page(target: str) -> str:
    """What a static host can do for a 303: a page that sends the reader on to the document."""
    t = escape(target, quote=True)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>See {t}</title>'
        f'<meta http-equiv="refresh" content="0; url={t}"><link rel="canonical" href="{t}"></head>'
        f'<body><p>See <a href="{t}">{t}</a>.</p></body></html>\n'
    )


def resources(ctx: Context) -> list[str]:
    """Every IRI under the base the data says something about, and the named graphs."""
    _, rows = ctx.backend.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")
    iris = {r["s"].value for r in rows} | set(ctx.graphs())
    out = []
    for iri in iris:
        rel = ctx.bases.relative(iri)
        if rel is not None and "#" not in rel and rel.rstrip("/"):
            out.append(iri)
    return sorted(out)


def export_site(data_dir: Path, out: Path, base: str | None) -> int:
    """Write the site into `out` (replaced whole, written aside first); the number of files written."""
    data_dir = Path(data_dir)
    store_path = data_dir / "store"
    if not store_path.is_dir():
        raise BuildError(f"{data_dir}: no build here (run `pledgegraph build` first)")
    store = ox.Store.read_only(str(store_path))
    ctx = make_context(DirectBackend(store), base=base, data_dir=data_dir)
    ctx.static = True
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    count = 0

    def write(rel: str, data: bytes | str) -> None:
        nonlocal count
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        count += 1

    try:
        write("index.html", pages.landing(ctx))
        for iri in resources(ctx):
            rel = ctx.bases.relative(iri)
            assert rel is not None
            rel = rel.rstrip("/")
            write(f"doc/{rel}.html", pages.resource(ctx, iri))
            triples = describe.document_triples(ctx.backend, ctx.bases, iri)
            for ext, media in SUFFIXES.items():
                if media != "text/html":
                    write(f"doc/{rel}.{ext}", describe.serialize(triples, media))
            write(f"{rel}/index.html", _redirect_page(f"{ctx.bases.prefix}doc/{rel}.html"))
        for name in catalogue():
            query = get(name)
            names, rows = ctx.backend.select(query.text)
            write(f"queries/{name}.html", pages.query_page(ctx, query, names, rows, {}))
        void = void_triples(ctx)
        write(".well-known/void", describe.serialize(void, "text/turtle"))
        write(".well-known/void.ttl", describe.serialize(void, "text/turtle"))
        for item in ctx.dumps():
            data = ctx.dump(item["name"])
            write(
                f"dumps/{item['name']}",
                data.read_bytes() if isinstance(data, Path) else data or b"",
            )
        for f in sorted(STATIC.iterdir()):
            if f.is_file():
                write(f"static/{f.name}", f.read_bytes())
        swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return count
