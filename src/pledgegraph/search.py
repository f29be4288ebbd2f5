"""The full-text index of a build (SQLite FTS5): written from its store with the build, searched by the server and the `search` query."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .buildfolder import SEARCH
from .resources import page_query

INDEX_FILE = SEARCH
"""The index's file name in a build folder (buildfolder.py owns the layout)."""
TOKENIZER = "unicode61 remove_diacritics 2"
"""Words are Unicode letters and digits, case and accents folded ("procédures" finds "procedures")."""
MAX_TERMS = 16
"""Words of a query looked for (the rest are ignored): a search box is not a place for essays."""
MAX_RESULTS = 500
COLUMNS = ("state_iso3", "kind", "text", "score", "statement", "source")
"""The columns of the `search` named query."""
WEIGHTS = (1.0, 0.4, 0.6)
"""bm25 weights of the indexed columns (text, themes, State): the words of the statement count most."""

_SCHEMA = f"""
CREATE VIRTUAL TABLE statements USING fts5(
  text, themes, state_name,
  kind UNINDEXED, state_iso3 UNINDEXED, statement UNINDEXED, state UNINDEXED,
  theme_keys UNINDEXED, letter UNINDEXED, letter_label UNINDEXED,
  candidature UNINDEXED, candidature_label UNINDEXED, source UNINDEXED,
  tokenize = '{TOKENIZER}'
);
CREATE VIRTUAL TABLE states USING fts5(
  name, names, iso3, state UNINDEXED, tokenize = '{TOKENIZER}'
);
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT);
"""

_STATEMENT_FIELDS = (
    "text",
    "themes",
    "state_name",
    "kind",
    "state_iso3",
    "statement",
    "state",
    "theme_keys",
    "letter",
    "letter_label",
    "candidature",
    "candidature_label",
    "source",
)


class SearchError(Exception):
    """The index is missing, damaged or not FTS5."""


def _select(store: Any, query: str) -> list[dict[str, str | None]]:
    """Rows of a SELECT as plain strings, from a query interface (`select`) or a pyoxigraph store."""
    if hasattr(store, "select"):
        names, rows = store.select(query)
        return [{n: (None if r.get(n) is None else r[n].value) for n in names} for r in rows]
    result = store.query(query)
    names = [v.value for v in result.variables]
    return [
        {n: (None if t is None else t.value) for n, t in zip(names, sol, strict=True)}
        for sol in result
    ]


def write_index(store: Any, path: Path) -> int:
    """Write the index of a build's statements and States into `path` (written aside, then renamed
    into place); the number of statements indexed.

    The rows come from SPARQL over the build (`queries/pages/index-*.rq`), in IRI order, so the
    same build gives the same file. Rollback journal, not WAL: readers open it read-only and
    immutable, which a WAL database does not allow without its side files.
    """
    path = Path(path)
    statements = _select(store, page_query("index-statements"))
    states = _select(store, page_query("index-states"))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(tmp)) as db:
            db.executescript(_SCHEMA)
            db.executemany(
                f"INSERT INTO statements ({', '.join(_STATEMENT_FIELDS)}) "
                f"VALUES ({', '.join('?' * len(_STATEMENT_FIELDS))})",
                [tuple(_clean(r.get(f)) for f in _STATEMENT_FIELDS) for r in statements],
            )
            db.executemany(
                "INSERT INTO states (name, names, iso3, state) VALUES (?, ?, ?, ?)",
                [
                    (_clean(r["name"]), _clean(r["names"]), _clean(r["iso3"]), r["state"])
                    for r in states
                ],
            )
            db.execute("INSERT INTO info VALUES ('tokenizer', ?)", (TOKENIZER,))
            db.commit()
            db.execute("INSERT INTO statements(statements) VALUES ('optimize')")
            db.execute("INSERT INTO states(states) VALUES ('optimize')")
            db.commit()
            db.execute("VACUUM")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(statements)


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


# --------------------------------------------------------------------------------------------------
# Reading


def open_index(path: Path) -> sqlite3.Connection:
    """The index opened read-only and immutable (a build never changes a file in place: a new build
    is a new folder), usable from any thread of the caller."""
    path = Path(path)
    if not path.is_file():
        raise SearchError(f"{path}: no search index here (build again to write it)")
    uri = f"file:{_uri_path(path)}?mode=ro&immutable=1"
    try:
        db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        db.execute("SELECT count(*) FROM statements").fetchone()
    except sqlite3.Error as e:
        raise SearchError(f"{path}: not a search index ({e}); build again") from None
    return db


def _uri_path(path: Path) -> str:
    from urllib.parse import quote

    return quote(str(path.resolve()), safe="/")


def words(text: str) -> list[str]:
    """The words of a query as the tokenizer sees them (letters and digits), at most MAX_TERMS."""
    return re.findall(r"\w+", text or "")[:MAX_TERMS]


def match_expression(text: str, any_word: bool = False) -> str | None:
    """A user's query as an FTS5 MATCH expression: each word quoted (no word is ever an operator,
    so a stray `AND`, `"`, `*` or `NEAR(` cannot raise), all words required (or any, with
    `any_word`), the last word also as a prefix, as a search box is typed."""
    found = words(text)
    if not found:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in found]
    last = quoted[-1]
    if len(found[-1]) >= 3:
        quoted[-1] = f"({last} OR {last}*)"
    return (" OR " if any_word else " AND ").join(quoted)


@dataclass(frozen=True)
class Hit:
    """One statement found, with its score (higher is better) and a snippet with the words marked."""

    statement: str
    kind: str
    text: str
    snippet: str  # the text around the words found; \x02 and \x03 around each word
    score: float
    state: str
    state_iso3: str
    state_name: str
    themes: str
    letter: str
    letter_label: str
    candidature: str
    candidature_label: str
    source: str

    def row(self) -> dict[str, str | float]:
        """The row of the `search` named query."""
        return {c: getattr(self, c) for c in COLUMNS}


@dataclass(frozen=True)
class StateHit:
    state: str
    iso3: str
    name: str


def _filters(state_iso3: str | None, theme: str | None) -> tuple[str, list[str]]:
    where, args = [], []
    if state_iso3 and state_iso3.strip():
        where.append("(lower(state_iso3) = ? OR lower(state_name) = ?)")
        args += [state_iso3.strip().lower()] * 2
    if theme and theme.strip():
        t = theme.strip().lower()
        # a theme's label, notation or IRI, whole (between the separators of theme_keys) or a part
        # of its label
        where.append(
            "('|' || theme_keys || '|' LIKE ? ESCAPE '\\' OR lower(themes) LIKE ? ESCAPE '\\')"
        )
        like = t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        args += [f"%|{like}|%", f"%{like}%"]
    return ("".join(f" AND {w}" for w in where), args)


def search(
    db: sqlite3.Connection,
    q: str,
    *,
    state_iso3: str | None = None,
    theme: str | None = None,
    limit: int = 50,
) -> list[Hit]:
    """Statements matching every word of `q` (or, when none does, any word), best first (bm25)."""
    limit = max(1, min(limit, MAX_RESULTS))
    extra, args = _filters(state_iso3, theme)
    for any_word in (False, True):
        expr = match_expression(q, any_word)
        if expr is None:
            return []
        rows = db.execute(
            "SELECT statement, kind, text, snippet(statements, 0, char(2), char(3), '…', 24), "
            f"bm25(statements, {', '.join(map(str, WEIGHTS))}) AS rank, state, state_iso3, "
            "state_name, themes, letter, letter_label, candidature, candidature_label, source "
            f"FROM statements WHERE statements MATCH ?{extra} ORDER BY rank, statement LIMIT ?",
            [expr, *args, limit],
        ).fetchall()
        if rows or len(words(q)) < 2:
            break
    return [
        Hit(r[0], r[1], r[2], r[3], round(-float(r[4]), 4), *(x or "" for x in r[5:])) for r in rows
    ]


def search_states(db: sqlite3.Connection, q: str, limit: int = 10) -> list[StateHit]:
    """States whose names (or code) hold every word of `q`."""
    expr = match_expression(q)
    if expr is None:
        return []
    rows = db.execute(
        "SELECT state, iso3, name FROM states WHERE states MATCH ? ORDER BY rank LIMIT ?",
        [expr, limit],
    ).fetchall()
    return [StateHit(*r) for r in rows]


def run(path: Path, params: Mapping[str, str]) -> tuple[list[str], list[dict[str, Any]]]:
    """The `search` named query over a build's index: (columns, rows of plain values)."""
    with contextlib.closing(open_index(path)) as db:
        hits = search(
            db,
            params.get("q", ""),
            state_iso3=params.get("state_iso3"),
            theme=params.get("theme"),
            limit=int(limit) if (limit := str(params.get("limit") or "")).isdigit() else 50,
        )
    return list(COLUMNS), [_terms(h.row()) for h in hits]


def _terms(row: Mapping[str, str | float]) -> dict[str, Any]:
    """A row as RDF terms, as every other named query gives them (the formatters take terms)."""
    import pyoxigraph as ox

    from .namespaces import XSD

    out: dict[str, Any] = {}
    for key, value in row.items():
        if key == "statement":
            out[key] = ox.NamedNode(str(value))
        elif isinstance(value, float):
            out[key] = ox.Literal(repr(value), datatype=ox.NamedNode(XSD + "decimal"))
        else:
            out[key] = ox.Literal(str(value)) if value else None
    return out


def iter_marked(snippet: str) -> Iterator[tuple[str, bool]]:
    """A snippet's pieces, each with whether it is a word found (for pages, which escape each)."""
    for i, part in enumerate(re.split("[\x02\x03]", snippet)):
        if part:
            yield part, i % 2 == 1
