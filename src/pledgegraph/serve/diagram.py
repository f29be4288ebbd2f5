"""The diagram of a resource and its neighbours, laid out by Graphviz (pygraphviz, in-process) as SVG.

Graphviz sizes every box from its text with real font metrics and never lets boxes overlap; the
SVG is inlined in the page (no script), vector at any size. Labels are wrapped, never cut: each
box holds all its words, and its tooltip repeats them.
"""

from __future__ import annotations

import re
import textwrap
import threading
from typing import TYPE_CHECKING

from .describe import Description, Node

if TYPE_CHECKING:
    import pygraphviz

_GRAPHVIZ = threading.Lock()
FONT = "DejaVu Sans"
"""Measured by Graphviz and named in the SVG; pages ask for the same family first."""
WRAP = 28
EDGE_WRAP = 22
MAX_LINES = 4


def _wrap(text: str, width: int) -> str:
    lines = textwrap.wrap(" ".join(text.split()), width) or [""]
    if len(lines) > MAX_LINES:
        lines = [
            *lines[: MAX_LINES - 1],
            textwrap.shorten(" ".join(lines[MAX_LINES - 1 :]), width, placeholder=" …"),
        ]
    # Graphviz reads backslash sequences in labels (\\N, \\l): a backslash of the data is doubled
    return "\\n".join(line.replace("\\", "\\\\") for line in lines)


def neighbours(desc: Description, limit: int) -> list[tuple[str, Node, bool]]:
    """The linked resources to draw: one per property first (so three text spans do not crowd out
    the State), then the rest, outgoing links before incoming ones."""
    out: list[tuple[str, Node, bool]] = []
    seen: set[str] = set()
    passes = [
        (desc.outgoing, True, limit * 2 // 3),
        (desc.incoming, False, limit),
    ]
    for arcs, outward, cap in passes:
        for first in (True, False):
            for arc in arcs:
                label = arc.label or arc.predicate.label
                for i, n in enumerate(arc.nodes):
                    if first and i > 0:
                        break
                    if n.literal or not n.iri or n.iri in seen or len(out) >= cap:
                        continue
                    seen.add(n.iri)
                    out.append((label if outward else arc.predicate.label, n, outward))
    return out


def graph(desc: Description, limit: int = 14) -> pygraphviz.AGraph:
    import pygraphviz

    g = pygraphviz.AGraph(directed=True, strict=False)
    g.graph_attr.update(
        rankdir="LR", bgcolor="transparent", nodesep="0.25", ranksep="0.9", fontname=FONT, pad="0.2"
    )
    g.node_attr.update(
        shape="box",
        style="rounded,filled",
        fontname=FONT,
        fontsize="11",
        margin="0.18,0.08",
        fillcolor="#e5effa",
        color="#9ec0e6",
        fontcolor="#1d2433",
    )
    g.edge_attr.update(
        fontname=FONT, fontsize="9", color="#9aa5b8", fontcolor="#5b6475", arrowsize="0.7"
    )
    g.add_node(
        "c",
        label=_wrap(desc.label, WRAP + 6),
        tooltip=desc.label,
        fillcolor="#1d2433",
        fontcolor="#ffffff",
        color="#1d2433",
        fontsize="12",
    )
    for i, (label, n, outward) in enumerate(neighbours(desc, limit)):
        key = f"n{i}"
        attrs = {"label": _wrap(n.label, WRAP), "tooltip": n.label}
        if n.href:
            attrs.update(URL=n.href, target="_top")
        if not outward:
            attrs.update(fillcolor="#f3f4f7", color="#c9ced8")
        g.add_node(key, **attrs)
        edge = {"label": _wrap(label, EDGE_WRAP), "tooltip": label}
        if outward:
            g.add_edge("c", key, **edge)
        else:
            g.add_edge(key, "c", style="dashed", **edge)
    return g


def svg(desc: Description, limit: int = 14) -> str:
    """The diagram as SVG markup to inline (Graphviz escapes the text it writes)."""
    with _GRAPHVIZ:  # Graphviz keeps global state: one layout at a time in a process
        g = graph(desc, limit)
        if g.number_of_nodes() < 2:
            return ""
        out = g.draw(format="svg", prog="dot").decode("utf-8")
    out = out[out.find("<svg") :]
    out = re.sub(r"<!--.*?-->", "", out, flags=re.S)
    out = re.sub(r"<title>[^<]*</title>", "", out)  # node ids; the links carry the words as titles
    # sized by the page (vector at any size), not by Graphviz's points
    return re.sub(
        r'<svg width="[^"]*" height="[^"]*"', '<svg class="graph" role="img"', out, count=1
    )
