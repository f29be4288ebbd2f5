"""Locates the declarative files (ontology, shapes, queries, reference data) shipped with pledgegraph."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# An installed wheel carries the files under _data/; an editable checkout has them at the repo root.
_CANDIDATES = {
    "ontology": (_PACKAGE / "_data" / "ontology", _PACKAGE.parents[1] / "ontology"),
    "queries": (_PACKAGE / "_data" / "queries", _PACKAGE.parents[1] / "queries"),
    "reference": (_PACKAGE / "_data" / "reference", _PACKAGE.parents[1] / "data" / "reference"),
    "data": (_PACKAGE / "_data", _PACKAGE.parents[1] / "data"),
}


@cache
def folder(kind: str) -> Path:
    """The folder holding one kind of declarative file: ontology, queries or reference."""
    for path in _CANDIDATES[kind]:
        if path.is_dir():
            return path
    raise FileNotFoundError(f"pledgegraph is installed without its {kind} files")


def ontology_file(name: str) -> Path:
    return folder("ontology") / name


def query_files() -> list[Path]:
    """The named queries (the catalogue users see); the pages' own queries live in queries/pages/."""
    return sorted(folder("queries").glob("*.rq"))


@cache
def page_query(name: str) -> str:
    """The text of one of the web pages' own queries (`queries/pages/NAME.rq`)."""
    return (folder("queries") / "pages" / f"{name}.rq").read_text(encoding="utf-8")


def reference_files() -> list[Path]:
    return sorted(folder("reference").glob("*.ttl"))


def dataset_template() -> Path:
    """The Turtle template of the dataset's description (DCAT and VoID), with relative IRIs."""
    return folder("data") / "dataset.ttl"


def repo_root() -> Path | None:
    """The source checkout, when running from one (used for default data/sources and build/)."""
    root = _PACKAGE.parents[1]
    return root if (root / "pyproject.toml").is_file() else None
