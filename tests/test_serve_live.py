"""A server that tells the truth: a rebuild (or SIGHUP) switches it whole to the new build, over a real socket."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from serve_fixtures import DEV_LETTERS, SEED, LiveServer, free_port

pytestmark = pytest.mark.server


def get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def build(sources: list[Path], out: Path) -> None:
    from pledgegraph.build import build as run_build
    from pledgegraph.namespaces import DEFAULT_BASE

    run_build(sources, out, DEFAULT_BASE, log=lambda m: None, jobs=2, use_cache=False)


def wait_for(check: Any, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_a_rebuild_is_served_whole(tmp_path: Path) -> None:
    from pledgegraph.serve.app import create_app

    out = tmp_path / "build"
    build([SEED], out)
    app = create_app(out, data_dir=out, query_timeout=5.0, workers=1)
    with LiveServer(app) as server:
        port = server.port
        _, _, landing = get(port, "/")
        assert b"Belarus" in landing and b"Switzerland" not in landing
        _, dump_headers, dump = get(port, "/dumps/graph.ttl")
        _, page_headers, _ = get(port, "/doc/id/state/BLR.html")
        old = app.state.live.current
        old_pids = list(old.backend.pages.pids())
        assert old_pids

        build([SEED, DEV_LETTERS], out)  # swapped in by a rename exchange, as every build is
        assert wait_for(lambda: b"Switzerland" in get(port, "/")[2]), "the new build was not served"

        # everything now comes from the new build: pages, lists, dumps, search
        _, new_dump_headers, new_dump = get(port, "/dumps/graph.ttl")
        assert b"CHE-2010-03-18" in new_dump and b"CHE-2010-03-18" not in dump
        assert new_dump_headers["etag"] != dump_headers["etag"]
        _, _, states = get(port, "/list/candidatures.json")
        assert b"Switzerland" in states
        # a client revalidating its old copy gets the new one, not 304
        status, _, _ = get(port, "/doc/id/state/BLR.html", {"If-None-Match": page_headers["etag"]})
        assert status == 200
        # the old context's query processes are closed once its requests are done
        assert app.state.live.current is not old
        assert wait_for(lambda: not any(_alive(pid) for pid in old_pids), 30)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_a_build_that_cannot_be_served_keeps_the_old_one(tmp_path: Path) -> None:
    from pledgegraph.serve.app import create_app

    out = tmp_path / "build"
    build([SEED], out)
    app = create_app(out, data_dir=out, query_timeout=5.0, workers=1)
    with LiveServer(app) as server:
        live = app.state.live
        old = live.current
        # a "build" without a store swapped in: the server goes on with what it has
        broken = tmp_path / "broken"
        broken.mkdir()
        (broken / ".pledgegraph").write_text("{}")
        os.rename(out, tmp_path / "kept")
        os.rename(broken, out)
        time.sleep(3)
        assert live.current is old
        status, _, body = get(server.port, "/doc/id/state/BLR.html")
        assert status == 200 and b"Belarus" in body, body[:300]


def test_sighup_reloads(tmp_path: Path) -> None:
    out = tmp_path / "build"
    build([SEED], out)
    port = free_port()
    exe = Path(sys.executable).parent / "pledgegraph"
    proc = subprocess.Popen(
        [str(exe), "serve", "--data", str(out), "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: _up(port), 90), "the server did not start"
        first = get(port, "/")[1]["etag"]
        proc.send_signal(signal.SIGHUP)
        # a reload makes a new context (the same build here): its answers are new, same bytes
        assert wait_for(lambda: get(port, "/")[0] == 200 and proc.poll() is None, 30)
        time.sleep(3)
        assert proc.poll() is None, "SIGHUP must not stop the server"
        assert get(port, "/")[1]["etag"] == first  # same build, same ETag
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert "serving the new build (SIGHUP)" in err


def _up(port: int) -> bool:
    try:
        return get(port, "/")[0] == 200
    except OSError:
        return False
