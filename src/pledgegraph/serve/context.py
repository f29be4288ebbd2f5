"""What every page and answer of the server needs: the backend, the two bases, the build and its limits."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..buildfolder import BuildFolder
from ..iris import Iris
from ..namespaces import DEFAULT_BASE
from . import describe
from .backend import DEFAULT_MEMORY_MB, Backend, BackendError, backend_for

DUMPS = {
    "graph.ttl": ("text/turtle", None),
    "dataset.trig": ("application/trig", "trig"),
    "dataset.nt": ("application/n-triples", "nt"),
    "dataset.nq": ("application/n-quads", None),
}

PER_CLIENT = 2
"""Queries one client may have running at once; more get 429 (a crawler or a loop cannot take every
query process)."""


class ClientLimiter:
    """Counts the queries each client (by address) has running, and refuses past the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self, client: str) -> Iterator[None]:
        with self._lock:
            if self._running.get(client, 0) >= self.limit:
                raise BackendError(
                    429,
                    f"too many queries at once from your address (at most {self.limit} run at a time); "
                    "wait for one to finish",
                )
            self._running[client] = self._running.get(client, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._running[client] - 1
                if left:
                    self._running[client] = left
                else:
                    del self._running[client]


@dataclass
class Context:
    """What every page and answer needs: the store, the two bases and the build folder."""

    backend: Backend
    bases: describe.Bases
    data_dir: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    static: bool = False  # rendering files for a static site (no /sparql there)
    limiter: ClientLimiter = field(default_factory=lambda: ClientLimiter(PER_CLIENT))
    _graphs: list[str] | None = None
    _dumps: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def graphs(self) -> list[str]:
        """The named graphs: from the build's manifest (no scan of the store), or asked of a remote
        store once."""
        if self._graphs is None:
            listed = self.manifest.get("graphs")
            if isinstance(listed, dict):
                self._graphs = sorted(str(g) for g in listed)
            else:
                _, rows = self.backend.select(
                    "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
                )
                self._graphs = [r["g"].value for r in rows]
        return self._graphs

    @lru_cache(maxsize=256)  # noqa: B019 - one context per app, kept for the app's life
    def source_text(self, source: str) -> str | None:
        """The text of a letter as the build read it, from the IRI of that text (pg:SourceText)."""
        if self.data_dir is None:
            return None
        key = Iris(self.bases.data).source_key(source)
        return BuildFolder(self.data_dir).text(key) if key else None

    def dumps(self) -> list[dict[str, str]]:
        if self.data_dir is None or not (self.data_dir / "dataset.nq").is_file():
            return []
        return [
            {"name": name, "media": media, "href": f"{self.bases.prefix}dumps/{name}"}
            for name, (media, _) in DUMPS.items()
        ]

    def dump(self, name: str) -> bytes | Path | None:
        """A dump file of the build: copied as is, or generated once from dataset.nq."""
        if name not in DUMPS or self.data_dir is None:
            return None
        _, fmt = DUMPS[name]
        source = self.data_dir / ("graph.ttl" if name == "graph.ttl" else "dataset.nq")
        if not source.is_file():
            return None
        if fmt is None:
            return source
        with self._lock:
            if name not in self._dumps:
                from ..export import serialize_quads

                self._dumps[name] = serialize_quads(BuildFolder(self.data_dir).load_dataset(), fmt)
            return self._dumps[name]

    def __hash__(self) -> int:
        return id(self)


def _read_manifest(data_dir: Path | None) -> dict[str, Any]:
    if data_dir is None:
        return {}
    try:
        return dict(json.loads((data_dir / "manifest.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def make_context(
    store: Any,
    *,
    base: str | None = None,
    data_dir: Path | None = None,
    query_timeout: float = 10.0,
    max_rows: int = 10_000,
    data_base: str | None = None,
    workers: int | None = None,
    cache_bytes: int = 64 * 2**20,
    memory_mb: int = DEFAULT_MEMORY_MB,
    per_client: int = PER_CLIENT,
) -> Context:
    data_dir = Path(data_dir) if data_dir is not None else None
    manifest = _read_manifest(data_dir)
    data = data_base or manifest.get("base") or DEFAULT_BASE
    backend = backend_for(
        store,
        data_dir=data_dir,
        timeout=query_timeout,
        max_rows=max_rows,
        workers=workers,
        cache_bytes=cache_bytes,
        memory_mb=memory_mb,
    )
    return Context(
        backend,
        describe.Bases.make(data, base),
        data_dir,
        manifest,
        limiter=ClientLimiter(per_client),
    )
