"""The build pipeline: read the sources, extract, make each letter's graph, validate, write the build.

The steps live in modules of their own: `sources` (reading), `graph` (a letter's graph), `validate`,
`dataset` (the graphs a build publishes), `write` (the folder, written aside and swapped in); the
layout of the folder is `buildfolder`'s, and every IRI is minted by `iris`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import outdir
from .buildfolder import BuildError, BuildFolder
from .cache import Cache, default_folder, environment_key, private_problem
from .dataset import (
    GraphPart,
    description_part,
    lines_digest,
    ontology_part,
    reference_part,
    turtle_blocks,
)
from .findings import Finding
from .graph import LetterGraph, letter_key
from .iris import Iris
from .rdf import rdf_bytes
from .reference import Reference
from .reports import conforms
from .scrutiny import Scrutineer
from .scrutiny.graph import add_scrutiny
from .sources import Letter, collect_sources, default_sources, read_sources
from .stopwatch import STAGES, Stopwatch
from .validate import REFERENCE_UNIT, ReferenceIndex, nt_lines, validate_letters
from .workers import die_with_parent
from .write import write_build

__all__ = ["STAGES", "BuildError", "BuildResult", "Stopwatch", "build", "default_sources"]

Log = Callable[[str], None]


@dataclass
class BuildResult:
    out: Path
    letters: list[Letter]
    errors: list[tuple[Path, str]]
    findings: list[Finding]
    triples: int
    cache_hits: int = 0
    cache_misses: int = 0
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage (STAGES)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 0 if conforms(self.findings) else 1


def graph_letter(letter: Letter, ref: Reference, as_of: str | None = None) -> int:
    """Build a letter's graph as sorted N-Triples lines, with what scrutiny found (its claims
    checked, its pledges followed up as of `as_of`); the number of triples it made."""
    letter.graph = Iris(ref.base).letter_graph(letter.key)
    g = LetterGraph(letter.extraction, ref, letter.key, letter.primary_source)
    g.build()
    add_scrutiny(g, Scrutineer.of(ref, as_of).scrutinise(letter.extraction))
    quads = list(g.quads())
    letter.lines = nt_lines(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    return len(quads)


def _assign_keys(letters: list[Letter], previous: dict[str, str] | None = None) -> None:
    """Keys from State and date (and UN symbol); two letters of one State on one day are told apart
    by their text's hash. A letter the previous build in the same folder already had keeps the key it
    had there (`previous`: text digest -> key), so that adding a second letter of the same day does
    not rename the first."""
    previous = previous or {}
    by_key: dict[str, list[Letter]] = defaultdict(list)
    for letter in letters:
        by_key[letter_key(letter.extraction)].append(letter)
    for key, group in by_key.items():
        for letter in group:
            own = f"{key}-{letter.doc.sha256[:8]}"
            kept = previous.get(letter.doc.sha256)
            if kept in (key, own):
                letter.key = kept
            else:
                letter.key = key if len(group) == 1 else own


def _previous_keys(out: Path, base: str) -> dict[str, str]:
    """The keys the build in `out` gave its letters (by text digest), when it was made under `base`."""
    build = BuildFolder(out)
    if not build.made_under(base):
        return {}
    try:
        return {str(lt["sha256"]): str(lt["key"]) for lt in build.manifest.get("letters", [])}
    except (KeyError, TypeError):  # a manifest of another shape: no keys carry over
        return {}


# --------------------------------------------------------------------------------------------------
# The build


def build(
    sources: Sequence[Path],
    out: Path,
    base: str,
    log: Log,
    jobs: int | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
    *,
    cache: Path | None = None,
    use_cache: bool = True,
    engine: str = "turbo",
    wait: bool = False,
    as_of: str | None = None,
) -> BuildResult:
    """Build `out` from the sources; with the cache (default: beside `out`) only changed letters are redone.

    `out` must be new, empty or a previous build holding only what it wrote, and neither be, hold
    nor lie inside a source (an OutputError says so, and nothing is touched). The build holds a lock
    on `out` throughout: a second build into it is an OutputError, or waits for the first (`wait`).
    """
    target = outdir.check_placement(out, [(Path(s), "the source") for s in sources])
    folder = Path(cache).resolve() if cache else default_folder(target)
    if outdir.inside(folder, target) or outdir.inside(target, folder):
        raise outdir.OutputError(
            f"refusing to write into {out}: the cache {folder} must be outside the output folder"
        )
    outdir.check_replaceable(out, target, "build")  # before the lock: a refusal leaves no trace
    with outdir.exclusive(out, target, log, wait=wait):
        outdir.recover(target, log)
        outdir.check_replaceable(out, target, "build")
        private = True
        if use_cache and (problem := private_problem(folder)):
            log(f"warning: not using the cache: {problem}; building without it")
            private = False
        with die_with_parent():
            return _build(
                sources,
                out,
                base,
                log,
                jobs,
                progress,
                cache=folder,
                use_cache=use_cache and private,
                engine=engine,
                reuse=use_cache,
                as_of=as_of,
            )


def _build(
    sources: Sequence[Path],
    out: Path,
    base: str,
    log: Log,
    jobs: int | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
    *,
    cache: Path | None = None,
    use_cache: bool = True,
    engine: str = "turbo",
    reuse: bool = True,
    as_of: str | None = None,
) -> BuildResult:
    """The build itself, once `out` is ours to write; `reuse`: start the store from the previous one."""
    watch = Stopwatch()
    iris = Iris(base)
    with watch.stage("read"):
        paths, errors = collect_sources(sources)
        ref = Reference(base)
        store_cache = None
        if use_cache:
            # The follow-ups depend on the reference date: another date, other entries.
            extra = f"as-of {as_of}" if as_of else ""
            store_cache = Cache(cache or default_folder(out), environment_key(base, extra))
            store_cache.prune()
    letters, read_errors = read_sources(paths, ref, store_cache, jobs, progress, watch)
    errors += read_errors
    for path, message in errors:
        log(f"error: {path}: {message}")
    if not letters:
        raise BuildError(
            "no letter could be built" + ("" if paths or errors else ": no sources found")
        )
    _assign_keys(letters, _previous_keys(out, base))

    # Each letter's graph, Turtle blocks and findings: from the cache, else made and validated now.
    findings: list[Finding] = []
    blocks: dict[str, dict[str, bytes]] = {}
    counts: dict[str, int] = {}
    digests: dict[str, str] = {}
    todo: list[Letter] = []
    for letter in letters:
        letter.graph = iris.letter_graph(letter.key)
        hit = (
            store_cache.get("graph", letter.graph_cache_key)
            if store_cache and letter.source_sha
            else None
        )
        if hit is None:
            todo.append(letter)
            continue
        letter.lines, blocks[letter.graph], counts[letter.graph], digests[letter.graph], found = hit
        findings += found
    if todo:
        with watch.stage("graph"):
            for letter in todo:
                counts[letter.graph] = graph_letter(letter, ref, as_of)
                blocks[letter.graph] = turtle_blocks(letter.lines)
        with watch.stage("validate"):
            index = ReferenceIndex(ref.with_vocabularies())
            work = [(letter.key, index.letter_data(letter.lines)) for letter in todo]
            fresh = validate_letters(work, jobs, engine)
        by_label: dict[str | None, list[Finding]] = defaultdict(list)
        for f in fresh:
            by_label[f.source].append(f)
        findings += fresh
        if store_cache:
            with watch.stage("write"):
                for letter in todo:
                    if letter.source_sha:
                        digests[letter.graph] = lines_digest(letter.lines)
                        entry = (
                            letter.lines,
                            blocks[letter.graph],
                            counts[letter.graph],
                            digests[letter.graph],
                            by_label.get(letter.key, []),
                        )
                        store_cache.put("graph", letter.graph_cache_key, entry)
    with watch.stage("validate"):
        findings += _reference_findings(ref, jobs, engine, store_cache)
    findings.sort()

    with watch.stage("graph"):
        parts = [
            GraphPart(
                lt.graph, lt.lines, blocks[lt.graph], counts[lt.graph], digests.get(lt.graph, "")
            )
            for lt in letters
        ]
        parts += [reference_part(ref, iris), ontology_part(iris)]
        parts.append(description_part(iris, letters, parts, ref))
    previous = Path(out).resolve() if reuse else None
    with watch.stage("write"):
        triples = write_build(
            out,
            iris,
            letters,
            parts,
            findings,
            previous if previous and previous.is_dir() else None,
            watch,
        )
    watch.seconds["write"] -= watch.seconds["store"]  # the store is timed on its own
    hits, misses = (store_cache.hits, store_cache.misses) if store_cache else (0, 0)
    return BuildResult(out, letters, errors, findings, triples, hits, misses, watch.seconds)


def _reference_findings(
    ref: Reference, jobs: int | None, engine: str, cache: Cache | None
) -> list[Finding]:
    """The findings of the reference data, validated as one unit with the vocabularies (cached: the
    environment's key covers the reference files)."""
    hit = cache.get("findings", REFERENCE_UNIT) if cache else None
    if hit is not None:
        return list(hit)
    nt = rdf_bytes(
        (ox.Triple(q.subject, q.predicate, q.object) for q in ref.with_vocabularies()),
        format=ox.RdfFormat.N_TRIPLES,
    )
    found = validate_letters([(REFERENCE_UNIT, nt)], jobs, engine)
    if cache:
        cache.put("findings", REFERENCE_UNIT, found)
    return found
