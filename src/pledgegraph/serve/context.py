"""What every page and answer of the server needs: the backend, the two bases, the build and its limits."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..buildfolder import BuildFolder
from ..iris import Iris
from ..namespaces import DEFAULT_BASE
from ..outdir import MARKER
from . import describe
from .backend import DEFAULT_MEMORY_MB, Backend, BackendError, backend_for
from .rendered import Rendered, http_date

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
    """What every page and answer needs: the store, the two bases and the build folder.

    A context serves one build for its whole life: its folder is pinned by an open descriptor (a
    build swapped in later is another folder, served by another context), its answers are kept in
    `rendered`, and its ETags carry `build_id`.
    """

    backend: Backend
    bases: describe.Bases
    data_dir: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    static: bool = False  # rendering files for a static site (no /sparql there)
    limiter: ClientLimiter = field(default_factory=lambda: ClientLimiter(PER_CLIENT))
    remote: bool = False  # the data comes from a remote store: no local counts or dumps
    build_id: str = ""
    modified: float = 0.0  # when the build was finished (its marker's mtime)
    identity: tuple[int, ...] | None = None  # the marker's (device, inode, mtime) when opened
    rendered: Rendered | None = None
    _dir_fd: int | None = None
    _graphs: list[str] | None = None
    _dumps: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _cache: dict[str, Any] = field(default_factory=dict)  # per-build values computed once

    @property
    def last_modified(self) -> str:
        return http_date(self.modified)

    def path(self, name: str) -> Path | None:
        """A file of this context's build, by a path that stays on that build after a swap."""
        if self.data_dir is None or self.remote:
            return None
        if self._dir_fd is not None and Path("/proc/self/fd").is_dir():
            return Path(f"/proc/self/fd/{self._dir_fd}") / name
        return self.data_dir / name

    def graphs(self) -> list[str]:
        """The named graphs: from the build's manifest (no scan of the store), or asked of a remote
        store once."""
        if self._graphs is None:
            listed = self.manifest.get("graphs")
            if isinstance(listed, dict) and not self.remote:
                self._graphs = sorted(str(g) for g in listed)
            else:
                _, rows = self.backend.select(
                    "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
                )
                self._graphs = [r["g"].value for r in rows]
        return self._graphs

    def once(self, key: str, make: Any) -> Any:
        """A value computed once for this build (lists, charts, the search index)."""
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            return self._cache[key]

    @property
    def folder(self) -> BuildFolder | None:
        """This context's build folder, pinned (see `path`)."""
        path = self.path(".")
        return BuildFolder(path) if path is not None else None

    @lru_cache(maxsize=256)  # noqa: B019 - one context per build, dropped with it
    def source_text(self, source: str) -> str | None:
        """The text of a letter as the build read it, from the IRI of that text (pg:SourceText)."""
        folder = self.folder
        if folder is None:
            return None
        key = Iris(self.bases.data).source_key(source)
        return folder.text(key) if key else None

    def dumps(self) -> list[dict[str, str]]:
        source = self.path("dataset.nq")
        if source is None or not source.is_file():
            return []
        return [
            {"name": name, "media": media, "href": f"{self.bases.prefix}dumps/{name}"}
            for name, (media, _) in DUMPS.items()
        ]

    def dump(self, name: str) -> bytes | Path | None:
        """A dump file of the build: copied as is, or generated once from dataset.nq."""
        if name not in DUMPS:
            return None
        _, fmt = DUMPS[name]
        source = self.path("graph.ttl" if name == "graph.ttl" else "dataset.nq")
        if source is None or not source.is_file():
            return None
        if fmt is None:
            return source
        with self._lock:
            if name not in self._dumps:
                from ..export import serialize_quads

                folder = self.folder
                assert folder is not None
                self._dumps[name] = serialize_quads(folder.load_dataset(), fmt)
            return self._dumps[name]

    def close(self) -> None:
        try:
            self.backend.close()
        finally:
            index = self._cache.get("search-index")
            if index is not None:
                index.close()
            if self._dir_fd is not None:
                os.close(self._dir_fd)
                self._dir_fd = None

    def __hash__(self) -> int:
        return id(self)


def build_identity(data_dir: Path | None) -> tuple[int, ...] | None:
    """What changes when a new build is swapped in: its marker's device, inode and mtime."""
    if data_dir is None:
        return None
    try:
        st = os.stat(Path(data_dir) / MARKER)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


def _read_manifest(folder: Path | None) -> tuple[dict[str, Any], str]:
    """The build's manifest, and a digest of what identifies the build (manifest and marker)."""
    if folder is None:
        return {}, ""
    digest = hashlib.sha256()
    manifest: dict[str, Any] = {}
    for name in ("manifest.json", MARKER):
        try:
            data = (folder / name).read_bytes()
        except OSError:
            continue
        digest.update(data)
        if name == "manifest.json":
            with contextlib.suppress(ValueError):
                manifest = dict(json.loads(data))
    return manifest, digest.hexdigest()


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
    render_bytes: int = 64 * 2**20,
) -> Context:
    data_dir = Path(data_dir) if data_dir is not None else None
    remote = hasattr(store, "raw")
    dir_fd = None
    identity = None
    modified = time.time()
    if data_dir is not None and not remote and data_dir.is_dir():
        # Pin the build's folder: files are read through it, so a build swapped in meanwhile is
        # never mixed into this context's answers.
        dir_fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
        identity = build_identity(data_dir)
        with contextlib.suppress(OSError):
            modified = os.stat(MARKER, dir_fd=dir_fd).st_mtime
    folder = Path(f"/proc/self/fd/{dir_fd}") if dir_fd is not None else None
    if folder is not None and not folder.is_dir():
        folder = data_dir
    manifest, build_id = _read_manifest(folder)
    data = data_base or manifest.get("base") or DEFAULT_BASE
    bases = describe.Bases.make(data, base)
    backend = backend_for(
        store,
        data_dir=data_dir,
        timeout=query_timeout,
        max_rows=max_rows,
        workers=workers,
        cache_bytes=cache_bytes,
        memory_mb=memory_mb,
        rewrite=(bases.data, bases.served),
    )
    cacheable = bool(build_id) and not remote and render_bytes > 0
    return Context(
        backend,
        bases,
        data_dir,
        manifest,
        limiter=ClientLimiter(per_client),
        remote=remote,
        build_id=build_id,
        modified=modified,
        identity=identity,
        rendered=Rendered(render_bytes) if cacheable else None,
        _dir_fd=dir_fd,
    )


def ctx_of(request: Any) -> Context:
    """The context a request was pinned to when it arrived (`live.Live`), else the app's."""
    ctx = request.scope.get("pledgegraph.ctx")
    return ctx if ctx is not None else request.app.state.ctx
