"""The benchmark runs end to end on tiny corpora and keeps its contract (results.json, results.md, plot.png)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
ENGINES = {"pledgegraph", "rdflib", "pyshacl-whole", "jena-shacl"}
KEYS = {"size", "task", "engine", "median_s", "p95_s", "peak_mib"}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--sizes", "1,2", "--out", str(out)],
        check=True,
        timeout=900,
    )
    return out


def test_results_json_contract(results: Path) -> None:
    from pledgegraph.queries import catalogue

    records = json.loads((results / "results.json").read_text(encoding="utf-8"))
    assert isinstance(records, list) and records
    for r in records:
        assert set(r) >= KEYS, r
        assert r["size"] in (1, 2) and r["engine"] in ENGINES
        assert r["median_s"] >= 0 and r["p95_s"] >= r["median_s"]
        # A run stopped at its time limit (rdflib on the record's heaviest queries) is a lower
        # bound, said in its note; it has no peak to report.
        assert r["peak_mib"] > 0 or "timed out" in r.get("note", ""), r
    tasks = {(r["size"], r["task"], r["engine"]) for r in records}
    for size in (1, 2):
        for task in ("build", "rebuild-one", "validate", "revalidate-one", "export"):
            assert (size, task, "pledgegraph") in tasks, (size, task)
        assert (size, "validate", "pyshacl-whole") in tasks
        for name in catalogue():
            assert (size, f"query:{name}", "pledgegraph") in tasks
            assert (size, f"query:{name}", "rdflib") in tasks
    sys.path.insert(0, str(BENCH))
    import jena

    if jena.available() is None:
        assert (1, "validate", "jena-shacl") in tasks
    else:
        assert "Jena SHACL not measured" in (results / "results.md").read_text(encoding="utf-8")


def test_build_stages(results: Path) -> None:
    """Each build record says where its time went, stage by stage, and its time per letter."""
    from pledgegraph.build import STAGES

    records = json.loads((results / "results.json").read_text(encoding="utf-8"))
    builds = [r for r in records if r["task"] in ("build", "rebuild-one")]
    assert len(builds) == 4
    for r in builds:
        assert list(r["stages"]) == list(STAGES)
        assert all(s >= 0 for s in r["stages"].values())
        assert sum(r["stages"].values()) <= r["median_s"] * 1.05 + 0.01
        assert r["per_letter_s"] == pytest.approx(r["median_s"] / r["size"], abs=1e-5)
    md = (results / "results.md").read_text(encoding="utf-8")
    assert "## Where the build's time goes" in md
    assert "| 2 | build | " in md and "| 1 | rebuild-one | " in md


def test_markdown_and_plot(results: Path) -> None:
    md = (results / "results.md").read_text(encoding="utf-8")
    assert "## 1 letters" in md and "## 2 letters" in md and "x" in md
    assert (results / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_corpus_is_synthetic_and_never_in_data(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    import corpus

    paths = corpus.generate(12, tmp_path / "c")
    assert len(paths) == 12 and all(p.name.startswith("synthetic-") for p in paths)
    assert "SYNTHETIC" in (tmp_path / "c" / "README.md").read_text(encoding="utf-8")
    assert len({p.read_text(encoding="utf-8") for p in paths}) == 12, "every letter differs"
    assert corpus.generate(12, tmp_path / "d") and [
        p.read_bytes() for p in sorted((tmp_path / "d").glob("*.txt"))
    ] == [p.read_bytes() for p in sorted(paths)], "the same size and seed give the same corpus"
    with pytest.raises(ValueError):
        corpus.generate(1, ROOT / "data" / "synthetic")


def test_timed_out_runs_are_lower_bounds() -> None:
    """A peer stopped at the time limit shows "≥" on its time and ratio: it was at least that slow."""
    sys.path.insert(0, str(BENCH))
    import run

    base = {"size": 1000, "task": "query:statements", "p95_s": 0.1, "peak_mib": 1.0, "runs": 20}
    records = [
        {**base, "engine": "pledgegraph", "median_s": 0.1},
        {
            **base,
            "engine": "rdflib",
            "median_s": 60.0,
            "p95_s": 60.0,
            "note": "timed out after 60 s",
        },
    ]
    md = run.markdown(records)
    assert "≥60.00 (60.00)" in md and "rdflib / pg = ≥600.0x" in md
    records[1].pop("note")
    assert "≥" not in run.markdown(records).split("## 1000 letters")[1].split("Times are")[0]
