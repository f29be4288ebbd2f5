"""Tables people read, sort, filter and download: built from query rows, written as HTML, CSV or JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..queries import plain, to_csv
from .describe import external_label, fetch_labels

if TYPE_CHECKING:
    from .context import Context

MAX_FILTER = 200
"""Longest filter value read from a request."""


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    numeric: bool = False
    iris: bool = False  # the column holds IRIs (its label is shown, the IRI goes to `NAME_iri`)


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    iri: str | None = None
    value: Any = None  # for sorting and JSON: a number, or the text

    def __str__(self) -> str:
        return self.text


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    purpose: str = ""
    downloads: dict[str, str] = field(default_factory=dict)  # format -> href
    total: int = 0  # rows before filtering

    def column(self, name: str) -> int | None:
        for i, c in enumerate(self.columns):
            if c.name == name:
                return i
        return None


def _text(term: Any) -> str:
    return " ".join(str(term.value).split()) if term is not None else ""


def from_rows(
    ctx: Context,
    names: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    name: str,
    title: str,
    headings: Sequence[str] = (),
    purpose: str = "",
) -> Table:
    """A table of SELECT rows. A column `X` with a column `X_label` beside it shows the label,
    linked to X; other IRIs are labelled from the data (never by their last segment)."""
    shown = [n for n in names if not (n.endswith("_label") and n[: -len("_label")] in names)]
    iris = {
        t.value
        for r in rows
        for n in shown
        if isinstance(t := r.get(n), ox.NamedNode) and r.get(n + "_label") is None
    }
    labels = fetch_labels(ctx.backend, iris) if iris and len(iris) <= 5000 else {}
    numeric = {
        n
        for n in shown
        if rows
        and all(
            r.get(n) is None or isinstance(plain(r.get(n)), int | float)
            for r in rows
            if not isinstance(r.get(n), ox.NamedNode)
        )
        and any(isinstance(plain(r.get(n)), int | float) for r in rows)
    }
    has_iri = {n for n in shown if any(isinstance(r.get(n), ox.NamedNode) for r in rows)}
    titles = list(headings) + [n.replace("_", " ").capitalize() for n in shown[len(headings) :]]
    columns = [Column(n, titles[i], n in numeric, n in has_iri) for i, n in enumerate(shown)]
    out = []
    for r in rows:
        cells = []
        for n in shown:
            term = r.get(n)
            if isinstance(term, ox.NamedNode):
                iri = term.value
                label = r.get(n + "_label")
                text = (
                    _text(label)
                    if label is not None
                    else labels.get(iri) or external_label(ctx.bases, iri)
                )
                served = ctx.bases.to_served(iri)
                cells.append(Cell(text, ctx.bases.href(iri), served, text))
            else:
                value = plain(term)
                text = "" if value is None else _text(term)
                cells.append(Cell(text, None, None, value if value is not None else ""))
        out.append(cells)
    return Table(name, title, columns, out, purpose=purpose, total=len(out))


def select(table: Table, params: Mapping[str, str]) -> Table:
    """The rows whose cells match every `COLUMN=value` given (case-folded: the label, the IRI or a
    part of the label) and `q` (any cell), sorted by `sort=COLUMN` (`-COLUMN`: descending)."""
    rows = table.rows
    for key, raw in params.items():
        value = str(raw)[:MAX_FILTER].strip().casefold()
        if not value:
            continue
        if key == "q":
            rows = [r for r in rows if any(value in c.text.casefold() for c in r)]
            continue
        i = table.column(key)
        if i is None:
            continue
        rows = [
            r for r in rows if value in r[i].text.casefold() or value == (r[i].iri or "").casefold()
        ]
    sort = str(params.get("sort", ""))
    i = table.column(sort.lstrip("-"))
    if i is not None:
        numeric = table.columns[i].numeric
        rows = sorted(
            rows,
            key=lambda r: (
                (r[i].value if isinstance(r[i].value, int | float) else -1e18)
                if numeric
                else r[i].text.casefold()
            ),
            reverse=sort.startswith("-"),
        )
    return replace(table, rows=rows)


def records(table: Table) -> tuple[list[str], list[dict[str, Any]]]:
    """The table as plain records: each column's label (or value), and `NAME_iri` beside IRI columns."""
    names: list[str] = []
    for c in table.columns:
        names.append(c.name)
        if c.iris:
            names.append(c.name + "_iri")
    out = []
    for row in table.rows:
        record: dict[str, Any] = {}
        for c, cell in zip(table.columns, row, strict=True):
            record[c.name] = cell.value if c.numeric and cell.value != "" else cell.text
            if c.iris:
                record[c.name + "_iri"] = cell.iri or ""
        out.append(record)
    return names, out


def as_csv(table: Table) -> str:
    """One physical line per row (whitespace inside cells is already one space), formulas made inert."""
    names, recs = records(table)
    rows = [
        {
            n: None
            if v in ("", None)
            else ox.Literal(
                str(v), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
            )
            if isinstance(v, int) and not isinstance(v, bool)
            else ox.Literal(str(v))
            for n, v in r.items()
        }
        for r in recs
    ]
    return to_csv(names, rows)  # type: ignore[arg-type]


def as_json(table: Table) -> bytes:
    _, recs = records(table)
    return json.dumps(recs, ensure_ascii=False, indent=1).encode()
