"""Runs SPARQL queries against a pyoxigraph store and serializes the results (in a worker process or in-process)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from ..sparql_syntax import QueryRefused, allow_deep_parsing, check
from ..store import BuildStore, Queryable

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

SELECT_MEDIA = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_MEDIA = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
_BOOLEAN_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}

# Reply tuples: ("ok", ...) or ("error", http_status, message)
Reply = tuple[Any, ...]


def first_line(text: str, limit: int = 2000) -> str:
    """A message fit for a client: no traceback, bounded length."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------------
# Result serializers (our own for SELECT, so the row limit can cut the stream)


def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _term_json(term.subject),
                "predicate": _term_json(term.predicate),
                "object": _term_json(term.object),
            },
        }
    return {"type": "literal", "value": str(term)}


def _term_xml(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_term_xml(term.subject)}</subject><predicate>{_term_xml(term.predicate)}"
            f"</predicate><object>{_term_xml(term.object)}</object></triple>"
        )
    return f"<literal>{escape(str(term))}</literal>"


def _csv_cell(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        value = "_:" + term.value
    elif isinstance(term, (ox.NamedNode, ox.Literal)):
        value = term.value
    else:
        value = str(term)
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def serialize_solutions(names: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str) -> bytes:
    """SELECT results in SPARQL 1.1 JSON, XML, CSV or TSV."""
    if fmt == "json":
        bindings = [
            {n: _term_json(v) for n, v in zip(names, row, strict=True) if v is not None}
            for row in rows
        ]
        return json.dumps(
            {"head": {"vars": list(names)}, "results": {"bindings": bindings}}, ensure_ascii=False
        ).encode()
    if fmt == "xml":
        parts = [
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
        ]
        parts += [f"<variable name={quoteattr(n)}/>" for n in names]
        parts.append("</head><results>")
        for row in rows:
            parts.append("<result>")
            for n, v in zip(names, row, strict=True):
                if v is not None:
                    parts.append(f"<binding name={quoteattr(n)}>{_term_xml(v)}</binding>")
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode()
    if fmt == "csv":
        lines = [",".join(names)] + [",".join(_csv_cell(v) for v in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    if fmt == "tsv":
        lines = ["\t".join("?" + n for n in names)]
        lines += ["\t".join("" if v is None else str(v) for v in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"unknown results format {fmt!r}")


# --------------------------------------------------------------------------------------------------
# Execution


def _query(
    store: Queryable,
    query: str,
    bindings: Mapping[str, Any] | None = None,
    graphs: bool | None = None,
) -> Any:
    subs = {ox.Variable(k): v for k, v in (bindings or {}).items()} or None
    # The build materialises the union of all graphs in the default graph (see build.write_build).
    if isinstance(store, BuildStore):
        return store.query(query, substitutions=subs, graphs=graphs)
    return store.query(query, substitutions=subs)


def _rows(solutions: ox.QuerySolutions, width: int) -> Iterator[tuple[Any, ...]]:
    for sol in solutions:
        yield tuple(sol[i] for i in range(width))


def run_sparql(
    store: Queryable, query: str, select_media: str | None, graph_media: str | None, max_rows: int
) -> Reply:
    """Answer a client's query: ("ok", body, media type, truncated, form) or ("error", status, message).

    The query is checked on its parse tree first (read-only, no SERVICE, no FROM, bounded nesting);
    only then does the engine see it.
    """
    shape = check(query)
    result = _query(store, query, graphs=shape.graphs)
    if isinstance(result, ox.QuerySolutions):
        if select_media is None:
            return (
                "error",
                406,
                "this is a SELECT query: ask for SPARQL results JSON, XML, CSV or TSV",
            )
        names = [v.value for v in result.variables]
        rows = list(islice(_rows(result, len(names)), max_rows + 1))
        truncated = len(rows) > max_rows
        return (
            "ok",
            serialize_solutions(names, rows[:max_rows], SELECT_MEDIA[select_media]),
            select_media,
            truncated,
            shape.form,
        )
    if isinstance(result, ox.QueryBoolean):
        if select_media is None:
            return (
                "error",
                406,
                "this is an ASK query: ask for SPARQL results JSON, XML, CSV or TSV",
            )
        body = result.serialize(format=_BOOLEAN_FORMATS[select_media])
        return ("ok", body, select_media, False, shape.form)
    if graph_media is None:
        return (
            "error",
            406,
            "this is a CONSTRUCT or DESCRIBE query: ask for Turtle, JSON-LD, N-Triples or RDF/XML",
        )
    triples = list(islice(result, max_rows + 1))
    truncated = len(triples) > max_rows
    body = ox.serialize(triples[:max_rows], format=GRAPH_MEDIA[graph_media], prefixes=_prefixes())
    return ("ok", body, graph_media, truncated, shape.form)


def _prefixes() -> dict[str, str]:
    from ..namespaces import PREFIXES

    return PREFIXES


_NAMES_GRAPHS = re.compile(r"\b(GRAPH|FROM)\b", re.IGNORECASE)
_COMMENT_LINES = re.compile(r"^\s*#.*$", re.MULTILINE)


def run_select(store: Queryable, query: str, bindings: Mapping[str, Any] | None) -> Reply:
    """The app's own queries (never a client's: those come as "sparql" and are checked on their
    parse tree). Whether one reads named graphs is told by its words, which a parser would take
    tens of milliseconds to confirm for every labels query of every page; a false "yes" only sends
    it to the complete store, which answers it the same."""
    words = _COMMENT_LINES.sub("", query)
    result = _query(store, query, bindings, graphs=bool(_NAMES_GRAPHS.search(words)))
    if not isinstance(result, ox.QuerySolutions):
        return ("error", 500, "not a SELECT query")
    names = [v.value for v in result.variables]
    return ("ok", names, list(_rows(result, len(names))))


def run_construct(store: Queryable, query: str, bindings: Mapping[str, Any] | None) -> Reply:
    result = _query(store, query, bindings)
    if not isinstance(result, ox.QueryTriples):
        return ("error", 500, "not a CONSTRUCT query")
    return ("ok", list(result))


def handle(store: Queryable | None, request: tuple[Any, ...]) -> Reply:
    """One request to a worker; never raises (errors are replies without tracebacks).

    "check" needs no store: it answers the form of a client's query, or why it is refused.
    """
    op = request[0]
    try:
        if op == "check":
            return ("ok", check(request[1]).form)
        if op == "ping":
            return ("ok",)
        if store is None:
            return ("error", 500, "this process holds no store")
        if op == "sparql":
            return run_sparql(store, *request[1:])
        if op == "select":
            return run_select(store, *request[1:])
        if op == "construct":
            return run_construct(store, *request[1:])
        return ("error", 500, f"unknown operation {op!r}")
    except QueryRefused as e:
        return ("error", e.status, e.message)
    except SyntaxError as e:
        return ("error", 400, f"SPARQL syntax error: {first_line(str(e))}")
    except MemoryError:
        return ("error", 503, "the query needs more memory than the server grants")
    except RecursionError:
        return ("error", 400, "the query is nested too deeply")
    except Exception as e:  # evaluation errors of the engine: a message, never a traceback
        return ("error", 500, f"the query failed: {type(e).__name__}: {first_line(str(e), 500)}")


def _open_store(store_path: str, rewrite: tuple[str, str] = ("", "")) -> Queryable:
    """The build in memory (pyoxigraph answers 3-5x faster from memory than from RocksDB), or the
    on-disk store read-only where the build's files are not beside it. With `rewrite` (data base,
    served base), the IRIs under the data's base are moved onto the served base as they are loaded."""
    from ..store import load_in_memory

    build = _pinned(Path(store_path).parent)
    if rewrite[0] and rewrite[0] != rewrite[1]:
        return _rewritten(build, *rewrite)
    if (build / "dataset.nq").is_file() and (build / "graph.ttl").is_file():
        store = load_in_memory(build)
        store.complete  # noqa: B018 - opened now, while the build is certainly there
        return store
    return ox.Store.read_only(str(build / "store"))


def _pinned(build: Path) -> Path:
    """The build's folder by a path that stays on it when a newer build is swapped in (an open
    descriptor, kept for the process's life): what this process loads later is of its own build."""
    try:
        fd = os.open(build, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return build
    pinned = Path(f"/proc/self/fd/{fd}")
    return pinned if pinned.is_dir() else build


def _rewritten(build: Path, data: str, served: str) -> BuildStore:
    """The build in memory with its IRIs on the served base: what `--base` serves at /sparql, so a
    query sees the IRIs the pages and documents show (the pages' own queries run on the data's IRIs)."""

    def move(term: Any) -> Any:
        if isinstance(term, ox.NamedNode) and term.value.startswith(data):
            return ox.NamedNode(served + term.value[len(data) :])
        return term

    def load(path: Path, fmt: ox.RdfFormat, union: bool) -> ox.Store:
        store = ox.Store()
        quads = [
            ox.Quad(move(q.subject), move(q.predicate), move(q.object), move(q.graph_name))
            for q in ox.parse(path=str(path), format=fmt)
        ]
        store.bulk_extend(quads)
        if union:
            store.bulk_extend([ox.Quad(q.subject, q.predicate, q.object) for q in quads])
        return store

    return BuildStore(
        load(build / "graph.ttl", ox.RdfFormat.TURTLE, False),
        lambda: load(build / "dataset.nq", ox.RdfFormat.N_QUADS, True),
    )


def serve_forever(
    requests: Connection,
    replies: Connection,
    store_path: str | None,
    *,
    memory_mb: int = 0,
    nice: int = 0,
    isolate: bool = True,
    rewrite: tuple[str, str] = ("", ""),
) -> None:
    """The worker process: load the build, confine itself, then answer requests until the pipe closes.

    The build is read-only while served, so each worker holds its own copy of the union graph
    (`BuildStore`). With `isolate`, a worker that cannot cut itself off from the network refuses to
    serve: it would run client queries. Without a store, it only checks queries (`check`).
    """
    from ..store import StoreError
    from .sandbox import SandboxError, confine, lower_priority

    allow_deep_parsing()
    store: Queryable | None = None
    try:
        if store_path is not None:
            store = _open_store(store_path, rewrite)
    except (OSError, StoreError) as e:
        replies.send(("error", 500, f"cannot open the store: {e}"))
        return
    try:
        confine(memory_mb, nice) if memory_mb else lower_priority(nice)
    except SandboxError as e:
        if isolate:
            replies.send(("error", 500, f"cannot isolate the query process: {e}"))
            return
    replies.send(("ready",))
    while True:
        try:
            request = requests.recv()
        except (EOFError, OSError):
            return
        try:
            replies.send(handle(store, request))
        except (BrokenPipeError, OSError):
            return
        except Exception as e:  # an unpicklable reply
            replies.send(("error", 500, f"cannot send the result: {type(e).__name__}"))


def main(argv: list[str]) -> int:
    """`python -m pledgegraph.serve.worker STORE|- READ_FD WRITE_FD [MEMORY_MB NICE ISOLATE]`, started by the server's pools."""
    store_path = None if argv[0] == "-" else argv[0]
    read_fd, write_fd = int(argv[1]), int(argv[2])
    memory_mb, nice, isolate = (
        (int(argv[3]), int(argv[4]), argv[5] == "1") if len(argv) > 5 else (0, 0, False)
    )
    rewrite = (argv[6], argv[7]) if len(argv) > 7 else ("", "")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which then stops us
    _die_with_parent()
    serve_forever(
        Connection(read_fd, writable=False),
        Connection(write_fd, readable=False),
        store_path,
        memory_mb=memory_mb,
        nice=nice,
        isolate=isolate,
        rewrite=rewrite,
    )
    return 0


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the server dies (a kill -9 of the server leaves no workers)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    PR_SET_PDEATHSIG = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # The server may have died before the signal was asked for: then nobody would send it.
    expected = os.environ.get("PLEDGEGRAPH_PARENT")
    if expected and expected.isdigit() and os.getppid() != int(expected):
        os._exit(1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
