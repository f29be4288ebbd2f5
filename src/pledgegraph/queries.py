"""Named queries: found from the headers of the `.rq` files, run with bound parameters, and formatted."""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .namespaces import PG, PGT, RDFS, SKOS, XSD
from .store import Row, Selects, Term


class QueryError(Exception):
    """An unknown query, or a parameter it does not take."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    purpose: str
    columns: tuple[str, ...]
    parameters: dict[str, str] = field(default_factory=dict)  # name -> kind (one of KINDS)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> its only values
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


# The kinds of parameter a header declares, as `NAME (optional, KIND: description)`:
#   integer  a whole number (`election`: an election's year);
#   iri      an IRI, bound as given;
#   literal  a string; when the description lists the values (`literal: completed, planned`), one
#            of them, matched in any case and bound as listed;
#   code     a code the data writes in upper case (a treaty's short code), matched in any case; when
#            the description lists the codes, one of them;
#   state    a State, by its ISO 3166-1 alpha-3 (or alpha-2) code or any of its names, in any case:
#            bound to its alpha-3 code, looked up in the store;
#   group    a regional group, by its name or abbreviation (WEOG), in any case: bound to its IRI;
#   theme    a pledge theme, by its label or notation in any case, or by words of its label (all the
#            themes whose label holds them): bound to its label, as the queries give it.
# A parameter given several times means any of its values; parameters are all required at once.
KINDS = ("literal", "integer", "iri", "code", "state", "group", "theme")
_DECLARATION = re.compile(r"(\w+)\s*\(([^)]*)\)")
_KIND = re.compile(r"\s*(?:(?:optional|required)\s*,\s*)?(\w+)\s*(?::\s*(.*))?$", re.S)
_KIND_WORD = re.compile(r"\b(" + "|".join(KINDS) + r")\b")
_CHOICE = re.compile(r"[\w-]+")


def _parameters(spec: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """`NAME (optional, KIND: description); ...` as {NAME: KIND} (a kind word the declaration
    names, else literal) and, for each parameter whose description is a list of single words or
    codes, {NAME: its values}."""
    kinds: dict[str, str] = {}
    choices: dict[str, tuple[str, ...]] = {}
    for m in _DECLARATION.finditer(spec):
        name, inside = m.group(1), m.group(2)
        declared = _KIND.match(inside)
        if declared and declared.group(1) in KINDS:
            kind, description = declared.group(1), (declared.group(2) or "").strip()
        else:
            word = _KIND_WORD.search(inside)
            kind, description = (word.group(1) if word else "literal"), ""
        kinds[name] = kind
        values = [v.strip() for v in description.split(",")]
        if (
            kind in ("literal", "code")
            and len(values) > 1
            and all(_CHOICE.fullmatch(v) for v in values)
        ):
            choices[name] = tuple(values)
    return kinds, choices


def load(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    h = parse_header(text)
    kinds, choices = _parameters(h.get("parameters", ""))
    return NamedQuery(
        name=path.stem,
        title=h.get("title", path.stem),
        purpose=h.get("purpose", ""),
        columns=tuple(c.strip() for c in h.get("columns", "").split(",") if c.strip()),
        parameters=kinds,
        choices=choices,
        text=text,
        path=path,
        index=h.get("index", ""),
    )


@cache
def catalogue() -> dict[str, NamedQuery]:
    return {q.name: q for q in (load(p) for p in resources.query_files())}


MAX_QUERY_FILE = 1 << 20  # bytes: a query file is a few kilobytes


def from_file(path: Path) -> NamedQuery:
    """A query file of the user's (`pledgegraph query my.rq`): read like a named query (its header's
    parameters and columns, if it has one), refused with the file named when it is not a SPARQL
    SELECT query."""
    from .sparql_syntax import QueryRefused, shape

    try:
        if path.stat().st_size > MAX_QUERY_FILE:
            raise QueryError(f"{path}: over {MAX_QUERY_FILE} bytes, not a query file")
        query = load(path)
    except OSError as e:
        raise QueryError(f"{path}: cannot read it ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise QueryError(f"{path}: not UTF-8 text") from None
    try:
        form = shape(query.text).form
    except QueryRefused as e:
        raise QueryError(f"{path}: {e}") from None
    if form != "SELECT":
        raise QueryError(f"{path}: this is a {form} query; only SELECT queries give rows")
    return query


def get(name: str) -> NamedQuery:
    try:
        return catalogue()[name]
    except KeyError:
        known = ", ".join(sorted(catalogue()))
        raise QueryError(f"no query named {name!r} (known: {known})") from None


# --------------------------------------------------------------------------------------------------
# Parameters


_PREFIXES = f"""PREFIX pg: <{PG}>
PREFIX skos: <{SKOS}>
PREFIX rdfs: <{RDFS}>
"""

# For each kind looked up in the data: each value to bind, a name that designates it, and the
# label that shows it in a message.
_LOOKUPS = {
    "state": _PREFIXES
    + """SELECT ?value ?name ?label WHERE {
  ?s a pg:State ; pg:iso3 ?value ; skos:prefLabel ?label .
  { ?s pg:iso3|pg:iso2 ?name } UNION { ?s skos:prefLabel|skos:altLabel|rdfs:label ?name }
}""",
    "group": _PREFIXES
    + """SELECT DISTINCT ?value ?name ?label WHERE {
  { SELECT DISTINCT ?value WHERE { [] pg:regionalGroup ?value } }
  ?value skos:prefLabel ?label .
  { ?value skos:prefLabel|skos:altLabel|rdfs:label ?name }
}""",
    "theme": _PREFIXES
    + f"""SELECT ?value ?name ?label WHERE {{
  ?theme skos:inScheme <{PGT}> ; skos:prefLabel ?label .
  {{ ?theme skos:prefLabel|skos:altLabel|skos:notation ?name }}
  BIND (STR(?label) AS ?value)
}}""",
}
_WHAT = {
    "state": "a State's ISO 3166-1 code or name",
    "group": "a regional group's name or abbreviation",
    "theme": "a theme's label, notation or words of its label",
}


def _folded(text: str) -> str:
    """A name as it is compared: case, accents, apostrophes and runs of spaces set aside."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


class _Names:
    """The values of one looked-up kind, by their folded names."""

    def __init__(self, kind: str, store: Selects) -> None:
        self.kind = kind
        self.values: dict[str, Term] = {}  # value's key -> value
        self.labels: dict[str, str] = {}  # value's key -> its label
        self.by_name: dict[str, set[str]] = {}  # folded name -> keys of the values it names
        _, rows = store.select(_LOOKUPS[kind])
        for row in rows:
            value, name, label = row.get("value"), row.get("name"), row.get("label")
            if value is None or name is None or label is None:
                continue
            key = str(value)
            self.values[key] = value
            self.labels[key] = f"{label.value} ({value.value})" if kind == "state" else label.value
            self.by_name.setdefault(_folded(name.value), set()).add(key)

    def resolve(self, parameter: str, given: str) -> list[Term]:
        wanted = _folded(given)
        keys = self.by_name.get(wanted, set())
        if not keys and self.kind == "theme" and wanted:
            # Words of a label: every theme whose label holds them.
            words = re.compile(r"\b" + re.escape(wanted) + r"\b")
            keys = {k for k, label in self.labels.items() if words.search(_folded(label))}
        if not keys:
            raise QueryError(self._unknown(parameter, given))
        if len(keys) > 1 and self.kind != "theme":
            names = ", ".join(sorted(self.labels[k] for k in keys))
            raise QueryError(f"parameter {parameter!r}: {given!r} names several: {names}")
        return [self.values[k] for k in sorted(keys, key=lambda k: self.labels[k])]

    def _unknown(self, parameter: str, given: str) -> str:
        message = f"parameter {parameter!r}: {given!r} is not {_WHAT[self.kind]}"
        if self.kind == "state":
            near = difflib.get_close_matches(_folded(given), list(self.by_name), n=3, cutoff=0.75)
            keys = sorted({k for n in near for k in self.by_name[n]})
            if keys:
                message += f" (did you mean {' or '.join(self.labels[k] for k in keys)}?)"
            return message
        return message + f" (one of: {', '.join(sorted(set(self.labels.values())))})"


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def bind_terms(
    query: NamedQuery,
    params: Mapping[str, str | Sequence[str]],
    store: Selects | None = None,
) -> dict[str, list[Term]]:
    """`--param KEY=VALUE` strings as the RDF terms each parameter binds, of the kinds the query's
    header declares: a key given several times (a list of values) binds each of them, in order and
    once. States, regional groups and themes are looked up in `store`; without one, a State must be
    given by its code (in any case), and a group or theme cannot be given."""
    unknown = [key for key in params if key not in query.parameters]
    if unknown:
        takes = ", ".join(query.parameters) or "none"
        raise QueryError(
            f"query {query.name!r} takes no parameter {unknown[0]!r} (it takes: {takes})"
        )
    lookups: dict[str, _Names] = {}
    terms: dict[str, list[Term]] = {}
    for key, given in params.items():
        kind = query.parameters[key]
        bound: dict[str, Term] = {}
        for value in _as_list(given):
            for term in _term(query, key, kind, value.strip(), store, lookups):
                bound.setdefault(str(term), term)
        if bound:
            terms[key] = list(bound.values())
    return terms


def _term(
    query: NamedQuery,
    key: str,
    kind: str,
    value: str,
    store: Selects | None,
    lookups: dict[str, _Names],
) -> list[Term]:
    choices = query.choices.get(key)
    if choices:
        for choice in choices:
            if _folded(choice) == _folded(value):
                return [ox.Literal(choice)]
        raise QueryError(f"parameter {key!r}: {value!r} is not one of {', '.join(choices)}")
    if kind == "integer":
        if not re.fullmatch(r"[-+]?\d+", value):
            raise QueryError(f"parameter {key!r} must be an integer, not {value!r}")
        return [ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))]
    if kind == "iri":
        try:
            return [ox.NamedNode(value)]
        except ValueError:
            raise QueryError(f"parameter {key!r} must be an IRI, not {value!r}") from None
    if kind == "code" or (kind == "state" and store is None):
        return [ox.Literal(value.upper())]
    if kind in _LOOKUPS:
        if store is None:
            raise QueryError(f"parameter {key!r} ({_WHAT[kind]}) needs the store to look it up")
        if kind not in lookups:
            lookups[kind] = _Names(kind, store)
        return lookups[kind].resolve(key, value)
    return [ox.Literal(value)]


def with_values(text: str, bindings: Mapping[str, Term | Sequence[Term]]) -> str:
    """The query with its parameters bound by VALUES blocks opening its WHERE group.

    Each parameter NAME binds the variable ?param_NAME, which the query tests in a FILTER; a
    parameter left out stays unbound and the FILTER lets every row through; a parameter bound to
    several terms gives one row of its block for each, so its FILTER lets through the rows that
    match any of them (the blocks join: a row must match every parameter given). Being inside the
    group, the binding means the same on every SPARQL store, also for columns bound by OPTIONAL or
    BIND.
    """
    return with_block(text, {"param_" + name: terms for name, terms in bindings.items()})


def with_rows(text: str, variable: str, terms: Sequence[Term]) -> str:
    """The query with ?variable bound to each of `terms` in turn, by a VALUES block opening its WHERE
    group (for lists of values, which substitution cannot bind)."""
    return with_block(text, {variable: terms})


def with_block(text: str, bindings: Mapping[str, Term | Sequence[Term]]) -> str:
    """The query with each variable of `bindings` bound to its term, or to each of its terms, by a
    VALUES block put just inside the brace that opens the WHERE group, where the parse tree says it
    is (never searched for in the text: a comment or a string may hold "WHERE {"). A variable bound
    to no term binds nothing (it stays unbound)."""
    lists = {name: _terms(terms) for name, terms in bindings.items()}
    lists = {name: terms for name, terms in lists.items() if terms}
    if not lists:
        return text
    for name in lists:
        try:
            ox.Variable(name)
        except ValueError:
            raise QueryError(f"not a SPARQL variable name: {name!r}") from None
    # One block per variable: their join is every combination.
    block = "\n  ".join(
        f"VALUES ?{name} {{ {' '.join(str(t) for t in lists[name])} }}" for name in sorted(lists)
    )
    from .sparql_syntax import QueryRefused, where_group

    try:
        parsed, at = where_group(text)
    except QueryRefused as e:
        raise QueryError(e.message) from None
    return parsed[:at] + "\n  " + block + parsed[at:]


def _terms(terms: Term | Sequence[Term]) -> list[Term]:
    return [terms] if isinstance(terms, (ox.NamedNode, ox.Literal, ox.BlankNode)) else list(terms)


def run(
    store: Selects,
    name: str | NamedQuery,
    params: Mapping[str, str | Sequence[str]] | None = None,
    data_dir: Path | None = None,
) -> tuple[list[str], list[Row]]:
    query = name if isinstance(name, NamedQuery) else get(name)
    if query.index and data_dir is not None and (Path(data_dir) / query.index).is_file():
        from . import search  # the full-text index answers the `search` query on a build

        single = {k: v if isinstance(v, str) else " ".join(v) for k, v in (params or {}).items()}
        return search.run(Path(data_dir) / query.index, single)
    bindings = bind_terms(query, params or {}, store)
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
