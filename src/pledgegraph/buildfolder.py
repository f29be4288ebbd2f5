"""The layout of a build folder: what a build writes there and how everything else reads it.

`build` writes a folder; the query commands, the exports, the server and the site only read it, through
this module, and never import the build itself. A letter's text as read is kept under `sources/`,
named by the letter's key (unique in a build, whatever the files were called).
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .namespaces import DEFAULT_BASE

UNION = "graph.ttl"  # every graph's triples together, sorted Turtle: the main dump
DATASET = "dataset.nq"  # one named graph per letter, plus reference, ontology and description
STORE = "store"  # the pyoxigraph (RocksDB) store the queries run on
MANIFEST = "manifest.json"  # the base, the letters and their graphs' digests
SOURCES = "sources"  # the text of each letter as read, which the offsets index
REPORTS = ("report.ttl", "report.txt", "report.json")
SEARCH = "search.sqlite"  # the full-text index of the statements
IDENTIFIERS = "identifiers.json"  # the statements' IRIs and those retired since earlier builds


class BuildError(Exception):
    """A build cannot be made, or a folder holds no build that can be read."""


def text_name(key: str) -> str:
    """The file under `sources/` holding the text of the letter with this key."""
    return f"{key}.txt"


class BuildFolder:
    """A build folder, read-only."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def union(self) -> Path:
        return self.path / UNION

    @property
    def dataset(self) -> Path:
        return self.path / DATASET

    @property
    def store(self) -> Path:
        return self.path / STORE

    @property
    def search(self) -> Path:
        return self.path / SEARCH

    def no_build(self, missing: str) -> BuildError:
        """The one message for a folder that holds no build."""
        return BuildError(
            f"{self.path}: no build here ({missing} is missing; run "
            f"`pledgegraph build --out {self.path}` first)"
        )

    def require(self, *names: str) -> BuildFolder:
        """This folder, when it holds the named parts of a build (default: the dataset)."""
        for name in names or (DATASET,):
            if not (self.path / name).exists():
                raise self.no_build(name)
        return self

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """The manifest, or {} when there is none that can be read."""
        return _json_object(self.path / MANIFEST)

    def made_under(self, base: str) -> bool:
        """Whether the build here minted its IRIs under `base` (a build under another base names
        other things: nothing of it carries over)."""
        return self.manifest.get("base") == base

    @cached_property
    def ledger(self) -> dict[str, Any]:
        """The ledger of statement IRIs (identifiers.py writes it), or {} when there is none."""
        return _json_object(self.path / IDENTIFIERS)

    @property
    def base(self) -> str:
        """The base IRI the build minted its IRIs under."""
        base = self.manifest.get("base")
        return base if isinstance(base, str) and base else DEFAULT_BASE

    def letter_keys(self) -> list[str]:
        return [str(e["key"]) for e in self.manifest.get("letters", []) if "key" in e]

    def text(self, key: str) -> str | None:
        """The text of a letter as read (keys of the manifest's letters only)."""
        if key not in self.letter_keys():
            return None
        try:
            with open(self.path / SOURCES / text_name(key), encoding="utf-8", newline="") as f:
                return f.read()
        except OSError:
            return None

    @property
    def retired(self) -> dict[str, str | None]:
        """IRIs of statements earlier builds published and this one has not: each with its successor,
        or None when the build knows none."""
        retired = self.ledger.get("retired")
        return dict(retired) if isinstance(retired, dict) else {}

    def load_dataset(self) -> list[ox.Quad]:
        """Every quad of the dataset; BuildError with one line when it cannot be read."""
        path = self.require(DATASET).dataset
        try:
            return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
        except (OSError, SyntaxError, ValueError) as e:
            raise BuildError(unreadable(path, e)) from None


def _json_object(path: Path) -> dict[str, Any]:
    """A JSON file holding an object, or {} when it is missing, unreadable or something else."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def unreadable(path: Path, error: Exception) -> str:
    """One line saying a build file cannot be read, and what to do."""
    if isinstance(error, OSError) and error.strerror:
        problem = error.strerror
    else:
        problem = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return f"{path}: cannot read it ({problem}); build again to repair it"
