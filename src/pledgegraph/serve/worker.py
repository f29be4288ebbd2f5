"""Runs SPARQL queries against a pyoxigraph store and serializes the results (in a worker process or in-process)."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from ..store import Queryable

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


def _query(store: Queryable, query: str, bindings: Mapping[str, Any] | None = None) -> Any:
    subs = {ox.Variable(k): v for k, v in (bindings or {}).items()} or None
    # The build materialises the union of all graphs in the default graph (see build.write_build).
    return store.query(query, substitutions=subs)


def _rows(solutions: ox.QuerySolutions, width: int) -> Iterator[tuple[Any, ...]]:
    for sol in solutions:
        yield tuple(sol[i] for i in range(width))


def run_sparql(
    store: Queryable, query: str, select_media: str | None, graph_media: str | None, max_rows: int
) -> Reply:
    """Answer a protocol query: ("ok", body, media type, truncated) or ("error", status, message)."""
    result = _query(store, query)
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
        )
    if isinstance(result, ox.QueryBoolean):
        if select_media is None:
            return (
                "error",
                406,
                "this is an ASK query: ask for SPARQL results JSON, XML, CSV or TSV",
            )
        return ("ok", result.serialize(format=_BOOLEAN_FORMATS[select_media]), select_media, False)
    if graph_media is None:
        return (
            "error",
            406,
            "this is a CONSTRUCT or DESCRIBE query: ask for Turtle, JSON-LD, N-Triples or RDF/XML",
        )
    triples = list(islice(result, max_rows + 1))
    truncated = len(triples) > max_rows
    body = ox.serialize(triples[:max_rows], format=GRAPH_MEDIA[graph_media], prefixes=_prefixes())
    return ("ok", body, graph_media, truncated)


def _prefixes() -> dict[str, str]:
    from ..namespaces import PREFIXES

    return PREFIXES


def run_select(store: Queryable, query: str, bindings: Mapping[str, Any] | None) -> Reply:
    result = _query(store, query, bindings)
    if not isinstance(result, ox.QuerySolutions):
        return ("error", 500, "not a SELECT query")
    names = [v.value for v in result.variables]
    return ("ok", names, list(_rows(result, len(names))))


def run_construct(store: Queryable, query: str, bindings: Mapping[str, Any] | None) -> Reply:
    result = _query(store, query, bindings)
    if not isinstance(result, ox.QueryTriples):
        return ("error", 500, "not a CONSTRUCT query")
    return ("ok", list(result))


def handle(store: Queryable, request: tuple[Any, ...]) -> Reply:
    """One request to a worker; never raises (errors are replies without tracebacks)."""
    op = request[0]
    try:
        if op == "sparql":
            return run_sparql(store, *request[1:])
        if op == "select":
            return run_select(store, *request[1:])
        if op == "construct":
            return run_construct(store, *request[1:])
        if op == "ping":
            return ("ok",)
        return ("error", 500, f"unknown operation {op!r}")
    except SyntaxError as e:
        return ("error", 400, f"SPARQL syntax error: {first_line(str(e))}")
    except MemoryError:
        return ("error", 503, "the query needs more memory than the server grants")
    except Exception as e:  # evaluation errors of the engine: a message, never a traceback
        return ("error", 500, f"the query failed: {type(e).__name__}: {first_line(str(e), 500)}")


def serve_forever(requests: Connection, replies: Connection, store_path: str) -> None:
    """The worker process: load the build into memory, then answer requests until the pipe closes.

    pyoxigraph answers 3-5x faster from memory than from the on-disk store (RocksDB); the build is
    read-only while served, so each worker holds its own copy of the union graph (`BuildStore`).
    Without the build's files beside the store, the store is opened read-only where it is.
    """
    from ..store import StoreError, load_in_memory

    store: Queryable
    try:
        build = Path(store_path).parent
        if (build / "dataset.nq").is_file() and (build / "graph.ttl").is_file():
            store = load_in_memory(build)
        else:
            store = ox.Store.read_only(store_path)
    except (OSError, StoreError) as e:
        replies.send(("error", 500, f"cannot open the store: {e}"))
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
    """`python -m pledgegraph.serve.worker STORE READ_FD WRITE_FD`, started by the server's pool."""
    store_path, read_fd, write_fd = argv[0], int(argv[1]), int(argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which then stops us
    serve_forever(
        Connection(read_fd, writable=False), Connection(write_fd, readable=False), store_path
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
