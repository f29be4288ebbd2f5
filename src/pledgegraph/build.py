"""The build pipeline: source files in, a complete build directory out (written aside, then swapped in)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import __version__, outdir, resources
from .cache import Cache, default_folder, environment_key, private_problem, source_key
from .extract import Extraction, NotACandidature, extract
from .graph import letter_key, letter_quads, lit
from .namespaces import DCAT, DCTERMS, PG, PREFIXES, PROV, RDF, RDFS, VOID
from .rdf import rdf_bytes
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
from .search import INDEX_FILE, write_index
from .validate import (
    Finding,
    ReferenceIndex,
    conforms,
    nt_lines,
    report_json,
    report_text,
    report_turtle,
    validate_letters,
)
from .workers import die_with_parent

SOURCE_SUFFIXES = {".txt", ".text", ".pdf"}
Log = Callable[[str], None]


class BuildError(Exception):
    """The build as a whole cannot proceed (no readable source, output not writable)."""


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
            for t in ox.parse(_nt(self.lines), format=ox.RdfFormat.N_TRIPLES)
        ]


# The build's stages, in the order they run: what `build --timings` and the benchmarks report.
STAGES = ("read", "extract", "graph", "validate", "write", "store")


class Stopwatch:
    """Wall-clock seconds spent in each stage of a build (never written into the build itself)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start


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


def _nt(lines: Iterable[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode("utf-8")


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


def graph_letter(letter: Letter, ref: Reference) -> int:
    """Build a letter's graph as sorted N-Triples lines; the number of triples it made."""
    letter.graph = f"{ref.base}graph/letter/{letter.key}"
    quads = letter_quads(letter.extraction, ref, letter.key)
    letter.lines = nt_lines(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    return len(quads)


def _assign_keys(letters: list[Letter]) -> None:
    """Keys from State and date; two letters of one State on one day are told apart by their text's hash."""
    by_key: dict[str, list[Letter]] = defaultdict(list)
    for letter in letters:
        by_key[letter_key(letter.extraction)].append(letter)
    for key, group in by_key.items():
        for letter in group:
            letter.key = key if len(group) == 1 else f"{key}-{letter.doc.sha256[:8]}"


# --------------------------------------------------------------------------------------------------
# The dataset around the letters: ontology, reference data and a description of itself


def ontology_quads(base: str) -> list[ox.Quad]:
    g = ox.NamedNode(base + "graph/ontology")
    out = []
    for name in ("pledgegraph.ttl", "themes.ttl", "vocabulary.ttl"):
        for t in ox.parse(path=str(resources.ontology_file(name)), format=ox.RdfFormat.TURTLE):
            out.append(ox.Quad(t.subject, t.predicate, t.object, g))
    return out


def reference_quads(ref: Reference) -> list[ox.Quad]:
    g = ox.NamedNode(ref.base + "graph/reference")
    return [ox.Quad(q.subject, q.predicate, q.object, g) for q in ref.quads()]


def description_quads(
    base: str, letters: Sequence[Letter], graphs: dict[str, int]
) -> list[ox.Quad]:
    """DCAT and VoID description of the dataset: sources, licence, dumps, and counts per graph."""
    g = ox.NamedNode(base + "graph/dataset")
    ds = ox.NamedNode(base + "id/dataset")
    n = ox.NamedNode
    t: list[tuple[ox.NamedNode, str, ox.NamedNode | ox.Literal]] = [
        (ds, RDF + "type", n(DCAT + "Dataset")),
        (ds, RDF + "type", n(VOID + "Dataset")),
        (
            ds,
            DCTERMS + "title",
            lit("pledgegraph: Human Rights Council candidature pledges", lang="en"),
        ),
        (
            ds,
            RDFS + "label",
            lit("pledgegraph: Human Rights Council candidature pledges", lang="en"),
        ),
        (
            ds,
            DCTERMS + "description",
            lit(
                "Candidatures to the UN Human Rights Council and the voluntary pledges and commitments "
                "of the candidate States (General Assembly resolution 60/251), read from their letters "
                "and notes verbales, with every fact linked to the text it came from.",
                lang="en",
            ),
        ),
        (ds, DCTERMS + "license", n("https://creativecommons.org/licenses/by/4.0/")),
        (ds, DCTERMS + "hasVersion", lit(__version__)),
        (ds, VOID + "uriSpace", lit(base + "id/")),
        (ds, VOID + "sparqlEndpoint", n(base + "sparql")),
        (ds, VOID + "vocabulary", n(PG.rstrip("#"))),
        (ds, VOID + "triples", lit(sum(graphs.values()))),
        (ds, VOID + "entities", lit(len(letters))),
    ]
    for fmt, media in (
        ("graph.ttl", "text/turtle"),
        ("dataset.trig", "application/trig"),
        ("dataset.nt", "application/n-triples"),
    ):
        dist = n(f"{base}dumps/{fmt}")
        t += [
            (ds, DCAT + "distribution", dist),
            (ds, VOID + "dataDump", dist),
            (dist, RDF + "type", n(DCAT + "Distribution")),
            (dist, DCAT + "downloadURL", dist),
            (dist, DCAT + "mediaType", n("https://www.iana.org/assignments/media-types/" + media)),
        ]
    for graph, count in sorted(graphs.items()):
        sub = n(graph)
        t += [
            (ds, VOID + "subset", sub),
            (sub, RDF + "type", n(VOID + "Dataset")),
            (sub, VOID + "triples", lit(count)),
        ]
    for letter in letters:
        source = n(f"{base}id/source/{letter.key}")
        t += [(ds, DCTERMS + "source", source), (ds, PROV + "wasDerivedFrom", source)]
    for ref_file in resources.reference_files():
        t.append((ds, PROV + "wasDerivedFrom", n(f"{base}id/source/reference/{ref_file.stem}")))
    return [ox.Quad(s, n(p), o, g) for s, p, o in t]


# --------------------------------------------------------------------------------------------------
# Writing


# --------------------------------------------------------------------------------------------------
# Turtle in blocks: the serialiser writes each subject's triples as one block, so graph.ttl is the
# prefixes followed by the blocks of all subjects in order. A block depends only on that subject's
# triples, so a letter's blocks are made once and cached, and only a subject several graphs describe
# (a State's mission, a term, a resolution) is serialised again when the graphs are put together.


def _prefix_header() -> bytes:
    one = rdf_bytes(
        [ox.Triple(ox.NamedNode("urn:x"), ox.NamedNode("urn:x"), ox.NamedNode("urn:x"))],
        format=ox.RdfFormat.TURTLE,
        prefixes=PREFIXES,
    )
    return one[: one.index(b"<urn:x>")]


def _subject(line: str) -> str:
    return line[: line.index(" ")]


def turtle_blocks(lines: Sequence[str]) -> dict[str, bytes]:
    """The Turtle block of each subject of sorted N-Triples lines."""
    if not lines:
        return {}
    body = rdf_bytes(
        ox.parse(_nt(lines), format=ox.RdfFormat.N_TRIPLES),
        format=ox.RdfFormat.TURTLE,
        prefixes=PREFIXES,
    )
    body = body[len(_prefix_header()) :]
    subjects = list(dict.fromkeys(_subject(line) for line in lines))
    # Every block but a subject's first line starts with a tab: split before the other lines.
    chunks: list[bytes] = []
    for raw in body.splitlines(keepends=True):
        if raw.startswith(b"\t") and chunks:
            chunks[-1] += raw
        else:
            chunks.append(raw)
    if len(chunks) != len(subjects):
        raise AssertionError(
            "Turtle blocks do not match the subjects"
        )  # guards the byte-identity claim
    return dict(zip(subjects, chunks, strict=True))


@dataclass
class GraphPart:
    """One named graph as the outputs need it: sorted unique N-Triples lines and their Turtle blocks."""

    iri: str
    lines: list[str]
    blocks: dict[str, bytes]
    count: int  # triples as the graph was made, before duplicates were dropped (the VoID figure)
    sha: str = ""  # digest() when known already (a letter's graph from the cache)

    @classmethod
    def of(cls, iri: str, triples: Sequence[ox.Triple]) -> GraphPart:
        lines = nt_lines(triples)
        return cls(iri, lines, turtle_blocks(lines), len(triples))

    def digest(self) -> str:
        """The SHA-256 of the graph's N-Triples: the manifest's record of what each graph holds."""
        if not self.sha:
            self.sha = lines_digest(self.lines)
        return self.sha


def lines_digest(lines: Sequence[str]) -> str:
    return hashlib.sha256(_nt(lines)).hexdigest()


def _turtle(parts: Sequence[GraphPart]) -> tuple[bytes, int]:
    """graph.ttl from the parts' blocks, and the number of distinct triples."""
    owners: dict[str, list[GraphPart]] = defaultdict(list)
    for part in parts:
        for subject in part.blocks:
            owners[subject].append(part)
    out = [_prefix_header()]
    # Every line counts once, except the lines of subjects that several graphs describe: those are
    # merged, and counted once each after dropping the duplicates.
    triples = sum(len(part.lines) for part in parts)
    for subject in sorted(owners):
        group = owners[subject]
        if len(group) == 1:
            out.append(group[0].blocks[subject])
            continue
        described = [_lines_of(part, subject) for part in group]
        lines = sorted({line for part_lines in described for line in part_lines})
        triples += len(lines) - sum(len(part_lines) for part_lines in described)
        out.append(turtle_blocks(lines)[subject])
    return b"".join(out), triples


def _lines_of(part: GraphPart, subject: str) -> list[str]:
    import bisect

    lo = bisect.bisect_left(part.lines, subject + " ")
    hi = bisect.bisect_left(
        part.lines, subject + "!"
    )  # " " < "!": the first line past this subject's
    return part.lines[lo:hi]


def _nquads(parts: Sequence[GraphPart]) -> bytes:
    """dataset.nq: graph by graph in IRI order, each graph's sorted lines with the graph named."""
    out = []
    for part in sorted(parts, key=lambda p: p.iri):
        g = f" <{part.iri}> .\n"
        out.append("".join(line[:-2] + g for line in part.lines))
    return "".join(out).encode("utf-8")


# --------------------------------------------------------------------------------------------------
# Validation


def sorted_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    return sorted(
        set(quads),
        key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
    )


def turtle(triples: Iterable[ox.Triple]) -> bytes:
    ordered = sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return rdf_bytes(ordered, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


# --------------------------------------------------------------------------------------------------
# Writing


def write_build(
    out: Path,
    base: str,
    letters: Sequence[Letter],
    parts: Sequence[GraphPart],
    findings: list[Finding],
    previous: Path | None = None,
    watch: Stopwatch | None = None,
) -> int:
    """Write every output into a folder beside `out`, then swap it in: `out` is never half-written.

    The store is the previous build's store with only the graphs that changed replaced, when the
    previous build says which graphs it holds and its store is the one it wrote; otherwise it is
    loaded from scratch. Returns the number of distinct triples. A file that cannot be written (a
    full disk) is a BuildError naming it, and `out` is left as it was.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = outdir.new_folder(out)
    try:
        triples = _write_outputs(tmp, base, letters, parts, findings, previous, watch)
        outdir.swap_in(tmp, out)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BuildError(f"cannot write the build: {outdir.describe_os_error(e)}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return triples


def _write_outputs(
    tmp: Path,
    base: str,
    letters: Sequence[Letter],
    parts: Sequence[GraphPart],
    findings: list[Finding],
    previous: Path | None,
    watch: Stopwatch | None,
) -> int:
    ttl, triples = _turtle(parts)
    (tmp / "graph.ttl").write_bytes(ttl)
    nq = _nquads(parts)
    (tmp / "dataset.nq").write_bytes(nq)
    (tmp / "report.ttl").write_bytes(report_turtle(findings, base))
    (tmp / "report.txt").write_text(report_text(findings), encoding="utf-8")
    (tmp / "report.json").write_text(report_json(findings), encoding="utf-8")
    sources = tmp / "sources"
    sources.mkdir()
    unchanged = _previous_sources(previous)
    for letter in letters:
        name = (
            letter.doc.name if letter.doc.media_type == "text/plain" else letter.doc.name + ".txt"
        )
        if unchanged.get(name) == letter.doc.sha256:
            try:
                # The previous build is replaced, not edited: sharing its unchanged files is safe.
                os.link(previous / "sources" / name, sources / name)  # type: ignore[operator]
                continue
            except OSError:
                pass
        (sources / name).write_text(letter.doc.text, encoding="utf-8", newline="")
    digests = {p.iri: p.digest() for p in parts}
    store_start = time.perf_counter()
    if not (previous and _update_store(previous, tmp / "store", parts, digests, base)):
        store = ox.Store(str(tmp / "store"))
        store.bulk_load(nq, format=ox.RdfFormat.N_QUADS)
        # The default graph holds the union of all graphs, materialised: pyoxigraph's on-the-fly
        # union (use_default_graph_as_union) makes OPTIONAL-heavy queries 100-1000x slower.
        store.bulk_load(ttl, format=ox.RdfFormat.TURTLE)
        store.flush()
        store.optimize()
        del store
    # The full-text index of the statements, from the store just written (search.py owns it).
    write_index(ox.Store.read_only(str(tmp / "store")), tmp / INDEX_FILE)
    if watch:
        watch.seconds["store"] += time.perf_counter() - store_start
    manifest = {
        "pledgegraph": __version__,
        "base": base,
        "letters": [
            {
                "key": lt.key,
                "source": lt.doc.name,
                "media_type": lt.doc.media_type,
                "sha256": lt.doc.sha256,
                "graph": f"{base}graph/letter/{lt.key}",
            }
            for lt in letters
        ],
        "triples": triples,
        "quads": sum(len(p.lines) for p in parts),
        "conforms": conforms(findings),
        "graphs": dict(sorted(digests.items())),
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    # Last: the marker says the folder is a complete build, and which store files it wrote.
    outdir.write_marker(tmp, "build", store=store_fingerprint(tmp / "store"))
    return triples


def store_fingerprint(store: Path) -> str:
    """What identifies the store files a build wrote: each RocksDB table file's name, size and inode.

    Table files are never changed once written, and any write to the store adds new ones; a copy
    by `backup` links the same files. So the fingerprint of a copy equals the one the previous build
    recorded exactly when the copy holds the store that build wrote, and not one that another build,
    a crash or a writer of the store left in its place (item 9 of issue 10). The manifest, which must
    be the same for an incremental and a clean build, cannot hold it: the marker does.
    """
    h = hashlib.sha256()
    for entry in sorted(os.scandir(store), key=lambda e: e.name):
        if entry.name.endswith(".sst"):
            st = entry.stat(follow_symlinks=False)
            h.update(f"{entry.name} {st.st_size} {st.st_ino} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _previous_sources(previous: Path | None) -> dict[str, str]:
    """File name in sources/ -> SHA-256 of the text, for the previous build (empty without one)."""
    if previous is None:
        return {}
    try:
        manifest = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))
        return {
            (
                e["source"]
                if e.get("media_type", "text/plain") == "text/plain"
                else e["source"] + ".txt"
            ): e["sha256"]
            for e in manifest["letters"]
        }
    except (OSError, KeyError, ValueError, TypeError):
        return {}


def _update_store(
    previous: Path, target: Path, parts: Sequence[GraphPart], digests: dict[str, str], base: str
) -> bool:
    """Copy the previous build's store (a RocksDB checkpoint: hard links) and replace the graphs that changed."""
    try:
        manifest = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))
        old: dict[str, str] = manifest["graphs"]
        if manifest.get("base") != base or manifest.get("pledgegraph") != __version__:
            return False
        # Replacing graph by graph pays off for a few changes; past a tenth, one bulk load is faster.
        if sum(1 for p in parts if old.get(p.iri) != digests[p.iri]) > max(10, len(parts) // 10):
            return False
        recorded = outdir.marker(previous)
        if recorded is None or not recorded.get("store"):
            return False  # a build without the record of its store: nothing says the store matches
        ox.Store.read_only(str(previous / "store")).backup(str(target))
        if store_fingerprint(target) != recorded["store"]:
            # Not the store the manifest describes (another build's, or written since): its graphs
            # cannot be trusted to be the ones the digests name.
            shutil.rmtree(target, ignore_errors=True)
            return False
    except (OSError, RuntimeError, KeyError, ValueError, TypeError):
        # No manifest, or a store RocksDB finds damaged (RuntimeError): start from scratch.
        shutil.rmtree(target, ignore_errors=True)
        return False
    store = ox.Store(str(target))
    changed = [p for p in parts if old.get(p.iri) != digests[p.iri]]
    for iri in sorted(set(old) - set(digests)):
        _replace_graph(store, ox.NamedNode(iri), None)
    for part in changed:
        _replace_graph(store, ox.NamedNode(part.iri), _nt(part.lines))
    store.flush()
    del store
    return True


def _replace_graph(store: ox.Store, graph: ox.NamedNode, new: bytes | None) -> None:
    """Replace one named graph and keep the materialised union in the default graph in step with it."""

    def triples_of(g: ox.NamedNode) -> set[ox.Triple]:
        return {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, g)
        }

    before = triples_of(graph)
    if before:
        store.remove_graph(graph)
    if new is not None:
        store.load(new, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
    after = triples_of(graph) if new is not None else set()
    default = ox.DefaultGraph()
    for t in after - before:
        store.add(ox.Quad(t.subject, t.predicate, t.object, default))
    for t in before - after:
        # Gone from the union only when no other named graph still holds it.
        if not any(
            isinstance(q.graph_name, ox.NamedNode)
            for q in store.quads_for_pattern(t.subject, t.predicate, t.object, None)
        ):
            store.remove(ox.Quad(t.subject, t.predicate, t.object, default))


swap_in = outdir.swap_in  # kept for callers of the earlier home of the swap


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
) -> BuildResult:
    """The build itself, once `out` is ours to write; `reuse`: start the store from the previous one."""
    watch = Stopwatch()
    with watch.stage("read"):
        paths, errors = collect_sources(sources)
        ref = Reference(base)
        store_cache = None
        if use_cache:
            store_cache = Cache(cache or default_folder(out), environment_key(base))
            store_cache.prune()
    letters, read_errors = read_sources(paths, ref, store_cache, jobs, progress, watch)
    errors += read_errors
    for path, message in errors:
        log(f"error: {path}: {message}")
    if not letters:
        raise BuildError(
            "no letter could be built" + ("" if paths or errors else ": no sources found")
        )
    _assign_keys(letters)

    # Each letter's graph, Turtle blocks and findings: from the cache, else made and validated now.
    findings: list[Finding] = []
    blocks: dict[str, dict[str, bytes]] = {}
    counts: dict[str, int] = {}
    digests: dict[str, str] = {}
    todo: list[Letter] = []
    for letter in letters:
        letter.graph = f"{base}graph/letter/{letter.key}"
        hit = (
            store_cache.get("graph", f"{letter.source_sha}-{letter.key}")
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
                counts[letter.graph] = graph_letter(letter, ref)
                blocks[letter.graph] = turtle_blocks(letter.lines)
        with watch.stage("validate"):
            index = ReferenceIndex(ref.store)
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
                        store_cache.put("graph", f"{letter.source_sha}-{letter.key}", entry)
    findings.sort()

    with watch.stage("graph"):
        parts = [
            GraphPart(
                lt.graph, lt.lines, blocks[lt.graph], counts[lt.graph], digests.get(lt.graph, "")
            )
            for lt in letters
        ]
        reference = reference_quads(ref)
        ontology = ontology_quads(base)
        parts.append(
            GraphPart.of(
                base + "graph/reference",
                [ox.Triple(q.subject, q.predicate, q.object) for q in reference],
            )
        )
        parts.append(
            GraphPart.of(
                base + "graph/ontology",
                [ox.Triple(q.subject, q.predicate, q.object) for q in ontology],
            )
        )
        description = description_quads(base, letters, {p.iri: p.count for p in parts})
        parts.append(
            GraphPart.of(
                base + "graph/dataset",
                [ox.Triple(q.subject, q.predicate, q.object) for q in description],
            )
        )
    previous = Path(out).resolve() if reuse else None
    with watch.stage("write"):
        triples = write_build(
            out,
            base,
            letters,
            parts,
            findings,
            previous if previous and previous.is_dir() else None,
            watch,
        )
    watch.seconds["write"] -= watch.seconds["store"]  # the store is timed on its own
    hits, misses = (store_cache.hits, store_cache.misses) if store_cache else (0, 0)
    return BuildResult(out, letters, errors, findings, triples, hits, misses, watch.seconds)


def load_dataset(data_dir: Path) -> list[ox.Quad]:
    path = Path(data_dir) / "dataset.nq"
    if not path.is_file():
        raise BuildError(
            f"{data_dir}: no build here (dataset.nq is missing; run `pledgegraph build` first)"
        )
    try:
        return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    except (OSError, SyntaxError, ValueError) as e:
        raise BuildError(_unreadable(path, e)) from None


def _unreadable(path: Path, error: Exception) -> str:
    """One line saying a build file cannot be read, and what to do."""
    if isinstance(error, OSError) and error.strerror:
        problem = error.strerror
    else:
        problem = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return f"{path}: cannot read it ({problem}); build again to repair it"


def revalidate(data_dir: Path, jobs: int | None = None, engine: str = "turbo") -> list[Finding]:
    """Validate a build (or any N-Quads dataset.nq) again, letter graph by letter graph."""
    path = Path(data_dir) / "dataset.nq"
    if not path.is_file():
        raise BuildError(
            f"{data_dir}: no build here (dataset.nq is missing; run `pledgegraph build` first)"
        )
    # An in-memory store dumps each graph as N-Triples text: no RDF object per triple in Python.
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    except (OSError, SyntaxError, ValueError) as e:
        raise BuildError(_unreadable(path, e)) from None
    graphs = {g.value: g for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    reference = [
        g for name, g in graphs.items() if name.endswith(("graph/reference", "graph/ontology"))
    ]
    index = ReferenceIndex(
        q for g in reference for q in store.quads_for_pattern(None, None, None, g)
    )

    def lines(graph: ox.NamedNode | ox.DefaultGraph) -> list[str]:
        dump = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b""
        return sorted(set(dump.decode("utf-8").splitlines()) - {""})

    skip = ("graph/reference", "graph/ontology", "graph/dataset")
    work = [
        (name.rsplit("/", 1)[-1], index.letter_data(lines(g)))
        for name, g in sorted(graphs.items())
        if not name.endswith(skip)
    ]
    default = lines(ox.DefaultGraph())
    if default:
        work.append(("", index.letter_data(default)))
    if not work:
        return []
    with die_with_parent():
        return validate_letters(work, jobs, engine)
