"""Issue 10: a build never loses a user's files, and survives crashes, signals, full disks and attackers.

Driven as a user or an attacker would: the CLI in-process or in real processes, real signals, files
the tests make. Each test names the item of issue 10 it holds to.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import DEV, ROOT, SEED
from pledgegraph.cli import main

ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def cli(*argv: str | Path) -> tuple[int, str]:
    """Run the command in this process: its exit status and what it wrote on stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(a) for a in argv])
    return code, err.getvalue()


def one_error_line(stderr: str, *needles: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    for needle in needles:
        assert needle in errors[0], stderr


def snapshot(folder: Path) -> dict[str, bytes | str | None]:
    """Every file (its bytes), link (its target) and folder (None) under `folder`, by relative path."""
    out: dict[str, bytes | str | None] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            out[rel] = os.readlink(path)
        else:
            out[rel] = None if path.is_dir() else path.read_bytes()
    return out


def letters(folder: Path, n: int) -> Path:
    """`n` distinct letters: the development letters, each copy with a reference line of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    originals = [SEED, *sorted(DEV.glob("*.txt"))]
    for i in range(n):
        source = originals[i % len(originals)]
        text = source.read_text(encoding="utf-8")
        (folder / f"{i:04d}-{source.name}").write_text(text + f"\n\nRef. {i}\n", encoding="utf-8")
    return folder


def spawn(*argv: str | Path, **kw: object) -> subprocess.Popen[str]:
    return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
        [sys.executable, "-m", "pledgegraph.cli", *map(str, argv)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        **kw,
    )


def until(predicate, seconds: float = 60.0, step: float = 0.005) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


@pytest.fixture
def seed_copy(seed_build: Path, tmp_path: Path) -> Path:
    out = tmp_path / "copy" / "build"
    shutil.copytree(seed_build, out, symlinks=True)
    return out


# ------------------------------------------------------------------------------------------------
# Item 4: --out and --site never replace a folder that holds anything else


def test_build_into_its_own_source_folder_is_refused(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 2)
    before = snapshot(tmp_path)
    code, stderr = cli("build", src, "--out", src, "--quiet")
    assert code == 2
    one_error_line(stderr, str(src), "source")
    assert snapshot(tmp_path) == before, "nothing is touched: no lock, no cache, no build"


@pytest.mark.parametrize(
    "case",
    [
        "working folder",
        "home",
        "data/sources",
        "data",
        "inside the sources",
        "a link to the sources",
        "a file",
        "a folder of notes",
    ],
)
def test_careless_out_folders_are_refused(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    sources = letters(work / "data" / "sources", 1)
    (work / "notes.md").write_text("my notes\n", encoding="utf-8")
    (work / "notes").mkdir()
    (work / "notes" / "todo.txt").write_text("call back\n", encoding="utf-8")
    (work / "sources-link").symlink_to(sources, target_is_directory=True)
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(work))
    out = {
        "working folder": ".",
        "home": "~",
        "data/sources": "data/sources",
        "data": "data",
        "inside the sources": "data/sources/build",
        "a link to the sources": "sources-link",
        "a file": "notes.md",
        "a folder of notes": "notes",
    }[case]
    before = snapshot(tmp_path)
    code, stderr = cli("build", "data/sources", "--out", out, "--quiet")
    assert code == 2, stderr
    one_error_line(stderr, "refusing to write into")
    assert snapshot(tmp_path) == before


def test_a_previous_build_is_replaced_and_one_holding_a_users_file_is_not(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 2)
    out = tmp_path / "build"
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    marker = json.loads((out / ".pledgegraph").read_text(encoding="utf-8"))
    assert marker["kind"] == "build" and "graph.ttl" in marker["entries"]
    assert cli("build", src, "--out", out, "--quiet")[0] == 0, "a previous build is ours"

    (out / "my-analysis.ods").write_bytes(b"PK\x03\x04 a spreadsheet")
    before = snapshot(tmp_path)
    code, stderr = cli("build", src, "--out", out, "--quiet")
    assert code == 2
    one_error_line(stderr, "my-analysis.ods")
    assert snapshot(tmp_path) == before


def test_a_build_of_an_earlier_version_without_the_marker_is_replaced(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 1)
    out = tmp_path / "build"
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    (out / ".pledgegraph").unlink()  # as an earlier version left it: the manifest alone
    (out / "search.sqlite").unlink()  # and no search index, which came later
    (out / "identifiers.json").unlink()  # nor the ledger of IRIs, later still
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    assert (out / ".pledgegraph").is_file()


def test_an_empty_folder_is_used(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 1)
    out = tmp_path / "empty"
    out.mkdir()
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    assert (out / "graph.ttl").is_file()


def test_export_site_refuses_builds_and_the_data_folder(seed_copy: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-build"
    shutil.copytree(seed_copy, other, symlinks=True)
    for target in (seed_copy, other, seed_copy / "site", seed_copy.parent):
        before = snapshot(tmp_path)
        code, stderr = cli("export", "--data", seed_copy, "--site", target)
        assert code == 2, (target, stderr)
        one_error_line(stderr, "refusing to write into")
        assert snapshot(tmp_path) == before, target

    site = tmp_path / "site"
    assert cli("export", "--data", seed_copy, "--site", site)[0] == 0
    assert json.loads((site / ".pledgegraph").read_text(encoding="utf-8"))["kind"] == "site"
    assert cli("export", "--data", seed_copy, "--site", site)[0] == 0, "a previous site is ours"
    before = snapshot(tmp_path)
    code, stderr = cli("build", SEED, "--out", site, "--quiet")
    assert code == 2, "a build does not replace a site"
    one_error_line(stderr, "site")
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------------------------------------
# Item 8: the cache holds data, never code, in a folder no one else can write


class _Planted:
    """What an attacker plants: a pickle that creates a file when it is loaded."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.path,))


def _entries(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()]


def test_a_planted_pickle_never_runs(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 2)
    out = tmp_path / "build"
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    cache = tmp_path / ".pledgegraph-cache"
    planted = tmp_path / "planted-code-ran"
    entries = _entries(cache)
    assert entries
    for entry in entries:
        entry.write_bytes(pickle.dumps(_Planted(planted)))
    clean = snapshot(out)
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    assert not planted.exists(), "a cache entry ran code"
    assert {k: v for k, v in snapshot(out).items() if not k.startswith("store")} == {
        k: v for k, v in clean.items() if not k.startswith("store")
    }


def test_the_cache_folder_is_private(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 1)
    assert cli("build", src, "--out", tmp_path / "build", "--quiet")[0] == 0
    cache = tmp_path / ".pledgegraph-cache"
    assert cache.stat().st_mode & 0o777 == 0o700
    for entry in _entries(cache):
        assert entry.stat().st_mode & 0o077 == 0, entry


@pytest.mark.parametrize("how", ["world-writable", "another user's", "a symbolic link"])
def test_a_cache_folder_others_could_write_is_not_used(
    how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = letters(tmp_path / "letters", 1)
    shared = tmp_path / "shared"
    shared.mkdir()
    out = shared / "build"
    cache = shared / ".pledgegraph-cache"
    elsewhere = tmp_path / "attacker"
    # The attacker prepares the folder and an entry for every key (here, the keys of a real build).
    assert cli("build", src, "--out", tmp_path / "probe" / "build", "--quiet")[0] == 0
    shutil.copytree(tmp_path / "probe" / ".pledgegraph-cache", elsewhere)
    planted = tmp_path / "planted-code-ran"
    for entry in _entries(elsewhere):
        entry.write_bytes(pickle.dumps(_Planted(planted)))
    if how == "a symbolic link":
        cache.symlink_to(elsewhere, target_is_directory=True)
    else:
        shutil.copytree(elsewhere, cache)
        os.chmod(cache, 0o777)
        if how == "another user's":
            if os.geteuid() != 0:
                pytest.skip("giving a folder to another user needs root")
            os.chmod(cache, 0o755)
            for path in [cache, *cache.rglob("*")]:
                os.chown(path, 65534, 65534, follow_symlinks=False)
    before = snapshot(elsewhere)
    code, stderr = cli("build", src, "--out", out)
    assert code == 0, stderr
    assert "warning: not using the cache" in stderr and str(cache) in stderr
    assert not planted.exists()
    assert snapshot(elsewhere) == before, "nothing read from or written to the planted folder"


def test_malformed_entries_are_misses(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 2)
    out = tmp_path / "build"
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    clean = (out / "graph.ttl").read_bytes()
    bad = [b"", b"{", b"[]", b'["ok", 1, 2]', b'{"count": "x"}\n', b"\xff\xfe", b"[" * 100_000]
    for i, entry in enumerate(_entries(tmp_path / ".pledgegraph-cache")):
        entry.write_bytes(bad[i % len(bad)])
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    assert (out / "graph.ttl").read_bytes() == clean


# ------------------------------------------------------------------------------------------------
# Item 9: one build at a time per folder, and a store that matches its manifest


def _union_matches_graph_ttl(out: Path) -> None:
    store = ox.Store.read_only(str(out / "store"))
    default = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    }
    # Through a store too: pyoxigraph keeps derived numeric datatypes in their canonical form
    # (xsd:nonNegativeInteger as xsd:integer), so a store compares with a store.
    loaded = ox.Store()
    loaded.bulk_load(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    ttl = {ox.Triple(q.subject, q.predicate, q.object) for q in loaded}
    assert default == ttl


def test_a_second_build_into_the_same_folder_stops_or_waits(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 60)
    out = tmp_path / "build"
    lock = tmp_path / ".build.lock"
    first = spawn("build", src, "--out", out, "--no-cache", "--quiet")
    try:
        assert until(lambda: lock.is_file() and lock.read_text().strip() == str(first.pid))
        code, stderr = cli("build", src, "--out", out, "--quiet")
        assert code == 2
        one_error_line(stderr, f"another build is writing {out}", f"pid {first.pid}")
        code, stderr = cli("build", src, "--out", out, "--wait")
        assert code == 0, stderr
        assert "waiting for another build" in stderr
        assert first.wait(timeout=120) == 0
    finally:
        first.kill()
    _union_matches_graph_ttl(out)
    assert not lock.exists(), "the lock file goes with the build that held it"


def test_a_store_out_of_step_with_its_manifest_is_rebuilt(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 4)
    out = tmp_path / "build"
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    graph = ox.NamedNode(manifest["letters"][0]["graph"])
    # What a concurrent build, a crash or another writer leaves: a store that says something else.
    store = ox.Store(str(out / "store"))
    stray = ox.Triple(ox.NamedNode("urn:stray"), ox.NamedNode("urn:p"), ox.Literal("stale"))
    store.add(ox.Quad(stray.subject, stray.predicate, stray.object, graph))
    store.add(ox.Quad(stray.subject, stray.predicate, stray.object, ox.DefaultGraph()))
    store.flush()
    del store
    changed = sorted(src.glob("*.txt"))[-1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nRef. changed\n", encoding="utf-8")
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    clean = tmp_path / "clean" / "build"
    assert cli("build", src, "--out", clean, "--quiet", "--no-cache")[0] == 0
    rebuilt = set(ox.Store.read_only(str(out / "store")))
    assert rebuilt == set(ox.Store.read_only(str(clean / "store")))
    _union_matches_graph_ttl(out)


# ------------------------------------------------------------------------------------------------
# Item 11: one line and exit 2 for what cannot be read or written; no orphans; crash recovery


@contextlib.contextmanager
def tiny_disk(folder: Path) -> Iterator[Path]:
    folder.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small file system needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with tiny_disk(tmp_path / "disk") as disk:
        out = disk / "build"
        assert cli("build", SEED, "--out", out, "--quiet")[0] == 0
        before = snapshot(out)
        free = os.statvfs(disk)
        (disk / "filler").write_bytes(b"\0" * max(0, free.f_bavail * free.f_frsize - 150_000))
        code, stderr = cli("build", SEED, DEV, "--out", out, "--quiet", "--no-cache")
        assert code == 2
        one_error_line(stderr, "No space left on device")
        assert snapshot(out) == before, "the previous build is intact"
        assert _leftovers(out) == [], "nothing half-written is left beside it"


def test_a_file_size_limit_is_one_line_and_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert cli("build", SEED, "--out", out, "--quiet")[0] == 0
    before = snapshot(out)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    done = subprocess.run(
        [sys.executable, "-m", "pledgegraph.cli", "build", SEED, DEV, "--out", out, "--quiet"],
        capture_output=True,
        text=True,
        env=ENV,
        preexec_fn=limit,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    one_error_line(done.stderr, "File too large")
    assert snapshot(out) == before


def test_a_truncated_dataset_is_one_line_and_exit_2(seed_copy: Path) -> None:
    nq = seed_copy / "dataset.nq"
    data = nq.read_bytes()
    nq.write_bytes(data[: len(data) // 2])
    for argv in (
        ["validate", "--data", seed_copy],
        ["export", "--data", seed_copy, "--format", "turtle"],
    ):
        code, stderr = cli(*argv)
        assert code == 2, argv
        one_error_line(stderr, str(nq))


@pytest.mark.parametrize("damage", ["tables", "manifest"])
def test_a_corrupt_store_is_one_line_and_exit_2(seed_copy: Path, damage: str) -> None:
    store = seed_copy / "store"
    for path in store.iterdir():
        if (damage == "tables" and path.suffix == ".sst") or (
            damage == "manifest" and path.name.startswith(("MANIFEST", "CURRENT"))
        ):
            path.write_bytes(b"\0garbage" * (path.stat().st_size // 8 + 1))
    for argv in (
        ["query", "candidatures", "--data", seed_copy],
        ["export", "--data", seed_copy, "--site", seed_copy.parent / "site"],
    ):
        code, stderr = cli(*argv)
        assert code == 2, (argv, stderr)
        one_error_line(stderr, str(store))
    # A build over it starts its store from scratch rather than from the damaged one.
    code, stderr = cli("build", SEED, "--out", seed_copy, "--quiet")
    assert code == 0, stderr
    _union_matches_graph_ttl(seed_copy)


def _children(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _kill_9_leaves_no_worker(proc: subprocess.Popen[str]) -> None:
    workers: list[int] = []
    try:
        assert until(lambda: len(workers.extend(_children(proc.pid)) or workers) > 0), (
            "the command never started its worker processes"
        )
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert until(lambda: not any(_running(w) for w in workers), seconds=10), (
            f"workers {workers} outlived their parent"
        )
    finally:
        proc.kill()
        for worker in workers:
            with contextlib.suppress(OSError):
                os.kill(worker, signal.SIGKILL)


@pytest.mark.skipif(sys.platform != "linux", reason="workers die with their parent on Linux")
def test_kill_9_of_a_build_kills_its_reading_workers(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 240)  # more than the 40 that start the reading pool
    _kill_9_leaves_no_worker(spawn("build", src, "--out", tmp_path / "build", "--jobs", "2"))


@pytest.mark.skipif(sys.platform != "linux", reason="workers die with their parent on Linux")
def test_kill_9_of_a_validation_kills_its_workers(all_build: Path) -> None:
    proc = spawn("validate", "--data", all_build, "--engine", "pyshacl", "--jobs", "2")
    _kill_9_leaves_no_worker(proc)


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def _sigterm_while_writing(src: Path, out: Path) -> tuple[int, str]:
    proc = spawn("build", src, "--out", out, "--no-cache", "--quiet")
    try:
        writing = lambda: any(".new-" in n for n in _leftovers(out))  # noqa: E731
        assert until(lambda: writing() or proc.poll() is not None, seconds=120)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        return code, proc.stderr.read() if proc.stderr else ""
    finally:
        proc.kill()


def test_sigterm_cleans_up_like_ctrl_c(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 100)
    out = tmp_path / "build"
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    before = snapshot(out)
    changed = sorted(src.glob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nRef. new\n", encoding="utf-8")
    for _ in range(5):
        code, stderr = _sigterm_while_writing(src, out)
        # The signal may land only once the new build is in place (a loaded machine): try again.
        if code == 0 or (out / "graph.ttl").read_bytes() != before["graph.ttl"]:
            before = snapshot(out)
            continue
        break
    else:
        pytest.fail("the build always finished before SIGTERM reached it")
    assert code == 143, f"exit {code}: {stderr}"
    assert "Traceback" not in stderr and "terminated" in stderr, stderr
    assert snapshot(out) == before, "the previous build is intact"
    assert _leftovers(out) == [], "nothing half-written is left beside it"


CRASH_BETWEEN_RENAMES = """
import os, sys
from pledgegraph.cli import main
try:
    from pledgegraph import outdir
    outdir._RENAMEAT2 = None  # no atomic exchange: the swap is two renames
except ImportError:
    pass  # before the exchange, the swap was always two renames
rename = os.replace
def replace(src, dst, **kw):
    rename(src, dst, **kw)
    if ".old-" in os.fspath(dst):
        os._exit(9)  # the process dies between the two renames
os.replace = replace
sys.exit(main(sys.argv[1:]))
"""


def test_a_crash_between_the_two_renames_is_recovered(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 2)
    out = tmp_path / "build"
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    before = snapshot(out)
    done = subprocess.run(
        [sys.executable, "-c", CRASH_BETWEEN_RENAMES, "build", src, "--out", out, "--no-cache"],
        env=ENV,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 9
    assert not out.exists() and any(".old-" in n for n in _leftovers(out)), "the crash happened"
    # The next build, even one that fails, finds the previous build back in place.
    code, stderr = cli("build", tmp_path / "no-such-letter.txt", "--out", out)
    assert code == 2
    assert f"restored {out}" in stderr
    assert snapshot(out) == before
    assert _leftovers(out) == []


def test_kill_9_while_writing_leaves_nothing_the_next_build_does_not_clean(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 30)
    out = tmp_path / "build"
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    before = snapshot(out)
    proc = spawn("build", src, "--out", out, "--no-cache", "--quiet")
    try:
        assert until(lambda: any(".new-" in n for n in _leftovers(out)) or proc.poll() is not None)
        proc.kill()
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert snapshot(out) == before
    assert cli("build", src, "--out", out, "--quiet")[0] == 0
    assert _leftovers(out) == []


# ------------------------------------------------------------------------------------------------
# Item 12: the build's mode, the store password, formulas in CSV


def test_the_build_folder_has_the_users_umask_mode(tmp_path: Path) -> None:
    src = letters(tmp_path / "letters", 1)
    old = os.umask(0o022)
    try:
        assert cli("build", src, "--out", tmp_path / "build", "--quiet")[0] == 0
        assert cli("export", "--data", tmp_path / "build", "--site", tmp_path / "site")[0] == 0
    finally:
        os.umask(old)
    assert (tmp_path / "build").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "site").stat().st_mode & 0o777 == 0o755


FORMULAS = ['=HYPERLINK("http://evil.example/","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]


def test_csv_cells_that_start_a_formula_are_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pledgegraph.queries import to_csv

    rows = [{"text": ox.Literal(f), "n": ox.Literal("-3", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))} for f in FORMULAS]  # fmt: skip
    lines = to_csv(["text", "n"], rows).splitlines()[1:]
    import csv

    for (text, n), formula in zip(csv.reader(lines), FORMULAS, strict=True):
        assert text == "'" + formula
        assert n == "-3", "a number stays a number"


def test_csv_of_a_crafted_letter_is_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "letters"
    src.mkdir()
    text = SEED.read_text(encoding="utf-8")
    text = text.replace(
        " Belarus cooperates and pledges", " @SUM(1+1) Belarus cooperates and pledges"
    )
    text = text.replace("A firm supporter", '=HYPERLINK("http://evil.example/") A firm supporter')
    (src / SEED.name).write_text(text, encoding="utf-8")
    out = tmp_path / "build"
    assert cli("build", src, "--out", out, "--quiet")[0] in (0, 1)
    capsys.readouterr()
    assert main(["query", "statements", "--data", str(out), "--format", "csv"]) == 0
    csv_text = capsys.readouterr().out
    assert main(["query", "candidatures", "--data", str(out), "--format", "csv"]) == 0
    csv_text += capsys.readouterr().out
    import csv

    cells = [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]
    assert [c for c in cells if c.startswith(("'@SUM", "'=HYPERLINK"))], "the attack is read"
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
