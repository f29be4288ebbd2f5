"""Pages for people (issue 14): lists, downloads, labels, search, the report, JSON-LD and revalidation."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

import serve_fixtures
from serve_fixtures import BLR

# the shared fixtures, used by name in this module
built = serve_fixtures.built
client = serve_fixtures.client

BASE = "https://w3id.org/pledgegraph/"
LISTS = ("states", "elections", "candidatures", "themes", "pledges", "queries")


def links(html: str) -> list[tuple[str, str]]:
    """(href, text) of every link of a page's main part."""
    main = html.split("<main>", 1)[1].split("</main>", 1)[0]
    return [
        (href, re.sub(r"<[^>]+>", "", text).strip())
        for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', main, flags=re.S)
    ]


# -------------------------------------------------------------------------------- lists


@pytest.mark.parametrize("name", LISTS)
def test_each_list_has_a_page_a_csv_and_a_json(client: Any, name: str) -> None:
    page = client.get(f"/list/{name}")
    assert page.status_code == 200 and "<table" in page.text
    assert f"/list/{name}.csv" in page.text and f"/list/{name}.json" in page.text
    rows = client.get(f"/list/{name}.json").json()
    assert rows, name
    text = client.get(f"/list/{name}.csv").text
    assert text.count("\n") == len(rows) + 1  # one physical line per row
    assert client.get(f"/list/{name}", params={"format": "json"}).json() == rows


def test_states_list_lives_where_the_states_do(client: Any) -> None:
    """/doc/id/state/ was 404: the States' list is there now, and /id/state/ sends people to it."""
    r = client.get("/doc/id/state/")
    assert r.status_code == 200 and "Belarus" in r.text and "Switzerland" in r.text
    r = client.get("/id/state/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/doc/id/state/"


def test_lists_filter_and_sort_on_the_server(client: Any) -> None:
    rows = client.get("/list/states.json", params={"iso3": "blr"}).json()
    assert [r["state"] for r in rows] == ["Belarus"]
    assert rows[0]["state_iri"] == BASE + "id/state/BLR"
    rows = client.get("/list/candidatures.json", params={"sort": "-pledges"}).json()
    counts = [r["pledges"] for r in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 20
    rows = client.get("/list/states.json", params={"q": "switz"}).json()
    assert [r["iso3"] for r in rows] == ["CHE"]


def test_csv_is_one_line_per_row_with_labels_and_iris(client: Any) -> None:
    """The issue: 20 of 32 pledge cells held raw line breaks and columns held IRIs, not labels."""
    text = client.get("/list/pledges.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(text.splitlines()) == len(rows) + 1
    assert all("\n" not in v and "\r" not in v for r in rows for v in r.values())
    blr = [r for r in rows if r["state"] == "Belarus"]
    assert len(blr) == 20
    assert all(r["state_iri"] == BASE + "id/state/BLR" for r in blr)
    assert all(not r["state"].startswith("http") for r in rows)
    q = client.get("/queries/pledges.csv", params={"state_iso3": "BLR"}).text
    assert len(q.splitlines()) == 21 and "pledge_iri" in q.splitlines()[0]


def test_csv_cells_never_run_as_formulas(client: Any) -> None:
    from pledgegraph.serve import tables

    t = tables.Table(
        "t", "t", [tables.Column("a", "A")], [[tables.Cell("=HYPERLINK(1)")], [tables.Cell("@x")]]
    )
    assert tables.as_csv(t).splitlines()[1:] == ["'=HYPERLINK(1)", "'@x"]


def test_named_query_pages_download(client: Any) -> None:
    for name in ("candidatures", "pledges-by-theme", "outcomes"):
        page = client.get(f"/queries/{name}")
        assert f"/queries/{name}.csv" in page.text
        assert isinstance(client.get(f"/queries/{name}.json").json(), list)


# -------------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    "path",
    [
        f"/doc/id/{BLR}.html",
        "/doc/id/state/BLR.html",
        "/doc/id/resolution/A-RES-61-180.html",
        "/doc/id/letter/CHE-2010-03-18-A-64-726.html",
        "/doc/id/dataset.html",
        "/doc/id/letter/BLR-2007-04-09/pledge/d0760e3a87.html",
    ],
)
def test_no_link_reads_as_the_last_segment_of_an_iri(client: Any, path: str) -> None:
    """The issue: links read "726", "180", "g8hjfwizsg6", "4.0" (a web address's or an
    unlabelled resource's last segment); a link's words now come from the data."""
    for href, text in links(client.get(path).text):
        target = href.split("#")[0].rstrip("/").removesuffix(".html")
        last = re.split(r"[/#]", target)[-1] if target else ""
        if not last or not text:
            continue
        assert text not in ("726", "180", "g8hjfwizsg6", "4.0"), (path, href)
        if href.startswith("http") and not re.fullmatch(r"[A-Za-z ]+", text):
            assert text != last, (path, href, text)  # a document on the web: its symbol or address
        if re.fullmatch(r"[\d.]+|[a-z0-9]{8,}", last) and href.startswith("/doc/"):
            assert text != last, (path, href, text)  # an unlabelled resource of ours
    assert "is made by of" not in client.get("/doc/id/state/BLR.html").text


def test_the_un_document_symbol_is_the_link_text(client: Any) -> None:
    page = client.get("/doc/id/letter/CHE-2010-03-18-A-64-726.html").text
    assert ("https://undocs.org/A/64/726", "A/64/726") in links(page)
    page = client.get("/doc/id/resolution/A-RES-61-180.html").text
    assert ("https://undocs.org/A/RES/61/180", "A/RES/61/180") in links(page)


def test_incoming_links_read_backwards(client: Any) -> None:
    page = client.get("/doc/id/state/BLR.html").text
    heads = re.findall(r'<th scope="row">(.*?)</th>', page, flags=re.S)
    words = [re.sub(r"<[^>]+>", "", h) for h in heads]
    assert "candidate of" in words and "made by this" in words
    assert not any(w.startswith("is ") and w.endswith(" of") for w in words)
    assert "prefLabel" not in words and "sameAs" not in words  # other vocabularies' labels too


def test_phrase_inverse() -> None:
    from pledgegraph.serve.describe import phrase_inverse

    assert phrase_inverse("made by") == "made by this"
    assert phrase_inverse("candidate") == "candidate of"
    assert phrase_inverse("has part") == "part of"
    assert phrase_inverse("is part of") == "has part"


# -------------------------------------------------------------------------------- diagram, charts


def test_diagram_is_laid_out_by_graphviz_without_overlap(client: Any) -> None:
    page = client.get(f"/doc/id/{BLR}.html").text
    svg = page.split('<svg class="graph"', 1)[1].split("</svg>", 1)[0]
    boxes = []
    for path in re.findall(r'<g id="node\d+" class="node">.*?<path [^>]*d="([^"]+)"', svg, re.S):
        numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", path)]
        xs, ys = numbers[0::2], numbers[1::2]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    assert len(boxes) >= 8
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            assert not overlap, (a, b)
    assert "Belarus" in svg and "Not elected" in svg


def test_charts_are_svg_with_their_words(client: Any) -> None:
    page = client.get(f"/doc/id/{BLR}.html").text
    assert 'class="chart"' in page and "Pledges per theme" in page
    state = client.get("/doc/id/state/BLR.html").text
    assert "Candidatures and terms" in state and "Not elected" in state
    themes = client.get("/list/themes").text
    assert "Pledges per theme and year" in themes and ">2007<" in themes


# -------------------------------------------------------------------------------- search


def test_search_ranks_the_statements_holding_the_words(client: Any) -> None:
    rows = client.get("/search.json", params={"q": "special procedures"}).json()
    assert rows and rows[0]["state"] == "Belarus"
    assert "special thematic human rights procedures" in rows[0]["text"]
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    # accents and case fold; a stray operator never raises
    assert client.get("/search.json", params={"q": "COOPÉRATION"}).json()
    for q in ("special AND", '"', "NEAR(", "*", "a OR", "-", "()", "x" * 600):
        r = client.get("/search", params={"q": q})
        assert r.status_code == 200, q


def test_search_page_and_box(client: Any) -> None:
    page = client.get("/search", params={"q": "trafficking"}).text
    assert "<mark>" in page and "Belarus" in page and "/search.csv?q=trafficking" in page
    assert 'action="/search"' in client.get("/").text  # the box on every page
    assert 'action="/search"' in client.get("/doc/id/state/BLR.html").text


def test_search_named_query_uses_the_index(client: Any, built: Path) -> None:
    from pledgegraph.queries import run
    from pledgegraph.store import EmbeddedStore

    store = EmbeddedStore.open(built)
    try:
        names, rows = run(
            store, "search", {"q": "trafficking", "state_iso3": "blr"}, data_dir=built
        )
    finally:
        store.close()
    assert names == ["state_iso3", "kind", "text", "score", "statement", "source"]
    assert rows and rows[0]["state_iso3"].value == "BLR"
    page = client.get("/queries/search", params={"q": "trafficking"}).text
    assert "Belarus" in page


# -------------------------------------------------------------------------------- report, JSON-LD


def test_report_page_is_grouped_by_letter_file(client: Any) -> None:
    page = client.get("/report").text
    assert "Validation report" in page and "What to do" in page
    assert "028_Switzerland_2010.txt" in page and "no pledge was found" in page.lower()
    assert client.get("/report.json").json()["results"]


def test_json_ld_has_a_published_context(client: Any) -> None:
    doc = client.get("/doc/id/state/BLR.jsonld").json()
    assert doc["@context"] == BASE + "context.jsonld"
    context = client.get("/context.jsonld").json()["@context"]
    assert context["candidate"] == {"@id": "pg:candidate", "@type": "@id"}
    text = json.dumps(doc)
    assert '"@type": [' not in text  # one type is a string, not a list
    body = json.dumps({**doc, "@context": context}).encode()
    triples = {q.triple for q in ox.parse(body, format=ox.RdfFormat.JSON_LD)}
    assert (
        ox.Triple(
            ox.NamedNode(BASE + f"id/{BLR}"),
            ox.NamedNode(BASE + "ontology#candidate"),
            ox.NamedNode(BASE + "id/state/BLR"),
        )
        in triples
    )


# -------------------------------------------------------------------------------- revalidation


@pytest.mark.parametrize("path", [f"/doc/id/{BLR}.html", "/list/states", "/search?q=treaty"])
def test_revalidation_gets_304(client: Any, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert "no-cache" in first.headers["cache-control"]
    again = client.get(path)
    assert again.content == first.content and again.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304


def test_errors_and_sparql_are_not_kept(client: Any) -> None:
    assert "etag" not in client.get("/doc/id/state/XXX.html").headers
    r = client.get("/sparql", params={"query": "ASK {}"})
    assert "etag" not in r.headers


def test_remote_store_shows_no_local_counts_or_dumps(built: Path) -> None:
    """With --endpoint, counts come from the store and the local build's dumps are not offered."""
    from starlette.testclient import TestClient

    from pledgegraph.serve.app import create_app
    from pledgegraph.store import EmbeddedStore

    class Remote:  # a remote store as the app sees one (raw answers and selects)
        def __init__(self) -> None:
            self.store = EmbeddedStore.open(built)

        def raw(self, query: str, media: str) -> tuple[bytes, str]:
            raise NotImplementedError

        def select(self, query: str, bindings: Any = None) -> Any:
            return self.store.select(query, bindings)

        def close(self) -> None:
            self.store.close()

    app = create_app(Remote(), data_dir=built, query_timeout=5.0)
    with TestClient(app) as c:
        page = c.get("/").text
        assert "dataset.trig" not in page and "/dumps/" not in page
        assert "triples</li>" not in page  # the local manifest's count is not shown
        assert c.get("/dumps/graph.ttl").status_code == 404
        assert "etag" not in c.get("/").headers  # a remote store may change: nothing is kept
