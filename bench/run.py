"""Benchmarks pledgegraph against its peers on synthetic corpora and writes results.json, results.md and plot.png.

Every measurement runs in a fresh worker process (this file with --worker) so peak memory is the
task's own; times are taken inside the worker around the measured call (for Jena SHACL and pyshacl
on the whole graph, around the whole run, parsing included, as a user would run them).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
BASE = "https://w3id.org/pledgegraph/"
ENGINES = ("pledgegraph", "rdflib", "pyshacl-whole", "jena-shacl")
CHANGE = "\n\nThe Government also pledges to continue its cooperation with the treaty bodies (edit {n}).\n"


def _peak_mib() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # Linux reports KiB; worker pools run beside the main process, so both count.
    return round((me + children) / 1024, 1)


def _timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def _touch(corpus: Path, n: int) -> None:
    """Change one letter: a pledge more, different each time, so the cache cannot answer."""
    first = sorted(corpus.glob("synthetic-*.txt"))[0]
    with first.open("a", encoding="utf-8") as f:
        f.write(CHANGE.format(n=n))


# --------------------------------------------------------------------------------------------------
# Worker side: one task, one engine, printed as JSON


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    task, engine, repeat = spec["task"], spec["engine"], spec["repeat"]
    corpus, out = Path(spec["corpus"]), Path(spec["out"])
    shapes = Path(spec["shapes"])
    times: list[float]
    stages: list[dict[str, float]] = []  # where each build's time went
    if task == "build":
        from pledgegraph.build import build

        def clean() -> None:
            shutil.rmtree(out.parent / ".pledgegraph-cache", ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            stages.append(build([corpus], out, BASE, log=lambda m: None).stages)

        times = _timed(clean, repeat)
    elif task == "rebuild-one":
        from pledgegraph.build import build

        times = []
        for i in range(repeat):
            _touch(corpus, i)
            t = time.perf_counter()
            stages.append(build([corpus], out, BASE, log=lambda m: None).stages)
            times.append(time.perf_counter() - t)
    elif task == "validate" and engine == "pledgegraph":
        from pledgegraph.validate import revalidate

        times = _timed(lambda: revalidate(out), repeat)
    elif task == "revalidate-one" and engine == "pledgegraph":
        times = _revalidate_one(corpus, out, repeat)
    elif task in ("validate", "revalidate-one") and engine == "pyshacl-whole":
        times = _timed(lambda: _pyshacl_whole(out / "graph.ttl", shapes), repeat)
    elif task in ("validate", "revalidate-one") and engine == "jena-shacl":
        import jena

        def run() -> None:
            r = jena.shacl_validate(shapes, out / "graph.ttl")
            if r.returncode != 0 or "ValidationReport" not in r.stdout:
                raise RuntimeError(f"Jena SHACL failed: {r.stderr[-2000:]}")

        times = _timed(run, repeat)
    elif task == "export" and engine == "pledgegraph":
        from pledgegraph.export import export

        times = _timed(lambda: export(out, "turtle"), repeat)
    elif task == "export" and engine == "rdflib":
        import rdflib

        def run() -> None:
            ds = rdflib.Dataset()
            ds.parse(out / "dataset.nq", format="nquads")
            g = rdflib.Graph()
            for s, p, o, _ in ds.quads((None, None, None, None)):
                g.add((s, p, o))
            g.serialize(format="turtle")

        times = _timed(run, repeat)
    elif task.startswith("query:"):
        times = _query(task.removeprefix("query:"), engine, out, repeat)
    else:
        raise ValueError(f"no measurement for {task} on {engine}")
    result: dict[str, Any] = {"times": times, "peak_mib": _peak_mib()}
    if stages:
        result["stages"] = {k: statistics.median(s[k] for s in stages) for k in stages[0]}
    return result


def _pyshacl_whole(data: Path, shapes: Path) -> None:
    import pyshacl
    import rdflib

    g = rdflib.Graph().parse(data, format="turtle")
    s = rdflib.Graph().parse(shapes, format="turtle")
    pyshacl.validate(g, shacl_graph=s, inference="none", advanced=True, allow_warnings=True)


def _revalidate_one(corpus: Path, out: Path, repeat: int) -> list[float]:
    """What a rebuild does to validate after one letter changed: that letter anew, the others from the cache."""
    from pledgegraph.build import _assign_keys, graph_letter
    from pledgegraph.cache import Cache, default_folder, environment_key
    from pledgegraph.reference import Reference
    from pledgegraph.sources import read_sources
    from pledgegraph.validate import ReferenceIndex, validate_letters

    ref = Reference(BASE)
    cache = Cache(default_folder(out), environment_key(BASE))
    times = []
    for i in range(repeat):
        _touch(corpus, 100 + i)
        paths = sorted(corpus.glob("synthetic-*.txt"))
        letters, _ = read_sources(paths, ref, cache, 1)
        _assign_keys(letters)
        t = time.perf_counter()
        findings = []
        changed = []
        for letter in letters:
            hit = cache.get("graph", f"{letter.source_sha}-{letter.key}")
            if hit is None:
                changed.append(letter)
            else:
                findings += hit[-1]  # the entry ends with the findings
        index = ReferenceIndex(ref.store)
        for letter in changed:
            graph_letter(letter, ref)
        findings += validate_letters([(lt.key, index.letter_data(lt.lines)) for lt in changed])
        findings.sort()
        times.append(time.perf_counter() - t)
    return times


def _query(name: str, engine: str, out: Path, repeat: int) -> list[float]:
    from pledgegraph import queries

    text = queries.get(name).text
    if engine == "pledgegraph":
        from pledgegraph.store import EmbeddedStore

        # As the server's workers hold it: the build loaded into memory.
        store = EmbeddedStore.in_memory(out)
        store.select(text)  # one warm-up run
        return _timed(lambda: store.select(text), repeat)
    import rdflib

    ds = rdflib.Dataset(default_union=True)
    ds.parse(out / "dataset.nq", format="nquads")
    return _timed(lambda: list(ds.query(text)), repeat)


# --------------------------------------------------------------------------------------------------
# Parent side


# A query slower than this is reported as timed out rather than holding up the run for hours.
QUERY_TIMEOUT_S = 60.0
TASK_TIMEOUT_S = 1800.0


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    limit = QUERY_TIMEOUT_S if spec["task"].startswith("query:") else TASK_TIMEOUT_S
    try:
        r = subprocess.run(
            [sys.executable, __file__, "--worker", json.dumps(spec)],
            capture_output=True,
            text=True,
            check=False,
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        return {
            "times": [float(limit)],
            "peak_mib": 0.0,
            "note": f"timed out after {limit:.0f} s (the time shown)",
        }
    if r.returncode != 0:
        raise RuntimeError(f"{spec['task']} / {spec['engine']} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _record(size: int, task: str, engine: str, result: dict[str, Any]) -> dict[str, Any]:
    times = sorted(result["times"])
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return {
        "size": size,
        "task": task,
        "engine": engine,
        "median_s": round(statistics.median(times), 6),
        "p95_s": round(p95, 6),
        "peak_mib": result["peak_mib"],
        "runs": len(times),
        **({"note": result["note"]} if "note" in result else {}),
        **(
            {
                "per_letter_s": round(statistics.median(times) / size, 6),
                "stages": {k: round(v, 4) for k, v in result["stages"].items()},
            }
            if "stages" in result
            else {}
        ),
    }


def run(
    sizes: list[int], out_dir: Path, log: Callable[[str], None], rdflib_limit: int = 1000
) -> list[dict[str, Any]]:
    import corpus
    import jena
    from pledgegraph import queries, resources

    shapes = resources.ontology_file("shapes.ttl")
    jena_missing = jena.available()
    if jena_missing:
        log(f"jena-shacl: not measured: {jena_missing}")
    records: list[dict[str, Any]] = []
    work = Path(tempfile.mkdtemp(prefix="pledgegraph-bench-"))
    try:
        for size in sizes:
            src = work / f"corpus-{size}"
            corpus.generate(size, src)
            out = work / f"build-{size}" / "build"
            out.parent.mkdir()
            big = size >= 1000
            slow = 1 if big else 3  # repeats of what takes seconds to minutes
            fast = 20  # repeats of what takes milliseconds
            # pledgegraph's tasks first, its millisecond queries while the machine is quiet; then the
            # peers, whose runs load gigabytes (pySHACL, rdflib) and leave the memory system busy for
            # a while after they exit.
            plan: list[tuple[str, str, int]] = [
                ("build", "pledgegraph", slow),
                ("rebuild-one", "pledgegraph", 3),
                ("validate", "pledgegraph", slow),
                ("revalidate-one", "pledgegraph", 3),
                ("export", "pledgegraph", slow),
            ]
            names = sorted(queries.catalogue())
            plan += [(f"query:{name}", "pledgegraph", fast) for name in names]
            plan += [("validate", "pyshacl-whole", 1), ("export", "rdflib", 1)]
            if not jena_missing:
                plan += [("validate", "jena-shacl", slow)]
            if size <= rdflib_limit:
                plan += [(f"query:{name}", "rdflib", 1 if big else 3) for name in names]
            for task, engine, repeat in plan:
                spec = {
                    "task": task,
                    "engine": engine,
                    "repeat": repeat,
                    "corpus": str(src),
                    "out": str(out),
                    "shapes": str(shapes),
                }
                log(f"{size:>6} letters  {task:<28} {engine:<14} ...")
                rec = _record(size, task, engine, measure(spec))
                records.append(rec)
                log(
                    f"{'':>6}          {rec['median_s']:.4f} s median, {rec['p95_s']:.4f} s p95, {rec['peak_mib']} MiB"
                )
            # Engines without an incremental mode revalidate after one change by validating everything again.
            for r in [
                r
                for r in records
                if r["size"] == size and r["task"] == "validate" and r["engine"] != "pledgegraph"
            ]:
                records.append(
                    {**r, "task": "revalidate-one", "note": "no incremental mode: a full run"}
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return records


def markdown(records: list[dict[str, Any]], note: str = "") -> str:
    """Tables by size: each task's time per engine, and pledgegraph's advantage as a ratio."""
    lines = ["# pledgegraph benchmark", "", note, ""] if note else ["# pledgegraph benchmark", ""]
    for size in sorted({r["size"] for r in records}):
        rows = [r for r in records if r["size"] == size]
        lines += [
            f"## {size} letters",
            "",
            "| task | pledgegraph | rdflib | pyshacl-whole | jena-shacl | best ratio | peak MiB (pg) |",
            "|---|---|---|---|---|---|---|",
        ]
        for task in dict.fromkeys(r["task"] for r in rows):
            by = {r["engine"]: r for r in rows if r["task"] == task}
            pg = by.get("pledgegraph")
            cells = []
            for engine in ENGINES:
                r = by.get(engine)
                cells.append("-" if r is None else _bound(r) + _fmt(r["median_s"], r["p95_s"]))
            ratios = [
                f"{e} / pg = {_bound(by[e])}{by[e]['median_s'] / pg['median_s']:.1f}x"
                for e in ENGINES[1:]
                if e in by and pg and pg["median_s"] > 0
            ]
            peak = pg["peak_mib"] if pg else "-"
            lines.append(f"| {task} | {' | '.join(cells)} | {'; '.join(ratios) or '-'} | {peak} |")
        lines.append("")
    lines.append(
        "Times are medians (p95 in brackets) in seconds; a ratio above 1 means pledgegraph is faster. "
        f"≥ marks a run stopped at its time limit ({QUERY_TIMEOUT_S:.0f} s for a query): the time "
        "and the ratio are lower bounds."
    )
    lines += ["", *stages_table(records)]
    return "\n".join(lines) + "\n"


def stages_table(records: list[dict[str, Any]]) -> list[str]:
    """Where the builds' time goes: seconds per stage (median over the runs), and per letter."""
    timed = [r for r in records if "stages" in r]
    if not timed:
        return []
    names = list(timed[0]["stages"])
    lines = [
        "## Where the build's time goes",
        "",
        f"| letters | task | {' | '.join(names)} | total | per letter |",
        "|---|---|" + "---|" * (len(names) + 2),
    ]
    for r in sorted(timed, key=lambda r: (r["size"], r["task"])):
        cells = [f"{r['stages'][n]:.3f}" for n in names]
        lines.append(
            f"| {r['size']} | {r['task']} | {' | '.join(cells)} | {r['median_s']:.3f} "
            f"| {1000 * r['per_letter_s']:.1f} ms |"
        )
    lines += [
        "",
        "Seconds of wall time per stage (`build --timings` prints the same for any build): read "
        "(sources, reference data, cache) and extract share the reading pool's time in proportion "
        "to the workers' time on each; graph (letter graphs, Turtle blocks, dataset parts); "
        "validate; write (graph.ttl, dataset.nq, reports, sources, manifest, cache); store "
        "(pyoxigraph RocksDB load, or the changed graphs replaced).",
    ]
    return lines


def _bound(record: dict[str, Any]) -> str:
    """ "≥" for a run stopped at its time limit, whose time is a lower bound."""
    return "≥" if "timed out" in record.get("note", "") else ""


def _fmt(median: float, p95: float) -> str:
    return f"{median:.4f} ({p95:.4f})" if median < 1 else f"{median:.2f} ({p95:.2f})"


def plot(records: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(19, 5))
    pipeline, query, stages = axes
    for (task, engine), style in {
        ("build", "pledgegraph"): "o-",
        ("rebuild-one", "pledgegraph"): "o--",
        ("validate", "pledgegraph"): "s-",
        ("revalidate-one", "pledgegraph"): "s--",
        ("validate", "pyshacl-whole"): "^-",
        ("validate", "jena-shacl"): "v-",
        ("export", "pledgegraph"): "d-",
        ("export", "rdflib"): "d:",
    }.items():
        pts = sorted(
            (r["size"], r["median_s"])
            for r in records
            if r["task"] == task and r["engine"] == engine
        )
        if pts:
            pipeline.plot(*zip(*pts, strict=True), style, label=f"{task} ({engine})")
    for engine, style in (("pledgegraph", "-"), ("rdflib", ":")):
        for name in sorted({r["task"] for r in records if r["task"].startswith("query:")}):
            pts = sorted(
                (r["size"], r["median_s"])
                for r in records
                if r["task"] == name and r["engine"] == engine
            )
            if pts:
                query.plot(
                    *zip(*pts, strict=True),
                    style,
                    marker=".",
                    label=f"{name.removeprefix('query:')} ({engine})",
                )
    builds = sorted(
        (r for r in records if r["task"] == "build" and "stages" in r), key=lambda r: r["size"]
    )
    if builds:
        labels = [str(r["size"]) for r in builds]
        bottom = [0.0] * len(builds)
        for name in builds[0]["stages"]:
            share = [r["stages"][name] / max(sum(r["stages"].values()), 1e-9) for r in builds]
            stages.bar(labels, share, bottom=bottom, label=name)
            bottom = [b + s for b, s in zip(bottom, share, strict=True)]
        stages.set_xlabel("letters (synthetic corpus)")
        stages.set_ylabel("share of the clean build's time")
        stages.set_title("where a clean build's time goes")
        stages.legend(fontsize=7)
    for ax, title in ((pipeline, "pipeline"), (query, "named queries (median)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("letters (synthetic corpus)")
        ax.set_ylabel("seconds")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument(
        "--sizes",
        default="1,10,100,1000",
        help="corpus sizes, comma-separated (default 1,10,100,1000)",
    )
    p.add_argument(
        "--large", action="store_true", help="add 10,000 letters (rdflib queries skipped there)"
    )
    p.add_argument(
        "--out", default=str(HERE / "out"), help="folder for results.json, results.md, plot.png"
    )
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.large and 10000 not in sizes:
        sizes.append(10000)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    import jena

    records = run(sizes, out, log)
    missing = jena.available()
    note = f"{os.cpu_count()} cores. " + (
        f"Jena SHACL not measured: {missing}."
        if missing
        else "Jena SHACL: Debian libapache-jena-java."
    )
    (out / "results.json").write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    (out / "results.md").write_text(markdown(records, note), encoding="utf-8")
    plot(records, out / "plot.png")
    log(f"wrote {out / 'results.json'}, {out / 'results.md'}, {out / 'plot.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
