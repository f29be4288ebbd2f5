"""HTTP benchmark of /sparql: pledgegraph serve beside rdflib-endpoint, same graph, wrk with 8 connections.

Usage: .venv/bin/python bench/http_bench.py [--letters 100] [--duration 10] [--connections 8]

Makes clearly synthetic letters (copies of the dev letters with other States' names and other days,
written to a temporary folder only), builds them, serves the build with `pledgegraph serve` and its
graph.ttl with `rdflib-endpoint serve`, then runs Debian's `wrk` against each for a lookup named
query (`candidatures` for one State) and an aggregate named query (`pledges-by-theme`).
Figures go to stdout (a Markdown table) and to bench/out/http.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent
DEV_LETTERS = ROOT / "tests" / "fixtures" / "letters-dev"
SEED = ROOT / "data" / "sources"
# The State each source letter names, to be replaced in the synthetic copies
SOURCE_STATES = {
    "003_Armenia_2006.txt": "Armenia",
    "012_Denmark_2007.txt": "Denmark",
    "013_Italy_2007.txt": "Italy",
    "016_Burkina_Faso_2008.txt": "Burkina Faso",
    "021_Mauritius_2009.txt": "Mauritius",
    "028_Switzerland_2010.txt": "Switzerland",
    "029_Cuba_2013.txt": "Cuba",
    "033_Germany_2019.txt": "Germany",
    "belarus-2007-04-09.txt": "Belarus",
}
ACCEPT = "application/sparql-results+json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def state_names(build: Path) -> list[tuple[str, str]]:
    """(name, ISO3) of the States in the reference data, from a small build."""
    store = ox.Store.read_only(str(build / "store"))
    q = """PREFIX pg: <https://w3id.org/pledgegraph/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?name ?iso WHERE { ?s a pg:State ; pg:iso3 ?iso ; skos:prefLabel ?name FILTER(LANG(?name) = "en")
    FILTER(REGEX(?name, "^[A-Z][a-z]+( [A-Z][a-z]+)?$")) } ORDER BY ?iso"""
    return [
        (r["name"].value, r["iso"].value) for r in store.query(q, use_default_graph_as_union=True)
    ]


def make_letters(out: Path, count: int, names: list[tuple[str, str]]) -> None:
    """Synthetic letters: each a dev letter with another State's name and another day of the month."""
    sources = [
        p
        for p in sorted(DEV_LETTERS.glob("*.txt")) + sorted(SEED.glob("*.txt"))
        if p.name in SOURCE_STATES
    ]
    out.mkdir(parents=True)
    taken = set(SOURCE_STATES.values())
    pool = [(n, iso) for n, iso in names if n not in taken]
    for i in range(count):
        source = sources[i % len(sources)]
        original = SOURCE_STATES[source.name]
        name, iso = pool[i % len(pool)]
        text = source.read_text(encoding="utf-8").replace(original, name)
        day = 1 + (i % 27)
        text = re.sub(r"\b(dated )\d{1,2}( [A-Z][a-z]+ \d{4})", rf"\g<1>{day}\g<2>", text, count=1)
        (out / f"synthetic-{i:03d}-{iso}.txt").write_text(text, encoding="utf-8")


def wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(
                urllib.request.Request(probe, headers={"Accept": ACCEPT}), timeout=5
            ) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def rows(url: str, query: str) -> int:
    req = urllib.request.Request(
        url + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": ACCEPT}
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        return len(json.loads(r.read())["results"]["bindings"])


# "no cache": every request runs its query (the engine's cost); by default the server keeps recent answers
SERVERS = ("pledgegraph serve", "pledgegraph serve (no cache)", "rdflib-endpoint")
# The lookup of the engine notes (NOTES-stores.md "lookup by State"): the server's own cost shows here
STATE_LOOKUP = """PREFIX pg: <https://w3id.org/pledgegraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?candidature ?letter ?date WHERE {
  VALUES ?iso { "ISO" }
  ?state pg:iso3 ?iso . ?candidature pg:candidate ?state ; pg:announcedIn ?letter .
  OPTIONAL { ?letter dcterms:date ?date }
}"""


def start_server(
    name: str, build: Path, procs: list[subprocess.Popen[bytes]]
) -> tuple[subprocess.Popen[bytes], str]:
    """Start one of the two servers on a free port; its process and its SPARQL endpoint's URL."""
    port = free_port()
    if name.startswith("pledgegraph serve"):
        cmd = [str(VENV / "pledgegraph"), "serve", "--data", str(build), "--port", str(port)]
        if "no cache" in name:
            cmd += ["--cache-mb", "0"]
        cmd += ["--log-level", "warning"]
        url = f"http://127.0.0.1:{port}/sparql"
    else:
        cmd = [str(VENV / "rdflib-endpoint"), "serve", str(build / "graph.ttl")]
        cmd += ["--host", "127.0.0.1", "--port", str(port)]
        url = f"http://127.0.0.1:{port}/"  # rdflib-endpoint answers SPARQL at /
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(proc)
    wait_ready(url)
    return proc, url


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def busiest_state(url: str) -> str:
    """The State with most pledges, so the lookup returns rows."""
    q = (
        "PREFIX pg: <https://w3id.org/pledgegraph/ontology#> SELECT ?iso (COUNT(*) AS ?n) WHERE { "
        "?p a pg:Pledge ; pg:madeBy/pg:iso3 ?iso } GROUP BY ?iso ORDER BY DESC(?n) ?iso LIMIT 1"
    )
    req = urllib.request.Request(
        url + "?" + urllib.parse.urlencode({"query": q}), headers={"Accept": ACCEPT}
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return str(json.loads(r.read())["results"]["bindings"][0]["iso"]["value"])


def _ms(value: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)", value)
    if not m:
        return float("nan")
    n = float(m[1])
    return {"us": n / 1000, "ms": n, "s": n * 1000, "m": n * 60000}[m[2]]


def wrk(url: str, query: str, duration: int, connections: int) -> dict[str, float]:
    target = url + "?" + urllib.parse.urlencode({"query": query})
    cmd = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "--latency",
        "-H",
        f"Accept: {ACCEPT}",
        target,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx": int(errors[1]) if errors else 0,
        "timeouts": int(timeouts[1]) if timeouts else 0,
    }


# -- what the HTTP benchmarks (this one, page_bench.py, hostile_bench.py) share -------------------


def arguments(description: str, duration: int) -> argparse.Namespace:
    """The benchmarks' common options; stops at once when wrk, the load generator, is missing."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--letters", type=int, default=100)
    ap.add_argument("--duration", type=int, default=duration, help="seconds of load per run")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    return args


def save(name: str, data: dict[str, Any]) -> None:
    """The figures of a run, as bench/out/NAME.json."""
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(data, indent=2))


def clean_up(procs: list[subprocess.Popen[bytes]], tmp: Path, keep: bool) -> None:
    """Stops the servers still running and removes the temporary folder (unless asked to keep it)."""
    for p in procs:
        if p.poll() is None:
            stop(p)
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"kept {tmp}", file=sys.stderr)


def main() -> int:
    args = arguments(__doc__.splitlines()[0], duration=10)
    sys.path.insert(0, str(ROOT / "src"))
    from pledgegraph.queries import bind_terms, get, with_values

    tmp = Path(tempfile.mkdtemp(prefix="pledgegraph-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        pg = str(VENV / "pledgegraph")
        subprocess.run(
            [pg, "build", str(SEED), "--out", str(tmp / "seed-build"), "-q"], check=False
        )
        make_letters(tmp / "letters", args.letters, state_names(tmp / "seed-build"))
        t = time.monotonic()
        subprocess.run(
            [pg, "build", str(tmp / "letters"), "--out", str(tmp / "build"), "-q"], check=False
        )
        manifest = json.loads((tmp / "build" / "manifest.json").read_text())
        print(
            f"built {len(manifest['letters'])} synthetic letters, {manifest['triples']} triples "
            f"in {time.monotonic() - t:.1f} s",
            file=sys.stderr,
        )
        build = tmp / "build"
        iso_server, iso_url = start_server("pledgegraph serve", build, procs)
        iso = busiest_state(iso_url)
        stop(iso_server)
        lookup_q = get("candidatures")
        queries = {
            f"lookup (candidatures, state_iso3={iso})": with_values(
                lookup_q.text, bind_terms(lookup_q, {"state_iso3": iso})
            ),
            f"lookup (minimal: a State's candidatures, {iso})": STATE_LOOKUP.replace("ISO", iso),
            "aggregate (pledges-by-theme)": get("pledges-by-theme").text,
        }
        results: dict[str, dict[str, dict[str, float]]] = {}
        for qname, query in queries.items():
            for name in SERVERS:
                # a fresh server per run: rdflib-endpoint keeps working off a backlog after wrk stops
                proc, url = start_server(name, build, procs)
                count = rows(url, query)
                wrk(url, query, 2, args.connections)  # warm up
                r = wrk(url, query, args.duration, args.connections)
                r["rows"] = count
                results.setdefault(qname, {})[name] = r
                print(f"{qname} / {name}: {r}", file=sys.stderr)
                stop(proc)
        print(
            f"\n{args.letters} synthetic letters, {manifest['triples']} triples; wrk -t2 -c{args.connections} "
            f"-d{args.duration}s on 127.0.0.1, {os.cpu_count()} cores\n"
        )
        print("| query | server | requests/s | p50 ms | p99 ms | non-2xx | timeouts |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for qname, by_server in results.items():
            for name, r in by_server.items():
                print(
                    f"| {qname} | {name} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                    f"{r['non_2xx']} | {r['timeouts']} |"
                )
        agg = results["aggregate (pledges-by-theme)"]
        ratio = agg["pledgegraph serve"]["rps"] / max(agg["rdflib-endpoint"]["rps"], 1e-9)
        lookup = results[f"lookup (minimal: a State's candidatures, {iso})"]["pledgegraph serve"]
        uncached = agg["pledgegraph serve (no cache)"]["rps"] / max(
            agg["rdflib-endpoint"]["rps"], 1e-9
        )
        print(
            f"\naggregate speed-up over rdflib-endpoint: {ratio:.1f}x (target >= 20x); "
            f"{uncached:.1f}x with the answer cache off"
        )
        print(
            f"lookup: {lookup['rps']:.0f}/s (target >= 1500), p99 {lookup['p99_ms']:.2f} ms (target < 15)"
        )
        save(
            "http",
            {
                "letters": args.letters,
                "triples": manifest["triples"],
                "connections": args.connections,
                "duration": args.duration,
                "results": results,
                "aggregate_ratio": ratio,
            },
        )
    finally:
        clean_up(procs, tmp, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
