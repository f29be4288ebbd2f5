"""Reads SPARQL text with a real parser (rdflib's SPARQL 1.1 grammar): what a request asks and whether it may run.

Every decision about a client's query is made here, on the parse tree, never on tokens: a lexer of our
own cannot know every escape, comment and nesting the grammar allows (a `\\u0041` escape once hid a
SERVICE from one). The parser expands codepoint escapes before parsing, as the SPARQL grammar says,
so it sees at least what the query engine sees; what it cannot parse is refused. pyoxigraph offers no
parser of its own in Python, hence rdflib's. The query processes are cut off from the network as well
(`serve/sandbox.py`), so a gap between the two parsers cannot reach another host.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_NESTING = 64
"""Deepest nesting of group patterns, sub-queries or bracketed expressions accepted (real queries stay
under 10; the query engine's own parser overflows its stack at about 10,000)."""

FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}
# Parse-tree nodes that open one level of nesting: a { } group, a sub-query, a bracketed expression.
_NESTING = {"GroupGraphPatternSub", "SubSelect", "ConditionalOrExpression"}


class QueryRefused(Exception):
    """A request that will not run, with the HTTP status to answer it with and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class QueryShape:
    """What the parse tree of a query says about it."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    service: bool  # a SERVICE pattern: another endpoint would be queried
    dataset: bool  # FROM or FROM NAMED: the query picks its own dataset
    graphs: bool  # a GRAPH pattern: the named graphs are read
    nesting: int  # deepest nesting (see MAX_NESTING)
    distinct: bool = False  # the outermost SELECT is a SELECT DISTINCT


def _parse(query: str) -> Any:
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        return parseQuery(query)
    except ParseBaseException as query_error:
        try:
            parseUpdate(query)
        except (ParseBaseException, RecursionError):
            pass
        else:
            raise QueryRefused(
                403, "SPARQL Update is not allowed: this endpoint is read-only"
            ) from None
        raise QueryRefused(400, _syntax_message(query_error)) from None
    except RecursionError:
        raise QueryRefused(
            400, f"the query is nested too deeply (at most {MAX_NESTING} levels are accepted)"
        ) from None


def _syntax_message(error: Any) -> str:
    """pyparsing's message as a reader wants it: where, then what was expected and found."""
    text = re.sub(r"\s*\(at char \d+\),\s*\(line:\d+, col:\d+\)\s*$", "", str(error))
    text = text[:1].lower() + text[1:]
    return f"SPARQL syntax error at line {error.lineno}, column {error.col}: {_one_line(text)}"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _walk(root: Any) -> QueryShape:
    """Visit the whole tree without recursion (a deep tree must not overflow our own stack)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    form = ""
    service = dataset = graphs = distinct = False
    deepest = 0
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, CompValue):
            name = node.name
            if name in FORMS and not form:
                form = FORMS[name]
                # CompValue.get answers the key itself for a missing key: compare, never test truth.
                distinct = node.get("modifier") == "DISTINCT"
            elif name == "ServiceGraphPattern":
                service = True
            elif name == "GraphGraphPattern":
                graphs = True
            elif name == "DatasetClause":
                dataset = True
            if name in _NESTING:
                depth += 1
                deepest = max(deepest, depth)
            children = list(node.values())
        elif isinstance(node, (ParseResults, list, tuple)):
            children = list(node)
        else:
            continue
        stack.extend((child, depth) for child in children)
    return QueryShape(form, service, dataset, graphs, deepest, distinct)


@lru_cache(maxsize=1024)
def shape(query: str) -> QueryShape:
    """The shape of a query; QueryRefused when it is empty, not SPARQL, an update or too deeply nested."""
    if not query.strip():
        raise QueryRefused(400, "the query is empty")
    found = _walk(_parse(query))
    if found.nesting > MAX_NESTING:
        raise QueryRefused(
            400, f"the query is nested too deeply (at most {MAX_NESTING} levels are accepted)"
        )
    if not found.form:
        raise QueryRefused(400, "not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)")
    return found


def allow_deep_parsing() -> None:
    """Give the grammar room for MAX_NESTING levels (it recurses some twenty frames per level).

    For a query process, once at its start: the limit is process-wide, so a server thread must not
    change it while others parse. Pure-Python frames do not grow the C stack on Python 3.11+.
    """
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))


def check(query: str) -> QueryShape:
    """The shape of a query a client may run here: read-only, no SERVICE, no FROM / FROM NAMED."""
    found = shape(query)
    if found.service:
        raise QueryRefused(
            400,
            "SERVICE is not allowed: this endpoint answers from its own data and does not query "
            "other services",
        )
    if found.dataset:
        raise QueryRefused(
            400,
            "FROM and FROM NAMED are not allowed: this endpoint does not load graphs from elsewhere; "
            "its default graph is the union of all its named graphs (use GRAPH to pick one)",
        )
    return found


@lru_cache(maxsize=1)
def _head_grammar() -> Any:
    """What comes before the WHERE group of a query, through the group's opening brace, in the
    parser's own grammar: the prologue, the query form (SELECT's projection, ASK, CONSTRUCT's
    template, DESCRIBE's resources), the dataset clauses and the WHERE keyword, with the comments
    the grammar ignores. Built of rdflib's own elements, which it leaves unchanged."""
    from pyparsing import CaselessKeyword, Literal, Located, OneOrMore, Optional, ZeroOrMore
    from rdflib.plugins.sparql import parser as grammar

    head = grammar.Prologue + (
        grammar.SelectClause
        | CaselessKeyword("ASK")
        | CaselessKeyword("CONSTRUCT") + grammar.ConstructTemplate
        | CaselessKeyword("DESCRIBE") + (OneOrMore(grammar.VarOrIri) | "*")
    )
    head = (
        head + ZeroOrMore(grammar.DatasetClause) + Optional(CaselessKeyword("WHERE")) + Literal("{")
    )
    # The very comment expression the query grammar ignores: its elements already hold it, so
    # nothing is added to them.
    for comment in grammar.QueryUnit.ignoreExprs:
        head.ignore(comment)
    return Located(head)


@lru_cache(maxsize=1024)
def where_group(query: str) -> tuple[str, int]:
    """The query as the parser reads it (codepoint escapes expanded, as the grammar says) and the
    offset just inside the brace that opens its WHERE group: where a VALUES block joins every
    solution of the group. QueryRefused when the query is not one the parser reads, or has no
    WHERE group (the short CONSTRUCT WHERE form holds only triples)."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    shape(query)  # the whole query parses
    text = expandUnicodeEscapes(query)
    try:
        # Parsed from the start (whitespace and comments skipped), never searched for.
        _, _, end = _head_grammar().parse_string(text)
    except ParseBaseException:
        raise QueryRefused(400, "the query has no WHERE group to bind values in") from None
    return text, end
