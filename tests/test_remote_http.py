"""RemoteStore and publish over HTTP against small stores on 127.0.0.1 (http.server): logins (digest,
basic, or the scheme the store asks for), stores that hang, the answers of real stores (Virtuoso's
quirks), bindings and the messages a person acts on."""

from __future__ import annotations

import base64
import hashlib
import http.server
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, QueryResultsFormat, RdfFormat, serialize

from pledgegraph import remote
from pledgegraph.publish import publish
from pledgegraph.remote import LoginRefused, RemoteStore, RemoteStoreError, with_bindings
from pledgegraph.sparql_syntax import shape

pytestmark = pytest.mark.server

USER, PASSWORD, REALM, NONCE = "alice", "s3cret", "SPARQL", "dcd98b7102dd2f0e8b11d0f600bfb0c0"
XSD = "http://www.w3.org/2001/XMLSchema#"
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
ASK_TRUE = (
    "application/sparql-results+xml",
    f'<sparql xmlns="{RESULTS_NS}"><head/><boolean>true</boolean></sparql>',
)
TIMEOUT = 1.0
BOUND = TIMEOUT + 2.0
"""Seconds within which a call to a store that never answers must have given up."""


# -- a small store -------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    authorization: str
    accept: str
    body: bytes
    connection: int  # the client's port: one per TCP connection


@dataclass
class Store:
    """What the store demands and answers, and every request it was sent."""

    login: str  # "digest", "basic" or "none"
    answer: tuple[str, str] = ASK_TRUE  # content type and body of the answer to every query
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    @property
    def endpoint(self) -> str:
        return self.url + "/sparql"

    @property
    def graph_store(self) -> str:
        return self.url + "/graph-store"

    def authorized(self, header: str, method: str, uri: str) -> bool:
        if self.login == "none":
            return True
        if self.login == "basic":
            token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            return header == f"Basic {token}"
        if not header.startswith("Digest "):
            return False
        fields = {k: a or b for k, a, b in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', header)}

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        ha1, ha2 = md5(f"{USER}:{REALM}:{PASSWORD}"), md5(f"{method}:{uri}")
        parts = [fields.get(k, "") for k in ("nonce", "nc", "cnonce", "qop")]
        expected = md5(":".join([ha1, *parts, ha2]))
        return (
            fields.get("username") == USER
            and fields.get("nonce") == NONCE
            and fields.get("uri") == uri
            and fields.get("response") == expected
        )

    def challenge(self) -> str:
        if self.login == "basic":
            return f'Basic realm="{REALM}"'
        return f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth", algorithm="MD5"'


def handler_for(store: Store) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the client may reuse its connection

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            authorization = self.headers.get("Authorization", "")
            store.requests.append(
                Request(
                    self.command,
                    self.path,
                    authorization,
                    self.headers.get("Accept", ""),
                    body,
                    self.client_address[1],
                )
            )
            if not store.authorized(authorization, self.command, self.path):
                self._reply(401, b"login needed", {"WWW-Authenticate": store.challenge()})
                return
            if store.status != 200:
                self._reply(store.status, b"Something broke\nat line 2", store.headers)
                return
            if self.command in ("PUT", "POST", "DELETE") and self.path.startswith("/graph-store"):
                self._reply(204, b"", {})
                return
            content_type, text = store.answer
            self._reply(200, text.encode(), {"Content-Type": content_type})

        do_GET = do_POST = do_PUT = do_DELETE = _handle

    return Handler


@pytest.fixture
def serve() -> Iterator[object]:
    """Starts a store on a free port of 127.0.0.1: ``serve(login, ...)`` gives its Store."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(login: str = "none", **kwargs: object) -> Store:
        store = Store(login, **kwargs)  # type: ignore[arg-type]
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_for(store))
        server.daemon_threads = True
        store.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return store

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def query_of(request: Request) -> str:
    return urllib.parse.parse_qs(request.body.decode())["query"][0]


# -- logging in ----------------------------------------------------------------------------------


def test_auto_answers_a_digest_challenge_and_keeps_to_it(serve) -> None:
    store = serve("digest")
    client = RemoteStore(store.endpoint, user=USER, password=PASSWORD, timeout=TIMEOUT)
    try:
        assert all(client.ask("ASK {}") for _ in range(5))
    finally:
        client.close()
    answered = [r for r in store.requests if r.authorization]
    assert len(answered) == 5, "one request with the login per query once the challenge is known"
    assert all(r.authorization.startswith("Digest ") for r in answered)
    assert not any(PASSWORD in r.authorization for r in store.requests)
    # Connections are reused: the five queries travelled on one or two connections, not five.
    assert len({r.connection for r in answered}) <= 2, store.requests


def test_auto_answers_a_basic_challenge(serve) -> None:
    store = serve("basic")
    client = RemoteStore(store.endpoint, user=USER, password=PASSWORD, timeout=TIMEOUT)
    try:
        assert client.ask("ASK {}") and client.ask("ASK {}")
    finally:
        client.close()
    assert [bool(r.authorization) for r in store.requests] == [False, True, True]


def test_basic_sends_the_login_with_the_first_request(serve) -> None:
    store = serve("basic")
    client = RemoteStore(store.endpoint, user=USER, password=PASSWORD, auth="basic")
    try:
        assert client.ask("ASK {}")
    finally:
        client.close()
    assert len(store.requests) == 1 and store.requests[0].authorization.startswith("Basic ")


def test_digest_forced_logs_in_to_a_digest_store_only(serve) -> None:
    digest, basic = serve("digest"), serve("basic")
    client = RemoteStore(digest.endpoint, user=USER, password=PASSWORD, auth="digest")
    assert client.ask("ASK {}")
    client.close()
    client = RemoteStore(basic.endpoint, user=USER, password=PASSWORD, auth="digest")
    with pytest.raises(LoginRefused, match="login refused"):
        client.ask("ASK {}")
    client.close()
    assert not any(r.authorization for r in basic.requests), "the password went to a basic store"


@pytest.mark.parametrize("login", ["digest", "basic"])
@pytest.mark.parametrize("auth", ["auto", "digest", "basic"])
def test_a_wrong_password_is_a_refused_login(serve, login: str, auth: str) -> None:
    store = serve(login)
    client = RemoteStore(store.endpoint, user=USER, password="wrong", auth=auth, timeout=TIMEOUT)  # type: ignore[arg-type]
    with pytest.raises(LoginRefused) as caught:
        client.ask("ASK {}")
    client.close()
    assert "check the user and the password" in str(caught.value)
    assert caught.value.status == 401


@pytest.mark.parametrize("login", ["digest", "basic"])
def test_publish_logs_in_to_the_graph_store(serve, tmp_path: Path, login: str) -> None:
    store = serve(login)
    quads = [
        Quad(
            NamedNode(f"urn:x:s{n}"), NamedNode("urn:x:p"), Literal(str(n)), NamedNode(f"urn:g:{g}")
        )
        for g in ("a", "b")
        for n in range(5)
    ]
    (tmp_path / "dataset.nq").write_bytes(serialize(quads, format=RdfFormat.N_QUADS) or b"")
    report = publish(
        tmp_path, store.endpoint, store.graph_store, USER, PASSWORD,
        timeout=TIMEOUT, chunk_size=2, log=lambda message: None,
    )  # fmt: skip
    assert report.method == "graph-store" and report.triples == 10
    writes = [r for r in store.requests if r.path.startswith("/graph-store") and r.authorization]
    assert [r.method for r in writes] == ["PUT", "POST", "POST"] * 2
    assert {
        urllib.parse.parse_qs(urllib.parse.urlsplit(r.path).query)["graph"][0] for r in writes
    } == {
        "urn:g:a",
        "urn:g:b",
    }
    assert b"<urn:x:s4>" in b"".join(r.body for r in writes)
    # One client per store: the query endpoint and the Graph Store share its connections.
    assert len({r.connection for r in store.requests}) <= 2, store.requests


# -- stores that fail: one line, within the time limit ----------------------------------------------


@pytest.fixture
def silent_store() -> Iterator[object]:
    """``silent_store(headers_only)``: the URL of a store that accepts connections and never
    answers, or (``headers_only``) sends the head of an answer and then nothing more."""
    sockets: list[socket.socket] = []
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(headers_only: bool = False) -> str:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.settimeout(0.2)
        sockets.append(server)

        def accept() -> None:
            while not stop.is_set():
                try:
                    connection = server.accept()[0]
                except OSError:
                    continue
                sockets.append(connection)
                if headers_only:
                    connection.recv(65536)
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<spa")

        threads.append(threading.Thread(target=accept, daemon=True))
        threads[-1].start()
        return f"http://127.0.0.1:{server.getsockname()[1]}/sparql"

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    for opened in sockets:
        opened.close()


@pytest.mark.parametrize("headers_only", [False, True])
def test_a_hung_store_times_out_within_the_limit(silent_store, headers_only: bool) -> None:
    url = silent_store(headers_only)
    client = RemoteStore(url, timeout=TIMEOUT)
    started = time.monotonic()
    with pytest.raises(RemoteStoreError) as caught:
        client.ask("ASK {}")
    client.close()
    assert time.monotonic() - started < BOUND
    assert str(caught.value) == (
        f"no answer from {url} within {TIMEOUT:g} s (timeout): is the store overloaded or hung?"
    )


def test_a_hung_store_stops_publish_within_the_limit(silent_store, tmp_path: Path) -> None:
    from pledgegraph.publish import PublishError

    quad = Quad(
        NamedNode("urn:x:s"), NamedNode("urn:x:p"), NamedNode("urn:x:o"), NamedNode("urn:g")
    )
    (tmp_path / "dataset.nq").write_bytes(serialize([quad], format=RdfFormat.N_QUADS) or b"")
    url = silent_store()
    started = time.monotonic()
    with pytest.raises(PublishError, match="timeout"):
        publish(
            tmp_path, url, url + "-graph-store", None, None, timeout=TIMEOUT, log=lambda m: None
        )
    assert time.monotonic() - started < BOUND


def test_name_resolution_is_bounded_by_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hanging(*args: object, **kwargs: object) -> object:
        release.wait(30)
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    client = RemoteStore("http://store.example/sparql", timeout=TIMEOUT)
    started = time.monotonic()
    try:
        with pytest.raises(RemoteStoreError) as caught:
            client.ask("ASK {}")
    finally:
        release.set()
        client.close()
    assert time.monotonic() - started < BOUND
    assert str(caught.value) == f"cannot resolve host 'store.example' within {TIMEOUT:g} s (DNS)"


def test_a_store_that_is_not_running() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = RemoteStore(f"http://127.0.0.1:{port}/sparql", timeout=TIMEOUT)
    with pytest.raises(RemoteStoreError) as caught:
        client.ask("ASK {}")
    assert str(caught.value) == (
        f"cannot connect to 127.0.0.1:{port} (connection refused): is the store running?"
    )


@pytest.mark.parametrize(
    ("status", "headers", "message"),
    [
        (404, {}, "nothing at {url} (HTTP 404): check the URL of the endpoint"),
        (403, {}, "forbidden by {url} (HTTP 403): the user may not do this; check the user's rights"),
        (500, {}, "{url} answered HTTP 500 Internal Server Error: Something broke"),
        (301, {"Location": "https://store.example/sparql"},
         "{url} moved (HTTP 301) to https://store.example/sparql: give that URL instead"),
    ],
)  # fmt: skip
def test_an_answer_other_than_2xx_is_one_line(
    serve, status: int, headers: dict[str, str], message: str
) -> None:
    store = serve(status=status, headers=headers)
    client = RemoteStore(store.endpoint, timeout=TIMEOUT)
    with pytest.raises(RemoteStoreError) as caught:
        client.select("SELECT * WHERE { ?s ?p ?o }")
    client.close()
    assert str(caught.value) == message.format(url=store.endpoint)
    assert caught.value.status == status
    assert isinstance(caught.value, LoginRefused) == (status == 403)
    assert len(store.requests) == 1, "a redirect is named, not followed"


def test_an_answer_that_is_not_sparql_results(serve) -> None:
    store = serve(answer=("text/html", "<html><body>Welcome</body></html>"))
    client = RemoteStore(store.endpoint, timeout=TIMEOUT)
    with pytest.raises(RemoteStoreError, match=r"did not answer SPARQL results \(text/html\)"):
        client.ask("ASK {}")
    store.answer = ("application/sparql-results+json", '{"head": {"vars": ["s"]}, "results": ')
    with pytest.raises(RemoteStoreError, match="answered unreadable SPARQL results"):
        client.select("SELECT ?s WHERE { ?s ?p ?o }")
    client.close()


# -- the answers of real stores --------------------------------------------------------------------


def xml_results(names: list[str], rows: list[dict[str, str]]) -> tuple[str, str]:
    head = "".join(f'<variable name="{n}"/>' for n in names)
    body = "".join(
        "<result>"
        + "".join(f'<binding name="{k}">{v}</binding>' for k, v in row.items())
        + "</result>"
        for row in rows
    )
    return (
        "application/sparql-results+xml; charset=UTF-8",
        f'<sparql xmlns="{RESULTS_NS}"><head>{head}</head><results>{body}</results></sparql>',
    )


def test_results_are_asked_for_as_xml_first_and_read_in_either_format(serve) -> None:
    store = serve(answer=xml_results(["s"], [{"s": "<uri>urn:x:a</uri>"}]))
    client = RemoteStore(store.endpoint, timeout=TIMEOUT)
    assert client.select("SELECT ?s WHERE { ?s ?p ?o }") == (["s"], [{"s": NamedNode("urn:x:a")}])
    assert store.requests[-1].accept.startswith("application/sparql-results+xml")
    store.answer = (
        "application/sparql-results+json",
        '{"head": {"vars": ["s", "o"]}, "results": {"bindings": [{"s": {"type": "uri", '
        '"value": "urn:x:a"}, "o": {"type": "literal", "xml:lang": "en", "value": "hi"}}]}}',
    )
    assert client.select("SELECT ?s ?o WHERE { ?s ?p ?o }") == (
        ["s", "o"],
        [{"s": NamedNode("urn:x:a"), "o": Literal("hi", language="en")}],
    )
    store.answer = ("application/sparql-results+json", '{"head": {}, "boolean": false}')
    assert client.ask("ASK {}") is False
    client.close()


def test_virtuoso_booleans_as_1_and_0_are_true_and_false(serve) -> None:
    """Virtuoso 7.2 answers xsd:boolean as 1/0 in SELECT results as JSON."""

    def boolean(value: str) -> str:
        return f'{{"type": "typed-literal", "datatype": "{XSD}boolean", "value": "{value}"}}'

    store = serve(
        answer=(
            "application/sparql-results+json",
            f'{{"head": {{"link": [], "vars": ["yes", "no"]}}, "results": {{"distinct": false, '
            f'"ordered": true, "bindings": [{{"yes": {boolean("1")}, "no": {boolean("0")}}}]}}}}',
        )
    )
    client = RemoteStore(store.endpoint, timeout=TIMEOUT)
    _, rows = client.select("SELECT ?yes ?no WHERE { ?s ?p ?yes, ?no }")
    client.close()
    boolean_type = NamedNode(XSD + "boolean")
    assert rows == [
        {
            "yes": Literal("true", datatype=boolean_type),
            "no": Literal("false", datatype=boolean_type),
        }
    ]


@pytest.mark.parametrize("results_format", ["xml", "json"])
def test_virtuoso_blank_node_labels_become_valid_blank_nodes(serve, results_format: str) -> None:
    """Virtuoso labels blank nodes nodeID://b10001, which pyoxigraph's parser refuses."""
    labels = ["nodeID://b10001", "nodeID://b10001", "b2", "weird:label/1"]
    if results_format == "xml":
        answer = xml_results(["b"], [{"b": f"<bnode>{label}</bnode>"} for label in labels])
    else:
        bindings = ", ".join(
            f'{{"b": {{"type": "bnode", "value": "{label}"}}}}' for label in labels
        )
        answer = (
            "application/sparql-results+json",
            f'{{"head": {{"vars": ["b"]}}, "results": {{"bindings": [{bindings}]}}}}',
        )
    store = serve(answer=answer)
    client = RemoteStore(store.endpoint, timeout=TIMEOUT)
    _, rows = client.select("SELECT ?b WHERE { ?b ?p ?o }")
    client.close()
    nodes = [row["b"] for row in rows]
    assert all(isinstance(node, BlankNode) for node in nodes)
    assert nodes[0] == nodes[1] == BlankNode("b10001") and nodes[2] == BlankNode("b2")
    assert nodes[3] not in nodes[:3]


def test_repeated_rows_of_a_select_distinct_are_dropped(serve) -> None:
    """Virtuoso 7.2 repeats rows of a SELECT DISTINCT whose columns come from BIND."""
    rows = [
        {"a": "<literal>x</literal>"},
        {"a": "<literal>y</literal>"},
        {"a": "<literal>x</literal>"},
        {},
    ]
    store = serve(answer=xml_results(["a"], [*rows, {}]))
    client = RemoteStore(store.endpoint, timeout=TIMEOUT)
    distinct = "SELECT DISTINCT ?a WHERE { ?s ?p ?o BIND(STR(?o) AS ?a) }"
    assert [row["a"] for row in client.select(distinct)[1]] == [Literal("x"), Literal("y"), None]
    for kept in (
        "SELECT ?a WHERE { ?s ?p ?o BIND(STR(?o) AS ?a) }",
        "# SELECT DISTINCT in a comment\nSELECT ?a WHERE { ?s ?p ?o BIND(STR(?o) AS ?a) }",
        "SELECT ?a WHERE { { SELECT DISTINCT ?a WHERE { ?s ?p ?a } } ?x ?y ?a }",
    ):
        assert len(client.select(kept)[1]) == 5, kept
    client.close()


@pytest.mark.parametrize(
    ("query", "distinct"),
    [
        ("SELECT DISTINCT ?a WHERE { ?a ?b ?c }", True),
        ("prefix x: <urn:x:> select  distinct * { ?a x:b ?c }", True),
        ("SELECT REDUCED ?a WHERE { ?a ?b ?c }", False),
        ("SELECT ?a WHERE { ?a ?b 'SELECT DISTINCT' }", False),
        ("SELECT ?a WHERE { { SELECT DISTINCT ?a WHERE { ?a ?b ?c } } }", False),
        ("# SELECT DISTINCT\nSELECT ?a WHERE { ?a ?b ?c }", False),
        ("ASK { ?a ?b ?c }", False),
    ],
)
def test_query_shape_tells_select_distinct(query: str, distinct: bool) -> None:
    assert shape(query).distinct is distinct


def test_construct_is_read_in_the_format_answered(serve) -> None:
    store = serve(answer=("text/turtle", "<urn:x:s> <urn:x:p> _:b1 . _:b1 <urn:x:q> true ."))
    client = RemoteStore(store.endpoint, timeout=TIMEOUT)
    triples = client.construct("CONSTRUCT WHERE { ?s ?p ?o }")
    assert len(triples) == 2 and store.requests[-1].accept.startswith("application/n-triples")
    store.answer = ("text/html", "<html/>")
    with pytest.raises(RemoteStoreError, match="answered text/html to a CONSTRUCT"):
        client.construct("CONSTRUCT WHERE { ?s ?p ?o }")
    client.close()


# -- bindings ----------------------------------------------------------------------------------------


def test_bindings_open_the_where_group(serve) -> None:
    store = serve(answer=xml_results(["s", "n"], []))
    client = RemoteStore(store.endpoint, timeout=TIMEOUT)
    query = "SELECT ?s ?n WHERE {\n  ?s ?p ?o\n  BIND(STR(?o) AS ?n)\n} ORDER BY ?s"
    bindings = {"s": NamedNode("urn:x:a"), "n": Literal('it\'s "quoted"', language="en")}
    assert client.select(query, bindings) == (["s", "n"], [])
    client.close()
    sent = query_of(store.requests[-1])
    head, where = sent.split("WHERE {", 1)
    assert head == "SELECT ?s ?n "
    values, rest = where.rsplit("\n  ?s ?p ?o", 1)
    assert "VALUES ?s { <urn:x:a> }" in values
    assert 'VALUES ?n { "it\'s \\"quoted\\""@en }' in values
    assert rest == "\n  BIND(STR(?o) AS ?n)\n} ORDER BY ?s"
    assert shape(sent).form == "SELECT", "the query sent parses"


def test_bindings_that_cannot_be_bound() -> None:
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    assert with_bindings(query, None) == query == with_bindings(query, {})
    with pytest.raises(ValueError, match="not a SPARQL variable name"):
        with_bindings(query, {"s }": NamedNode("urn:x:a")})
    with pytest.raises(ValueError, match="only IRIs and literals"):
        with_bindings(query, {"s": BlankNode("b1")})


def test_valid_blank_nodes_leaves_other_text_alone() -> None:
    literal = b"<literal>&lt;bnode&gt;nodeID://b1&lt;/bnode&gt;</literal>"
    assert remote.valid_blank_nodes(literal, QueryResultsFormat.XML) == literal
    text = b'{"head": {"vars": ["o"]}, "results": {"bindings": [{"o": {"type": "literal", "value": "\\"bnode\\" nodeID://x"}}]}}'
    assert remote.valid_blank_nodes(text, QueryResultsFormat.JSON) == text
