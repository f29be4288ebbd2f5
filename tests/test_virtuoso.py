"""Integration tests of publish and RemoteStore against a private Virtuoso (scripts/virtuoso.sh)."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Triple,
    serialize,
)

from pledgegraph import publish as publish_module
from pledgegraph.publish import PublishError, publish, read_dataset
from pledgegraph.remote import RemoteStore, RemoteStoreError

pytestmark = pytest.mark.virtuoso

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "virtuoso.sh"
HTTP_PORT = int(os.environ.get("PLEDGEGRAPH_TEST_VIRTUOSO_PORT", "18990"))
BASE = "https://w3id.org/pledgegraph/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PG = "https://w3id.org/pledgegraph/ontology#"
ERROR_BOUND = 15.0
"""Seconds within which every failing publish must have given up (the timeout passed is 2 s)."""

Term = NamedNode | Literal | BlankNode


# -- the private instance ----------------------------------------------------------------------


@dataclass
class Virtuoso:
    """A running private instance and its URLs."""

    endpoint: str
    update_endpoint: str
    graph_store: str
    user: str
    password: str
    env: dict[str, str]

    def remote(self, **kwargs: Any) -> RemoteStore:
        return RemoteStore(self.endpoint, timeout=30, **kwargs)


def _script(command: str, http_port: int, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "VIRTUOSO_HTTP_PORT": str(http_port),
        "VIRTUOSO_SQL_PORT": str(http_port + 1),
    }
    env.pop("VIRTUOSO_DIR", None)
    return subprocess.run(
        ["bash", str(SCRIPT), command],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _start(http_port: int) -> tuple[Virtuoso, bool]:
    """Starts (or reuses) the instance on ``http_port``; also says whether it was already up."""
    was_running = _script("status", http_port).returncode == 0
    done = _script("start", http_port)
    if done.returncode != 0:
        pytest.fail(f"scripts/virtuoso.sh start failed ({done.returncode}):\n{done.stderr}")
    values = dict(
        line.split("=", 1)
        for line in done.stdout.splitlines()
        if "=" in line and line[:1].isupper()
    )
    return (
        Virtuoso(
            endpoint=values["VIRTUOSO_ENDPOINT"],
            update_endpoint=values["VIRTUOSO_UPDATE_ENDPOINT"],
            graph_store=values["VIRTUOSO_GRAPH_STORE"],
            user=values["VIRTUOSO_USER"],
            password=values["VIRTUOSO_PASSWORD"],
            env=values,
        ),
        was_running,
    )


def _require_virtuoso() -> None:
    if shutil.which("virtuoso-t"):
        return
    message = (
        "Virtuoso is not installed: `sudo scripts/virtuoso.sh install` "
        "(Debian's virtuoso-opensource) to run the tests marked virtuoso"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI never skips them (.ci/run must install it)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def virtuoso() -> Iterator[Virtuoso]:
    _require_virtuoso()
    instance, was_running = _start(HTTP_PORT)
    yield instance
    if not was_running:
        _script("stop", HTTP_PORT)


# -- data ----------------------------------------------------------------------------------------


def letter_graph(key: str) -> NamedNode:
    return NamedNode(f"{BASE}graph/letter/{key}")


def small_dataset(variant: int = 0) -> list[Quad]:
    """Two letter graphs, reference and ontology, with every literal form we must keep intact."""
    quads: list[Quad] = []

    def add(s: NamedNode | BlankNode, p: str, o: Term, g: NamedNode) -> None:
        quads.append(Quad(s, NamedNode(PG + p), o, g))

    for key, state, year in (("000_seed", "BLR", "2019"), ("012_denmark", "DNK", "2007")):
        graph = letter_graph(key)
        letter = NamedNode(f"{BASE}id/letter/{key}")
        add(letter, "state", NamedNode(f"{BASE}id/state/{state}"), graph)
        add(letter, "date", Literal(f"{year}-05-01", datatype=NamedNode(XSD + "date")), graph)
        add(letter, "electionYear", Literal(year, datatype=NamedNode(XSD + "gYear")), graph)
        add(letter, "month", Literal(f"{year}-05", datatype=NamedNode(XSD + "gYearMonth")), graph)
        add(letter, "reElection", Literal("true", datatype=NamedNode(XSD + "boolean")), graph)
        add(letter, "incumbent", Literal("false", datatype=NamedNode(XSD + "boolean")), graph)
        add(letter, "pledgeCount", Literal("42", datatype=NamedNode(XSD + "integer")), graph)
        add(letter, "title", Literal(f"Candidature of {state}", language="en"), graph)
        add(letter, "titleFr", Literal(f"Candidature de {state}", language="fr"), graph)
        text = 'Signed by Bénédicte “curly quotes” and "straight" ones,\nover two lines\tand a tab'
        add(letter, "signatory", Literal(text), graph)
        # Enough pledges to need several chunks when publishing with a small chunk size.
        for number in range(1, 26 if variant == 0 else 21):
            pledge = NamedNode(f"{BASE}id/pledge/{key}/{number}")
            add(letter, "pledge", pledge, graph)
            add(
                pledge,
                "text",
                Literal(f"Pledge {number} of {state} v{variant}", language="en"),
                graph,
            )
            add(
                pledge, "position", Literal(str(number), datatype=NamedNode(XSD + "integer")), graph
            )
    reference = NamedNode(f"{BASE}graph/reference")
    for state, name in (("BLR", "Belarus"), ("DNK", "Denmark"), ("CIV", "Côte d’Ivoire")):
        add(NamedNode(f"{BASE}id/state/{state}"), "name", Literal(name, language="en"), reference)
    ontology = NamedNode(f"{BASE}graph/ontology")
    label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    quads.append(
        Quad(
            NamedNode(PG + "Letter"), label, Literal("candidature letter", language="en"), ontology
        )
    )
    # A blank node (an OWL restriction, say) must survive chunking and the round trip.
    restriction = BlankNode("r1")
    add(NamedNode(PG + "Letter"), "restriction", restriction, ontology)
    add(restriction, "onProperty", NamedNode(PG + "state"), ontology)
    return quads


def write_dataset(directory: Path, quads: list[Quad]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    ordered = sorted(quads, key=str)
    (directory / "dataset.nq").write_bytes(serialize(ordered, format=RdfFormat.N_QUADS) or b"")
    return directory


@pytest.fixture(scope="session")
def small_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("small") / "build", small_dataset())


# -- helpers -------------------------------------------------------------------------------------


def remote_graph(remote: RemoteStore, graph: str) -> list[Triple]:
    return remote.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")


def remote_count(remote: RemoteStore, graphs: list[str]) -> int:
    values = " ".join(f"<{g}>" for g in graphs)
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
    _, rows = remote.select(query)
    value = rows[0]["n"]
    assert isinstance(value, Literal)
    return int(value.value)


def assert_isomorphic(local: list[Triple], remote: list[Triple], graph: str) -> None:
    from rdflib import Graph
    from rdflib.compare import graph_diff, to_isomorphic

    def as_rdflib(triples: list[Triple]) -> Graph:
        data = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
        return Graph().parse(data=data.decode("utf-8"), format="nt")

    expected, actual = to_isomorphic(as_rdflib(local)), to_isomorphic(as_rdflib(remote))
    if expected != actual:
        _, missing, extra = graph_diff(expected, actual)
        pytest.fail(
            f"graph <{graph}> differs in the store\nmissing:\n{missing.serialize(format='nt')}"
            f"\nextra:\n{extra.serialize(format='nt')}"
        )


def assert_round_trip(virtuoso: Virtuoso, build: Path) -> None:
    remote = virtuoso.remote()
    try:
        for graph, triples in read_dataset(build / "dataset.nq").items():
            assert_isomorphic(triples, remote_graph(remote, graph), graph)
    finally:
        remote.close()


def publish_cli(*args: str) -> tuple[int, str, float]:
    """Runs the publish sub-command in-process: exit code, stderr and seconds taken."""
    import contextlib
    import io

    parser = argparse.ArgumentParser(prog="pledgegraph publish")
    publish_module.add_arguments(parser)
    stderr, stdout = io.StringIO(), io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
        code = publish_module.main(parser.parse_args(list(args)))
    return code, stderr.getvalue(), time.monotonic() - started


def assert_clear_error(code: int, stderr: str, seconds: float, *needles: str) -> None:
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr
    assert lines and lines[-1].startswith("pledgegraph publish: error: "), stderr
    assert any(needle in lines[-1] for needle in needles), stderr
    assert seconds < ERROR_BOUND, f"took {seconds:.1f} s"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- publish -------------------------------------------------------------------------------------


def test_publish_writes_every_graph(virtuoso: Virtuoso, small_build: Path) -> None:
    graphs = read_dataset(small_build / "dataset.nq")
    report = publish(
        small_build,
        virtuoso.endpoint,
        virtuoso.graph_store,
        virtuoso.user,
        virtuoso.password,
        chunk_size=20,
        log=lambda message: None,
    )
    assert report.method == "graph-store"
    assert [r.graph for r in report.graphs] == list(graphs)
    assert report.triples == sum(len(t) for t in graphs.values())
    assert max(r.requests for r in report.graphs) > 1, "the chunking was not exercised"
    remote = virtuoso.remote()
    for graph, triples in graphs.items():
        assert remote_count(remote, [graph]) == len(triples), graph
    remote.close()


def test_publish_twice_leaves_the_count_unchanged(virtuoso: Virtuoso, small_build: Path) -> None:
    graphs = list(read_dataset(small_build / "dataset.nq"))
    remote = virtuoso.remote()
    counts = []
    for _ in range(2):
        code, stderr, _ = publish_cli(
            "--data", str(small_build), "--endpoint", virtuoso.endpoint,
            "--graph-store", virtuoso.graph_store,
            "--user", virtuoso.user, "--password", virtuoso.password, "--chunk-size", "20",
        )  # fmt: skip
        assert code == 0, stderr
        counts.append(remote_count(remote, graphs))
    remote.close()
    assert (
        counts[0]
        == counts[1]
        == sum(len(t) for t in read_dataset(small_build / "dataset.nq").values())
    )


def test_construct_of_each_graph_is_isomorphic(virtuoso: Virtuoso, small_build: Path) -> None:
    publish(
        small_build, virtuoso.endpoint, virtuoso.graph_store, virtuoso.user, virtuoso.password,
        log=lambda message: None,
    )  # fmt: skip
    assert_round_trip(virtuoso, small_build)


def test_republishing_a_changed_build_leaves_no_stale_triples(
    virtuoso: Virtuoso, tmp_path: Path
) -> None:
    first = write_dataset(tmp_path / "first", small_dataset(variant=0))
    second = write_dataset(tmp_path / "second", small_dataset(variant=1))
    for build in (first, second):
        publish(
            build, virtuoso.endpoint, virtuoso.graph_store, virtuoso.user, virtuoso.password,
            chunk_size=20, log=lambda message: None,
        )  # fmt: skip
    assert_round_trip(virtuoso, second)


def test_prune_drops_the_graph_of_a_letter_taken_out(virtuoso: Virtuoso, tmp_path: Path) -> None:
    full = small_dataset()
    dropped = letter_graph("012_denmark")
    fewer = write_dataset(tmp_path / "fewer", [q for q in full if q.graph_name != dropped])
    whole = write_dataset(tmp_path / "whole", full)
    args = (virtuoso.endpoint, virtuoso.graph_store, virtuoso.user, virtuoso.password)
    publish(whole, *args, log=lambda message: None)
    report = publish(fewer, *args, prune=True, log=lambda message: None)
    assert report.pruned == [dropped.value]
    assert remote_count(virtuoso.remote(), [dropped.value]) == 0
    assert remote_count(virtuoso.remote(), [letter_graph("000_seed").value]) > 0


def test_sparql_update_fallback(virtuoso: Virtuoso, tmp_path: Path) -> None:
    build = write_dataset(tmp_path / "build", small_dataset(variant=1))
    report = publish(
        build, virtuoso.update_endpoint, None, virtuoso.user, virtuoso.password,
        chunk_size=20, log=lambda message: None,
    )  # fmt: skip
    assert report.method == "update"
    assert_round_trip(virtuoso, build)
    # A graph store URL that does not implement the protocol falls back to Update as well.
    messages: list[str] = []
    no_store = virtuoso.graph_store.rsplit("/", 1)[0] + "/no-graph-store-here"
    report = publish(
        build, virtuoso.update_endpoint, no_store, virtuoso.user, virtuoso.password,
        log=messages.append,
    )  # fmt: skip
    assert report.method == "update"
    assert any("SPARQL Update" in message for message in messages)
    assert_round_trip(virtuoso, build)


def test_failure_midway_is_reported_and_a_rerun_repairs(
    virtuoso: Virtuoso, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = write_dataset(tmp_path / "build", small_dataset(variant=1))
    publish(
        build, virtuoso.endpoint, virtuoso.graph_store, virtuoso.user, virtuoso.password,
        log=lambda message: None,
    )  # fmt: skip
    changed = write_dataset(tmp_path / "changed", small_dataset(variant=0))
    graphs = list(read_dataset(changed / "dataset.nq"))
    real_send = publish_module.GraphStore.send
    calls = {"n": 0}

    def failing_send(self: publish_module.GraphStore, method: str, graph: str, body: bytes) -> None:
        # The second graph fails after its first chunk was written: a partial graph in the store.
        if graph == graphs[1] and method == "POST":
            raise RemoteStoreError("connection reset by the test")
        calls["n"] += 1
        real_send(self, method, graph, body)

    monkeypatch.setattr(publish_module.GraphStore, "send", failing_send)
    with pytest.raises(PublishError) as caught:
        publish(
            changed, virtuoso.endpoint, virtuoso.graph_store, virtuoso.user, virtuoso.password,
            chunk_size=20, log=lambda message: None,
        )  # fmt: skip
    assert caught.value.report.failed_graph == graphs[1]
    assert [r.graph for r in caught.value.report.graphs] == graphs[:1]
    assert graphs[1] in str(caught.value) and "connection reset by the test" in str(caught.value)
    monkeypatch.undo()
    publish(
        changed, virtuoso.endpoint, virtuoso.graph_store, virtuoso.user, virtuoso.password,
        chunk_size=20, log=lambda message: None,
    )  # fmt: skip
    assert_round_trip(virtuoso, changed)


# -- errors: a clear message, exit 2, bounded time -------------------------------------------------


def test_wrong_endpoint(virtuoso: Virtuoso, small_build: Path) -> None:
    wrong = virtuoso.endpoint.rsplit("/", 1)[0] + "/no-sparql-here"
    code, stderr, seconds = publish_cli(
        "--data", str(small_build), "--endpoint", wrong, "--timeout", "2"
    )
    assert_clear_error(code, stderr, seconds, "HTTP 404")


def test_refused_login(virtuoso: Virtuoso, small_build: Path) -> None:
    for args in (
        ["--endpoint", virtuoso.endpoint, "--graph-store", virtuoso.graph_store],
        ["--endpoint", virtuoso.update_endpoint],
    ):
        code, stderr, seconds = publish_cli(
            "--data", str(small_build), *args, "--user", virtuoso.user,
            "--password", "not-the-password", "--timeout", "2",
        )  # fmt: skip
        assert_clear_error(code, stderr, seconds, "login refused")


def test_refused_login_asks_for_other_credentials(
    virtuoso: Virtuoso, small_build: Path, tmp_path: Path
) -> None:
    """Issue 10, item 12: a refused login is not something publishing again repairs."""
    wrong = tmp_path / "password"
    wrong.write_text("not-the-password\n", encoding="utf-8")
    code, stderr, seconds = publish_cli(
        "--data", str(small_build), "--endpoint", virtuoso.endpoint,
        "--graph-store", virtuoso.graph_store, "--user", virtuoso.user,
        "--password-file", str(wrong), "--timeout", "2",
    )  # fmt: skip
    assert_clear_error(code, stderr, seconds, "login refused")
    last = stderr.strip().splitlines()[-1]
    assert "repairs" not in last, last
    assert "check the user and the password" in last and "nothing was published" in last


def test_password_from_the_environment_or_a_file(
    virtuoso: Virtuoso, small_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10, item 12: the password need not be on the command line, where others can read it."""
    target = ["--data", str(small_build), "--endpoint", virtuoso.endpoint,
              "--graph-store", virtuoso.graph_store, "--user", virtuoso.user]  # fmt: skip
    monkeypatch.setenv("PLEDGEGRAPH_STORE_PASSWORD", virtuoso.password)
    code, stderr, _ = publish_cli(*target)
    assert code == 0 and "warning" not in stderr, stderr
    monkeypatch.delenv("PLEDGEGRAPH_STORE_PASSWORD")
    secret = tmp_path / "password"
    secret.write_text(virtuoso.password + "\n", encoding="utf-8")
    code, stderr, _ = publish_cli(*target, "--password-file", str(secret))
    assert code == 0 and "warning" not in stderr, stderr
    code, stderr, _ = publish_cli(*target, "--password", virtuoso.password)
    assert code == 0, stderr
    assert "--password is visible to other users" in stderr
    code, stderr, _ = publish_cli(*target)
    assert code == 2 and "--user needs a password" in stderr


def test_store_not_listening(small_build: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    code, stderr, seconds = publish_cli(
        "--data", str(small_build), "--endpoint", url, "--timeout", "2"
    )
    assert_clear_error(code, stderr, seconds, "connection refused")


def test_unknown_host(small_build: Path) -> None:
    url = "http://no-such-store.invalid/sparql"
    code, stderr, seconds = publish_cli(
        "--data", str(small_build), "--endpoint", url, "--timeout", "2"
    )
    assert_clear_error(code, stderr, seconds, "cannot resolve host")


def test_hung_store_times_out(small_build: Path) -> None:
    """A store that accepts connections and never answers must not hang publish."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/sparql"
        code, stderr, seconds = publish_cli(
            "--data", str(small_build), "--endpoint", url, "--timeout", "2"
        )
        assert_clear_error(code, stderr, seconds, "timeout")
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        server.close()


def test_stopped_store(tmp_path: Path, small_build: Path) -> None:
    """A second private instance: published to, stopped, then publishing fails clearly."""
    _require_virtuoso()
    port = HTTP_PORT + 2
    instance, _ = _start(port)
    try:
        args = [
            "--data", str(small_build), "--endpoint", instance.endpoint,
            "--graph-store", instance.graph_store, "--user", instance.user,
            "--password", instance.password, "--timeout", "2",
        ]  # fmt: skip
        code, stderr, _ = publish_cli(*args)
        assert code == 0, stderr
    finally:
        stopped = _script("stop", port)
    assert stopped.returncode == 0, stopped.stderr
    assert _script("status", port).returncode == 3
    code, stderr, seconds = publish_cli(*args)
    assert_clear_error(code, stderr, seconds, "connection refused")


# -- RemoteStore answers like the embedded store ---------------------------------------------------


def embedded_store(dataset: Path) -> Any:
    """The project's embedded store over ``dataset`` (N-Quads), its union in the default graph."""
    from pledgegraph.store import EmbeddedStore

    return EmbeddedStore.from_nquads(dataset)


XSD_INTEGER = "^^<http://www.w3.org/2001/XMLSchema#integer>"
# Oxigraph stores the types derived from xsd:integer as xsd:integer (the same value); Virtuoso keeps
# the type it was given. The offsets are xsd:nonNegativeInteger in the data and in the dumps.
DERIVED_INTEGERS = ("nonNegativeInteger", "positiveInteger", "int", "long", "short")


def _value(term: Term) -> str:
    text = str(term)
    for name in DERIVED_INTEGERS:
        text = text.replace(f"^^<http://www.w3.org/2001/XMLSchema#{name}>", XSD_INTEGER)
    return text


def as_values(rows: list[dict[str, Term | None]]) -> list[dict[str, str | None]]:
    """Rows compared as sorted dicts of term values (N-Triples form: datatypes and tags count, but
    an integer is one whatever type derived from xsd:integer it was given)."""
    converted = [{k: (None if v is None else _value(v)) for k, v in row.items()} for row in rows]
    return sorted(converted, key=lambda row: sorted((k, v or "") for k, v in row.items()))


SMALL_QUERIES: list[tuple[str, dict[str, Term] | None]] = [
    (
        f"PREFIX pg: <{PG}> SELECT ?letter ?state ?date ?year ?title WHERE {{"
        " ?letter pg:state ?state ; pg:date ?date ; pg:electionYear ?year ; pg:title ?title }",
        None,
    ),
    (
        f"PREFIX pg: <{PG}> SELECT ?letter (COUNT(?pledge) AS ?pledges) WHERE {{"
        " ?letter pg:pledge ?pledge } GROUP BY ?letter ORDER BY ?letter",
        None,
    ),
    (
        f"PREFIX pg: <{PG}> SELECT ?state ?pledge ?text WHERE {{ ?letter pg:state ?state ;"
        ' pg:pledge ?pledge . ?pledge pg:text ?text FILTER(LANGMATCHES(LANG(?text), "en")) }',
        {"state": NamedNode(f"{BASE}id/state/DNK")},
    ),
    (
        f"PREFIX pg: <{PG}> SELECT ?letter ?flag ?signatory ?name WHERE {{"
        " ?letter pg:reElection ?flag ; pg:signatory ?signatory ; pg:state ?state"
        " OPTIONAL { ?state pg:name ?name } }",
        None,
    ),
    (
        f"PREFIX pg: <{PG}> SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}"
        f' FILTER(STRSTARTS(STR(?g), "{BASE}graph/letter/")) }} GROUP BY ?g',
        None,
    ),
]


def test_remote_select_matches_embedded(virtuoso: Virtuoso, tmp_path: Path) -> None:
    build = write_dataset(tmp_path / "build", small_dataset(variant=0))
    publish(
        build, virtuoso.endpoint, virtuoso.graph_store, virtuoso.user, virtuoso.password,
        log=lambda message: None,
    )  # fmt: skip
    local = embedded_store(build / "dataset.nq")
    remote = virtuoso.remote()
    for query, bindings in SMALL_QUERIES:
        local_vars, local_rows = local.select(query, bindings)
        remote_vars, remote_rows = remote.select(query, bindings)
        assert remote_vars == local_vars, query
        assert local_rows, f"the query finds nothing, so it proves nothing: {query}"
        assert as_values(remote_rows) == as_values(local_rows), query
    assert remote.ask(f"ASK {{ GRAPH <{letter_graph('000_seed').value}> {{ ?s ?p ?o }} }}")
    assert not remote.ask("ASK { <urn:x:nothing> ?p ?o }")
    body, content_type = remote.raw("SELECT (1 AS ?one) {}", "text/csv")
    assert content_type.startswith("text/csv") and b"one" in body
    remote.close()


# -- Virtuoso's quirks: each still holds in its answers, and each is repaired in ours --------------


def raw_json(remote: RemoteStore, query: str) -> list[dict[str, Any]]:
    """The rows of Virtuoso's own JSON answer to ``query``, as it sent them."""
    import json

    body, _ = remote.raw(query, "application/sparql-results+json")
    return list(json.loads(body)["results"]["bindings"])


@pytest.mark.parametrize("accept", ["xml first", "json only"])
def test_virtuoso_booleans_and_blank_nodes_are_read_right(
    virtuoso: Virtuoso, small_build: Path, monkeypatch: pytest.MonkeyPatch, accept: str
) -> None:
    from pledgegraph import remote as remote_module

    publish(
        small_build, virtuoso.endpoint, virtuoso.graph_store, virtuoso.user, virtuoso.password,
        log=lambda message: None,
    )  # fmt: skip
    if accept == "json only":
        monkeypatch.setattr(remote_module, "RESULTS_ACCEPT", "application/sparql-results+json")
    seed, ontology = letter_graph("000_seed").value, f"{BASE}graph/ontology"
    flags = (
        f"PREFIX pg: <{PG}> SELECT ?yes ?no WHERE {{ GRAPH <{seed}> "
        "{ ?letter pg:reElection ?yes ; pg:incumbent ?no } }"
    )
    blanks = (
        f"PREFIX pg: <{PG}> SELECT ?r ?p WHERE {{ GRAPH <{ontology}> "
        "{ pg:Letter pg:restriction ?r . ?r ?p ?o } }"
    )
    remote = virtuoso.remote()
    try:
        # The quirks still hold: if one of these fails, Virtuoso fixed it and the repair may go.
        (raw,) = raw_json(remote, flags)
        assert (raw["yes"]["value"], raw["no"]["value"]) == ("1", "0"), raw
        assert all(row["r"]["value"].startswith("nodeID://") for row in raw_json(remote, blanks))
        _, rows = remote.select(flags)
        boolean = NamedNode(XSD + "boolean")
        assert rows == [
            {"yes": Literal("true", datatype=boolean), "no": Literal("false", datatype=boolean)}
        ]
        _, rows = remote.select(blanks)
        nodes = {row["r"] for row in rows}
        assert len(rows) == 1 and all(isinstance(node, BlankNode) for node in nodes), rows
        assert str(rows[0]["r"]).startswith("_:") and "/" not in str(rows[0]["r"])
    finally:
        remote.close()


# -- acceptance: the seed and dev letters, every named query, remote == embedded -------------------


def _letter_sources() -> list[Path]:
    """The seed letter and the dev letters, as the repository keeps them."""
    seed = sorted((REPO / "data" / "sources").glob("*.txt"))
    dev = sorted((REPO / "tests" / "fixtures" / "letters-dev").glob("*.txt"))
    assert seed and dev
    return [*seed, *dev]


@pytest.fixture(scope="session")
def dev_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pledgegraph.build import build
    from pledgegraph.namespaces import DEFAULT_BASE

    out = tmp_path_factory.mktemp("dev") / "build"
    result = build(_letter_sources(), out, DEFAULT_BASE, log=lambda message: None)
    assert not result.errors, result.errors
    return out


@pytest.fixture(scope="session")
def published_dev_build(virtuoso: Virtuoso, dev_build: Path) -> Path:
    publish(
        dev_build, virtuoso.endpoint, virtuoso.graph_store, virtuoso.user, virtuoso.password,
        log=lambda message: None,
    )  # fmt: skip
    return dev_build


def _named_queries() -> list[str]:
    from pledgegraph import queries

    return sorted(queries.catalogue())


# Queries Virtuoso 7.2 cannot answer like the standard with a parameter bound (its planner, not our
# SPARQL): `ratifications` with a State runs past the 30 s limit, with an instrument alone it drops
# the signatories. Without parameters it gives the same rows, which the test checks.
VIRTUOSO_LIMITS = {("ratifications", "state_iso3"), ("ratifications", "instrument")}


def _parameter_sets(name: str, embedded: Any) -> list[dict[str, str]]:
    """No parameters, then each parameter bound to a value the data has (found with that query)."""
    from pledgegraph import queries

    named = queries.get(name)
    sets: list[dict[str, str]] = [{}]
    columns, rows = queries.run(embedded, name)
    for parameter, kind in named.parameters.items():
        # Where the column can be unbound, a VALUES join keeps those rows too (SPARQL: unbound is
        # compatible with any value) but Virtuoso drops them; bind only always-bound columns.
        if parameter not in columns or any(row[parameter] is None for row in rows):
            continue
        values = sorted({str(queries.plain(row[parameter])) for row in rows if row[parameter]})
        if kind == "integer":
            # A column of dates or IRIs (a letter's stated election) cannot bind a year.
            values = [v for v in values if re.fullmatch(r"-?\d+", v)]
        if values and kind in ("literal", "integer", "iri", "code", "state", "group", "theme"):
            sets.append({parameter: values[len(values) // 2]})
    return sets


def test_every_named_query_returns_the_same_rows_remotely(
    virtuoso: Virtuoso, published_dev_build: Path
) -> None:
    from pledgegraph import queries
    from pledgegraph.store import EmbeddedStore

    names = _named_queries()
    assert names, "no named queries found"
    embedded = EmbeddedStore.open(published_dev_build)
    remote = virtuoso.remote()
    checked: list[str] = []
    try:
        for name in names:
            for params in _parameter_sets(name, embedded):
                if (name, *sorted(params)) in VIRTUOSO_LIMITS:
                    continue
                local_columns, local_rows = queries.run(embedded, name, params)
                remote_columns, remote_rows = queries.run(remote, name, params)
                label = f"{name} {params or ''}"
                assert remote_columns == local_columns, label
                assert as_values(remote_rows) == as_values(local_rows), label
                checked.append(f"{label}: {len(local_rows)} rows")
    finally:
        remote.close()
        embedded.close()
    assert any(not line.endswith(": 0 rows") for line in checked), checked


def test_virtuoso_repeats_rows_of_a_select_distinct_and_we_do_not(
    virtuoso: Virtuoso, published_dev_build: Path
) -> None:
    """Virtuoso 7.2 repeats rows of a SELECT DISTINCT whose columns come from BIND (`outcomes`); the
    remote store gives each row once."""
    import json

    from pledgegraph import queries

    remote = virtuoso.remote()
    try:
        text = queries.get("outcomes").text
        raw = [json.dumps(row, sort_keys=True) for row in raw_json(remote, text)]
        # Whether Virtuoso repeats rows here depends on the data (since model 0.2 the seed's rows
        # no longer show it); what holds either way: our client answers each distinct row once.
        _, rows = remote.select(text)
        assert len(rows) == len(set(raw))
    finally:
        remote.close()


IS_STRING = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#isString"


def _virtuoso_strings(
    far: list[dict[str, Any]], local: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Virtuoso 7.2 gives a letter's whole text (`nif:isString`, kilobytes long) without its leading and trailing
    white space: checked here to be the only difference, then set aside. (The offsets index the text
    as published in the dumps and served by pledgegraph, which keep it.)"""
    texts = {r["x"]: r["o"] for r in local if r.get("p") is not None and r["p"].value == IS_STRING}
    out = []
    for row in far:
        if row.get("p") is not None and row["p"].value == IS_STRING and row["x"] in texts:
            whole = texts[row["x"]]
            assert row["o"].value == whole.value.strip(), "Virtuoso changed the text otherwise"
            row = {**row, "o": whole}
        out.append(row)
    return out


def _page_subjects(embedded: Any) -> list[NamedNode]:
    """IRIs of the dev build only (no test graph mentions them): a candidature, its letter's graph,
    a pledge, a resolution, a theme."""
    subjects = []
    for pattern in (
        f"?x a <{PG}Candidature>",
        "GRAPH ?x { ?s ?p ?o } FILTER(CONTAINS(STR(?x), '/graph/letter/BLR-'))",
        f"?x a <{PG}Pledge>",
        "?x a <https://schema.org/Legislation>",
        f"?p <{PG}theme> ?x",
    ):
        _, rows = embedded.select(f"SELECT ?x WHERE {{ {pattern} }} ORDER BY ?x LIMIT 1")
        assert rows, pattern
        subjects.append(rows[0]["x"])
    return subjects


def test_every_page_query_returns_the_same_rows_remotely(
    virtuoso: Virtuoso, published_dev_build: Path
) -> None:
    """The pages' queries with their subject bound (by a VALUES block opening the WHERE group on a
    remote store, by substitution on the embedded one), and the labels of a list of IRIs."""
    import re

    from pledgegraph import queries, resources
    from pledgegraph.store import EmbeddedStore

    embedded = EmbeddedStore.open(published_dev_build)
    remote = virtuoso.remote()
    subjects = _page_subjects(embedded)
    compared = 0
    try:
        for path in sorted((resources.folder("queries") / "pages").glob("*.rq")):
            page = queries.load(path)
            if page.parameters != {"s": "iri"}:
                continue
            limit = re.search(r"\bLIMIT\s+(\d+)\s*$", page.text)
            for subject in subjects:
                label = f"{page.name} <{subject.value}>"
                names, local = embedded.select(page.text, {"s": subject})
                remote_names, far = remote.select(page.text, {"s": subject})
                assert remote_names == names, label
                if limit and len(local) == int(limit.group(1)):
                    assert len(far) == len(local), label  # which rows a LIMIT keeps may differ
                else:
                    assert as_values(_virtuoso_strings(far, local)) == as_values(local), label
                compared += bool(local)
        labels = queries.with_rows(resources.page_query("labels"), "x", subjects)
        assert as_values(remote.select(labels)[1]) == as_values(embedded.select(labels)[1])
    finally:
        remote.close()
        embedded.close()
    assert compared >= 10, "too few page queries found rows to prove anything"


def test_publishing_the_dev_build_twice_leaves_the_count_unchanged(
    virtuoso: Virtuoso, published_dev_build: Path
) -> None:
    graphs = read_dataset(published_dev_build / "dataset.nq")
    remote = virtuoso.remote()
    before = remote_count(remote, list(graphs))
    publish(
        published_dev_build, virtuoso.endpoint, virtuoso.graph_store, virtuoso.user,
        virtuoso.password, log=lambda message: None,
    )  # fmt: skip
    after = remote_count(remote, list(graphs))
    remote.close()
    assert before == after == sum(len(triples) for triples in graphs.values())


def test_every_graph_of_the_dev_build_round_trips(
    virtuoso: Virtuoso, published_dev_build: Path
) -> None:
    assert_round_trip(virtuoso, published_dev_build)


def test_query_command_prints_the_same_remotely(
    virtuoso: Virtuoso, published_dev_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pledgegraph.cli import main

    outputs = []
    for where in (["--data", str(published_dev_build)], ["--endpoint", virtuoso.endpoint]):
        assert main(["query", "candidatures", "--format", "csv", *where]) == 0
        outputs.append(capsys.readouterr().out)
    local_lines, remote_lines = (sorted(output.splitlines()) for output in outputs)
    assert len(local_lines) > 1
    assert remote_lines == local_lines


def test_serve_over_the_remote_store(virtuoso: Virtuoso, published_dev_build: Path) -> None:
    """`pledgegraph serve --endpoint URL` serves the linked-data pages and /sparql from Virtuoso."""
    import httpx

    port = free_port()
    cmd = [sys.executable, "-m", "pledgegraph.cli", "serve", "--endpoint", virtuoso.endpoint]
    cmd += ["--port", str(port), "--data", str(published_dev_build.parent / "absent")]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "serve --endpoint did not start"
                time.sleep(0.2)
        page = httpx.get(
            url + "/id/candidature/BLR-2007",
            headers={"Accept": "text/html"},
            follow_redirects=True,
        )
        assert page.status_code == 200
        assert "Belarus" in page.text and "2007" in page.text
        assert "committed to international cooperation" in page.text
        answer = httpx.get(
            url + "/sparql",
            params={
                "query": "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/pledgegraph/ontology#Candidature> }"
            },
            headers={"Accept": "application/sparql-results+json"},
        )
        assert answer.status_code == 200
        assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) >= 9
    finally:
        server.terminate()
        server.wait(timeout=10)
