"""End to end in headless Chromium: the pages people use, their diagram and the SPARQL page, with
screenshots in build/screenshots/ (git-ignored)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

import serve_fixtures
from serve_fixtures import BLR, ROOT

# the shared fixtures, used by name in this module
built = serve_fixtures.built
live = serve_fixtures.live


pytestmark = [pytest.mark.browser, pytest.mark.server]

SCREENSHOTS = ROOT / "build" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    # any host but 127.0.0.1 fails to resolve: a page asking the internet for anything shows in
    # the net log, and nothing leaves the machine
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (apt-get install -y chromium)")
    pytest.skip("chromium is not installed")


def run_chromium(*args: str) -> str:
    """Headless Chromium's output. A run killed by a signal is tried once more: Chromium was seen to
    die of SIGSEGV once in a full run on 2 busy cores, on a page that renders in every other run."""
    for _attempt in range(2):
        with tempfile.TemporaryDirectory(prefix="pledgegraph-chromium-") as profile:
            cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        if done.returncode >= 0:
            break
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def text_of(dom: str) -> str:
    return dom.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"')


def screenshot(name: str, url: str, height: int = 2000) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    shot.unlink(missing_ok=True)
    run_chromium(
        f"--screenshot={shot}", f"--window-size=1280,{height}", "--virtual-time-budget=5000", url
    )
    assert shot.is_file() and shot.stat().st_size > 10_000


PAGES = [
    (
        "landing",
        "",
        ["Candidatures", "Belarus", "Named queries", "Explore", "Pledges per theme and year"],
    ),
    (
        "list-states",
        "doc/id/state/",
        ["States", "Belarus", "Regional group", "Download this table"],
    ),
    ("list-candidatures", "list/candidatures.html", ["Candidatures and terms", "Switzerland"]),
    (
        "candidature-BLR",
        f"doc/id/{BLR}.html",
        [
            "Pledges by theme",
            "The letter's text",
            "Belarus is committed to international cooperation",
            "International cooperation",
            "Pledges per theme",
        ],
    ),
    ("state-BLR", "doc/id/state/BLR.html", ["Belarus", "Linked from", "Around it", "candidate of"]),
    ("search", "search?q=trafficking+in+persons", ["Search", "trafficking", "Belarus"]),
    ("report", "report", ["Validation report", "What to do"]),
]


@pytest.mark.parametrize(("name", "path", "expected"), PAGES)
def test_page_in_chromium(live: Any, name: str, path: str, expected: list[str]) -> None:
    url = live.url + path
    dom = text_of(run_chromium("--dump-dom", url))
    for words in expected:
        assert words in dom, words
    screenshot(name, url)


def test_election_page(live: Any) -> None:
    import urllib.request

    with urllib.request.urlopen(live.url + "list/elections.json") as r:
        elections = json.loads(r.read())
    if not elections:
        pytest.skip("no election in this build (the record data is not there)")
    with_candidates = sorted(elections, key=lambda e: -e["candidatures"])[0]
    path = with_candidates["election_iri"].removeprefix(live.url)
    dom = text_of(run_chromium("--dump-dom", live.url + f"doc/{path}.html"))
    assert with_candidates["election"] in dom
    screenshot("election", live.url + f"doc/{path}.html")


def test_list_sorts_and_filters_in_the_browser(live: Any, tmp_path: Path) -> None:
    """table.js: a click on a heading sorts, words in the filter box hide the other rows."""
    import urllib.request

    with urllib.request.urlopen(live.url + "list/states.html") as r:
        page = r.read().decode()
    script = (ROOT / "src/pledgegraph/serve/static/table.js").read_text()
    probe = """
    <script>
    window.addEventListener("load", function () {
      var table = document.getElementById("table-states");
      var input = document.querySelector("input[data-filter-for=states]");
      input.value = "belarus"; input.dispatchEvent(new Event("input"));
      var shown = Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return !r.hidden; }).length;
      input.value = ""; input.dispatchEvent(new Event("input"));
      table.tHead.rows[0].cells[0].querySelector("a").click();
      table.tHead.rows[0].cells[0].querySelector("a").click();
      var first = table.tBodies[0].rows[0].cells[0].textContent.trim();
      document.body.setAttribute("data-probe", JSON.stringify({shown: shown, first: first}));
    });
    </script>"""
    html = re.sub(r'<script src="[^"]*table\\.js" defer></script>', "", page)
    html = html.replace("</body>", f"<script>{script}</script>{probe}</body>")
    file = tmp_path / "list.html"
    file.write_text(html)
    dom = run_chromium("--dump-dom", "--virtual-time-budget=3000", file.as_uri())
    probe_data = json.loads(text_of(re.search(r'data-probe="([^"]*)"', dom)[1]))  # type: ignore[index]
    assert probe_data["shown"] == 1
    assert probe_data["first"].startswith("Z")  # sorted by name, descending


def test_diagram_labels_are_never_clipped(live: Any, tmp_path: Path) -> None:
    """Every word Graphviz wrote fits inside its box as Chromium draws it (measured in the browser)."""
    import urllib.request

    with urllib.request.urlopen(live.url + f"doc/id/{BLR}.html") as r:
        page = r.read().decode()
    svg = "<svg" + page.split('<svg class="graph"', 1)[1].split("</svg>", 1)[0] + "</svg>"
    css = (ROOT / "src/pledgegraph/serve/static/style.css").read_text()
    probe = """<script>
    window.addEventListener("load", function () {
      var bad = [], count = 0;
      document.querySelectorAll("g.node").forEach(function (g) {
        var shape = g.querySelector("path, polygon, ellipse");
        if (!shape) return;
        var box = shape.getBBox();
        g.querySelectorAll("text").forEach(function (t) {
          var b = t.getBBox(); count += 1;
          if (b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5 ||
              b.y < box.y - 0.5 || b.y + b.height > box.y + box.height + 0.5)
            bad.push(t.textContent);
        });
      });
      document.body.setAttribute("data-probe", JSON.stringify({count: count, bad: bad}));
    });
    </script>"""
    file = tmp_path / "diagram.html"
    file.write_text(
        f"<!doctype html><html><head><meta charset=utf-8><style>{css}</style></head>"
        f'<body><figure class="diagram">{svg}</figure>{probe}</body></html>'
    )
    dom = run_chromium("--dump-dom", "--virtual-time-budget=3000", file.as_uri())
    result = json.loads(text_of(re.search(r'data-probe="([^"]*)"', dom)[1]))  # type: ignore[index]
    assert result["count"] >= 10
    assert result["bad"] == [], result["bad"]


def test_sparql_page_runs_yasgui_without_the_internet(live: Any, tmp_path: Path) -> None:
    netlog = tmp_path / "net.json"
    url = live.url + "sparql#run"
    dom = text_of(
        run_chromium(
            "--dump-dom",
            "--virtual-time-budget=15000",
            f"--log-net-log={netlog}",
            "--window-size=1280,1400",
            url,
        )
    )
    assert "yasgui" in dom and "yasqe" in dom.lower()
    assert "Candidatures" in dom  # a named query as a tab
    assert "Belarus" in dom  # the example ran: its result table holds the candidate States
    hosts = set(re.findall(r'"(?:url|host)":"https?://([^/:"]+)', netlog.read_text()))
    ours = {"127.0.0.1", "~notfound"}  # the resolver rule's own name
    own_browser = {
        h for h in hosts if h.endswith((".google.com", ".googleapis.com", ".gstatic.com"))
    }
    assert hosts - ours - own_browser == set(), hosts
    screenshot("sparql", url, height=1400)
