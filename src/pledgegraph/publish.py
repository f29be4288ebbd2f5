"""Writes a built dataset into a remote triple store, replacing each of its named graphs."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    RdfFormat,
    Triple,
    parse,
    serialize,
)

from pledgegraph.remote import (
    PASSWORD_ENV,
    AuthScheme,
    LoginRefused,
    RemoteStore,
    RemoteStoreError,
    password_from,
)

GRAPH_STORE_CHUNK = 5_000
"""Triples per Graph Store request: about 1 MB of N-Triples, far below common request limits."""
UPDATE_CHUNK = 1_000
"""Triples per SPARQL Update request: stores parse update text more slowly than N-Triples."""
RDF_CONTENT_TYPE = "text/turtle; charset=utf-8"
"""What we send: N-Triples, a subset of Turtle, which every Graph Store accepts."""

Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class PublishError(Exception):
    """Publishing stopped; ``report`` tells which graphs were written and where it stopped."""

    def __init__(self, message: str, report: PublishReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class GraphResult:
    """One graph written to the store."""

    graph: str
    triples: int
    requests: int
    seconds: float


@dataclass
class PublishReport:
    """What ``publish`` did: the graphs written, how, and where it stopped if it failed."""

    endpoint: str
    graph_store: str | None
    method: str = "graph-store"
    graphs: list[GraphResult] = field(default_factory=list)
    total_graphs: int = 0
    seconds: float = 0.0
    failed_graph: str | None = None
    error: str | None = None
    pruned: list[str] = field(default_factory=list)

    @property
    def triples(self) -> int:
        return sum(result.triples for result in self.graphs)

    def summary(self) -> str:
        target = self.graph_store if self.method == "graph-store" else self.endpoint
        how = "Graph Store Protocol" if self.method == "graph-store" else "SPARQL Update"
        return (
            f"published {len(self.graphs)} of {self.total_graphs} graphs, {self.triples} triples, "
            f"to {target} ({how}) in {self.seconds:.2f} s"
        )


class _NoGraphStore(Exception):
    """The graph store URL does not implement the Graph Store Protocol."""


def read_dataset(path: Path) -> dict[str, list[Triple]]:
    """The triples of each named graph of an N-Quads file, graphs in order of first appearance."""
    graphs: dict[str, list[Triple]] = {}
    default = 0
    for quad in parse(path=path, format=RdfFormat.N_QUADS):
        graph = quad.graph_name
        if isinstance(graph, DefaultGraph):
            default += 1
            continue
        if not isinstance(graph, NamedNode):
            raise ValueError(f"{path}: a graph named by a blank node cannot be published")
        graphs.setdefault(graph.value, []).append(quad.triple)
    if default:
        raise ValueError(f"{path}: {default} triples are outside any named graph")
    return graphs


def chunks(triples: list[Triple], size: int) -> Iterator[list[Triple]]:
    """Chunks of at most ``size`` triples; all triples with blank nodes go in the first one.

    A blank node is only the same node within one request, so its triples must travel together.
    """
    with_blank = [t for t in triples if _has_blank(t)]
    without = [t for t in triples if not _has_blank(t)]
    first = with_blank + without[: max(0, size - len(with_blank))]
    yield first
    rest = without[len(first) - len(with_blank) :]
    for start in range(0, len(rest), size):
        yield rest[start : start + size]


def _has_blank(triple: Triple) -> bool:
    return isinstance(triple.subject, BlankNode) or isinstance(triple.object, BlankNode)


def to_ntriples(triples: Iterable[Triple]) -> bytes:
    return serialize(triples, format=RdfFormat.N_TRIPLES) or b""


class GraphStore:
    """A client of the SPARQL 1.1 Graph Store HTTP Protocol (indirect graph identification).

    It talks through the store's own HTTP client: one connection pool and one login per store.
    """

    def __init__(self, url: str, store: RemoteStore) -> None:
        self.url = url
        self.store = store

    def send(self, method: str, graph: str, body: bytes) -> None:
        try:
            self.store.send(
                method,
                self.url,
                params={"graph": graph},
                content=body,
                content_type=RDF_CONTENT_TYPE,
            )
        except RemoteStoreError as error:
            if error.status in (404, 405, 501):
                raise _NoGraphStore(str(error)) from None
            raise


def publish(
    data_dir: Path,
    endpoint: str,
    graph_store: str | None,
    user: str | None,
    password: str | None,
    *,
    timeout: float = 30,
    auth: AuthScheme = "auto",
    update_endpoint: str | None = None,
    chunk_size: int | None = None,
    prune: bool = False,
    log: Log = _stderr,
) -> PublishReport:
    """Replaces each named graph of ``data_dir/dataset.nq`` in the store at ``endpoint``.

    Through the Graph Store at ``graph_store`` (PUT the first chunk, POST the others) when given and
    implemented, else through SPARQL 1.1 Update at ``update_endpoint`` (default: ``endpoint``).
    Raises ``PublishError`` (with the report so far) when a graph cannot be written: the graphs
    before it are complete, that one may be partial, and publishing again repairs it, unless the
    store refused the login (then the credentials must change first).
    """
    started = time.perf_counter()
    report = PublishReport(endpoint=endpoint, graph_store=graph_store)
    if graph_store is None:
        report.method = "update"
    dataset = data_dir / "dataset.nq"
    if not dataset.is_file():
        report.error = f"no {dataset}: run `pledgegraph build` first, or pass --data"
        raise PublishError(report.error, report)
    try:
        graphs = read_dataset(dataset)
    except (OSError, SyntaxError, ValueError) as error:
        report.error = f"cannot read {dataset}: {error}"
        raise PublishError(report.error, report) from None
    report.total_graphs = len(graphs)

    store = RemoteStore(
        endpoint,
        update_endpoint=update_endpoint,
        user=user,
        password=password,
        auth=auth,
        timeout=timeout,
    )
    try:
        try:
            store.check()
            if graph_store is not None:
                store.resolve(graph_store)
        except RemoteStoreError as error:
            report.error = str(error)
            nothing = "; nothing was published" if isinstance(error, LoginRefused) else ""
            raise PublishError(f"{error}{nothing}", report) from None
        client = GraphStore(graph_store, store) if graph_store is not None else None
        for graph, triples in graphs.items():
            graph_started = time.perf_counter()
            try:
                requests = 0
                if client is not None:
                    try:
                        requests = _put_graph(client, graph, triples, chunk_size)
                    except _NoGraphStore as error:
                        log(f"no Graph Store ({error}); using SPARQL Update instead")
                        client = None
                        report.method = "update"
                if client is None:
                    requests = _update_graph(store, graph, triples, chunk_size)
            except LoginRefused as error:
                # Not a failure that publishing again repairs: the credentials must change.
                report.failed_graph = graph
                report.error = str(error)
                report.seconds = time.perf_counter() - started
                done = len(report.graphs)
                written = "nothing was published" if not done else f"{done} graphs were written"
                raise PublishError(f"{error}; {written}", report) from None
            except RemoteStoreError as error:
                report.failed_graph = graph
                report.error = str(error)
                report.seconds = time.perf_counter() - started
                done = len(report.graphs)
                raise PublishError(
                    f"stopped at graph <{graph}> ({done} of {len(graphs)} graphs written): "
                    f"{error}; publishing again repairs it",
                    report,
                ) from None
            result = GraphResult(graph, len(triples), requests, time.perf_counter() - graph_started)
            report.graphs.append(result)
        if prune:
            try:
                report.pruned = _prune(store, client, set(graphs))
            except RemoteStoreError as error:
                report.error = str(error)
                raise PublishError(
                    f"published, but pruning stale letter graphs failed: {error}", report
                ) from None
    finally:
        store.close()
    report.seconds = time.perf_counter() - started
    return report


def _prune(store: RemoteStore, client: GraphStore | None, published: set[str]) -> list[str]:
    """Drop the letter graphs the store holds that this build no longer has (letters taken out)."""
    prefixes = {
        g[: g.index("/graph/letter/") + len("/graph/letter/")]
        for g in published
        if "/graph/letter/" in g
    }
    stale: list[str] = []
    for prefix in sorted(prefixes):
        _, rows = store.select(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER (STRSTARTS(STR(?g), ?prefix)) }",
            {"prefix": Literal(prefix)},
        )
        stale += sorted(
            g.value
            for row in rows
            if isinstance(g := row.get("g"), NamedNode) and g.value not in published
        )
    for graph in stale:
        if client is not None:
            client.send("DELETE", graph, b"")
        else:
            store.update(f"DROP SILENT GRAPH {NamedNode(graph)}")
    return stale


def _put_graph(client: GraphStore, graph: str, triples: list[Triple], size: int | None) -> int:
    requests = 0
    for number, chunk in enumerate(chunks(triples, size or GRAPH_STORE_CHUNK)):
        client.send("PUT" if number == 0 else "POST", graph, to_ntriples(chunk))
        requests += 1
    return requests


def _update_graph(store: RemoteStore, graph: str, triples: list[Triple], size: int | None) -> int:
    requests = 0
    target = NamedNode(graph)
    for number, chunk in enumerate(chunks(triples, size or UPDATE_CHUNK)):
        data = to_ntriples(chunk).decode("utf-8")
        # INSERT DATA may not hold blank nodes in some stores (Virtuoso); a template may.
        if any(_has_blank(t) for t in chunk):
            insert = f"INSERT {{ GRAPH {target} {{\n{data}}} }} WHERE {{}}"
        else:
            insert = f"INSERT DATA {{ GRAPH {target} {{\n{data}}} }}"
        # The DROP travels with the first chunk, so a store never shows the graph empty for long.
        update = f"DROP SILENT GRAPH {target} ;\n{insert}" if number == 0 else insert
        store.update(update)
        requests += 1
    return requests


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``pledgegraph publish``."""
    parser.add_argument(
        "--data",
        type=Path,
        default=Path("build"),
        metavar="DIR",
        help="build directory holding dataset.nq (default: build)",
    )
    parser.add_argument(
        "--endpoint", required=True, metavar="URL", help="SPARQL 1.1 query endpoint of the store"
    )
    parser.add_argument(
        "--graph-store",
        metavar="URL",
        help="SPARQL 1.1 Graph Store HTTP Protocol URL (without it: SPARQL Update at --endpoint "
        "or --update-endpoint)",
    )
    parser.add_argument(
        "--update-endpoint", metavar="URL", help="SPARQL 1.1 Update endpoint (default: --endpoint)"
    )
    parser.add_argument("--user", help="login for the store (HTTP digest or basic auth)")
    parser.add_argument(
        "--password",
        help=f"password for --user (visible to other users: prefer --password-file or ${PASSWORD_ENV})",
    )
    parser.add_argument(
        "--password-file",
        metavar="FILE",
        help="read the password for --user from FILE's first line",
    )
    parser.add_argument(
        "--auth",
        choices=("auto", "digest", "basic"),
        default="auto",
        help="HTTP authentication: answer the server's challenge (auto, default), or force one",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds to wait for each answer of the store (default: 30)",
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="also drop the letter graphs the store holds that are no longer in the build",
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        metavar="N",
        help=f"triples per request (default: {GRAPH_STORE_CHUNK} Graph Store, "
        f"{UPDATE_CHUNK} Update)",
    )


def main(args: argparse.Namespace) -> int:
    """``pledgegraph publish``: 0 when every graph was written, else 2 (one line on stderr)."""
    try:
        password = password_from(args.password, args.password_file, _stderr)
    except ValueError as error:
        print(f"pledgegraph publish: error: {error}", file=sys.stderr)
        return 2
    if args.user is None:
        if args.password is not None or args.password_file is not None:
            print("pledgegraph publish: error: a password needs --user", file=sys.stderr)
            return 2
        password = None  # a password in the environment is for when a user is given
    elif password is None:
        print(
            f"pledgegraph publish: error: --user needs a password: --password-file FILE or "
            f"${PASSWORD_ENV}",
            file=sys.stderr,
        )
        return 2
    if args.timeout <= 0 or (args.chunk_size is not None and args.chunk_size < 1):
        print(
            "pledgegraph publish: error: --timeout and --chunk-size must be positive",
            file=sys.stderr,
        )
        return 2
    try:
        report = publish(
            args.data,
            args.endpoint,
            args.graph_store,
            args.user,
            password,
            timeout=args.timeout,
            auth=args.auth,
            update_endpoint=args.update_endpoint,
            chunk_size=args.chunk_size,
            prune=args.prune,
        )
    except PublishError as error:
        print(f"pledgegraph publish: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pledgegraph publish: interrupted; publishing again repairs it", file=sys.stderr)
        return 2
    print(report.summary(), file=sys.stderr)
    for graph in report.pruned:
        print(f"dropped stale graph <{graph}>", file=sys.stderr)
    return 0
