"""The app in-process: linked data, content negotiation, pages, the SPARQL protocol and its safety."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
import pytest

import serve_fixtures
from pledgegraph.resources import ontology_file
from serve_fixtures import BLR

# the shared fixtures, used by name in this module
built = serve_fixtures.built
client = serve_fixtures.client


BASE = "https://w3id.org/pledgegraph/"
SPARQL_JSON = "application/sparql-results+json"

# Accept header -> media type of the document about a resource
DOCUMENT_ACCEPT = [
    ("text/html", "text/html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("application/xhtml+xml", "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/x-turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("text/plain", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/xml", "application/rdf+xml"),
    ("*/*", "text/turtle"),
    ("", "text/turtle"),
    ("text/*", "text/turtle"),
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("application/rdf+xml;q=0.9, text/html;q=0.1", "application/rdf+xml"),
    ("image/png", None),
]

# Accept header -> media type of SELECT results
SELECT_ACCEPT = [
    ("application/sparql-results+json", SPARQL_JSON),
    ("application/json", SPARQL_JSON),
    (
        "application/sparql-results+json,application/json,text/javascript,application/javascript",
        SPARQL_JSON,
    ),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("*/*", SPARQL_JSON),
    ("", SPARQL_JSON),
    ("text/html", "text/html"),
]

# Accept header -> media type of CONSTRUCT results
GRAPH_ACCEPT = [
    ("text/turtle", "text/turtle"),
    ("application/turtle,text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("*/*", "text/turtle"),
]

RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

SELECT_STATES = """PREFIX pg: <https://w3id.org/pledgegraph/ontology#>
SELECT ?c ?iso WHERE { ?c a pg:Candidature ; pg:candidate/pg:iso3 ?iso } ORDER BY ?iso"""
CONSTRUCT_BLR = """PREFIX pg: <https://w3id.org/pledgegraph/ontology#>
CONSTRUCT { ?c pg:candidate ?s } WHERE { ?c pg:candidate ?s }"""


def media(response: Any) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0]


def parse(client: Any, body: bytes, media_type: str) -> list[Any]:
    """An RDF answer's quads; a JSON-LD document's published context is fetched from the app, as a
    JSON-LD processor would fetch it."""
    if media_type == "application/ld+json":
        doc = json.loads(body)
        assert doc["@context"] == BASE + "context.jsonld"
        doc["@context"] = client.get("/context.jsonld").json()["@context"]
        body = json.dumps(doc).encode()
    return list(ox.parse(body, format=RDF_FORMATS[media_type], base_iri=BASE))


def no_trace(response: Any) -> None:
    assert "Traceback" not in response.text
    assert 'File "' not in response.text


# -------------------------------------------------------------------------------- linked data


@pytest.mark.parametrize(("accept", "expected"), DOCUMENT_ACCEPT)
def test_document_content_negotiation(client: Any, accept: str, expected: str | None) -> None:
    r = client.get("/doc/id/state/BLR", headers={"Accept": accept})
    if expected is None:
        assert r.status_code == 406
        return
    assert r.status_code == 200, r.text
    assert media(r) == expected
    assert "Accept" in r.headers["vary"]
    if expected in RDF_FORMATS:
        triples = list(parse(client, r.content, expected))
        assert ox.NamedNode(BASE + "id/state/BLR") in {t.subject for t in triples}


@pytest.mark.parametrize("accept", ["text/html", "text/turtle", "application/ld+json", ""])
def test_thing_redirects_303_to_its_document(client: Any, accept: str) -> None:
    r = client.get("/id/state/BLR", headers={"Accept": accept}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/doc/id/state/BLR"
    assert client.get(r.headers["location"], headers={"Accept": accept}).status_code == 200


def test_thing_with_suffix_redirects_to_that_document(client: Any) -> None:
    r = client.get("/id/state/BLR.ttl", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/doc/id/state/BLR.ttl"


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
        ("html", "text/html"),
    ],
)
def test_document_suffixes(client: Any, suffix: str, expected: str) -> None:
    r = client.get(f"/doc/id/{BLR}.{suffix}", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert media(r) == expected
    if expected in RDF_FORMATS:
        triples = [q.triple for q in parse(client, r.content, expected)]
        assert serve_fixtures.blr_candidate(BASE) in triples


@pytest.mark.parametrize(
    "path",
    [
        "/id/state/XXX",
        "/doc/id/state/XXX.html",
        "/id/nothing",
        "/theme/no-such-theme",
        "/doc/",
        "/id/",
        "/nowhere",
        "/doc/id/state/BLR.exe",
        "/dumps/secret.txt",
        "/queries/no-such-query",
        "/static/none.css",
        "/id/state/%2e%2e/%2e%2e/etc/passwd",
        "/doc/id/state%2FBLR.ttl",
        "/" + "x" * 5000,
        "/id/state/" + "B" * 3000,
    ],
)
def test_unknown_paths_are_404(client: Any, path: str) -> None:
    r = client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 404
    no_trace(r)


def test_vocabulary_and_graph_iris_dereference(client: Any) -> None:
    for path in (
        "/theme/children",
        "/vocab/outcome-elected",
        "/ontology",
        "/graph/reference",
        "/id/dataset",
    ):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert (
            client.get(r.headers["location"], headers={"Accept": "text/turtle"}).status_code == 200
        )


def test_named_graph_document_holds_the_graph(client: Any) -> None:
    r = client.get("/doc/graph/letter/BLR-2007-04-09.nt")
    assert r.status_code == 200
    assert r.text.count("\n") > 500


# -------------------------------------------------------------------------------- pages


def test_landing_page(client: Any) -> None:
    r = client.get("/", headers={"Accept": "text/html"})
    assert r.status_code == 200
    text = r.text
    for words in (
        "Candidatures",
        "Belarus",
        "Switzerland",
        "Named queries",
        "Pledges by theme",
        "graph.ttl",
        "dataset.trig",
        "dataset.nt",
        "/sparql",
        f"/doc/id/{BLR}.html",
    ):
        assert words in text, words
    assert "Content-Security-Policy" in r.headers


def test_candidature_page_marks_each_pledge_in_the_letter(client: Any) -> None:
    r = client.get(f"/doc/id/{BLR}.html")
    assert r.status_code == 200
    text = r.text
    assert "The letter&#39;s text" in text or "The letter's text" in text
    assert text.count('<mark id="pledge-') == 20
    assert "Belarus is committed to international cooperation" in text
    assert "Pledges by theme" in text and "International cooperation" in text
    assert "<svg" in text and "Andrei Dapkiunas" in text


def test_state_page_links_both_ways(client: Any) -> None:
    r = client.get("/doc/id/state/BLR.html")
    text = r.text
    assert "<h1>Belarus</h1>" in text
    assert "Linked from" in text and f"/doc/id/{BLR}.html" in text
    assert "<svg" in text


@pytest.mark.parametrize(
    "path",
    [
        "/doc/id/resolution/A-RES-61-180.html",
        "/doc/theme/children.html",
        "/doc/id/mandate/freedom-of-expression.html",
        "/doc/ontology.html",
        f"/doc/id/{serve_fixtures.FIRST_PLEDGE}.html",
        "/.well-known/void",
        "/queries/candidatures",
        "/queries/pledges.html",
        "/sparql",
    ],
)
def test_pages_render(client: Any, path: str) -> None:
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    assert media(r) == "text/html"
    assert "<h1>" in r.text


def test_pledge_page_shows_its_place_in_the_letter(client: Any) -> None:
    text = client.get(f"/doc/id/{serve_fixtures.FIRST_PLEDGE}.html").text
    assert "In the letter" in text and "<mark>Belarus is committed" in text


def test_pages_escape_what_they_show(client: Any) -> None:
    r = client.get("/queries/candidatures", params={"state_iso3": "<script>alert(1)</script>"})
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;" in r.text
    r = client.get(
        "/sparql", params={"query": "SELECT ('<b>x</b>' AS ?v) {}"}, headers={"Accept": "text/html"}
    )
    assert "<b>x</b>" not in r.text and "&lt;b&gt;x&lt;/b&gt;" in r.text


def test_dataset_description_and_dumps(client: Any) -> None:
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and media(r) == "text/turtle"
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    predicates = {t.predicate.value for t in triples}
    assert "http://rdfs.org/ns/void#triples" in predicates
    assert "http://www.w3.org/ns/dcat#distribution" in predicates
    assert "http://purl.org/dc/terms/license" in predicates
    for name, fmt in (
        ("graph.ttl", ox.RdfFormat.TURTLE),
        ("dataset.trig", ox.RdfFormat.TRIG),
        ("dataset.nt", ox.RdfFormat.N_TRIPLES),
    ):
        d = client.get(f"/dumps/{name}")
        assert d.status_code == 200, name
        assert len(list(ox.parse(d.content, format=fmt))) > 1000


# -------------------------------------------------------------------------------- SPARQL protocol


@pytest.mark.parametrize(("accept", "expected"), SELECT_ACCEPT)
def test_select_content_negotiation(client: Any, accept: str, expected: str) -> None:
    r = client.get("/sparql", params={"query": SELECT_STATES}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert media(r) == expected
    assert r.headers["access-control-allow-origin"] == "*"
    if expected == SPARQL_JSON:
        rows = r.json()["results"]["bindings"]
        assert "BLR" in [row["iso"]["value"] for row in rows]
    elif expected == "text/csv":
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert "BLR" in [row["iso"] for row in rows]


@pytest.mark.parametrize(("accept", "expected"), GRAPH_ACCEPT)
def test_construct_content_negotiation(client: Any, accept: str, expected: str) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT_BLR}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert media(r) == expected
    triples = list(ox.parse(r.content, format=RDF_FORMATS[expected]))
    assert len(triples) >= 9


def test_select_by_post_form_and_by_post_query(client: Any) -> None:
    a = client.post("/sparql", data={"query": SELECT_STATES}, headers={"Accept": SPARQL_JSON})
    b = client.post(
        "/sparql",
        content=SELECT_STATES.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON},
    )
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()


def test_ask_and_format_parameter(client: Any) -> None:
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }", "format": "json"})
    assert r.json()["boolean"] is True
    r = client.get("/sparql", params={"query": SELECT_STATES, "format": "tsv"})
    assert media(r) == "text/tab-separated-values" and r.text.startswith("?c\t?iso")


def test_service_description(client: Any) -> None:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert "sparql-service-description#Service" in r.text or "sd:Service" in r.text
    assert "10000 rows" in r.text
    assert "UnionDefaultGraph" in r.text
    html = client.get("/sparql", headers={"Accept": "text/html"})
    assert "<textarea" in html.text


def test_cors_preflight(client: Any) -> None:
    r = client.options(
        "/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]


def test_row_limit(built: Any) -> None:
    from starlette.testclient import TestClient

    from pledgegraph.serve.app import create_app

    app = create_app(built, data_dir=built, max_rows=5, workers=1)
    with TestClient(app) as c:
        r = c.get(
            "/sparql", params={"query": "SELECT * { ?s ?p ?o }"}, headers={"Accept": SPARQL_JSON}
        )
        assert len(r.json()["results"]["bindings"]) == 5
        assert r.headers["x-result-truncated"] == "true"
        r = c.get(
            "/sparql",
            params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
            headers={"Accept": "application/n-triples"},
        )
        assert r.text.count("\n") == 5


# -------------------------------------------------------------------------------- safety


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        (
            {
                "method": "POST",
                "content": b"INSERT DATA { <a:b> <a:c> <a:d> }",
                "headers": {"Content-Type": "application/sparql-update"},
            },
            403,
        ),
        ({"method": "POST", "data": {"update": "DELETE WHERE { ?s ?p ?o }"}}, 403),
        ({"method": "GET", "params": {"query": "DROP ALL"}}, 403),
        ({"method": "GET", "params": {"query": "CLEAR DEFAULT"}}, 403),
        ({"method": "GET", "params": {"update": "LOAD <http://example.org/x>"}}, 403),
        ({"method": "PUT", "content": b"x"}, 405),
        ({"method": "DELETE"}, 405),
    ],
)
def test_updates_are_refused(client: Any, kwargs: dict[str, Any], status: int) -> None:
    method = kwargs.pop("method")
    r = client.request(method, "/sparql", **kwargs)
    assert r.status_code == status
    no_trace(r)
    if status == 403:
        assert "read-only" in r.text
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }", "FROM"),
        (
            "SELECT * FROM NAMED <http://example.org/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
            "FROM NAMED",
        ),
        ("CONSTRUCT { ?s ?p ?o } FROM <http://example.org/x> WHERE { ?s ?p ?o }", "FROM"),
    ],
)
def test_service_and_from_are_refused(client: Any, query: str, word: str) -> None:
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 400
    assert word.split()[0] in r.text and "not allowed" in r.text
    no_trace(r)


def test_dataset_parameters_are_refused(client: Any) -> None:
    r = client.get(
        "/sparql", params={"query": "ASK {}", "default-graph-uri": "http://example.org/g"}
    )
    assert r.status_code == 400 and "default-graph-uri" in r.text


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?x WHERE { BIND("SERVICE and FROM are words" AS ?x) }',
        "SELECT ?service ?from WHERE { BIND(1 AS ?service) BIND(2 AS ?from) }",
        "# SERVICE in a comment, FROM too\nASK {}",
        "PREFIX service: <http://example.org/>\nSELECT * WHERE { ?s service:from ?o } LIMIT 1",
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } LIMIT 1",
    ],
)
def test_keywords_inside_strings_names_and_comments_are_fine(client: Any, query: str) -> None:
    r = client.get("/sparql", params={"query": query}, headers={"Accept": SPARQL_JSON})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "query", ["SELECT * WHERE { ?s ?p ", "SELEKT * {}", "SELECT * WHERE { ?s ?p ?o } LIMIT x"]
)
def test_malformed_query_gets_the_parser_message(client: Any, query: str) -> None:
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 400
    assert "syntax error" in r.text and "expected" in r.text
    no_trace(r)


def test_post_without_query_and_wrong_content_type(client: Any) -> None:
    assert client.post("/sparql", data={}).status_code == 400
    r = client.post("/sparql", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 415


def test_every_named_query_passes_the_endpoint_check() -> None:
    """The named queries are what the endpoint offers as examples: each must be runnable at /sparql."""
    from pledgegraph.queries import catalogue
    from pledgegraph.sparql_syntax import check

    for q in catalogue().values():
        assert check(q.text).form == "SELECT", q.name


def test_error_responses_never_show_a_traceback(client: Any) -> None:
    for path in (
        "/sparql?query=" + quote("SELECT (1/0 AS ?x) {}"),
        "/doc/id/state/ZZZ",
        "/../../etc/passwd",
    ):
        r = client.get(path)
        no_trace(r)
        json.dumps(r.text)


def test_letter_text_is_published_as_read(client: Any) -> None:
    """The text the spans' offsets index is served as plain text, so anyone can check an offset."""
    nif = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
    query = (
        f"SELECT ?s ?b ?e WHERE {{ ?span <{nif}referenceContext> <{BASE}id/source/BLR-2007-04-09> ;"
        f" <{nif}beginIndex> ?b ; <{nif}endIndex> ?e ; <{nif}anchorOf> ?s }}"
    )
    rows = client.get("/sparql", params={"query": query}, headers={"Accept": SPARQL_JSON}).json()
    spans = rows["results"]["bindings"]
    assert len(spans) > 20
    r = client.get("/doc/id/source/BLR-2007-04-09.txt")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert "describedby" in r.headers["link"]
    for span in spans:
        begin, end = int(span["b"]["value"]), int(span["e"]["value"])
        assert r.text[begin:end] == span["s"]["value"]
    assert client.get("/doc/id/source/XXX-1999-01-01.txt").status_code == 404


def test_ontology_documentation_is_pylode(client: Any) -> None:
    r = client.get("/ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200  # after the 303 to /doc/ontology
    assert "pyLODE" in r.text and "Candidature" in r.text
    assert 'src="http' not in r.text  # self-contained: nothing loaded from the internet
    # every term's IRI (ontology#LocalName) lands on its section
    store = ox.Store()
    store.load(path=str(ontology_file("pledgegraph.ttl")), format=ox.RdfFormat.TURTLE)
    pg = "https://w3id.org/pledgegraph/ontology#"
    terms = {
        r["t"].value.removeprefix(pg)
        for r in store.query(
            f"SELECT DISTINCT ?t WHERE {{ ?t a ?k FILTER STRSTARTS(STR(?t), '{pg}') }}"
        )
    }
    assert len(terms) > 100
    missing = [t for t in terms if f'id="{t}"' not in r.text]
    assert not missing, missing


def test_each_concept_scheme_has_a_page_of_its_concepts(client: Any) -> None:
    store = ox.Store()
    for name in ("themes.ttl", "vocabulary.ttl"):
        store.load(path=str(ontology_file(name)), format=ox.RdfFormat.TURTLE)
    schemes = [
        r["s"].value
        for r in store.query(
            "SELECT ?s (COUNT(?c) AS ?n) WHERE { ?s a <http://www.w3.org/2004/02/skos/core#ConceptScheme> ."
            " ?c <http://www.w3.org/2004/02/skos/core#inScheme> ?s } GROUP BY ?s"
        )
    ]
    assert len(schemes) >= 10
    for scheme in schemes:
        (count,) = [
            int(r["n"].value)
            for r in store.query(
                f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c <http://www.w3.org/2004/02/skos/core#inScheme> <{scheme}> }}"
            )
        ]
        page = client.get(f"/doc/{scheme.removeprefix(BASE).rstrip('/')}.html")
        assert page.status_code == 200, scheme
        assert page.text.count("<tr id=") == count, scheme
    themes = client.get("/doc/theme.html").text
    # narrower themes are indented under their broader one
    assert themes.index("National commitments") < themes.index("National human rights institution")


def test_election_page_shows_groups_seats_votes_and_letters(client: Any) -> None:
    """The 2007 election (UNIS/INF/208): Eastern European States, 2 seats, Slovenia and Bosnia and
    Herzegovina elected, Belarus not, with 78 votes (RIA Novosti via data.minsk.by) and its letter."""
    page = client.get("/doc/id/election/2007.html").text
    assert "Results by regional group" in page
    east = page[page.index("Eastern European States</a>: 2 seats") :]
    east = east[: east.index("</table>")]
    assert "Slovenia" in east and "Belarus" in east
    row = east[east.index("<tbody>") :]
    row = row[row.index("Belarus") :]
    row = row[: row.index("</tr>")]
    assert "Not elected" in row and ">78<" in row and "BLR-2007-04-09" in row
    assert '<g class="bar">' in east  # the votes as bars


def test_state_page_is_a_profile(client: Any) -> None:
    page = client.get("/doc/id/state/BLR.html").text
    assert "Candidatures and terms" in page  # the timeline
    cands = page[page.index("<h2>Candidatures</h2>") : page.index("<h2>Treaty record</h2>")]
    assert "Not elected" in cands and "(20)" in cands  # the 2007 letter and its 20 pledges
    treaties = page[page.index("<h2>Treaty record</h2>") :]
    treaties = treaties[: treaties.index("</table>")]
    assert treaties.count("<tr>") == 1 + 18  # the 9 core treaties and 9 optional protocols
    # Belarus ratified the Convention against Torture in 1987 (UN Treaty Collection, IV-9)
    cat = treaties[treaties.index("<code>CAT</code>") :]
    assert "Party" in cat[: cat.index("</tr>")] and "1987" in cat[: cat.index("</tr>")]
    assert ">id/treaty/" not in treaties  # every instrument linked by its title, never its IRI


def test_candidature_page_shows_scorecard_and_verdicts(client: Any) -> None:
    """Issue 13: the scorecard as of the letter's date, and the claim of being party to six core
    conventions marked in the letter's text as supported, with the six treaty acts as evidence."""
    page = client.get(f"/doc/id/{BLR}.html").text
    card = page[page.index('id="scorecard"') : page.index('id="checks"')]
    assert "core treaties (of 9)</th><td>6<" in card  # CAT, CEDAW, CRC, ICCPR, ICERD, ICESCR
    assert "previous Council terms</th><td>0<" in card and "not elected" in card
    checks = page[page.index('id="checks"') : page.index('id="pledges"')]
    assert "Supported" in checks and "six core human rights conventions" in checks
    for act in ("CAT 1987", "CEDAW 1981", "CRC 1990", "ICCPR 1973", "ICERD 1969", "ICESCR 1973"):
        assert act in checks
    assert page.count('<mark id="claim-') == 1 and "claim: Supported" in page
    assert page.count('<mark id="pledge-') == 20


def test_election_page_compares_scorecards_and_themes(client: Any) -> None:
    page = client.get("/doc/id/election/2007.html").text
    east = page[page.index("Eastern European States</a>: 2 seats") :]
    east = east[: east.index("<h3>")] if "<h3>" in east else east
    assert "Scorecards of the candidates with a letter" in east and "<td>Belarus</td>" in east
    assert "Pledges per theme, by candidate" in page  # the heat map
