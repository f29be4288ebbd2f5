"""Shared fixtures of the server tests: one build of the seed and dev letters, the app, a live server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "sources"
DEV_LETTERS = ROOT / "tests" / "fixtures" / "letters-dev"
BLR = "candidature/BLR-2007"


def _first_pledge() -> str:
    from pledgegraph.graph import statement_digest

    words = (
        "Belarus is committed to international cooperation in the field of human rights, which is "
        "based on the principles of equitable partnership and mutually respectful dialogue."
    )
    return f"letter/BLR-2007-04-09/pledge/{statement_digest(words)}"


FIRST_PLEDGE = _first_pledge()  # keyed by its words: stable when other text of the letter changes


def blr_candidate(base: str) -> ox.Triple:
    """The triple every RDF answer about the seed candidature must hold, under a base."""
    return ox.Triple(
        ox.NamedNode(base + f"id/{BLR}"),
        ox.NamedNode(base + "ontology#candidate"),
        ox.NamedNode(base + "id/state/BLR"),
    )


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the seed letter and the dev letters (built once per test session)."""
    from pledgegraph.build import build
    from pledgegraph.namespaces import DEFAULT_BASE

    out = tmp_path_factory.mktemp("serve") / "build"
    sources = [SEED] + ([DEV_LETTERS] if DEV_LETTERS.is_dir() else [])
    result = build(sources, out, DEFAULT_BASE, log=lambda m: None, jobs=2)
    assert result.letters, "nothing was built"
    return out


@pytest.fixture(scope="session")
def client(built: Path) -> Iterator[object]:
    """The app in-process over the build (its query processes started), as a Starlette TestClient."""
    from starlette.testclient import TestClient

    from pledgegraph.serve.app import create_app

    app = create_app(built, data_dir=built, query_timeout=5.0)
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a background thread."""

    def __init__(self, app: object) -> None:
        import uvicorn

        from pledgegraph.serve.http import server_config

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        config = server_config(app, "127.0.0.1", self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture(scope="session")
def live(built: Path) -> Iterator[LiveServer]:
    """The app over a real socket, served at its own address (--base http://127.0.0.1:PORT/), 2 s query limit."""
    from pledgegraph.serve.app import create_app

    port = free_port()
    app = create_app(
        built, data_dir=built, base=f"http://127.0.0.1:{port}/", query_timeout=2.0, workers=2
    )
    server = LiveServer(app)
    server.port, server.url = port, f"http://127.0.0.1:{port}/"
    server.server.config.port = port
    with server:
        yield server
