"""Named queries: found from the headers of the `.rq` files, run with bound parameters, and formatted."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .namespaces import XSD
from .store import QueryStore, Row, Term


class QueryError(Exception):
    """An unknown query, or a parameter it does not take."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    purpose: str
    columns: tuple[str, ...]
    parameters: dict[str, str] = field(default_factory=dict)  # name -> type: literal, integer, iri
    text: str = ""
    path: Path | None = None
    index: str = ""  # a build file that answers the query instead of its SPARQL (`# index:`)


_HEADER_LINE = re.compile(r"^#\s?(.*)$")


def parse_header(text: str) -> dict[str, str]:
    """The `# key: value` header of a query file; indented lines continue the previous key."""
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        m = _HEADER_LINE.match(line)
        if not m:
            break
        body = m.group(1)
        km = re.match(r"^(\w+):\s*(.*)$", body)
        if km and not body.startswith(" "):
            key = km.group(1).lower()
            fields[key] = km.group(2).strip()
        elif key:
            fields[key] = (fields[key] + " " + body.strip()).strip()
    return fields


def _parameters(spec: str) -> dict[str, str]:
    params = {}
    for m in re.finditer(r"(\w+)\s*\(([^)]*)\)", spec):
        kind = "literal"
        for word in ("integer", "iri", "literal"):
            if word in m.group(2):
                kind = word
                break
        params[m.group(1)] = kind
    return params


def load(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    h = parse_header(text)
    return NamedQuery(
        name=path.stem,
        title=h.get("title", path.stem),
        purpose=h.get("purpose", ""),
        columns=tuple(c.strip() for c in h.get("columns", "").split(",") if c.strip()),
        parameters=_parameters(h.get("parameters", "")),
        text=text,
        path=path,
        index=h.get("index", ""),
    )


@cache
def catalogue() -> dict[str, NamedQuery]:
    return {q.name: q for q in (load(p) for p in resources.query_files())}


def get(name: str) -> NamedQuery:
    try:
        return catalogue()[name]
    except KeyError:
        known = ", ".join(sorted(catalogue()))
        raise QueryError(f"no query named {name!r} (known: {known})") from None


def bind_terms(query: NamedQuery, params: Mapping[str, str]) -> dict[str, Term]:
    """Turn `--param KEY=VALUE` strings into RDF terms of the types the query header declares."""
    terms: dict[str, Term] = {}
    for key, value in params.items():
        kind = query.parameters.get(key)
        if kind is None:
            takes = ", ".join(query.parameters) or "none"
            raise QueryError(f"query {query.name!r} takes no parameter {key!r} (it takes: {takes})")
        if kind == "integer":
            if not re.fullmatch(r"-?\d+", value):
                raise QueryError(f"parameter {key!r} must be an integer, not {value!r}")
            terms[key] = ox.Literal(value, datatype=ox.NamedNode(XSD + "integer"))
        elif kind == "iri":
            terms[key] = ox.NamedNode(value)
        else:
            terms[key] = ox.Literal(value)
    return terms


def with_values(text: str, bindings: Mapping[str, Term]) -> str:
    """The query with its parameters bound by a VALUES block opening the WHERE group.

    Each parameter NAME binds the variable ?param_NAME, which the query tests in a FILTER; a
    parameter left out stays unbound and the FILTER lets every row through. Being inside the group,
    the binding means the same on every SPARQL store, also for columns bound by OPTIONAL or BIND.
    """
    if not bindings:
        return text
    m = re.search(r"\bWHERE\s*\{", text, re.I)
    if m is None:
        raise QueryError("the query has no WHERE clause to bind parameters in")
    names = sorted(bindings)
    block = f"\n  VALUES ({' '.join('?param_' + n for n in names)}) {{ ({' '.join(str(bindings[n]) for n in names)}) }}"
    return text[: m.end()] + block + text[m.end() :]


def with_rows(text: str, variable: str, terms: Sequence[Term]) -> str:
    """The query with ?variable bound to each of `terms` in turn, by a VALUES block opening its WHERE
    group (for lists of values, which substitution cannot bind)."""
    m = re.search(r"\bWHERE\s*\{", text, re.I)
    if m is None:
        raise QueryError("the query has no WHERE clause to bind values in")
    block = f"\n  VALUES ?{variable} {{ {' '.join(str(t) for t in terms)} }}"
    return text[: m.end()] + block + text[m.end() :]


def run(
    store: QueryStore,
    name: str,
    params: Mapping[str, str] | None = None,
    data_dir: Path | None = None,
) -> tuple[list[str], list[Row]]:
    query = get(name)
    if query.index and data_dir is not None and (Path(data_dir) / query.index).is_file():
        from . import search  # the full-text index answers the `search` query on a build

        return search.run(Path(data_dir) / query.index, params or {})
    bindings = bind_terms(query, params or {})
    return store.select(with_values(query.text, bindings))


# --------------------------------------------------------------------------------------------------
# Output

_NUMERIC = {
    XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")
}


def plain(term: Term | None) -> str | int | float | bool | None:
    """A term as JSON: integers as numbers, booleans as booleans, everything else as its string."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        try:
            if dt in _NUMERIC:
                return int(term.value)
            if dt == XSD + "decimal" or dt == XSD + "double":
                return float(term.value)
        except ValueError:
            return term.value
        if dt == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return term.value


def to_json(names: Sequence[str], rows: Sequence[Row]) -> str:
    return json.dumps(
        [{n: plain(r.get(n)) for n in names} for r in rows], indent=2, ensure_ascii=False
    )


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"); the
# letters are other people's text, so such a cell is made inert by a leading single quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(names: Sequence[str], rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([_inert(n) for n in names])
    for r in rows:
        w.writerow(
            [
                ""
                if (v := plain(r.get(n))) is None
                else str(v).lower()
                if isinstance(v, bool)
                else _inert(v)
                if isinstance(v, str)
                else v
                for n in names
            ]
        )
    return buf.getvalue()


def to_table(names: Sequence[str], rows: Sequence[Row], width: int | None = None) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(*names, show_lines=False, box=None, header_style="bold")
    for r in rows:
        cells = []
        for n in names:
            v = plain(r.get(n))
            text = str(v).lower() if isinstance(v, bool) else "" if v is None else str(v)
            cells.append(" ".join(text.split()))
        table.add_row(*cells)
    console = Console(
        file=io.StringIO(), width=width or 200, color_system=None, force_terminal=False
    )
    console.print(table)
    console.print(f"{len(rows)} rows")
    return console.file.getvalue()  # type: ignore[attr-defined]


FORMATTERS = {"json": to_json, "csv": to_csv, "table": to_table}
