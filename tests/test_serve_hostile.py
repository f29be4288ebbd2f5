"""The server as an attacker meets it: SSRF by every spelling, runaway and greedy queries, huge and slow heads."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import pytest

import serve_fixtures

built = serve_fixtures.built
live = serve_fixtures.live

pytestmark = pytest.mark.server

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


class Listener:
    """A TCP listener on 127.0.0.1 that counts every connection made to it: it must stay at zero."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list[object] = []
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                continue
            self.hits.append(addr)
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------------
# 1. SSRF: SERVICE and FROM in every spelling the grammar allows; the listener is never reached


def _ssrf_cases(port: int) -> list[tuple[str, str]]:
    u = f"http://127.0.0.1:{port}/x"
    body = "{ ?s ?p ?o }"
    return [
        ("plain", f"SELECT * WHERE {{ SERVICE <{u}> {body} }}"),
        ("lower case", f"select * where {{ service <{u}> {body} }}"),
        ("mixed case", f"SELECT * WHERE {{ SeRvIcE <{u}> {body} }}"),
        ("silent", f"SELECT * WHERE {{ SERVICE SILENT <{u}> {body} }}"),
        (
            "escape then hash in an IRI (the reported bypass)",
            f"SELECT * WHERE {{ <http://a/\\u0041#> ?p ?o . SERVICE <{u}> {body} }}",
        ),
        (
            "long escape then hash",
            f"SELECT * WHERE {{ <http://a/\\U00000041#> ?p ?o . SERVICE <{u}> {body} }}",
        ),
        ("escaped IRI", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/\\u0078> {body} }}"),
        ("escaped keyword", f"SELECT * WHERE {{ \\u0053ERVICE <{u}> {body} }}"),
        (
            "prefixed name",
            f"PREFIX x: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE x:x {body} }}",
        ),
        (
            "relative IRI",
            f"BASE <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE <x> {body} }}",
        ),
        ("variable", f"SELECT * WHERE {{ VALUES ?e {{ <{u}> }} SERVICE ?e {body} }}"),
        ("sub-query", f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{u}> {body} }} }} }}"),
        ("optional", f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE <{u}> {body} }} }}"),
        ("union", f"SELECT * WHERE {{ {{ ?a ?b ?c }} UNION {{ SERVICE <{u}> {body} }} }}"),
        ("minus", f"SELECT * WHERE {{ ?a ?b ?c MINUS {{ SERVICE <{u}> {body} }} }}"),
        ("graph", f"SELECT * WHERE {{ GRAPH ?g {{ SERVICE <{u}> {body} }} }}"),
        ("exists", f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{u}> {body} }} }}"),
        ("comment before", f"SELECT * WHERE {{ # }}\n SERVICE <{u}> {body} }}"),
        (
            "escaped newline in a comment",
            f"SELECT * WHERE {{ ?a ?b ?c # \\u000a SERVICE <{u}> {body}\n }}",
        ),
        ("quote in a string", f'SELECT * WHERE {{ BIND("a\\"" AS ?x) SERVICE <{u}> {body} }}'),
        ("long string", f"SELECT * WHERE {{ BIND('''a'b''' AS ?x) SERVICE <{u}> {body} }}"),
        ("tab", f"SELECT * WHERE {{\tSERVICE\t<{u}>\t{body} }}"),
        ("ask", f"ASK {{ SERVICE <{u}> {body} }}"),
        ("construct", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{u}> {body} }}"),
        ("describe", f"DESCRIBE ?s WHERE {{ SERVICE <{u}> {body} }}"),
        ("from", f"SELECT * FROM <{u}> WHERE {body}"),
        ("from named", f"SELECT * FROM NAMED <{u}> WHERE {{ GRAPH ?g {body} }}"),
        ("escaped from", f"SELECT * FR\\u004FM <{u}> WHERE {body}"),
        ("from in construct", f"CONSTRUCT {{ ?s ?p ?o }} FROM <{u}> WHERE {body}"),
        ("from in ask", f"ASK FROM <{u}> {body}"),
    ]


def test_ssrf_by_every_spelling_never_reaches_the_network(live: Any, listener: Listener) -> None:
    cases = _ssrf_cases(listener.port)
    assert len(cases) >= 20
    for name, query in cases:
        for method in ("GET", "POST"):
            if method == "GET":
                status, _, body = request(live.port, "GET", "/sparql?query=" + quote(query))
            else:
                status, _, body = request(
                    live.port,
                    "POST",
                    "/sparql",
                    query.encode(),
                    {"Content-Type": "application/sparql-query"},
                )
            assert status == 400, (name, status, body)
            assert b"Traceback" not in body
    time.sleep(0.3)
    assert listener.hits == [], "a query reached the network"


def test_query_processes_cannot_reach_the_network(built: Path, listener: Listener) -> None:
    """Defence in depth: the app's own query path skips the client check, and still cannot connect."""
    from pledgegraph.serve.backend import BackendError, ProcessPoolBackend

    backend = ProcessPoolBackend(built / "store", timeout=10)
    backend.start()
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/x> {{ ?s ?p ?o }} }}"
        for pool in (backend.pages, backend.queries):
            with pytest.raises(BackendError):
                pool.call(("select", query, {}))
    finally:
        backend.close()
    assert listener.hits == []


def test_a_worker_that_cannot_isolate_itself_refuses_to_serve(tmp_path: Path) -> None:
    """Deny by default: without seccomp, a SPARQL process says why and exits instead of serving."""
    code = (
        "import sys; sys.modules['pyseccomp'] = None\n"
        "from multiprocessing.connection import Connection\n"
        "import os\n"
        "from pledgegraph.serve import worker\n"
        "r1, w1 = os.pipe(); r2, w2 = os.pipe()\n"
        "worker.serve_forever(Connection(r1, writable=False), Connection(w2, readable=False), None,"
        " memory_mb=512, isolate=True)\n"
        "print(Connection(r2, writable=False).recv())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "cannot isolate" in out.stdout and "'error'" in out.stdout


# --------------------------------------------------------------------------------------------------
# 2. Runaway queries: pages and lookups go on; one client cannot take every query process


def _runaway_loop(port: int, stop: threading.Event, statuses: list[int]) -> None:
    while not stop.is_set():
        status, _, _ = request(port, "GET", "/sparql?query=" + quote(RUNAWAY), timeout=60)
        statuses.append(status)


def test_runaway_clients_do_not_take_the_pages_down(built: Path) -> None:
    from pledgegraph.serve.app import create_app

    app = create_app(built, data_dir=built, query_timeout=3.0, workers=3)
    with serve_fixtures.LiveServer(app) as server:
        stop = threading.Event()
        runaway: list[int] = []
        threads = [
            threading.Thread(target=_runaway_loop, args=(server.port, stop, runaway))
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        time.sleep(0.5)
        slowest = 0.0
        try:
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                for path in (
                    "/",
                    "/doc/id/state/BLR.html",
                    "/doc/id/state/BLR.ttl",
                    "/id/state/BLR",
                ):
                    start = time.monotonic()
                    status, _, _ = request(server.port, "GET", path)
                    slowest = max(slowest, time.monotonic() - start)
                    assert status in (200, 303), (path, status)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        assert runaway and set(runaway) <= {503, 429}
        # generous: the bench measures p99 under load (bench/hostile_bench.py); this proves no queueing
        assert slowest < 3.0


def test_one_client_gets_429_past_its_share(built: Path) -> None:
    from pledgegraph.serve.app import create_app

    app = create_app(built, data_dir=built, query_timeout=3.0, workers=3, per_client=1)
    with serve_fixtures.LiveServer(app) as server:
        results: list[int] = []
        first = threading.Thread(
            target=lambda: results.append(
                request(server.port, "GET", "/sparql?query=" + quote(RUNAWAY))[0]
            )
        )
        first.start()
        time.sleep(0.5)
        status, headers, body = request(server.port, "GET", "/sparql?query=" + quote(RUNAWAY))
        first.join(30)
        assert status == 429 and "retry-after" in headers and b"at once" in body
        assert results == [503]


# --------------------------------------------------------------------------------------------------
# 3. Heads: size, time, idle connections, connection count


@pytest.fixture
def served(built: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`pledgegraph serve` as a real process (its memory is measured from /proc)."""
    port = serve_fixtures.free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pledgegraph.cli",
            "serve",
            "--data",
            str(built),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stderr=subprocess.PIPE,
    )
    proc.port = port  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/", timeout=5)[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("the server did not start")
    yield proc
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_huge_accept_headers_are_refused_and_cost_no_memory(
    served: subprocess.Popen[bytes],
) -> None:
    port = served.port  # type: ignore[attr-defined]
    for _ in range(3):
        request(port, "GET", "/doc/id/state/BLR", headers={"Accept": "text/turtle"})
    before = _rss_mib(served.pid)
    for i in range(40):
        header = f"text/x-{i}," + "a/b;q=0.1," * (1_000_000 // 10)
        try:
            status, _, _ = request(port, "GET", "/doc/id/state/BLR", headers={"Accept": header})
        except (ConnectionError, http.client.HTTPException):
            continue  # refused before the head was read in full: as good
        assert status == 431
    # many distinct short headers: remembered within a bound
    for i in range(2000):
        request(
            port, "GET", "/doc/id/state/BLR", headers={"Accept": f"text/turtle;q=0.{i % 10}, x/{i}"}
        )
    after = _rss_mib(served.pid)
    assert after - before < 60, (before, after)
    assert request(port, "GET", "/doc/id/state/BLR.ttl")[0] == 200


def _connection_closed_within(port: int, send: bytes, seconds: float) -> float:
    with socket.create_connection(("127.0.0.1", port), timeout=seconds + 5) as s:
        if send:
            s.sendall(send)
        start = time.monotonic()
        while True:
            data = s.recv(4096)
            if not data:
                return time.monotonic() - start


def test_slow_and_idle_connections_are_closed(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pledgegraph.serve import http as guarded
    from pledgegraph.serve.app import create_app

    monkeypatch.setattr(guarded, "HEAD_SECONDS", 1.0)
    monkeypatch.setattr(guarded, "KEEP_ALIVE_SECONDS", 1)
    app = create_app(built, data_dir=built, query_timeout=3.0)
    with serve_fixtures.LiveServer(app) as server:
        # a connection that never sends a byte
        assert _connection_closed_within(server.port, b"", 1.0) < 3
        # a head that trickles in (slowloris)
        assert _connection_closed_within(server.port, b"GET / HTTP/1.1\r\nHost: x\r\n", 1.0) < 3
        # an idle kept-alive connection after a full answer
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(b"GET /doc/id/state/BLR.ttl HTTP/1.1\r\nHost: x\r\n\r\n")
            start = time.monotonic()
            while s.recv(65536):
                pass
            assert time.monotonic() - start < 4


def test_connections_are_capped(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pledgegraph.serve import http as guarded
    from pledgegraph.serve.app import create_app

    monkeypatch.setattr(guarded, "MAX_CONNECTIONS", 5)
    app = create_app(built, data_dir=built, query_timeout=3.0)
    with serve_fixtures.LiveServer(app) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(5)]
        try:
            status, _, _ = request(server.port, "GET", "/doc/id/state/BLR.ttl")
            assert status == 503
        finally:
            for s in idle:
                s.close()
        time.sleep(0.3)
        assert request(server.port, "GET", "/doc/id/state/BLR.ttl")[0] == 200


# --------------------------------------------------------------------------------------------------
# 7, 10. Deep nesting and greedy queries; every process death is logged


def test_deeply_nested_query_gets_400_and_the_processes_live(live: Any) -> None:
    deep = "SELECT * WHERE " + "{ " * 10_000 + "?s ?p ?o" + " }" * 10_000
    assert len(deep.encode()) < 64 * 1024
    less_deep = "SELECT * WHERE " + "{" * 2_000 + "?s ?p ?o" + "}" * 2_000
    for method in ("GET", "POST"):
        if method == "GET":
            status, _, body = request(live.port, "GET", "/sparql?query=" + quote(less_deep))
        else:
            status, _, body = request(
                live.port,
                "POST",
                "/sparql",
                deep.encode(),
                {"Content-Type": "application/sparql-query"},
            )
        assert status == 400 and b"nested too deeply" in body
    parens = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    status, _, body = request(live.port, "GET", "/sparql?query=" + quote(parens))
    assert status == 400 and b"nested too deeply" in body
    ok = request(live.port, "GET", "/sparql?query=" + quote("ASK { ?s ?p ?o }"))
    assert ok[0] == 200


def test_greedy_query_is_stopped_by_the_memory_limit(
    built: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from pledgegraph.serve.app import create_app

    greedy = (
        "SELECT (GROUP_CONCAT(CONCAT(STR(?a), STR(?b), STR(?c), STR(?d))) AS ?x) "
        "WHERE { ?a ?p ?c . ?b ?q ?d }"
    )
    app = create_app(built, data_dir=built, query_timeout=20.0, memory_mb=400)
    with serve_fixtures.LiveServer(app) as server, caplog.at_level("WARNING"):
        start = time.monotonic()
        status, _, body = request(server.port, "GET", "/sparql?query=" + quote(greedy))
        assert status == 503 and b"more memory" in body, body
        assert time.monotonic() - start < 20
        assert request(server.port, "GET", "/sparql?query=" + quote("ASK { ?s ?p ?o }"))[0] == 200
        time.sleep(1)
    assert any("ended (died" in r.getMessage() for r in caplog.records)


def test_a_killed_worker_is_logged_and_replaced(
    built: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from pledgegraph.serve.backend import ProcessPoolBackend

    backend = ProcessPoolBackend(built / "store", timeout=5)
    backend.start()
    try:
        with caplog.at_level("WARNING"):
            for pid in backend.queries.pids():
                os.kill(pid, 9)
            answers = 0
            for _ in range(10):
                try:
                    backend.sparql("ASK { ?s ?p ?o }", "application/sparql-results+json", None)
                    answers += 1
                except Exception:
                    time.sleep(0.5)
            assert answers
            time.sleep(1)
        assert any("ended (died" in r.getMessage() for r in caplog.records)
    finally:
        backend.close()


# --------------------------------------------------------------------------------------------------
# 10, 12. Service description from the manifest; one query per request; CSP on the SPARQL pages


def test_service_description_lists_graphs_without_scanning(built: Path) -> None:
    import json

    from starlette.testclient import TestClient

    from pledgegraph.serve.app import create_app
    from pledgegraph.serve.backend import DirectBackend
    from pledgegraph.store import load_in_memory

    class Counting(DirectBackend):
        selects: ClassVar[list[str]] = []

        def select(self, query: str, bindings: Any = None) -> Any:
            self.selects.append(query)
            return super().select(query, bindings)

    backend = Counting(load_in_memory(built))
    app = create_app(backend, data_dir=built)
    with TestClient(app) as client:
        r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    graphs = json.loads((built / "manifest.json").read_text())["graphs"]
    for g in graphs:
        assert g in r.text
    assert not any("GRAPH ?g" in q for q in backend.selects)


def test_two_queries_in_one_request_are_refused(live: Any) -> None:
    status, _, body = request(live.port, "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert status == 400 and b"give one" in body
    status, _, body = request(
        live.port,
        "POST",
        "/sparql?query=ASK%7B%7D",
        b"query=ASK%7B%7D",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 400


def test_sparql_pages_carry_the_csp(live: Any) -> None:
    for path in ("/sparql", "/sparql?query=" + quote("ASK { ?s ?p ?o }")):
        status, headers, _ = request(live.port, "GET", path, headers={"Accept": "text/html"})
        assert status == 200
        assert "default-src 'self'" in headers.get("content-security-policy", "")


# --------------------------------------------------------------------------------------------------
# 11. A build the server cannot load: one line, exit 2, before it listens


def test_serve_on_a_truncated_build_is_one_line_and_exit_2(built: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "build"
    shutil.copytree(built, broken)
    text = (broken / "graph.ttl").read_bytes()
    (broken / "graph.ttl").write_bytes(text[: len(text) // 3])
    out = subprocess.run(
        [sys.executable, "-m", "pledgegraph.cli", "serve", "--data", str(broken), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "graph.ttl" in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_serve_endpoint_takes_its_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`serve --endpoint` reads the store password from $PLEDGEGRAPH_STORE_PASSWORD (no command line)."""
    import base64
    import http.server

    import uvicorn
    from starlette.testclient import TestClient

    from pledgegraph.cli import main

    seen: list[str | None] = []

    class Store(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            auth = self.headers.get("Authorization")
            seen.append(auth)
            if auth != "Basic " + base64.b64encode(b"reader:s3cret").decode():
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="store"')
                self.end_headers()
                return
            body = b'{"head": {}, "boolean": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Store)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    answers: list[int] = []

    def run(self: Any) -> None:
        with TestClient(self.config.app) as client:
            r = client.get(
                "/sparql",
                params={"query": "ASK { ?s ?p ?o }"},
                headers={"Accept": "application/sparql-results+json"},
            )
            answers.append(r.status_code)

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setenv("PLEDGEGRAPH_STORE_PASSWORD", "s3cret")
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    try:
        code = main(["serve", "--endpoint", endpoint, "--user", "reader", "--data", "/nonexistent"])
    finally:
        server.shutdown()
    assert code == 0 and answers == [200]
    assert "--password is visible" not in capsys.readouterr().err
