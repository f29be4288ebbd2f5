"""Compiles the SHACL shapes into SPARQL queries that pyoxigraph runs over all letter graphs at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from . import resources
from .findings import Finding
from .namespaces import OA, PG, RDF, SH

RDF_TYPE = RDF + "type"

# Two engines give the same findings: pySHACL (the reference, one process per letter batch) and
# the shapes compiled into SPARQL queries run by pyoxigraph over all letter graphs at once. pySHACL
# spends ~0.3 s on each letter graph, so 1,000 letters take minutes even on all cores; the compiled
# queries take seconds. The compiler refuses any shape feature it does not know (Unsupported), and
# validation then falls back to pySHACL, so a new kind of shape can never be silently skipped.

ENGINES = ("sparql", "pyshacl")
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_ISA_CLOSURE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"


_RDFLIB_PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}


class Unsupported(Exception):
    """The shapes use a SHACL feature the SPARQL compiler does not implement."""


@dataclass(frozen=True)
class Check:
    """One constraint component of one shape as a query over all letter graphs (`?g ?this [?v ...]`)."""

    shape: str
    severity: str
    path: str | None
    message: str
    query: str
    value: str  # "v": report ?v; "focus": report the focus node; "none": no value; "sparql": SHACL-SPARQL rules
    test: Callable[..., bool] | None = (
        None  # a violation test applied in Python where SPARQL differs from pySHACL
    )
    variables: tuple[str, ...] = ()


_NODE_KINDS = {
    SH + "IRI": "isIRI(?x)",
    SH + "BlankNode": "isBlank(?x)",
    SH + "Literal": "isLiteral(?x)",
    SH + "BlankNodeOrIRI": "(isBlank(?x) || isIRI(?x))",
    SH + "BlankNodeOrLiteral": "(isBlank(?x) || isLiteral(?x))",
    SH + "IRIOrLiteral": "(isIRI(?x) || isLiteral(?x))",
}
_NODE_KEYS = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2000/01/rdf-schema#comment",
    SH + "name",
    SH + "description",
    SH + "message",
    SH + "severity",
    SH + "targetClass",
    SH + "targetObjectsOf",
    SH + "targetSubjectsOf",
    SH + "targetNode",
    SH + "property",
    SH + "sparql",
    SH + "not",
    SH + "class",
    SH + "nodeKind",
    SH + "declare",
}
_PROPERTY_KEYS = {
    SH + "path",
    SH + "name",
    SH + "description",
    SH + "message",
    SH + "severity",
    SH + "minCount",
    SH + "maxCount",
    SH + "class",
    SH + "datatype",
    SH + "nodeKind",
    SH + "minLength",
    SH + "maxLength",
    SH + "pattern",
    SH + "in",
    SH + "minInclusive",
    SH + "maxInclusive",
    SH + "minExclusive",
    SH + "maxExclusive",
    SH + "lessThan",
    SH + "order",
    SH + "group",
}


class _Shapes:
    """The shapes graph with the few look-ups the compiler needs."""

    def __init__(self, text: bytes) -> None:
        self.store = ox.Store()
        self.store.load(text, format=ox.RdfFormat.TURTLE)
        self.prefixes: dict[str, str] = {}
        for line in text.decode("utf-8").splitlines():
            if m := re.match(r"@prefix\s+(\w*):\s*<([^>]+)>", line):
                self.prefixes[m.group(1)] = m.group(2)

    def objects(
        self, s: ox.NamedNode | ox.BlankNode, p: str
    ) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        return [q.object for q in self.store.quads_for_pattern(s, ox.NamedNode(p), None, None)]  # type: ignore[misc]

    def one(
        self, s: ox.NamedNode | ox.BlankNode, p: str
    ) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
        values = self.objects(s, p)
        if len(values) > 1:
            raise Unsupported(f"{s} has {len(values)} values of {p}")
        return values[0] if values else None

    def predicates(self, s: ox.NamedNode | ox.BlankNode) -> set[str]:
        return {q.predicate.value for q in self.store.quads_for_pattern(s, None, None, None)}

    def items(
        self, head: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        out = []
        nil = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"
        while not (isinstance(head, ox.NamedNode) and head.value == nil):
            if isinstance(head, ox.Literal):
                raise Unsupported("malformed RDF list")
            first = self.one(head, "http://www.w3.org/1999/02/22-rdf-syntax-ns#first")
            rest = self.one(head, "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest")
            if first is None or rest is None:
                raise Unsupported("malformed RDF list")
            out.append(first)
            head = rest
        return out

    def qname(self, iri: str) -> str:
        """An IRI as pySHACL's generic messages print it (prefixed where the shapes declare a prefix)."""
        for prefix, ns in sorted(self.prefixes.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(ns) and re.fullmatch(r"[\w.-]*", iri[len(ns) :]):
                return f"{prefix}:{iri[len(ns) :]}"
        return f"<{iri}>"


def _int(term: object) -> int:
    if not isinstance(term, ox.Literal) or not re.fullmatch(r"\d+", term.value):
        raise Unsupported(f"not a count: {term}")
    return int(term.value)


def _severity(
    shapes: _Shapes, node: ox.NamedNode | ox.BlankNode, default: str = "Violation"
) -> str:
    sev = shapes.one(node, SH + "severity")
    return sev.value.removeprefix(SH) if isinstance(sev, ox.NamedNode) else default


def _message(shapes: _Shapes, node: ox.NamedNode | ox.BlankNode) -> str | None:
    messages = shapes.objects(node, SH + "message")
    if len(messages) > 1:
        raise Unsupported(f"{node} has several messages")
    return messages[0].value if messages else None


def _path(
    shapes: _Shapes, node: ox.NamedNode | ox.BlankNode | ox.Literal | None
) -> tuple[str, str]:
    """(SPARQL property path, the path as a Finding reports it): an IRI, or a sequence of IRIs."""
    if isinstance(node, ox.NamedNode):
        return f"<{node.value}>", node.value
    if isinstance(node, ox.BlankNode) and shapes.predicates(node) <= {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#first",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest",
    }:
        steps = shapes.items(node)
        if steps and all(isinstance(s, ox.NamedNode) for s in steps):
            return "/".join(f"<{s.value}>" for s in steps), "(path)"
    raise Unsupported(f"path {node}")


def _targets(shapes: _Shapes, shape: ox.NamedNode | ox.BlankNode) -> str:
    parts = [f"?this {{isa}} <{c.value}> ." for c in shapes.objects(shape, SH + "targetClass")]
    parts += [f"?_s <{p.value}> ?this ." for p in shapes.objects(shape, SH + "targetObjectsOf")]
    parts += [f"?this <{p.value}> ?_o ." for p in shapes.objects(shape, SH + "targetSubjectsOf")]
    parts += [f"BIND({n} AS ?this)" for n in shapes.objects(shape, SH + "targetNode")]
    if not parts:
        return ""
    return " UNION ".join("{ " + p + " }" for p in parts) if len(parts) > 1 else parts[0]


def _select(
    target: str, body: str, variables: str = "?g ?this", distinct: bool = True, tail: str = ""
) -> str:
    d = "DISTINCT " if distinct else ""
    return f"SELECT {d}{variables} WHERE {{ GRAPH ?g {{ {target} {body} }} }} {tail}"


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_LEXICAL = {
    XSD_INTEGER: re.compile(r"[+-]?\d+"),
    "http://www.w3.org/2001/XMLSchema#boolean": re.compile(r"true|false|1|0"),
    "http://www.w3.org/2001/XMLSchema#gYear": re.compile(r"-?\d{4,}(Z|[+-]\d\d:\d\d)?"),
    "http://www.w3.org/2001/XMLSchema#decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"


def _datatype_violation(datatype: str) -> Callable[..., bool]:
    """pySHACL's sh:datatype: a literal of exactly that datatype whose lexical form is valid for it."""
    lexical = _LEXICAL.get(datatype)

    def violates(v: object) -> bool:
        if not isinstance(v, ox.Literal) or v.language or v.datatype.value != datatype:
            return True
        if lexical is not None:
            return lexical.fullmatch(v.value) is None
        if datatype == XSD_DATE:
            import datetime

            try:
                datetime.date.fromisoformat(v.value[:10])
            except ValueError:
                return True
            return not re.fullmatch(r"-?\d{4,}-\d\d-\d\d(Z|[+-]\d\d:\d\d)?", v.value)
        return False

    return violates


def _pattern_violation(pattern: str, flags: str = "") -> Callable[..., bool]:
    rx = re.compile(pattern, re.I if "i" in flags else 0)

    def violates(v: object) -> bool:
        return isinstance(v, ox.BlankNode) or rx.search(v.value) is None  # type: ignore[attr-defined]

    return violates


def _python_value(term: object) -> tuple[bool, object]:
    """(is a string, the value) the way pySHACL compares values for sh:lessThan."""
    if isinstance(term, ox.NamedNode):
        return True, term.value
    assert isinstance(term, ox.Literal)
    dt = term.datatype.value
    if term.language or dt == XSD_STRING:
        return True, term.value
    if dt in (
        XSD_INTEGER,
        "http://www.w3.org/2001/XMLSchema#int",
        "http://www.w3.org/2001/XMLSchema#long",
    ):
        try:
            return False, int(term.value)
        except ValueError:
            return False, term.value
    return False, term.value


def _less_than_violation(v: object, w: object) -> bool:
    vs, vv = _python_value(v)
    ws, wv = _python_value(w)
    if vs != ws:
        return True
    try:
        return not vv < wv  # type: ignore[operator]
    except TypeError:
        return True


def _property_checks(
    shapes: _Shapes, node_shape: str, target: str, prop: ox.NamedNode | ox.BlankNode
) -> list[Check]:
    keys = shapes.predicates(prop)
    unknown = {k for k in keys if k.startswith(SH)} - _PROPERTY_KEYS
    if unknown:
        raise Unsupported(f"{node_shape}: property constraint {sorted(unknown)}")
    path, shown = _path(shapes, shapes.one(prop, SH + "path"))
    severity = _severity(shapes, prop)
    given = _message(shapes, prop)
    checks: list[Check] = []

    def add(
        query: str, generic: str, value: str = "v", test: Callable[..., bool] | None = None
    ) -> None:
        checks.append(Check(node_shape, severity, shown, given or generic, query, value, test))

    values = f"?this {path} ?v ."
    if (n := shapes.one(prop, SH + "minCount")) is not None:
        count = _int(n)
        if count == 1:
            query = _select(target, f"FILTER NOT EXISTS {{ ?this {path} ?v }}")
        else:
            body = f"OPTIONAL {{ ?this {path} ?v }}"
            query = _select(
                target,
                body,
                distinct=False,
                tail=f"GROUP BY ?g ?this HAVING (COUNT(DISTINCT ?v) < {count})",
            )
        add(query, f"Less than {count} values on {{path}}", "none")
    if (n := shapes.one(prop, SH + "maxCount")) is not None:
        count = _int(n)
        query = _select(
            target,
            values,
            distinct=False,
            tail=f"GROUP BY ?g ?this HAVING (COUNT(DISTINCT ?v) > {count})",
        )
        add(query, f"More than {count} values on {{path}}", "none")
    for c in shapes.objects(prop, SH + "class"):
        body = f"{values} FILTER NOT EXISTS {{ ?v {{isa}} <{c.value}> }}"
        add(
            _select(target, body, "?g ?this ?v"),
            f"Value does not have class {shapes.qname(c.value)}",
        )
    if (dt := shapes.one(prop, SH + "datatype")) is not None:
        add(
            _select(target, values, "?g ?this ?v"),
            f"Value is not Literal with datatype {shapes.qname(dt.value)}",
            test=_datatype_violation(dt.value),
        )
    if (kind := shapes.one(prop, SH + "nodeKind")) is not None:
        if kind.value not in _NODE_KINDS:
            raise Unsupported(f"node kind {kind}")
        body = f"{values} FILTER(!{_NODE_KINDS[kind.value].replace('?x', '?v')})"
        add(
            _select(target, body, "?g ?this ?v"),
            f"Value is not of Node Kind {shapes.qname(kind.value)}",
        )
    for key, op in ((SH + "minLength", "<"), (SH + "maxLength", ">")):
        if (n := shapes.one(prop, key)) is not None:
            body = f"{values} FILTER(isBlank(?v) || STRLEN(STR(?v)) {op} {_int(n)})"
            word = "less" if op == "<" else "more"
            add(_select(target, body, "?g ?this ?v"), f"String length not {word} than {_int(n)}")
    if (pattern := shapes.one(prop, SH + "pattern")) is not None:
        add(
            _select(target, values, "?g ?this ?v"),
            f"Value does not match pattern {pattern.value!r}",
            test=_pattern_violation(pattern.value),
        )
    if (head := shapes.one(prop, SH + "in")) is not None:
        allowed = shapes.items(head)
        cond = " || ".join(f"sameTerm(?v, {t})" for t in allowed) or "false"
        add(_select(target, f"{values} FILTER(!({cond}))", "?g ?this ?v"), "Value not in list")
    for key, op in (
        (SH + "minInclusive", ">="),
        (SH + "maxInclusive", "<="),
        (SH + "minExclusive", ">"),
        (SH + "maxExclusive", "<"),
    ):
        if (bound := shapes.one(prop, key)) is not None:
            body = f"{values} FILTER(!COALESCE(?v {op} {bound}, false))"
            add(_select(target, body, "?g ?this ?v"), f"Value is not {op} {bound}")
    for other in shapes.objects(prop, SH + "lessThan"):
        # One result per (value, other value) pair that fails, as pySHACL reports them.
        query = _select(target, f"{values} ?this <{other.value}> ?w .", "?g ?this ?v ?w")
        checks.append(
            Check(
                node_shape,
                severity,
                shown,
                given or "Value is not < the other value",
                query,
                "v",
                _less_than_violation,
                ("w",),
            )
        )
    return checks


def _sparql_check(
    shapes: _Shapes, node_shape: str, target: str, severity: str, node: ox.NamedNode | ox.BlankNode
) -> Check:
    keys = shapes.predicates(node) - {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}
    if keys - {SH + "message", SH + "select", SH + "prefixes"}:
        raise Unsupported(f"{node_shape}: SPARQL constraint {sorted(keys)}")
    select = shapes.one(node, SH + "select")
    if not isinstance(select, ox.Literal):
        raise Unsupported(f"{node_shape}: no sh:select")
    prefixes = []
    for owner in shapes.objects(node, SH + "prefixes"):
        for decl in shapes.objects(owner, SH + "declare"):  # type: ignore[arg-type]
            prefix, ns = shapes.one(decl, SH + "prefix"), shapes.one(decl, SH + "namespace")  # type: ignore[arg-type]
            prefixes.append(f"PREFIX {prefix.value}: <{ns.value}>")  # type: ignore[union-attr]
    declared = {p.split()[1] for p in prefixes}
    # pySHACL queries through rdflib, which knows these prefixes without a declaration; so must we.
    prefixes += [
        f"PREFIX {p}: <{ns}>" for p, ns in _RDFLIB_PREFIXES.items() if f"{p}:" not in declared
    ]
    text = re.sub(r"\$(\w+)", r"?\1", select.value)
    head = re.search(r"SELECT\s+(?:DISTINCT\s+)?(.*?)\s*(?:WHERE\s*)?\{", text, re.S | re.I)
    if head is None or "*" in head.group(1) or re.search(r"\b(MINUS|VALUES|SERVICE)\b", text, re.I):
        raise Unsupported(f"{node_shape}: SPARQL constraint form")
    variables = tuple(v for v in re.findall(r"\?(\w+)", head.group(1)) if v != "this")
    projection = "?g ?this" + "".join(f" ?{v}" for v in variables)
    query = "\n".join(prefixes) + "\n" + _select(target, "{ " + text + " }", projection)
    message = _message(shapes, node) or ""
    return Check(node_shape, severity, None, message, query, "sparql", None, variables)


def _node_checks(shapes: _Shapes, shape: ox.NamedNode) -> list[Check]:
    keys = shapes.predicates(shape)
    unknown = {k for k in keys if k.startswith(SH)} - _NODE_KEYS
    if unknown:
        raise Unsupported(f"{shape.value}: {sorted(unknown)}")
    target = _targets(shapes, shape)
    if not target:
        return []
    name, severity, given = shape.value, _severity(shapes, shape), _message(shapes, shape)
    checks: list[Check] = []
    if (kind := shapes.one(shape, SH + "nodeKind")) is not None:
        if kind.value not in _NODE_KINDS:
            raise Unsupported(f"node kind {kind}")
        body = f"FILTER(!{_NODE_KINDS[kind.value].replace('?x', '?this')})"
        checks.append(
            Check(
                name,
                severity,
                None,
                given or f"Value is not of Node Kind {shapes.qname(kind.value)}",
                _select(target, body),
                "focus",
            )
        )
    for c in shapes.objects(shape, SH + "class"):
        body = f"FILTER NOT EXISTS {{ ?this {{isa}} <{c.value}> }}"
        checks.append(
            Check(
                name,
                severity,
                None,
                given or f"Value does not have class {shapes.qname(c.value)}",
                _select(target, body),
                "focus",
            )
        )
    for inner in shapes.objects(shape, SH + "not"):
        classes = shapes.objects(inner, SH + "class")  # type: ignore[arg-type]
        if (
            not isinstance(inner, ox.BlankNode)
            or shapes.predicates(inner) != {SH + "class"}
            or len(classes) != 1
        ):
            raise Unsupported(f"{name}: sh:not other than of one sh:class")
        body = f"FILTER EXISTS {{ ?this {{isa}} <{classes[0].value}> }}"
        generic = f"Node {{this}} conforms to shape {inner}"
        checks.append(Check(name, severity, None, given or generic, _select(target, body), "focus"))
    for prop in shapes.objects(shape, SH + "property"):
        if not isinstance(prop, ox.BlankNode | ox.NamedNode):
            raise Unsupported(f"{name}: property {prop}")
        checks += _property_checks(shapes, name, target, prop)
    for node in shapes.objects(shape, SH + "sparql"):
        checks.append(_sparql_check(shapes, name, target, severity, node))  # type: ignore[arg-type]
    return checks


@cache
def compiled_shapes(text: bytes | None = None) -> tuple[Check, ...]:
    """The shapes (ours by default) compiled into one query per constraint component; Unsupported if it cannot."""
    if text is None:
        text = resources.ontology_file("shapes.ttl").read_bytes()
    shapes = _Shapes(text)
    node_shapes = sorted(
        {
            q.subject
            for q in shapes.store.quads_for_pattern(
                None, ox.NamedNode(RDF_TYPE), ox.NamedNode(SH + "NodeShape"), None
            )
        },
        key=str,
    )
    if list(
        shapes.store.quads_for_pattern(
            None, ox.NamedNode(RDF_TYPE), ox.NamedNode(SH + "PropertyShape"), None
        )
    ):
        raise Unsupported("top-level property shapes")
    checks: list[Check] = []
    for shape in node_shapes:
        if not isinstance(shape, ox.NamedNode):
            raise Unsupported("blank node shapes")
        checks += _node_checks(shapes, shape)
    return tuple(checks)


def _term_text(term: object) -> str:
    return term.value  # type: ignore[attr-defined]


def run_checks(store: ox.Store, labels: dict[str, str], checks: Sequence[Check]) -> list[Finding]:
    """Run compiled checks over a store holding one data graph per letter (graph IRI -> letter label)."""
    has_subclasses = (
        next(store.quads_for_pattern(None, ox.NamedNode(RDFS_SUBCLASS), None, None), None)
        is not None
    )
    # Without rdfs:subClassOf in the data, a class target is a plain rdf:type look-up: much faster.
    isa = _ISA_CLOSURE if has_subclasses else _RDF_TYPE
    raw: list[tuple[Check, ox.NamedNode, object, object, dict[str, object]]] = []
    for check in checks:
        query = check.query.replace("{isa}", isa)
        for row in store.query(query):  # type: ignore[union-attr]
            g, focus = row["g"], row["this"]
            if check.value == "sparql":
                bound = {v: row[v] for v in check.variables if row[v] is not None}
                raw.append((check, g, focus, bound.get("value", focus), bound))
                continue
            v = row["v"] if check.value == "v" else focus if check.value == "focus" else None
            if check.test is not None and not (
                check.test(v, row["w"]) if "w" in check.variables else check.test(v)
            ):
                continue
            raw.append((check, g, focus, v, {}))
    out = []
    for check, g, focus, value, bound in raw:
        message = check.message
        if check.value == "sparql":
            values = {**{k: _term_text(t) for k, t in bound.items()}, "this": _term_text(focus)}
            values["value"] = _term_text(value)
            for var, text in values.items():
                message = re.sub(f"{{[?$]{var}}}", text, message)
        label = labels[g.value]
        path_iri = check.path if check.path and check.path != "(path)" else None
        out.append(
            Finding(
                severity=check.severity,
                shape=check.shape,
                focus=_term_text(focus),
                path=check.path,
                value=None if value is None else _term_text(value),
                message=message,
                source_text=_store_source_text(store, g, focus, path_iri, check.path is not None),
                source=label or None,
            )
        )
    return sorted(out)


RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


def _store_source_text(
    store: ox.Store, g: ox.NamedNode, focus: object, path: str | None, has_path: bool
) -> str | None:
    """What _source_text reads from an rdflib graph, read from one graph of the store."""
    if not isinstance(focus, ox.NamedNode | ox.BlankNode):
        return None
    spans = [
        q.object
        for q in store.quads_for_pattern(focus, ox.NamedNode(PG + "evidence"), None, g)
        if isinstance(q.object, ox.NamedNode)
    ]
    if has_path:
        supporting = ox.NamedNode(PG + "supportsProperty")
        # A sequence path matches no span's pg:supportsProperty, so every span is a candidate, as in pySHACL.
        chosen = [
            s
            for s in spans
            if path and next(store.quads_for_pattern(s, supporting, ox.NamedNode(path), g), None)
        ]
        spans = chosen or spans
    for span in sorted(spans, key=lambda s: s.value):
        for sel in store.quads_for_pattern(span, ox.NamedNode(OA + "hasSelector"), None, g):
            if not isinstance(sel.object, ox.NamedNode):
                continue
            exact = next(
                store.quads_for_pattern(sel.object, ox.NamedNode(OA + "exact"), None, g), None
            )
            if exact is not None:
                return " ".join(str(getattr(exact.object, "value", exact.object)).split())
    return None


def validate_compiled(
    letters: Sequence[tuple[str, bytes]], checks: Sequence[Check] | None = None
) -> list[Finding]:
    """Validate each (label, N-Triples data) in its own named graph of one in-memory store, with compiled shapes."""
    checks = compiled_shapes() if checks is None else checks
    labels: dict[str, str] = {}
    chunks = []
    for i, (label, nt) in enumerate(letters):
        graph = f"urn:pledgegraph:validate:{i}"
        labels[graph] = label
        # N-Triples lines become N-Quads lines by naming the graph before the final dot: one bulk
        # load of everything is several times faster than one load call per letter.
        chunks.append(nt.replace(b" .\n", f" <{graph}> .\n".encode()))
    store = ox.Store()
    store.bulk_load(b"".join(chunks), format=ox.RdfFormat.N_QUADS)
    return run_checks(store, labels, checks)
