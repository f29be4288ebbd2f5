"""Shared fixtures: the seed letter, the letter fixtures and one build of them reused across tests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pledgegraph.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "data" / "sources" / "belarus-2007-04-09.txt"
DEV = FIXTURES / "letters-dev"
SYNTHETIC = FIXTURES / "letters-synthetic"
REAL = FIXTURES / "letters-real"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden Turtle files")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return (
        bool(request.config.getoption("--update-golden"))
        or os.environ.get("PLEDGEGRAPH_UPDATE_GOLDEN") == "1"
    )


def run_cli(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seed") / "build"
    assert run_cli("build", SEED, "--out", out, "--quiet") == 0
    return out


@pytest.fixture(scope="session")
def data_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of `data/`: the seed letter and the reference data, as `pledgegraph build data`."""
    out = tmp_path_factory.mktemp("data") / "build"
    assert run_cli("build", ROOT / "data", "--out", out, "--quiet") == 0
    return out


@pytest.fixture(scope="session")
def all_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed, the dev letters, more real letters and the synthetic letters in one batch."""
    out = tmp_path_factory.mktemp("all") / "build"
    assert run_cli("build", SEED, DEV, REAL, SYNTHETIC, "--out", out, "--quiet") == 0
    return out


def query_json(
    capsys: pytest.CaptureFixture[str], name: str, data: Path, *params: str
) -> list[dict]:
    capsys.readouterr()
    args = ["query", name, "--data", str(data), "--format", "json"]
    for p in params:
        args += ["--param", p]
    assert run_cli(*args) == 0
    return json.loads(capsys.readouterr().out)


def gold_index(folder: Path) -> list[dict]:
    return json.loads((folder / "index.json").read_text(encoding="utf-8"))


def query_rows(name: str, data: Path, **params: str) -> list[dict]:
    """A named query's rows as the CLI's JSON gives them, without going through stdout."""
    from pledgegraph.queries import run, to_json
    from pledgegraph.store import EmbeddedStore

    store = EmbeddedStore.open(data)
    try:
        return json.loads(to_json(*run(store, name, params)))
    finally:
        store.close()
