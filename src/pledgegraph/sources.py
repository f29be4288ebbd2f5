"""Reading the sources: folders expanded into letters, each read and extracted once (or taken from the cache)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .cache import Cache, source_key
from .extract import Extraction, NotACandidature, extract
from .read import (
    SOURCE_SECONDS,
    Document,
    ReadError,
    TimeLimitExceeded,
    check_statements,
    describe_error,
    kind_problem,
    path_problem,
    read_text,
    source_bytes,
    structure,
    time_limit,
)
from .reference import Reference
from .stopwatch import Stopwatch

SOURCE_SUFFIXES = {".txt", ".text", ".pdf"}


def nt(lines: Iterable[str]) -> bytes:
    """N-Triples lines as one document."""
    return "".join(line + "\n" for line in lines).encode("utf-8")


@dataclass
class Letter:
    """One letter through the pipeline; its graph is kept as sorted N-Triples lines, the form every output is made from."""

    path: Path
    doc: Document
    extraction: Extraction
    key: str = ""
    lines: list[str] = field(default_factory=list)
    graph: str = ""  # the IRI of the letter's named graph
    source_sha: str = ""  # the cache key of the source (its name and bytes)

    @property
    def quads(self) -> list[ox.Quad]:
        """The letter's quads, made on demand (building RDF objects is the slow part at 1,000 letters)."""
        g = ox.NamedNode(self.graph)
        return [
            ox.Quad(t.subject, t.predicate, t.object, g)
            for t in ox.parse(nt(self.lines), format=ox.RdfFormat.N_TRIPLES)
        ]


def collect_sources(args: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand folders into the letters they hold; each path that cannot be read is an error of its own.

    A folder that cannot be listed, and anything named like a source that is not a readable file (a
    broken link, a link loop, a FIFO, which is never opened), is reported, not skipped. Links to
    folders inside a folder are not followed (as before: no loops, no escape from the tree).
    """
    found: list[Path] = []
    errors: list[tuple[Path, str]] = []

    def consider(path: Path) -> None:
        try:
            mode = os.stat(path).st_mode
        except OSError as e:
            errors.append((path, path_problem(path, e)))
            return
        if (problem := kind_problem(mode)) is None:
            found.append(path)
        else:
            errors.append((path, problem))

    def unlistable(error: OSError) -> None:
        folder = Path(error.filename) if error.filename else Path("?")
        errors.append((folder, f"cannot read this folder: {path_problem(folder, error)}"))

    for arg in args:
        if not os.path.isdir(arg):
            consider(arg)
            continue
        for folder, subfolders, files in os.walk(arg, onerror=unlistable):
            subfolders.sort()
            for name in sorted(files):
                if Path(name).suffix.lower() in SOURCE_SUFFIXES:
                    consider(Path(folder) / name)
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return sorted(unique, key=lambda p: (p.name, str(p))), errors


def default_sources() -> list[Path]:
    root = resources.repo_root() or Path.cwd()
    return [root / "data" / "sources"]


# --------------------------------------------------------------------------------------------------
# Reading: each source read and extracted once, then kept in the cache under its name and bytes

_REF: Reference | None = (
    None  # the reference data of the build in progress, inherited by forked workers
)


def _read_one(path: Path) -> tuple[tuple[str, object, object], float, float]:
    """What is cached for one source, ("ok", Document, Extraction) or ("error", message, None), and
    the seconds spent reading and extracting it; ("failed", message, None) is an error not to cache
    (a time limit, an unexpected exception). Whatever happens, it is this source's error alone."""
    assert _REF is not None
    start = time.perf_counter()
    read = start
    try:
        text, media = read_text(path)  # a PDF is read in a child process under its own limits
        with time_limit(
            SOURCE_SECONDS, f"reading it took longer than {SOURCE_SECONDS} s: is it a letter?"
        ):
            doc = structure(text, path.name, media)
            read = time.perf_counter()
            extraction = extract(doc, _REF)
            check_statements(len(extraction.statements))
        result: tuple[str, object, object] = ("ok", doc, extraction)
    except ReadError as e:
        result = ("error" if e.lasting else "failed", str(e), None)
    except NotACandidature as e:
        result = ("error", str(e), None)
    except TimeLimitExceeded as e:
        result = ("failed", str(e), None)
    except Exception as e:  # a bug met on one source must not stop the others
        result = ("failed", f"unexpected error while reading it ({describe_error(e)})", None)
    end = time.perf_counter()
    if read == start:
        read = end
    return result, read - start, end - read


def _fork_pool(jobs: int) -> ProcessPoolExecutor:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork" if "fork" in methods else None),
    )


# Below this many sources to read, starting processes costs more than it saves.
_PARALLEL_READS = 40


def read_sources(
    paths: Sequence[Path],
    ref: Reference,
    cache: Cache | None = None,
    jobs: int | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
    watch: Stopwatch | None = None,
) -> tuple[list[Letter], list[tuple[Path, str]]]:
    """Read and extract every source, from the cache where it holds them, the rest across cores.

    With a stopwatch, the wall time is shared between its "read" and "extract" stages in proportion
    to the time the workers spent on each (reading a source includes hashing it and the cache).
    """
    global _REF
    start = time.perf_counter()
    spent = {"read": 0.0, "extract": 0.0}
    results: dict[Path, tuple[str, object, object]] = {}
    shas: dict[Path, str] = {}
    todo: list[Path] = []
    for path in paths:
        try:
            data = source_bytes(path)  # refused before reading when not a file of a letter's size
        except ReadError:
            todo.append(path)  # _read_one reports the error in its own words
            continue
        shas[path] = sha = source_key(path.name.encode() + b"\0" + data)
        hit = cache.get("src", sha) if cache else None
        if hit is not None:
            results[path] = hit
        else:
            todo.append(path)
    _REF = ref
    try:
        jobs = jobs or os.cpu_count() or 1
        if len(todo) >= _PARALLEL_READS and jobs > 1:
            with _fork_pool(jobs) as pool:
                done = pool.map(_read_one, todo, chunksize=max(1, len(todo) // (jobs * 8)))
                for path, (result, read_s, extract_s) in zip(
                    progress(todo) if progress else todo, done, strict=True
                ):
                    results[path] = result
                    spent["read"] += read_s
                    spent["extract"] += extract_s
        else:
            for path in progress(todo) if progress else todo:
                results[path], read_s, extract_s = _read_one(path)
                spent["read"] += read_s
                spent["extract"] += extract_s
    finally:
        _REF = None
    if cache:
        for path in todo:
            if path in shas and results[path][0] != "failed":
                cache.put("src", shas[path], results[path])
    letters: list[Letter] = []
    errors: list[tuple[Path, str]] = []
    for path in paths:
        status, a, b = results[path]
        if status == "ok":
            letters.append(Letter(path, a, b, source_sha=shas.get(path, "")))  # type: ignore[arg-type]
        else:
            errors.append((path, a))  # type: ignore[arg-type]
    if watch:
        wall = time.perf_counter() - start
        share = spent["extract"] / (sum(spent.values()) or 1.0)
        watch.seconds["read"] += wall * (1 - share)
        watch.seconds["extract"] += wall * share
    return letters, errors
