"""End to end: the landing page and a candidature page in headless Chromium, with screenshots in build/."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest

import serve_fixtures
from serve_fixtures import BLR, ROOT

# the shared fixtures, used by name in this module
built = serve_fixtures.built
live = serve_fixtures.live


pytestmark = [pytest.mark.browser, pytest.mark.server]

SCREENSHOTS = ROOT / "build" / "screenshots"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (apt-get install -y chromium)")
    pytest.skip("chromium is not installed")


def run_chromium(*args: str) -> str:
    cmd = [
        chromium(),
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--no-first-run",
        "--user-data-dir=/tmp/pledgegraph-chromium",
        *args,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize(
    ("name", "path", "expected"),
    [
        (
            "landing",
            "",
            ["Candidatures", "Belarus", "Named queries", "Pledges by theme", "graph.ttl"],
        ),
        (
            "candidature-BLR",
            f"doc/id/{BLR}.html",
            [
                "Pledges by theme",
                "The letter's text",
                "Belarus is committed to international cooperation",
                "International cooperation",
            ],
        ),
        ("state-BLR", "doc/id/state/BLR.html", ["Belarus", "Linked from", "Around it"]),
    ],
)
def test_page_in_chromium(live: Any, name: str, path: str, expected: list[str]) -> None:
    url = live.url + path
    dom = run_chromium("--dump-dom", url)
    for words in expected:
        assert words in dom.replace("&#39;", "'").replace("&amp;", "&"), words
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    shot.unlink(missing_ok=True)
    run_chromium(f"--screenshot={shot}", "--window-size=1280,2000", url)
    assert shot.is_file() and shot.stat().st_size > 10_000
