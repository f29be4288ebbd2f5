"""A content-addressed cache of what a build computes per letter, so a rebuild redoes only what changed.

Two kinds of entries, both under one folder per *environment* (the hash of everything a letter's
result depends on besides its own text: the pipeline's code, the shapes, the reference data, the
ontology and themes, and the base IRI):

- `src/<sha256 of the source bytes>`: the Document read from the source and its Extraction (or the
  error that stopped it);
- `graph/<sha256 of the source bytes>-<letter key>`: the letter graph as sorted N-Triples lines, its
  Turtle blocks and its validation findings (the key is part of the name because it is assigned
  across letters: two letters of one State on one day get distinct keys).

A change to any input of the environment moves the build to a new folder, and the old ones are
removed, so an entry is never read under inputs it was not computed from.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Any

from . import __version__, resources

# The modules whose code decides what a letter becomes; the CLI, server and exporters do not.
PIPELINE_MODULES = (
    "read",
    "extract",
    "graph",
    "reference",
    "namespaces",
    "validate",
    "build",
    "cache",
)
FORMAT = "2"  # bump when the layout of an entry changes


def environment_key(base: str, extra: str = "") -> str:
    """The hash of every input of a letter's result other than its own text."""
    h = hashlib.sha256()
    h.update(f"pledgegraph {__version__} cache {FORMAT}\0base {base}\0{extra}\0".encode())
    package = Path(__file__).resolve().parent
    files = [package / f"{m}.py" for m in PIPELINE_MODULES]
    files += [
        resources.ontology_file(n)
        for n in ("shapes.ttl", "pledgegraph.ttl", "themes.ttl", "vocabulary.ttl")
    ]
    files += resources.reference_files()
    for path in files:
        h.update(path.name.encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"missing")
    return h.hexdigest()


def default_folder(out: Path) -> Path:
    """Beside the output folder, never inside it: the output is replaced whole by every build."""
    out = Path(out).resolve()
    return out.parent / ".pledgegraph-cache"


class Cache:
    """Entries of one environment under `root/<environment>`; reads never fail, they miss."""

    def __init__(self, root: Path, environment: str) -> None:
        self.root = Path(root)
        self.folder = self.root / environment[:24]
        self.hits = 0
        self.misses = 0

    def prune(self) -> None:
        """Remove the folders of other environments: they can never be read again."""
        if not self.root.is_dir():
            return
        for child in self.root.iterdir():
            if child.is_dir() and child != self.folder:
                shutil.rmtree(child, ignore_errors=True)

    def _path(self, kind: str, name: str) -> Path:
        return self.folder / kind / name[:2] / name

    def get(self, kind: str, name: str) -> Any | None:
        path = self._path(kind, name)
        try:
            with path.open("rb") as f:
                value = pickle.load(f)
        except (
            OSError,
            EOFError,
            pickle.UnpicklingError,
            AttributeError,
            ImportError,
            TypeError,
            ValueError,
        ):
            # Missing, half-written by a crash, or written by other code: recompute it.
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, kind: str, name: str, value: Any) -> None:
        path = self._path(kind, name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".part-", dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # readers see the whole entry or none
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower


def source_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
