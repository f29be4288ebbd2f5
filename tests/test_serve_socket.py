"""The server over a real socket (uvicorn on 127.0.0.1): SPARQL clients, raw paths and the query time limit."""

from __future__ import annotations

import http.client
import threading
import time
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

import serve_fixtures

# the shared fixtures, used by name in this module
built = serve_fixtures.built
live = serve_fixtures.live


pytestmark = pytest.mark.server

DATA = "https://w3id.org/pledgegraph/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def raw_get(live: Any, path: str, accept: str = "*/*") -> tuple[int, dict[str, str], bytes]:
    """A request with the path sent exactly as written (http clients normalise dot segments)."""
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.putheader("Accept", accept)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def wrapper(live: Any, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    w = SPARQLWrapper(live.url + "sparql")
    w.setQuery(query)
    w.setReturnFormat(fmt)
    if method == "POST":
        w.setMethod(POST)
    return w


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(live: Any, method: str) -> None:
    q = f"PREFIX pg: <{live.url}ontology#> SELECT ?iso WHERE {{ ?s pg:candidate/pg:iso3 ?iso }}"
    result = wrapper(live, q, JSON, method).queryAndConvert()
    assert "BLR" in {b["iso"]["value"] for b in result["results"]["bindings"]}  # type: ignore[index]


def test_sparqlwrapper_select_xml(live: Any) -> None:
    q = f"PREFIX pg: <{live.url}ontology#> SELECT ?iso WHERE {{ ?s pg:candidate/pg:iso3 ?iso }}"
    doc = wrapper(live, q, XML).queryAndConvert()
    values = [n.firstChild.data for n in doc.getElementsByTagName("literal")]  # type: ignore[union-attr]
    assert "BLR" in values


def test_sparqlwrapper_construct_turtle(live: Any) -> None:
    # served with --base: /sparql answers for the IRIs the pages and documents show
    q = f"PREFIX pg: <{live.url}ontology#> CONSTRUCT {{ ?c pg:candidate ?s }} WHERE {{ ?c pg:candidate ?s }}"
    w = wrapper(live, q, TURTLE)
    body = w.query().response.read()
    triples = [t.triple for t in ox.parse(body, format=ox.RdfFormat.TURTLE)]
    assert serve_fixtures.blr_candidate(live.url) in triples


def test_sparql_sees_the_iris_the_pages_show(live: Any) -> None:
    """With --base, a query at /sparql names things by the IRIs of the documents (and finds nothing
    by the data's own), and its answers carry them too."""
    for base, expected in ((live.url, 1), (DATA, 0)):
        q = f'SELECT ?s WHERE {{ ?s <{base}ontology#iso3> "BLR" }}'
        result = wrapper(live, q, JSON).queryAndConvert()
        rows = result["results"]["bindings"]  # type: ignore[index]
        assert len(rows) == expected, base
        if rows:
            assert rows[0]["s"]["value"] == live.url + "id/state/BLR"
    _, _, body = raw_get(live, "/doc/id/state/BLR", "text/turtle")
    subjects = {q.subject.value for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}
    assert live.url + "id/state/BLR" in subjects


def test_iris_are_served_at_the_served_base(live: Any) -> None:
    status, headers, _ = raw_get(live, "/id/state/BLR", "text/turtle")
    assert status == 303 and headers["location"] == "/doc/id/state/BLR"
    status, headers, body = raw_get(live, "/doc/id/state/BLR", "text/turtle")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    subjects = {q.subject for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}
    assert ox.NamedNode(live.url + "id/state/BLR") in subjects  # rewritten onto the served base


@pytest.mark.parametrize(
    "path",
    [
        "/../../etc/passwd",
        "/doc/../../etc/passwd",
        "/static/../../../../etc/passwd",
        "/static/..%2f..%2f..%2fetc%2fpasswd",
        "/dumps/..%2fmanifest.json",
        "/doc/id%2fstate%2fBLR.ttl",
        "/id/state%2FBLR",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/doc/id/state/BLR%00.ttl",
        "/id/" + "a" * 4000,
        "/doc/id/state/" + "%41" * 3000,
    ],
)
def test_paths_outside_the_data_are_404(live: Any, path: str) -> None:
    status, _, body = raw_get(live, path)
    assert status == 404, path
    assert b"Traceback" not in body and b"root:" not in body


def _timed_get(live: Any, query: str, out: dict[str, Any]) -> None:
    start = time.monotonic()
    status, _, body = raw_get(
        live, "/sparql?query=" + quote(query), "application/sparql-results+json"
    )
    out.update(status=status, body=body, elapsed=time.monotonic() - start)


def test_runaway_query_is_stopped_and_others_are_answered(live: Any) -> None:
    timeout = 2.0
    runaway: dict[str, Any] = {}
    thread = threading.Thread(target=_timed_get, args=(live, RUNAWAY, runaway))
    thread.start()
    time.sleep(0.3)
    # while the runaway query runs, the server answers other requests, and quickly
    for _ in range(5):
        quick: dict[str, Any] = {}
        _timed_get(live, "ASK { ?s ?p ?o }", quick)
        assert quick["status"] == 200
        assert quick["elapsed"] < 1.0
        status, _, _ = raw_get(live, "/doc/id/state/BLR.ttl")
        assert status == 200
    thread.join(timeout + 10)
    assert runaway["status"] == 503
    assert runaway["elapsed"] < timeout + 2
    assert b"time limit" in runaway["body"] and b"Traceback" not in runaway["body"]
    # the stopped worker is replaced: two runaway queries in a row are both stopped in time
    again: dict[str, Any] = {}
    _timed_get(live, RUNAWAY, again)
    assert again["status"] == 503 and again["elapsed"] < timeout + 2
    ok: dict[str, Any] = {}
    _timed_get(live, "ASK { ?s ?p ?o }", ok)
    assert ok["status"] == 200


def test_update_refused_over_the_socket(live: Any) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
    conn.request(
        "POST",
        "/sparql",
        body=b"INSERT DATA { <a:b> <a:c> <a:d> }",
        headers={"Content-Type": "application/sparql-update"},
    )
    r = conn.getresponse()
    assert r.status == 403 and b"read-only" in r.read()
    conn.close()
