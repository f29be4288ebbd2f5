"""Charts as server-side SVG (no script, nothing from the internet): bars, a heat map and a timeline.

Text is sized for a 12 px sans-serif; every label's room is reserved from its length at a generous
width per character, so no label is cut, and each mark carries a <title> with its full words.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from ..resources import page_query

if TYPE_CHECKING:
    from .context import Context

CHAR = 7.4  # px per character of 12 px text, on the wide side (no label cut)
ROW = 22
PALETTE = ("#0b5cad", "#2a9d8f", "#e9c46a", "#e76f51", "#8e7dbe", "#5c946e", "#c9705a", "#6c757d")
OUTCOME_COLOURS = {"elected": "#2a9d8f", "not elected": "#e76f51"}


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str  # safe markup: every text in it escaped here
    caption: str = ""


def _a(href: str | None, inner: str) -> str:
    return f"<a href={quoteattr(href)}>{inner}</a>" if href else inner


def _svg(width: float, height: float, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" role="img" aria-label={quoteattr(label)}>' + "".join(body) + "</svg>"
    )


def bars(title: str, items: list[tuple[str, int, str | None]], unit: str = "") -> Chart | None:
    """Horizontal bars, one per (label, value, link), longest first."""
    items = [i for i in items if i[1] > 0]
    if not items:
        return None
    items.sort(key=lambda i: (-i[1], i[0]))
    left = 12 + CHAR * max(len(i[0]) for i in items)
    top = max(i[1] for i in items)
    span = 360
    width = left + span + 60
    body = []
    for n, (label, value, href) in enumerate(items):
        y = 8 + n * ROW
        w = max(2.0, span * value / top)
        tip = escape(f"{label}: {value} {unit}".strip())
        body.append(
            _a(
                href,
                f'<g class="bar"><title>{tip}</title>'
                f'<text x="{left - 8:.0f}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
                f'<rect x="{left:.0f}" y="{y + 3}" width="{w:.1f}" height="{ROW - 6}" rx="3" '
                f'fill="{PALETTE[n % len(PALETTE)]}"/>'
                f'<text x="{left + w + 6:.1f}" y="{y + 14}" class="value">{value}</text></g>',
            )
        )
    return Chart(title, _svg(width, 16 + len(items) * ROW, title, body))


def heatmap(
    title: str,
    rows: list[tuple[str, str | None]],
    cols: list[str],
    values: dict[tuple[int, int], int],
) -> Chart | None:
    """A grid: one row per (label, link), one column per label, darker for more."""
    if not rows or not cols or not values:
        return None
    left = 12 + CHAR * max(len(r[0]) for r in rows)
    cell = max(34.0, CHAR * max(len(c) for c in cols) + 8)
    top = max(values.values())
    body = [
        f'<text x="{left + (j + 0.5) * cell:.1f}" y="16" text-anchor="middle" class="axis">{escape(c)}</text>'
        for j, c in enumerate(cols)
    ]
    for i, (label, href) in enumerate(rows):
        y = 24 + i * ROW
        body.append(
            _a(
                href,
                f'<text x="{left - 8:.0f}" y="{y + 15}" text-anchor="end">{escape(label)}</text>',
            )
        )
        for j, c in enumerate(cols):
            v = values.get((i, j), 0)
            shade = 0.08 + 0.92 * v / top if v else 0.0
            tip = escape(f"{label}, {c}: {v}")
            body.append(
                f'<g><title>{tip}</title><rect x="{left + j * cell + 1:.1f}" y="{y + 1}" '
                f'width="{cell - 2:.1f}" height="{ROW - 2}" rx="3" fill="#0b5cad" '
                f'fill-opacity="{shade:.2f}" class="cell"/>'
                + (
                    f'<text x="{left + (j + 0.5) * cell:.1f}" y="{y + 15}" text-anchor="middle" '
                    f'class="{"on" if shade > 0.55 else "off"}">{v}</text>'
                    if v
                    else ""
                )
                + "</g>"
            )
    return Chart(title, _svg(left + len(cols) * cell + 12, 30 + len(rows) * ROW, title, body))


@dataclass(frozen=True)
class Mark:
    begin: int
    end: int
    kind: str  # "term" (proposed), "membership", or an outcome label at one year
    title: str
    href: str | None = None


def timeline(title: str, lanes: list[tuple[str, str | None, list[Mark]]]) -> Chart | None:
    """One lane per (label, link, marks): terms as bars, candidatures as dots at their year."""
    years = [y for _, _, marks in lanes for m in marks for y in (m.begin, m.end)]
    if not years:
        return None
    first, last = min(years), max(years) + 1
    left = 12 + CHAR * max(len(lbl) for lbl, _, _ in lanes)
    per = max(24.0, min(48.0, 640 / max(1, last - first)))
    width = left + (last - first) * per + 20
    body = []
    for k, y in enumerate(range(first, last + 1)):
        x = left + k * per
        body.append(
            f'<line x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{24 + len(lanes) * ROW}" class="grid"/>'
        )
        if (y - first) % max(1, round(60 / per)) == 0:
            body.append(f'<text x="{x:.1f}" y="14" text-anchor="middle" class="axis">{y}</text>')
    for i, (label, href, marks) in enumerate(lanes):
        y = 24 + i * ROW
        body.append(
            _a(
                href,
                f'<text x="{left - 8:.0f}" y="{y + 15}" text-anchor="end">{escape(label)}</text>',
            )
        )
        for m in sorted(marks, key=lambda m: m.kind != "term"):
            x1 = left + (m.begin - first) * per
            x2 = left + (m.end + 1 - first) * per
            tip = f"<title>{escape(m.title)}</title>"
            if m.kind in ("term", "membership"):
                cls = "term" if m.kind == "term" else "member"
                inset = 7 if m.kind == "term" else 4
                body.append(
                    _a(
                        m.href,
                        f'<g>{tip}<rect x="{x1 + 1:.1f}" y="{y + inset}" width="{x2 - x1 - 2:.1f}" '
                        f'height="{ROW - 2 * inset}" rx="3" class="{cls}"/></g>',
                    )
                )
            else:
                colour = OUTCOME_COLOURS.get(m.kind.lower(), "#6c757d")
                body.append(
                    _a(
                        m.href,
                        f'<g>{tip}<circle cx="{x1 + per / 2:.1f}" cy="{y + ROW / 2}" r="6" '
                        f'fill="{colour}" stroke="#fff" stroke-width="1.5"/></g>',
                    )
                )
    return Chart(
        title,
        _svg(width, 30 + len(lanes) * ROW, title, body),
        "Dots: candidatures at their election's year (green elected, red not elected, grey unknown); "
        "light bars: the term proposed; dark bars: the membership served.",
    )


# --------------------------------------------------------------------------------------------------
# The charts of the pages, from the data


def _value(term: Any) -> str:
    return "" if term is None else str(term.value)


def _year(term: Any) -> int | None:
    text = _value(term)[:4]
    return int(text) if text.isdigit() else None


def themes_by_year(ctx: Context) -> Chart | None:
    _, rows = ctx.backend.select(page_query("chart-themes-by-year"))
    themes: OrderedDict[str, tuple[str, str | None]] = OrderedDict()
    years = sorted({_value(r["year"]) for r in rows if r.get("year") is not None})
    values: dict[tuple[int, int], int] = {}
    for r in rows:
        iri = r["theme"].value
        if iri not in themes:
            themes[iri] = (_value(r.get("theme_label")) or iri, ctx.bases.href(iri))
        i = list(themes).index(iri)
        if r.get("year") is not None:
            values[(i, years.index(_value(r["year"])))] = int(_value(r["pledges"]) or 0)
    return heatmap("Pledges per theme and year", list(themes.values()), years, values)


def candidatures_timeline(ctx: Context, state: str | None = None) -> Chart | None:
    """The candidatures (and terms, and memberships) of every State, or of one."""
    rows = ctx.once("timeline-rows", lambda: ctx.backend.select(page_query("chart-timeline"))[1])
    lanes: OrderedDict[str, tuple[str, str | None, list[Mark]]] = OrderedDict()
    for r in rows:
        s = r["state"].value
        if state is not None and s != state:
            continue
        lane = lanes.setdefault(s, (_value(r.get("state_label")) or s, ctx.bases.href(s), []))
        c = r["candidature"].value
        label = _value(r.get("candidature_label")) or "candidature"
        tb, te = _year(r.get("term_begin")), _year(r.get("term_end"))
        if tb and te and te >= tb:
            lane[2].append(
                Mark(
                    tb,
                    te - 1 if te > tb else te,
                    "term",
                    f"{label}: term proposed {tb}–{te}",
                    ctx.bases.href(c),
                )
            )
        mb, me = _year(r.get("membership_begin")), _year(r.get("membership_end"))
        if mb and me and me >= mb and r.get("membership") is not None:
            m = r["membership"].value
            lane[2].append(
                Mark(
                    mb,
                    me - 1 if me > mb else me,
                    "membership",
                    f"member {mb}–{me}",
                    ctx.bases.href(m),
                )
            )
        y = _year(r.get("year"))
        if y:
            outcome = _value(r.get("outcome_label")) or "outcome unknown"
            lane[2].append(Mark(y, y, outcome, f"{label} ({y}): {outcome}", ctx.bases.href(c)))
    title = "Candidatures and terms"
    return timeline(title, list(lanes.values()))


def themes_of(ctx: Context, groups: list[dict[str, Any]]) -> Chart | None:
    """Pledges per theme of one candidature (from its page's groups)."""
    return bars(
        "Pledges per theme",
        [(g["label"], len(g["pledges"]), g.get("href")) for g in groups],
        "pledges",
    )


def for_list(ctx: Context, name: str) -> Chart | None:
    """The chart shown above a list, where one helps (made once per build)."""
    makers = {
        "themes": themes_by_year,
        "candidatures": candidatures_timeline,
        "states": candidatures_timeline,
    }
    make = makers.get(name)
    if make is None:
        return None
    return ctx.once(f"chart:{name}", lambda: make(ctx))
