"""Writing a build: every output written into a folder beside the target, then swapped in whole."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from . import __version__, identifiers, outdir
from .buildfolder import DATASET, MANIFEST, SEARCH, SOURCES, STORE, UNION, BuildError, text_name
from .dataset import GraphPart, nquads, union_turtle
from .findings import Finding
from .iris import Iris
from .reports import conforms, report_json, report_text, report_turtle
from .search import write_index
from .sources import Letter, nt
from .stopwatch import Stopwatch


def write_build(
    out: Path,
    iris: Iris,
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
        # The ledger of IRIs goes on from the build being replaced, with the cache or without it.
        triples = _write_outputs(tmp, iris, letters, parts, findings, previous, watch, out)
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
    iris: Iris,
    letters: Sequence[Letter],
    parts: Sequence[GraphPart],
    findings: list[Finding],
    previous: Path | None,
    watch: Stopwatch | None,
    ledger_of: Path | None = None,
) -> int:
    ttl, triples = union_turtle(parts)
    (tmp / UNION).write_bytes(ttl)
    nq = nquads(parts)
    (tmp / DATASET).write_bytes(nq)
    (tmp / "report.ttl").write_bytes(report_turtle(findings, iris))
    (tmp / "report.txt").write_text(report_text(findings), encoding="utf-8")
    (tmp / "report.json").write_text(report_json(findings), encoding="utf-8")
    sources = tmp / SOURCES
    sources.mkdir()
    unchanged = _previous_sources(previous)
    for letter in letters:
        name = text_name(letter.key)
        if unchanged.get(name) == letter.doc.sha256:
            try:
                # The previous build is replaced, not edited: sharing its unchanged files is safe.
                os.link(previous / SOURCES / name, sources / name)  # type: ignore[operator]
                continue
            except OSError:
                pass
        (sources / name).write_text(letter.doc.text, encoding="utf-8", newline="")
    digests = {p.iri: p.digest() for p in parts}
    store_start = time.perf_counter()
    if not (previous and _update_store(previous, tmp / STORE, parts, digests, iris.base)):
        store = ox.Store(str(tmp / STORE))
        store.bulk_load(nq, format=ox.RdfFormat.N_QUADS)
        # The default graph holds the union of all graphs, materialised: pyoxigraph's on-the-fly
        # union (use_default_graph_as_union) makes OPTIONAL-heavy queries 100-1000x slower.
        store.bulk_load(ttl, format=ox.RdfFormat.TURTLE)
        store.flush()
        store.optimize()
        del store
    # The full-text index of the statements, from the store just written (search.py owns it).
    write_index(ox.Store.read_only(str(tmp / STORE)), tmp / SEARCH)
    if watch:
        watch.seconds["store"] += time.perf_counter() - store_start
    manifest = {
        "pledgegraph": __version__,
        "base": iris.base,
        "letters": [
            {
                "key": lt.key,
                "source": lt.doc.name,
                "media_type": lt.doc.media_type,
                "sha256": lt.doc.sha256,
                "graph": iris.letter_graph(lt.key),
            }
            for lt in letters
        ],
        "triples": triples,
        "quads": sum(len(p.lines) for p in parts),
        "conforms": conforms(findings),
        "graphs": dict(sorted(digests.items())),
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    identifiers.write(
        tmp,
        identifiers.ledger(
            identifiers.statements(iris, letters), identifiers.read(ledger_of, iris.base)
        ),
    )
    # Last: the marker says the folder is a complete build, and which store files it wrote.
    outdir.write_marker(tmp, "build", store=store_fingerprint(tmp / STORE))
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
        manifest = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
        return {text_name(e["key"]): e["sha256"] for e in manifest["letters"]}
    except (OSError, KeyError, ValueError, TypeError):
        return {}


def _update_store(
    previous: Path, target: Path, parts: Sequence[GraphPart], digests: dict[str, str], base: str
) -> bool:
    """Copy the previous build's store (a RocksDB checkpoint: hard links) and replace the graphs that changed."""
    try:
        manifest = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
        old: dict[str, str] = manifest["graphs"]
        if manifest.get("base") != base or manifest.get("pledgegraph") != __version__:
            return False
        # Replacing graph by graph pays off for a few changes; past a tenth, one bulk load is faster.
        if sum(1 for p in parts if old.get(p.iri) != digests[p.iri]) > max(10, len(parts) // 10):
            return False
        recorded = outdir.marker(previous)
        if recorded is None or not recorded.get("store"):
            return False  # a build without the record of its store: nothing says the store matches
        ox.Store.read_only(str(previous / STORE)).backup(str(target))
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
        _replace_graph(store, ox.NamedNode(part.iri), nt(part.lines))
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
