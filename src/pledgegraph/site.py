"""Writes a build as a static web site: the server's HTML pages and RDF documents as files."""

from __future__ import annotations

import shutil
from html import escape
from pathlib import Path

import pyoxigraph as ox

from . import outdir
from .buildfolder import STORE, BuildError, BuildFolder
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


def export_site(
    data_dir: Path,
    out: Path,
    base: str | None,
    log: outdir.Log = lambda message: None,
    *,
    wait: bool = False,
) -> int:
    """Write the site into `out` (replaced whole, written aside first); the number of files written.

    `out` must be new, empty or a previous site holding only what it wrote, and neither be, hold nor
    lie inside the build it is made from (an OutputError, and nothing is touched). Another export
    into `out` at the same time is an OutputError, or is waited for (`wait`).
    """
    data_dir = Path(data_dir)
    store_path = BuildFolder(data_dir).require(STORE).store
    target = outdir.check_placement(out, [(data_dir, "the build")])
    outdir.check_replaceable(out, target, "site")  # before the lock: a refusal leaves no trace
    with outdir.exclusive(out, target, log, wait=wait):
        outdir.recover(target, log)
        outdir.check_replaceable(out, target, "site")
        try:
            return _export(data_dir, store_path, target, base)
        except OSError as e:
            raise BuildError(f"cannot write the site: {outdir.describe_os_error(e)}") from None


def _export(data_dir: Path, store_path: Path, out: Path, base: str | None) -> int:
    try:
        store = ox.Store.read_only(str(store_path))
    except (OSError, RuntimeError) as e:  # RocksDB reports a damaged store as RuntimeError
        raise BuildError(f"{store_path}: cannot open the store ({e}); build again") from None
    ctx = make_context(DirectBackend(store), base=base, data_dir=data_dir)
    ctx.static = True
    tmp = outdir.new_folder(out)
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
        outdir.write_marker(tmp, "site")
        outdir.swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return count
