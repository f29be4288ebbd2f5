"""The command line: builds, exports, determinism, golden Turtle, bad input and batches."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from conftest import DEV, ROOT, SEED, query_json, run_cli

GOLDEN = Path(__file__).resolve().parent / "golden"


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert run_cli("build", SEED, DEV, "--out", tmp_path / name, "--quiet") == 0
    for f in ("graph.ttl", "dataset.nq", "report.ttl", "report.txt"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def test_turtle_parses_back_isomorphic(seed_build: Path) -> None:
    g = rdflib.Graph().parse(seed_build / "graph.ttl", format="turtle")
    nq = rdflib.Dataset()
    nq.parse(seed_build / "dataset.nq", format="nquads")
    union = rdflib.Graph()
    for s, p, o, _ in nq.quads((None, None, None, None)):
        union.add((s, p, o))
    assert isomorphic(g, union)
    assert not any(isinstance(t, rdflib.BNode) for triple in g for t in triple), (
        "no blank nodes in published data"
    )


def _letter_graph(build: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    for q in ox.parse(path=str(build / "dataset.nq"), format=ox.RdfFormat.N_QUADS):
        if "/graph/letter/" in q.graph_name.value:
            g.parse(data=str(ox.Triple(q.subject, q.predicate, q.object)) + " .", format="nt")
    return g


def test_golden_turtle(seed_build: Path, update_golden: bool) -> None:
    """The seed letter's own graph against its golden file: isomorphism first, then bytes."""
    from pledgegraph.export import turtle

    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(path=str(seed_build / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
        if "/graph/letter/" in q.graph_name.value
    ]
    data = turtle(triples)
    golden = GOLDEN / "belarus-2007-04-09.ttl"
    if update_golden:
        golden.write_bytes(data)
    got = rdflib.Graph().parse(data=data, format="turtle")
    want = rdflib.Graph().parse(golden, format="turtle")
    if not isomorphic(got, want):
        _, only_got, only_want = graph_diff(to_isomorphic(got), to_isomorphic(want))
        pytest.fail(
            "graph differs from golden (run pytest --update-golden if intended)\n"
            f"only in build:\n{only_got.serialize(format='nt')}\nonly in golden:\n{only_want.serialize(format='nt')}"
        )
    assert data == golden.read_bytes()


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"),
    [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("trig", "trig")],
)
def test_exports_parse(seed_build: Path, tmp_path: Path, fmt: str, rdflib_format: str) -> None:
    out = tmp_path / f"export.{fmt}"
    assert run_cli("export", "--data", seed_build, "--format", fmt, "-o", out) == 0
    if fmt == "trig":
        ds = rdflib.Dataset()
        ds.parse(out, format="trig")
        graphs = {str(c.identifier) for c in ds.contexts()}
        assert any("/graph/letter/BLR-2007-04-09" in g for g in graphs)
        assert any(g.endswith("/graph/reference") for g in graphs)
    else:
        g = rdflib.Graph().parse(out, format=rdflib_format)
        assert len(g) > 1000


def test_queries_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("queries") == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split("\t")[0] for line in lines]
    assert {
        "candidatures",
        "resolutions",
        "country-visits",
        "events",
        "pledges",
        "pledges-by-theme",
        "compare-themes",
    } <= set(names)
    assert all("\t" in line and line.split("\t")[1] for line in lines)


def test_query_formats(seed_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("query", "candidatures", "--data", seed_build, "--format", "csv") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("state,state_iso3,body,term_start")
    assert run_cli("query", "candidatures", "--data", seed_build, "--format", "table") == 0
    assert "Belarus" in capsys.readouterr().out


def test_query_errors(seed_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("query", "nope", "--data", seed_build) == 2
    assert "no query named 'nope'" in capsys.readouterr().err
    assert run_cli("query", "pledges", "--data", seed_build, "--param", "colour=red") == 2
    assert "takes no parameter 'colour'" in capsys.readouterr().err
    assert run_cli("query", "pledges", "--data", tmp_path / "missing") == 2
    assert "no built store" in capsys.readouterr().err


def test_validate_exit_codes(seed_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("validate", "--data", seed_build) == 0
    assert run_cli("validate", "--data", seed_build, "--format", "json") == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("{") :])["conforms"] is True
    assert run_cli("validate", "--data", "/nonexistent/build") == 2


# ------------------------------------------------------------------------------------------ bad input


def _bad_files(folder: Path) -> dict[str, Path]:
    from fpdf import FPDF

    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "empty": b"",
        "binary": bytes(range(256)) * 8,
        "cp1252": "Letter dated 9 April 2007: the Government\u2019s candidature to the Human Rights Council".encode(
            "cp1252"
        ),
        "not-a-letter": b"Minutes of the meeting of the garden club. We planted roses.\n",
        "big": b"a" * (20 * 1024 * 1024),
    }
    paths = {}
    for name, data in files.items():
        p = folder / f"{name}.txt"
        p.write_bytes(data)
        paths[name] = p
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 100)
    pdf.output(str(folder / "scan.pdf"))
    paths["scan"] = folder / "scan.pdf"
    return paths


MESSAGES = {
    "empty": "empty file",
    "binary": "binary file",
    "cp1252": "not UTF-8",
    "not-a-letter": "not a candidature letter",
    "big": "too large",
    "scan": "without a text layer",
}


def test_bad_input_keeps_previous_output(
    seed_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "build"
    shutil.copytree(seed_build, out)
    before = (out / "graph.ttl").read_bytes()
    for name, path in _bad_files(tmp_path / "bad").items():
        capsys.readouterr()
        assert run_cli("build", path, "--out", out) == 2, name
        err = capsys.readouterr().err
        assert str(path) in err and MESSAGES[name] in err, (name, err)
        assert (out / "graph.ttl").read_bytes() == before


def test_batch_with_bad_sources_builds_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _bad_files(tmp_path / "bad")
    out = tmp_path / "build"
    assert (
        run_cli(
            "build", SEED, DEV / "013_Italy_2007.txt", tmp_path / "bad", "--out", out, "--quiet"
        )
        == 2
    )
    err = capsys.readouterr().err
    for name, path in bad.items():
        assert str(path) in err and MESSAGES[name] in err
    rows = query_json(capsys, "candidatures", out)
    assert {r["state_iso3"] for r in rows} == {"BLR", "ITA"}


def test_interrupted_build_leaves_previous_output(
    seed_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pledgegraph.write as write_module

    out = tmp_path / "build"
    shutil.copytree(seed_build, out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def crash(*args: object, **kwargs: object) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(write_module, "report_turtle", crash)
    assert run_cli("build", SEED, DEV, "--out", out, "--quiet") == 130
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".build.")], (
        "no leftovers beside the output"
    )


def test_pdf_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fpdf import FPDF

    text = SEED.read_text(encoding="utf-8")
    latin = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, latin)
    path = tmp_path / "belarus.pdf"
    pdf.output(str(path))
    out = tmp_path / "build"
    assert run_cli("build", path, "--out", out, "--quiet") == 0
    [row] = query_json(capsys, "candidatures", out)
    assert (row["state_iso3"], row["letter_date"], row["term_start"], row["signatory"]) == (
        "BLR",
        "2007-04-09",
        2007,
        "Andrei Dapkiunas",
    )
    from pledgegraph.buildfolder import BuildFolder

    folder = BuildFolder(out)
    [key] = folder.letter_keys()
    kept = folder.text(key)
    assert kept is not None
    pledges = query_json(capsys, "pledges", out)
    assert len(pledges) >= 15
    for p in pledges:
        assert kept[p["begin"] : p["end"]] == p["text"]
    # Issue 11: a PDF letter's page shows its text with every pledge marked in it (it showed none).
    from starlette.testclient import TestClient

    from pledgegraph.serve.app import create_app

    with TestClient(create_app(out, data_dir=out)) as client:
        page = client.get("/doc/id/candidature/BLR-2007.html").text
    assert page.count('<mark id="pledge-') >= len(pledges) - 2, "the pledges are marked in the text"


def test_two_letters_of_one_state_stay_distinct(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SEED.read_text(encoding="utf-8")
    later = (
        text.replace("9 April 2007", "3 March 2010")
        .replace("2007-2010", "2010-2013")
        .replace("May 2007", "May 2010")
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "src" / "b.txt").write_text(later, encoding="utf-8")
    out = tmp_path / "build"
    assert run_cli("build", tmp_path / "src", "--out", out, "--quiet") == 0
    rows = query_json(capsys, "candidatures", out)
    assert sorted(r["letter_date"] for r in rows) == ["2007-04-09", "2010-03-03"]
    pledges = query_json(capsys, "pledges", out)
    assert len({p["pledge"] for p in pledges}) == len(pledges) == 40


def test_default_sources_are_data_sources() -> None:
    from pledgegraph.build import default_sources

    assert default_sources() == [ROOT / "data" / "sources"]


def test_build_timings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`build --timings` says where the time went, stage by stage, without touching the outputs."""
    from pledgegraph.build import STAGES

    timed, plain = tmp_path / "timed", tmp_path / "plain"
    capsys.readouterr()
    start = time.perf_counter()
    assert run_cli("build", SEED, DEV, "--out", timed, "--no-cache", "-q", "--timings") == 0
    wall = time.perf_counter() - start
    err = capsys.readouterr().err
    rows = {line.split()[0]: line.split()[1:] for line in err.splitlines()[1:]}
    assert list(rows) == [*STAGES, "total"]
    seconds = {name: float(cells[0]) for name, cells in rows.items()}
    assert all(s >= 0 for s in seconds.values())
    assert seconds["extract"] > 0 and seconds["validate"] > 0 and seconds["store"] > 0
    assert abs(sum(seconds[s] for s in STAGES) - seconds["total"]) < 0.01
    # the stages account for the build's time (what is left out is argument parsing and imports)
    assert 0.5 * wall <= seconds["total"] <= wall
    assert rows["total"][1] == "100%"
    assert run_cli("build", SEED, DEV, "--out", plain, "--no-cache", "-q") == 0
    for name in ("graph.ttl", "dataset.nq", "report.ttl", "manifest.json"):
        assert (timed / name).read_bytes() == (plain / name).read_bytes()


def test_validate_turtle_report_is_minted_under_the_builds_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11: `validate --format turtle` minted the report under the default base."""
    out = tmp_path / "build"
    assert run_cli("build", SEED, "--out", out, "--base", "http://example.org/pg/", "--quiet") == 0
    capsys.readouterr()
    assert run_cli("validate", "--data", out, "--format", "turtle") == 0
    report = capsys.readouterr().out
    assert "<http://example.org/pg/report>" in report
    assert "w3id.org/pledgegraph/report" not in report
    assert report.encode() == (out / "report.ttl").read_bytes()


def test_query_file_runs_like_a_named_query(
    seed_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14: `pledgegraph query FILE.rq` runs a query file with the same parameters and formats."""
    mine = tmp_path / "pledges-per-state.rq"
    mine.write_text(
        "# title: Pledges per State\n"
        "# parameters: state_iso3 (optional, code)\n"
        "# columns: state_iso3, n\n"
        "PREFIX pg: <https://w3id.org/pledgegraph/ontology#>\n"
        "SELECT ?state_iso3 (COUNT(?p) AS ?n) WHERE { ?p a pg:Pledge ; pg:madeBy/pg:iso3 ?state_iso3 }"
        " GROUP BY ?state_iso3\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    args = ("query", mine, "--data", seed_build, "--format", "json", "--param", "state_iso3=blr")
    assert run_cli(*args) == 0
    assert json.loads(capsys.readouterr().out) == [{"state_iso3": "BLR", "n": 20}]
    assert run_cli("query", mine, "--data", seed_build, "--param", "nope=1") == 2
    assert "takes no parameter 'nope'" in capsys.readouterr().err
    for text, said in (
        ("ASK { ?s ?p ?o }", "this is a ASK query"),
        ("SELEC broken", "syntax error"),
        ("DELETE WHERE { ?s ?p ?o }", "SPARQL Update is not allowed"),
    ):
        bad = tmp_path / "bad.rq"
        bad.write_text(text, encoding="utf-8")
        assert run_cli("query", bad, "--data", seed_build) == 2
        err = capsys.readouterr().err
        assert str(bad) in err and said in err, err
    assert run_cli("query", tmp_path / "missing.rq", "--data", seed_build) == 2
    assert "cannot read it" in capsys.readouterr().err
