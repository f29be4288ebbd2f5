"""The ledger of statement IRIs across builds: which IRIs a build's statements have, and which IRIs
earlier builds published that this one no longer has (retired), with the successor where the build
knows it. The server answers a retired IRI with 301 to its successor, or 410 Gone.

A statement's IRI is a digest of its words within its letter (graph.py): when the words change, the
IRI changes. The successor of a retired statement is the statement of the same letter and kind at
the same ordinal when the letter has as many statements of that kind as before (its words were
edited in place); else none is known.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .buildfolder import IDENTIFIERS, BuildFolder
from .iris import Iris
from .namespaces import PG

KINDS = ("pledge", "claim", "contribution")
Place = tuple[str, str, int]  # letter key, statement kind, ordinal


def statements(iris: Iris, letters: Sequence[Any]) -> dict[str, Place]:
    """Each statement IRI of the letters, with its place (letter key, kind, ordinal)."""
    ordinal = f"<{PG}ordinal>"
    out: dict[str, Place] = {}
    for letter in letters:
        prefix = "<" + iris.id(f"letter/{letter.key}/")
        for line in letter.lines:
            if not line.startswith(prefix):
                continue
            subject, predicate, rest = line.split(" ", 2)
            kind = subject[len(prefix) :].split("/", 1)[0]
            if predicate == ordinal and kind in KINDS:
                out[subject[1:-1]] = (letter.key, kind, int(rest.split('"', 2)[1]))
    return out


def ledger(current: dict[str, Place], previous: dict[str, Any] | None) -> dict[str, Any]:
    """This build's ledger from its statements and the previous build's ledger (if any)."""
    by_place = {place: iri for iri, place in current.items()}
    retired: dict[str, str | None] = {}
    if previous:
        retired.update(previous.get("retired", {}))
        before = {iri: (p[0], p[1], int(p[2])) for iri, p in previous.get("statements", {}).items()}
        counts_before, counts_now = (
            Counter(p[:2] for p in before.values()),
            Counter(p[:2] for p in current.values()),
        )
        for iri, place in before.items():
            if iri not in current:
                # Ordinals correspond only when the letter has as many statements of the kind as
                # before (words edited in place); else nothing says which one took its place.
                same = counts_before[place[:2]] == counts_now[place[:2]]
                retired[iri] = by_place.get(place) if same else None
    for iri in list(retired):
        if iri in current:  # the words came back: the IRI is live again
            del retired[iri]
    for iri, successor in retired.items():  # a successor retired since: point at its own successor
        seen = {iri}
        while successor is not None and successor in retired and successor not in seen:
            seen.add(successor)
            successor = retired[successor]
        retired[iri] = successor if successor is None or successor in current else None
    return {
        "statements": {iri: list(place) for iri, place in sorted(current.items())},
        "retired": dict(sorted(retired.items())),
    }


def read(folder: Path | None, base: str) -> dict[str, Any] | None:
    """A build folder's ledger, or None when it has none, it cannot be read, or the build was made
    under another base (its IRIs are not ours): a clean start."""
    if folder is None:
        return None
    build = BuildFolder(folder)
    return (build.ledger or None) if build.made_under(base) else None


def write(folder: Path, data: dict[str, Any]) -> None:
    (folder / IDENTIFIERS).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
