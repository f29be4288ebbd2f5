"""Pages and lookups under hostile load: 8 connections of mixed traffic while 2 clients send runaway queries.

Usage: .venv/bin/python bench/hostile_bench.py [--letters 100] [--duration 30] [--connections 8]

Builds clearly synthetic letters (as `http_bench.py` does, in a temporary folder only), serves them with
`pledgegraph serve`, then runs Debian's `wrk` over a mix of pages, RDF documents and IRI lookups (303s),
first alone, then while two client threads each send a cartesian-product query to /sparql in a loop
(each stopped by the 10 s time limit). It also measures small /sparql queries from a third client during
the attack. The figures go to stdout (a Markdown table) and bench/out/hostile.json. The target: pages
and lookups keep p99 under 1 s and get no 5xx under attack.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import http_bench as hb

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SMALL = "ASK { ?s a <https://w3id.org/pledgegraph/ontology#Candidature> }"


def mixed_paths(build: Path) -> list[str]:
    """Pages, documents and lookups of the build's first letters and States."""
    manifest = json.loads((build / "manifest.json").read_text())
    paths = ["/", "/.well-known/void"]
    for letter in manifest["letters"][:10]:
        key = letter["key"]
        iso = key.split("-")[0]
        paths += [
            f"/doc/id/candidature/{key}.html",
            f"/doc/id/state/{iso}.html",
            f"/doc/id/state/{iso}.ttl",
            f"/id/state/{iso}",
            f"/doc/id/letter/{key}.jsonld",
        ]
    return paths


def lua_script(paths: list[str], folder: Path) -> Path:
    lines = ", ".join(json.dumps(p) for p in paths)
    script = folder / "mixed.lua"
    script.write_text(
        f"paths = {{ {lines} }}\n"
        "i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        '  return wrk.format("GET", paths[(i % #paths) + 1], { Accept = "text/html" })\n'
        "end\n",
        encoding="utf-8",
    )
    return script


def wrk_mixed(base: str, script: Path, duration: int, connections: int) -> dict[str, float]:
    import re

    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency"]
    cmd += ["-s", str(script), base]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p50 = hb._ms(re.search(r"\s50%\s+(\S+)", out)[1])  # type: ignore[index]
    p99 = hb._ms(re.search(r"\s99%\s+(\S+)", out)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx_3xx": int(errors[1]) if errors else 0,
        "timeouts": int(timeouts[1]) if timeouts else 0,
    }


def get(url: str, query: str, source: str) -> int:
    """One GET of /sparql from a loopback address of its own (each client is its own address)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=60, source_address=(source, 0)
    )
    try:
        conn.request(
            "GET",
            parts.path + "?" + urllib.parse.urlencode({"query": query}),
            headers={"Accept": hb.ACCEPT},
        )
        r = conn.getresponse()
        r.read()
        return r.status
    except OSError:
        return 0
    finally:
        conn.close()


def attacker(url: str, source: str, stop: threading.Event, statuses: list[int]) -> None:
    while not stop.is_set():
        statuses.append(get(url, RUNAWAY, source))


def small_queries(url: str, stop: threading.Event, out: list[tuple[int, float]]) -> None:
    while not stop.is_set():
        start = time.monotonic()
        status = get(url, SMALL, "127.0.0.2")
        out.append((status, time.monotonic() - start))
        time.sleep(0.2)


def main() -> int:
    args = hb.arguments(__doc__.splitlines()[0], duration=30)
    tmp = Path(tempfile.mkdtemp(prefix="pledgegraph-hostile-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        pg = str(hb.VENV / "pledgegraph")
        subprocess.run([pg, "build", str(hb.SEED), "--out", str(tmp / "seed-build"), "-q"])
        hb.make_letters(tmp / "letters", args.letters, hb.state_names(tmp / "seed-build"))
        subprocess.run([pg, "build", str(tmp / "letters"), "--out", str(tmp / "build"), "-q"])
        build = tmp / "build"
        manifest = json.loads((build / "manifest.json").read_text())
        _, url = hb.start_server("pledgegraph serve", build, procs)
        base = url.removesuffix("sparql")
        script = lua_script(mixed_paths(build), tmp)
        wrk_mixed(base, script, 3, args.connections)  # warm up
        calm = wrk_mixed(base, script, args.duration, args.connections)
        print(f"calm: {calm}", file=sys.stderr)
        stop = threading.Event()
        runaway: list[int] = []
        small: list[tuple[int, float]] = []
        threads = [
            threading.Thread(target=attacker, args=(url, source, stop, runaway))
            for source in ("127.0.0.3", "127.0.0.4")
        ]
        threads.append(threading.Thread(target=small_queries, args=(url, stop, small)))
        for t in threads:
            t.start()
        time.sleep(1)
        try:
            attacked = wrk_mixed(base, script, args.duration, args.connections)
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        print(f"attacked: {attacked}", file=sys.stderr)
        small_ok = sorted(d for s, d in small if s == 200)
        small_p99 = small_ok[int(0.99 * (len(small_ok) - 1))] * 1000 if small_ok else float("nan")
        print(
            f"\n{args.letters} synthetic letters, {manifest['triples']} triples; wrk -t2 "
            f"-c{args.connections} -d{args.duration}s over {len(mixed_paths(build))} pages, documents "
            f"and lookups on 127.0.0.1, {os.cpu_count()} cores\n"
        )
        print("| load | requests/s | p50 ms | p99 ms | non-2xx/3xx | timeouts |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, r in (("mixed, calm", calm), ("mixed, 2 runaway clients", attacked)):
            print(
                f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                f"{r['non_2xx_3xx']} | {r['timeouts']} |"
            )
        codes = {c: runaway.count(c) for c in sorted(set(runaway))}
        print(
            f"\nrunaway queries answered: {codes} (503: stopped at the time limit; 429: one client's share)"
        )
        print(
            f"small /sparql queries during the attack: {len(small)} sent, "
            f"{sum(1 for s, _ in small if s == 200)} answered 200, p99 {small_p99:.0f} ms, "
            f"statuses {sorted({s for s, _ in small})}"
        )
        ok = attacked["p99_ms"] < 1000 and attacked["non_2xx_3xx"] == 0 and not attacked["timeouts"]
        print(f"target (p99 < 1 s, no 5xx under attack): {'met' if ok else 'NOT met'}")
        hb.save(
            "hostile",
            {
                "letters": args.letters,
                "triples": manifest["triples"],
                "connections": args.connections,
                "duration": args.duration,
                "calm": calm,
                "attacked": attacked,
                "runaway_statuses": codes,
                "small_queries": {"sent": len(small), "p99_ms": small_p99},
            },
        )
    finally:
        hb.clean_up(procs, tmp, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
