"""Writes a build as a static web site: the server's HTML pages and RDF documents as files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from html import escape
from pathlib import Path

import pyoxigraph as ox

from . import outdir
from .buildfolder import STORE, BuildError, BuildFolder
from .queries import catalogue, get
from .serve import describe, jsonld, lists, pages, report, tables, views
from .serve.app import void_triples
from .serve.backend import DirectBackend
from .serve.conneg import SUFFIXES
from .serve.context import Context, make_context
from .store import StoreError, load_in_memory

STATIC = Path(__file__).resolve().parent / "serve" / "static"
Progress = Callable[[Sequence[str], str], Iterable[str]]
"""Wraps the resources being written with a progress display (the CLI's rich bar on stderr)."""


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
    progress: Progress | None = None,
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
            return _export(data_dir, store_path, target, base, progress)
        except OSError as e:
            raise BuildError(f"cannot write the site: {outdir.describe_os_error(e)}") from None


def _export(
    data_dir: Path, store_path: Path, out: Path, base: str | None, progress: Progress | None
) -> int:
    # The build held in memory, as the server's processes hold it (3-5x faster than RocksDB), its
    # complete store (named graphs) opened now: a damaged one is one line here, not a failure later.
    store: object
    try:
        memory = load_in_memory(data_dir)
    except StoreError:
        memory = None  # no graph.ttl or dataset.nq: the on-disk store alone
    if memory is not None:
        try:
            memory.complete  # noqa: B018
        except StoreError as e:
            raise BuildError(f"{e}; build again") from None
        store = memory
    else:
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
        items = resources(ctx)
        for iri in progress(items, "writing pages") if progress else items:
            rel = ctx.bases.relative(iri)
            assert rel is not None
            rel = rel.rstrip("/")
            write(f"doc/{rel}.html", pages.resource(ctx, iri))
            triples = describe.document_triples(ctx.backend, ctx.bases, iri)
            for ext, media in SUFFIXES.items():
                if media == "application/ld+json":
                    write(f"doc/{rel}.{ext}", jsonld.compact(ctx, triples))
                elif media != "text/html":
                    write(f"doc/{rel}.{ext}", describe.serialize(triples, media))
            write(f"{rel}/index.html", _redirect_page(f"{ctx.bases.prefix}doc/{rel}.html"))
        # Lists: the page (sorted and filtered in the browser from its own rows), its CSV and JSON
        for name in lists.names():
            table = lists.table(ctx, name)
            assert table is not None
            page = views.render_list(ctx, name, {})
            write(f"list/{name}.html", page)
            write(f"list/{name}.csv", tables.as_csv(table))
            write(f"list/{name}.json", tables.as_json(table))
            folder = lists.collection_of(ctx, name)
            if folder:
                write(f"doc/{folder}index.html", page)
        write(
            "list/index.html",
            pages.render(ctx, "lists.html", title="Lists", lists=views.summaries(ctx)),
        )
        for name in catalogue():
            query = get(name)
            if query.index:
                continue  # the search query needs words, and a server to look them up
            names, rows = ctx.backend.select(query.text)
            table = tables.from_rows(ctx, names, rows, name=query.name, title=query.title)
            write(f"queries/{name}.csv", tables.as_csv(table))
            write(f"queries/{name}.json", tables.as_json(table))
            write(f"queries/{name}.html", pages.query_page(ctx, query, table, {}))
        data = report.load(ctx)
        if data is not None:
            write(
                "report.html",
                pages.render(ctx, "report.html", title="Validation report", report=data),
            )
            write("report.json", (data_dir / "report.json").read_bytes())
        write(jsonld.CONTEXT_PATH, json.dumps({"@context": jsonld.context(ctx)}, indent=1))
        void = void_triples(ctx)
        write(".well-known/void", describe.serialize(void, "text/turtle"))
        write(".well-known/void.ttl", describe.serialize(void, "text/turtle"))
        for item in ctx.dumps():
            dump = ctx.dump(item["name"])
            write(
                f"dumps/{item['name']}",
                dump.read_bytes() if isinstance(dump, Path) else dump or b"",
            )
        for f in sorted(STATIC.rglob("*")):
            if f.is_file():
                write(f"static/{f.relative_to(STATIC).as_posix()}", f.read_bytes())
        outdir.write_marker(tmp, "site")
        outdir.swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return count
