"""`pledgegraph export --site`: the server's pages and RDF documents as static files."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

import serve_fixtures
from serve_fixtures import BLR

# the shared fixture, used by name in this module
built = serve_fixtures.built


@pytest.fixture(scope="module")
def site(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pledgegraph.site import export_site

    out = tmp_path_factory.mktemp("site") / "site"
    assert export_site(built, out, None) > 100
    return out


def test_site_has_pages_documents_and_dumps(site: Path) -> None:
    for rel in (
        "index.html",
        f"doc/id/{BLR}.html",
        f"doc/id/{BLR}.ttl",
        "doc/id/state/BLR.jsonld",
        "doc/id/state/BLR.nt",
        "doc/id/state/BLR.rdf",
        "doc/theme/children.html",
        "doc/ontology.html",
        "queries/candidatures.html",
        ".well-known/void",
        "dumps/graph.ttl",
        "dumps/dataset.trig",
        "static/style.css",
        "id/state/BLR/index.html",
    ):
        assert (site / rel).is_file(), rel


def test_site_pages_link_to_files_that_exist(site: Path) -> None:
    import re

    page = (site / f"doc/id/{BLR}.html").read_text()
    assert '<mark id="pledge-' in page
    for href in set(re.findall(r'href="(/[^"#]*)', page)):
        assert (site / href.lstrip("/")).is_file(), href


def test_site_documents_parse(site: Path) -> None:
    triples = list(ox.parse(path=str(site / "doc/id/state/BLR.ttl"), format=ox.RdfFormat.TURTLE))
    assert triples
    assert (
        "sparql"
        not in (site / "index.html").read_text().split("<main>")[1].split("</main>")[0].lower()
    )


def test_site_has_lists_downloads_report_and_context(site: Path) -> None:
    import json

    for rel in (
        "list/states.html",
        "list/states.csv",
        "list/states.json",
        "list/pledges.json",
        "list/queries.html",
        "doc/id/state/index.html",
        "report.html",
        "report.json",
        "context.jsonld",
        "queries/pledges.csv",
        "static/table.js",
        "static/vendor/yasgui/yasgui.min.js",
    ):
        assert (site / rel).is_file(), rel
    assert json.loads((site / "list/states.json").read_text())
    doc = json.loads((site / f"doc/id/{BLR}.jsonld").read_text())
    assert doc["@context"].endswith("/context.jsonld")


def test_site_pages_offer_only_what_works_without_a_server(site: Path) -> None:
    for rel in ("index.html", "list/states.html", "queries/pledges.html", f"doc/id/{BLR}.html"):
        page = (site / rel).read_text()
        assert 'action="/search"' not in page, rel  # no search box: it needs the server's index
        assert "<form" not in page, rel  # no query form: nothing would run it
        assert 'href="?sort=' not in page, rel  # sorting happens in the page (static/table.js)
    assert not (site / "queries/search.html").exists()
