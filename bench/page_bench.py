"""Page benchmark: pledgegraph serve's HTML pages beside a static-file server of `export --site`, wrk with 8 connections.

Usage: .venv/bin/python bench/page_bench.py [--letters 100] [--duration 10] [--connections 8]

Makes the synthetic letters of `http_bench.py` (written to a temporary folder only), builds them,
exports the site, then runs Debian's `wrk` against `pledgegraph serve` (its page cache on, and off:
every request rendered) and against the exported site served by uvicorn + Starlette `StaticFiles`
and by Python's `http.server` (the ceilings), for a candidature page, a State page and a search:
each as one page asked again and again, and as every page of its kind in turn.
Figures go to stdout (a Markdown table) and to bench/out/pages.json.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_bench import (
    SEED,
    VENV,
    _ms,
    arguments,
    clean_up,
    free_port,
    make_letters,
    save,
    state_names,
    stop,
)

ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
STATIC_APP = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
app = Starlette(routes=[Mount("/", StaticFiles(directory=sys.argv[1], html=True))])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""
ROTATE = """
local paths = {%s}
local i = 0
wrk.headers["Accept"] = "%s"
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def wait_up(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def start(
    kind: str, build: Path, site: Path, procs: list[subprocess.Popen[bytes]]
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    if kind.startswith("pledgegraph serve"):
        cmd = [str(VENV / "pledgegraph"), "serve", "--data", str(build), "--port", str(port)]
        cmd += ["--log-level", "warning"]
        if "no page cache" in kind:
            cmd += ["--page-cache-mb", "0"]
    elif kind.startswith("uvicorn"):
        cmd = [sys.executable, "-c", STATIC_APP, str(site), str(port)]
    else:
        cmd = [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(site),
        ]
    log = open(build.parent / f"server-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
    procs.append(proc)
    url = f"http://127.0.0.1:{port}"
    wait_up(url + "/index.html")
    return proc, url


def wrk(url: str, paths: list[str], duration: int, connections: int, tmp: Path) -> dict[str, float]:
    script = tmp / "rotate.lua"
    script.write_text(ROTATE % (", ".join(json.dumps(p) for p in paths), ACCEPT))
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency"]
    cmd += ["-s", str(script), url + paths[0]]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50_ms": _ms(re.search(r"\s50%\s+(\S+)", out)[1]),  # type: ignore[index]
        "p99_ms": _ms(re.search(r"\s99%\s+(\S+)", out)[1]),  # type: ignore[index]
        "non_2xx": int(errors[1]) if errors else 0,
    }


def main() -> int:
    args = arguments(__doc__.splitlines()[0], duration=10)
    tmp = Path(tempfile.mkdtemp(prefix="pledgegraph-pages-"))
    procs: list[subprocess.Popen[bytes]] = []
    pg = str(VENV / "pledgegraph")
    try:
        subprocess.run(
            [pg, "build", str(SEED), "--out", str(tmp / "seed-build"), "-q"], check=False
        )
        make_letters(tmp / "letters", args.letters, state_names(tmp / "seed-build"))
        build, site = tmp / "build", tmp / "site"
        subprocess.run([pg, "build", str(tmp / "letters"), "--out", str(build), "-q"], check=False)
        t = time.monotonic()
        subprocess.run(
            [pg, "export", "--data", str(build), "--site", str(site)],
            check=True,
            stderr=subprocess.DEVNULL,
        )
        export_s = time.monotonic() - t
        manifest = json.loads((build / "manifest.json").read_text())
        keys = [e["key"] for e in manifest["letters"]]
        states = sorted({k.split("-", 1)[0] for k in keys})
        # Candidatures are keyed by State and election (model 0.2), not by letter: the site lists them.
        candidatures = sorted(
            f"/doc/id/candidature/{p.name}"
            for p in (site / "doc/id/candidature").glob("*.html")
            # the letters' States' candidatures (not the folder's list page)
            if p.stem.split("-", 1)[0] in states
        )
        state_pages = [f"/doc/id/state/{s}.html" for s in states]
        words = [
            "human rights",
            "cooperation",
            "women",
            "trafficking",
            "children",
            "torture",
            "special procedures",
            "universal periodic review",
            "treaty bodies",
            "development",
        ]
        searches = [f"/search?q={w.replace(' ', '+')}" for w in words]
        cases = {
            "candidature page (one)": candidatures[:1],
            "candidature page (all, in turn)": candidatures,
            "State page (one)": state_pages[:1],
            "State page (all, in turn)": state_pages,
            "search (one)": searches[:1],
            "search (10 queries, in turn)": searches,
        }
        servers = (
            "pledgegraph serve",
            "pledgegraph serve (no page cache)",
            "uvicorn StaticFiles (site)",
            "http.server (site)",
        )
        results: dict[str, dict[str, dict[str, float]]] = {}
        for name in servers:
            proc, url = start(name, build, site, procs)
            for case, paths in cases.items():
                if "search" in case and "pledgegraph" not in name:
                    continue  # a static site has no search
                for path in paths:  # a first visit to each page (a crawl), then a short warm-up
                    with urllib.request.urlopen(
                        urllib.request.Request(url + path, headers={"Accept": ACCEPT}), timeout=120
                    ) as r:
                        r.read()
                wrk(url, paths, 2, args.connections, tmp)
                r = wrk(url, paths, args.duration, args.connections, tmp)
                results.setdefault(case, {})[name] = r
                print(f"{case} / {name}: {r}", file=sys.stderr)
            stop(proc)
        print(
            f"\n{args.letters} synthetic letters, {manifest['triples']} triples; wrk -t2 -c{args.connections} "
            f"-d{args.duration}s on 127.0.0.1, {os.cpu_count()} cores; export --site {export_s:.1f} s\n"
        )
        print("| page | server | pages/s | p50 ms | p99 ms | non-2xx |")
        print("|---|---|---:|---:|---:|---:|")
        for case, by_server in results.items():
            for name, r in by_server.items():
                print(
                    f"| {case} | {name} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['non_2xx']} |"
                )
        save(
            "pages",
            {
                "letters": args.letters,
                "triples": manifest["triples"],
                "connections": args.connections,
                "duration": args.duration,
                "export_s": export_s,
                "results": results,
            },
        )
    finally:
        clean_up(procs, tmp, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
