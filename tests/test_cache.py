"""The content-addressed cache: a rebuild after a change is byte-identical to a clean build, and redoes only what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import DEV, SEED
from pledgegraph.build import build
from pledgegraph.cache import Cache, default_folder, environment_key

BASE = "https://w3id.org/pledgegraph/"
OUTPUTS = ("graph.ttl", "dataset.nq", "report.ttl", "report.txt", "report.json", "manifest.json")


def _sources(tmp: Path) -> Path:
    src = tmp / "sources"
    src.mkdir()
    shutil.copy(SEED, src)
    for letter in sorted(DEV.glob("*.txt")):
        shutil.copy(letter, src)
    return src


def _same(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert sorted(p.name for p in (a / "sources").iterdir()) == sorted(
        p.name for p in (b / "sources").iterdir()
    )
    left, right = ox.Store.read_only(str(a / "store")), ox.Store.read_only(str(b / "store"))
    assert set(left) == set(right)


def _build(src: Path, out: Path, **kw: object):  # type: ignore[no-untyped-def]
    return build([src], out, BASE, log=lambda m: None, **kw)  # type: ignore[arg-type]


def test_rebuild_after_one_change_is_byte_identical_to_a_clean_build(tmp_path: Path) -> None:
    src = _sources(tmp_path)
    out = tmp_path / "incremental" / "build"
    first = _build(src, out)
    assert first.cache_hits == 0 and first.cache_misses > 0
    assert (out.parent / ".pledgegraph-cache").is_dir() and not (
        out / ".pledgegraph-cache"
    ).exists()

    again = _build(src, out)
    assert again.cache_misses == 0, "an unchanged rebuild reads everything from the cache"

    changed = sorted(src.glob("*.txt"))[1]
    changed.write_text(
        changed.read_text(encoding="utf-8")
        + "\nThe Government pledges to cooperate with the treaty bodies.\n",
        encoding="utf-8",
    )
    (src / SEED.name).unlink()  # and one letter withdrawn
    rebuilt = _build(src, out)
    assert rebuilt.cache_misses == 2, (
        "only the changed letter is read (its source entry) and graphed anew"
    )

    clean = _build(src, tmp_path / "clean" / "build", use_cache=False)
    _same(out, tmp_path / "clean" / "build")
    assert rebuilt.findings == clean.findings and rebuilt.triples == clean.triples


def test_cache_outside_the_output_and_keyed_by_environment(tmp_path: Path) -> None:
    src = _sources(tmp_path)
    cache = tmp_path / "elsewhere"
    _build(src, tmp_path / "a" / "build", cache=cache)
    hit = _build(src, tmp_path / "b" / "build", cache=cache)
    assert hit.cache_misses == 0
    moved = build(
        [src], tmp_path / "d" / "build", "https://example.org/pg/", log=lambda m: None, cache=cache
    )
    assert moved.cache_hits == 0, "another base IRI is another environment"
    assert environment_key(BASE) != environment_key("https://example.org/pg/")
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 1, (
        "entries of other environments are pruned"
    )
    _same(tmp_path / "a" / "build", tmp_path / "b" / "build")


def test_damaged_entries_are_misses(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c", environment_key(BASE))
    cache.put("src", "ab" * 32, ("error", "not a candidature letter", None))
    assert cache.get("src", "ab" * 32) == ("error", "not a candidature letter", None)
    path = next((tmp_path / "c").rglob("abab*"))
    path.write_bytes(b"\x80\x05garbage")
    assert cache.get("src", "ab" * 32) is None
    assert cache.get("graph", "missing") is None


@pytest.mark.parametrize("name", ["build", "out"])
def test_default_folder_is_beside_the_output(tmp_path: Path, name: str) -> None:
    assert default_folder(tmp_path / name) == tmp_path / ".pledgegraph-cache"


_PACKAGE = Path(__import__("pledgegraph").__file__).resolve().parent
MODULES = sorted(str(p.relative_to(_PACKAGE)) for p in _PACKAGE.rglob("*.py"))


@pytest.mark.parametrize(
    "name",
    [
        *MODULES,
        "ontology/lexicon.ttl",
        "ontology/shapes.ttl",
        "reference/bodies.ttl",
        "dataset.ttl",
    ],
)
def test_the_key_covers_every_input_of_a_letter(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every module of the package (the validator's among them: a hand-kept list once missed them),
    the extractor's lexicon, the shapes, the reference data, the dataset's description: an edit to
    any of them must move the cache to a new environment."""
    before = environment_key(BASE)
    read = Path.read_bytes

    def edited(path: Path) -> bytes:
        return read(path) + (b"\n" if path.as_posix().endswith("/" + name) else b"")

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert environment_key(BASE) != before
