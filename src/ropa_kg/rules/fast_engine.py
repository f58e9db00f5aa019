"""The fast validation engine: SHACL shapes compiled to SPARQL and run on pyoxigraph.

Each constraint of each shape becomes ONE query over all its focus nodes (never one query per node).
The supported subset (anything else raises :class:`UnsupportedShapeError`):

* node shapes with ``sh:targetClass`` (instances of the class or of its ``rdfs:subClassOf*`` subclasses,
  as SHACL defines; a shape that is itself an ``rdfs:Class`` targets its instances), ``sh:targetNode``,
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``;
* property shapes (``sh:property``) whose ``sh:path`` is an IRI, ``sh:inversePath``, a sequence list or
  ``sh:alternativePath``;
* ``sh:minCount``, ``sh:maxCount``, ``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:in``,
  ``sh:hasValue``, ``sh:pattern`` (with ``sh:flags``), and SHACL-SPARQL ``sh:sparql`` SELECT constraints
  (``$this`` becomes a variable joined with the focus nodes, ``$PATH`` the path; ``sh:prefixes``
  declarations are prepended; ``{?var}`` in messages is filled in);
* ``sh:deactivated``, ``sh:severity``, ``sh:message``.

Findings are those pyshacl reports (same focus node, severity, path, value; the same de-duplication of
SPARQL solutions). A SPARQL constraint that cannot be rewritten exactly (``LIMIT``, ``OFFSET``, ...) runs
with pyshacl for that one shape; :attr:`ShapePlan.engine` says which did.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.findings import Finding, Severity
from ropa_kg.core.namespaces import ROPA
from ropa_kg.core.terms import to_oxigraph
from ropa_kg.load.store import WrittenForms, rdflib_copy
from ropa_kg.rules.shapes import guard_shapes, path_text
from ropa_kg.sparql.rewrite import NotRewritable, rewrite_for_all_focus_nodes

__all__ = [
    "ShapePlan",
    "UnsupportedShapeError",
    "compile_plans",
    "findings_from_report",
    "render_path",
    "run_fast",
    "store_from_graph",
]

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_CONSTRAINTS = (
    SH.minCount,
    SH.maxCount,
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH["in"],
    SH.hasValue,
    SH.pattern,
    SH.sparql,
)
#: sh: predicates a shape may carry that are not constraints (metadata, parameters of the above).
_ALLOWED = frozenset(
    {
        *_TARGETS,
        *_CONSTRAINTS,
        SH.property,
        SH.path,
        SH.flags,
        SH.severity,
        SH.message,
        SH.deactivated,
        SH.name,
        SH.description,
        SH.order,
        SH.group,
        SH.defaultValue,
        SH.prefixes,
        SH.declare,
    }
)
_NODE_KINDS: dict[URIRef, str] = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
}
#: Datatypes whose lexical form SPARQL can check with a cast (pyshacl flags ill-typed literals too).
_CASTABLE = frozenset(
    XSD[t]
    for t in (
        "integer",
        "decimal",
        "double",
        "float",
        "boolean",
        "date",
        "dateTime",
        "duration",
        "dayTimeDuration",
        "yearMonthDuration",
    )
)


class UnsupportedShapeError(RopaInputError):
    """A shape uses SHACL outside the subset the fast engine compiles (names the shape and feature)."""


# --------------------------------------------------------------------------------------------------
# Terms
# --------------------------------------------------------------------------------------------------


def _sparql_term(node: Node) -> str:
    """A shapes-graph term as SPARQL text (IRIs in full, literals escaped)."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise UnsupportedShapeError(f"a blank node ({node}) cannot be used as a constant in a compiled query")


def _ox_text(term: object) -> str:
    """The string form of a pyoxigraph term, as :func:`ropa_kg.rules.shapes.node_id` writes the rdflib term
    (the IRI, ``_:id`` for a blank node, the literal's text)."""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    value = getattr(term, "value", None)
    return str(value) if value is not None else str(term)


def _to_ox(node: Node, bnodes: dict[BNode, ox.BlankNode]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        mapped = bnodes.get(node)
        if mapped is None:
            try:
                mapped = ox.BlankNode(str(node))
            except ValueError:
                mapped = ox.BlankNode()
            bnodes[node] = mapped
        return mapped
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"not an RDF term: {node!r}")


def store_from_graph(graph: Graph) -> ox.Store:
    """Copy an rdflib graph into a new in-memory pyoxigraph store (blank node ids are kept when valid)."""
    store = ox.Store()
    bnodes: dict[BNode, ox.BlankNode] = {}
    store.extend(
        ox.Quad(_to_ox(s, bnodes), _to_ox(p, bnodes), _to_ox(o, bnodes))  # type: ignore[arg-type]  # predicates are IRIs
        for s, p, o in graph
    )
    return store


# --------------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------------


def _path_sparql(graph: Graph, path: Node, *, top: bool = True) -> str:
    """A SHACL path as a SPARQL property path (full IRIs). Raises UnsupportedShapeError."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if not isinstance(path, BNode):
        raise UnsupportedShapeError(f"a path cannot be {path!r}")
    if graph.value(path, RDF.first) is not None:
        items = list(Collection(graph, path))
        if len(items) < 2:
            raise UnsupportedShapeError("a sequence path needs at least two members")
        inner = " / ".join(_path_sparql(graph, i, top=False) for i in items)
        return inner if top else f"({inner})"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_path_sparql(graph, inverse, top=False)}"
    alternative = graph.value(path, SH.alternativePath)
    if alternative is not None:
        items = list(Collection(graph, alternative))
        if len(items) < 2:
            raise UnsupportedShapeError("an alternative path needs at least two members")
        inner = " | ".join(_path_sparql(graph, i, top=False) for i in items)
        return inner if top else f"({inner})"
    for kind in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
        if graph.value(path, kind) is not None:
            raise UnsupportedShapeError(f"path kind {kind} is outside the compiled subset")
    raise UnsupportedShapeError("unrecognised path")


def render_path(graph: Graph, path: Node | None) -> str | None:
    """The path of a finding as text: the IRI for a plain property, else SPARQL property-path syntax
    with full IRIs (``^<p>``, ``<a> / <b>``, ``<a> | <b>``). ``None`` stays ``None``.

    Both engines use it, so findings of the two compare equal.
    """
    return path_text(graph, path)


# --------------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------------


@dataclass
class Check:
    """One compiled constraint: the query and how its rows become findings."""

    component: str
    query: str
    #: for SPARQL constraints: the projection of the original query (pyshacl reads only these)
    projected: frozenset[str] | None = None
    projects_all: bool = False
    message: str | None = None


@dataclass
class ShapePlan:
    """A shape (a node shape, or a property shape under one parent) and its compiled checks."""

    shape: Node
    rule_id: str
    severity: Severity
    path_text: str | None
    path_sparql: str | None
    is_property: bool
    message: str | None
    legal_reference: str | None
    checks: list[Check] = field(default_factory=list)
    engine: str = "fast"


def _one_message(graph: Graph, node: Node) -> str | None:
    messages = [m for m in graph.objects(node, SH.message) if isinstance(m, Literal)]
    if not messages:
        return None
    english = [m for m in messages if m.language in (None, "en")]
    return str(sorted(english or messages, key=str)[0])


def _is_deactivated(graph: Graph, node: Node) -> bool:
    value = graph.value(node, SH.deactivated)
    return isinstance(value, Literal) and value.toPython() is True


def _rule_id(graph: Graph, shape: Node, parent: Node | None) -> str | None:
    """``ropa:ruleId`` of the shape itself (like :mod:`ropa_kg.rules.validation`, results of shapes without
    one are not findings); ``parent`` is only used by :func:`findings_from_report`."""
    for node in (shape, parent):
        if node is not None:
            rid = graph.value(node, ROPA.ruleId)
            if rid is not None:
                return str(rid)
    return None


def _legal_reference(graph: Graph, shape: Node, parent: Node | None) -> str | None:
    for node in (shape, parent):
        if node is not None:
            ref = graph.value(node, ROPA.legalReference)
            if ref is not None:
                return str(ref)
    return None


def _severity(graph: Graph, shape: Node) -> Severity:
    sev = graph.value(shape, SH.severity)
    if sev is None:
        return Severity.VIOLATION
    try:
        return Severity.from_iri(str(sev))
    except ValueError as exc:
        raise UnsupportedShapeError(f"shape {shape}: unknown severity {sev}") from exc


def _check_supported(graph: Graph, shape: Node) -> None:
    for pred in set(graph.predicates(shape)):
        if str(pred).startswith(str(SH)) and pred not in _ALLOWED:
            raise UnsupportedShapeError(
                f"shape {shape} uses {pred.n3(graph.namespace_manager)}, outside the SHACL subset the "
                "fast engine compiles; use --engine pyshacl"
            )


def _node_shapes(graph: Graph) -> list[Node]:
    """Shapes with targets (explicit, or implicit as an rdfs:Class), sorted for a stable order."""
    found: set[Node] = set()
    for pred in _TARGETS:
        found.update(graph.subjects(pred, None))
    for shape in set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape)
    ):
        if (shape, RDF.type, RDFS.Class) in graph:
            found.add(shape)
    return sorted(found, key=str)


def _focus_subquery(graph: Graph, shape: Node, store: ox.Store) -> str | None:
    """A group pattern binding ``?this`` to each focus node of ``shape`` once; None if it has none."""
    branches: list[str] = []
    classes: set[str] = set()
    for cls in graph.objects(shape, SH.targetClass):
        classes.add(_sparql_term(cls))
    if (shape, RDF.type, RDFS.Class) in graph:
        classes.add(_sparql_term(shape))
    if classes:
        subclasses = _subclasses(store, classes)
        branches.append(f"{{ VALUES ?__cls {{ {' '.join(sorted(subclasses))} }} ?this a ?__cls }}")
    nodes = [_sparql_term(n) for n in graph.objects(shape, SH.targetNode)]
    if nodes:
        branches.append(f"{{ VALUES ?this {{ {' '.join(sorted(nodes))} }} }}")
    for pred in graph.objects(shape, SH.targetSubjectsOf):
        branches.append(f"{{ ?this {_sparql_term(pred)} ?__o }}")
    for pred in graph.objects(shape, SH.targetObjectsOf):
        branches.append(f"{{ ?__s {_sparql_term(pred)} ?this }}")
    if not branches:
        return None
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(branches) + " } }"


def _subclasses(store: ox.Store, classes: Iterable[str]) -> set[str]:
    """The classes and all their rdfs:subClassOf* subclasses in the data, as SPARQL terms."""
    result = set(classes)
    frontier = list(result)
    sub = ox.NamedNode(str(RDFS.subClassOf))
    while frontier:
        cls = frontier.pop()
        for quad in store.quads_for_pattern(None, sub, ox.NamedNode(cls[1:-1])):
            if isinstance(quad.subject, ox.NamedNode):
                term = f"<{quad.subject.value}>"
                if term not in result:
                    result.add(term)
                    frontier.append(term)
    return result


def _prefixes(graph: Graph, node: Node) -> dict[str, str]:
    """sh:declare prefixes reachable through sh:prefixes (and owl:imports of those nodes)."""
    declared: dict[str, str] = {}
    seen: set[Node] = set()
    todo = list(graph.objects(node, SH.prefixes))
    while todo:
        holder = todo.pop()
        if holder in seen:
            continue
        seen.add(holder)
        for decl in graph.objects(holder, SH.declare):
            prefix = graph.value(decl, SH.prefix)
            namespace = graph.value(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                declared[str(prefix)] = str(namespace)
        todo.extend(graph.objects(holder, URIRef("http://www.w3.org/2002/07/owl#imports")))
    return declared


def _compile_constraints(graph: Graph, store: ox.Store, plan: ShapePlan, shape: Node, focus: str) -> None:
    """Append the checks of ``shape``'s constraints to ``plan``."""
    vals = f"?this {plan.path_sparql} ?value ." if plan.is_property else "BIND(?this AS ?value)"
    distinct_vals = (
        f"{{ SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {plan.path_sparql} ?value }} }}"
        if plan.is_property
        else f"{focus} BIND(?this AS ?value)"
    )
    for count in graph.objects(shape, SH.minCount):
        n = int(str(count))
        if not plan.is_property:
            raise UnsupportedShapeError(f"shape {shape}: sh:minCount on a node shape")
        if n == 1:
            q = f"SELECT ?this WHERE {{ {focus} MINUS {{ {vals} }} }}"
        elif n > 1:
            q = (
                f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ {vals} }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
            )
        else:
            continue
        plan.checks.append(Check("MinCount", q))
    for count in graph.objects(shape, SH.maxCount):
        if not plan.is_property:
            raise UnsupportedShapeError(f"shape {shape}: sh:maxCount on a node shape")
        q = (
            f"SELECT ?this WHERE {{ {focus} {vals} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(str(count))})"
        )
        plan.checks.append(Check("MaxCount", q))
    for cls in graph.objects(shape, SH["class"]):
        subclasses = " ".join(sorted(_subclasses(store, [_sparql_term(cls)])))
        q = (
            f"SELECT ?this ?value WHERE {{ {distinct_vals} "
            f"MINUS {{ VALUES ?__c {{ {subclasses} }} ?value a ?__c }} }}"
        )
        plan.checks.append(Check("Class", q))
    for dtype in graph.objects(shape, SH.datatype):
        dt = _sparql_term(dtype)
        cond = f"!isLiteral(?value) || datatype(?value) != {dt}"
        if dtype in _CASTABLE:
            cond += f" || !COALESCE(isLiteral({dt}(STR(?value))), false)"
        q = f"SELECT ?this ?value WHERE {{ {distinct_vals} FILTER({cond}) }}"
        plan.checks.append(Check("Datatype", q))
    for kind in graph.objects(shape, SH.nodeKind):
        test = _NODE_KINDS.get(kind)  # type: ignore[call-overload]  # kind is an rdflib Node
        if test is None:
            raise UnsupportedShapeError(f"shape {shape}: unknown sh:nodeKind {kind}")
        q = f"SELECT ?this ?value WHERE {{ {distinct_vals} FILTER(!{test}) }}"
        plan.checks.append(Check("NodeKind", q))
    for members in graph.objects(shape, SH["in"]):
        allowed = " ".join(_sparql_term(m) for m in Collection(graph, members))
        q = f"SELECT ?this ?value WHERE {{ {distinct_vals} MINUS {{ VALUES ?value {{ {allowed} }} }} }}"
        plan.checks.append(Check("In", q))
    for value in graph.objects(shape, SH.hasValue):
        v = _sparql_term(value)
        if plan.is_property:
            q = f"SELECT ?this WHERE {{ {focus} MINUS {{ ?this {plan.path_sparql} {v} }} }}"
        else:
            q = f"SELECT ?this WHERE {{ {focus} FILTER(!sameTerm(?this, {v})) }}"
        plan.checks.append(Check("HasValue", q))
    for pattern in graph.objects(shape, SH.pattern):
        flags = graph.value(shape, SH.flags)
        regex_args = Literal(str(pattern)).n3() + (
            f", {Literal(str(flags)).n3()}" if flags is not None else ""
        )
        q = (
            f"SELECT ?this ?value WHERE {{ {distinct_vals} "
            f"FILTER(isBlank(?value) || !REGEX(STR(?value), {regex_args})) }}"
        )
        plan.checks.append(Check("Pattern", q))
    for constraint in graph.objects(shape, SH.sparql):
        if _is_deactivated(graph, constraint):
            continue
        select = graph.value(constraint, SH.select)
        if select is None:
            raise UnsupportedShapeError(
                f"shape {shape}: sh:sparql without sh:select (ASK validators are not supported)"
            )
        try:
            rewritten = rewrite_for_all_focus_nodes(
                str(select),
                focus_subquery=focus,
                prefixes=_prefixes(graph, constraint),
                path_sparql=plan.path_sparql,
                current_shape_iri=str(shape) if isinstance(shape, URIRef) else None,
            )
        except NotRewritable:
            plan.engine = "pyshacl"
            plan.checks.clear()
            return
        plan.checks.append(
            Check(
                "SPARQL",
                rewritten.text,
                rewritten.projected,
                rewritten.projects_all,
                _one_message(graph, constraint),
            )
        )


def compile_plans(shapes_graph: Graph, store: ox.Store) -> list[ShapePlan]:
    """Compile every active shape with targets (and its property shapes) into query plans.

    Raises:
        UnsupportedShapeError: a shape uses SHACL outside the subset.
    """
    plans: list[ShapePlan] = []
    for shape in _node_shapes(shapes_graph):
        if _is_deactivated(shapes_graph, shape):
            continue
        _check_supported(shapes_graph, shape)
        focus = _focus_subquery(shapes_graph, shape, store)
        if focus is None:
            continue
        own_path = shapes_graph.value(shape, SH.path)
        units: list[tuple[Node, Node | None, Node | None]] = [(shape, None, own_path)]
        for prop in sorted(shapes_graph.objects(shape, SH.property), key=str):
            if _is_deactivated(shapes_graph, prop):
                continue
            _check_supported(shapes_graph, prop)
            if shapes_graph.value(prop, SH.property) is not None:
                raise UnsupportedShapeError(
                    f"property shape {prop}: nested sh:property is outside the subset"
                )
            path = shapes_graph.value(prop, SH.path)
            if path is None:
                raise UnsupportedShapeError(f"property shape {prop} has no sh:path")
            units.append((prop, shape, path))
        group: list[ShapePlan] = []
        for unit, parent, path in units:
            rule_id = _rule_id(shapes_graph, unit, None)
            if rule_id is None:
                continue  # no rule id: its results are not findings (as in ropa_kg.rules.validation)
            plan = ShapePlan(
                shape=unit,
                rule_id=rule_id,
                severity=_severity(shapes_graph, unit),
                path_text=render_path(shapes_graph, path),
                path_sparql=_path_sparql(shapes_graph, path) if path is not None else None,
                is_property=path is not None,
                message=_one_message(shapes_graph, unit),
                legal_reference=_legal_reference(shapes_graph, unit, parent),
            )
            _compile_constraints(shapes_graph, store, plan, unit, focus)
            group.append(plan)
        if any(p.engine == "pyshacl" for p in group):
            for p in group:
                p.engine = "pyshacl"
                p.checks.clear()
        plans.extend(group)
    return plans


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------

_MESSAGE_VAR = re.compile(r"\{[?$]([A-Za-z0-9_]+)\}")


def _fill(message: str | None, bindings: dict[str, str]) -> str:
    if not message:
        return ""
    return _MESSAGE_VAR.sub(lambda m: bindings.get(m.group(1), m.group(0)), message)


def _default_message(component: str, plan: ShapePlan) -> str:
    where = f" on {plan.path_text}" if plan.path_text else ""
    return f"{component} constraint violated{where}"


#: What a check yields: the finding, and the store's terms of its focus node and value.
_Found = tuple[Finding, object, object]


def _run_check(store: ox.Store, plan: ShapePlan, check: Check) -> Iterator[_Found]:
    solutions = store.query(check.query)
    assert isinstance(solutions, ox.QuerySolutions)  # every compiled query is a SELECT
    names = [v.value for v in solutions.variables]
    if check.component != "SPARQL":
        msg = plan.message or _default_message(check.component, plan)
        for row in solutions:
            this_term = row["this"]
            focus = _ox_text(this_term)
            value = row["value"] if "value" in names else None
            if value == this_term:
                value = None
            finding = Finding(
                rule_id=plan.rule_id,
                focus_node=focus,
                severity=plan.severity,
                path=plan.path_text,
                message=msg,
                source_shape=str(plan.shape),
                value=_ox_text(value) if value is not None else None,
                legal_reference=plan.legal_reference,
            )
            yield finding, this_term, value
        return
    visible = set(names) if check.projects_all else set(check.projected or ())
    seen: set[tuple[object, ...]] = set()
    template = check.message or plan.message
    for row in solutions:
        this_term = row["this"]
        if this_term is None:
            continue
        failure = row["failure"] if "failure" in visible else None
        if failure is not None:
            raise RopaInputError(f"SPARQL constraint of shape {plan.shape} reported a validation failure")
        t = this_term if "this" in visible else None
        p = row["path"] if "path" in visible else None
        v = row["value"] if "value" in visible else None
        if t is None and p is None and v is None:
            continue  # pyshacl ignores solutions that bind none of ?this, ?path, ?value
        others = tuple(
            (n, _ox_text(row[n]) if row[n] is not None else None)
            for n in names
            if n in visible and n not in ("this", "path", "value", "failure") and not n.startswith("__")
        )
        key = (this_term, t, p, v, others)
        if key in seen:
            continue
        seen.add(key)
        focus = _ox_text(this_term)
        value_text = _ox_text(v) if v is not None and v != this_term else None
        path_text = _ox_text(p) if p is not None else plan.path_text
        bindings = {n: _ox_text(row[n]) for n in names if row[n] is not None}
        finding = Finding(
            rule_id=plan.rule_id,
            focus_node=focus,
            severity=plan.severity,
            path=path_text,
            message=_fill(template, bindings) or _default_message("SPARQL", plan),
            source_shape=str(plan.shape),
            value=value_text,
            legal_reference=plan.legal_reference,
        )
        yield finding, this_term, v if value_text is not None else None


def run_fast(
    *,
    data_graph: Graph | None = None,
    store: ox.Store | None = None,
    shapes_graph: Graph,
    written: WrittenForms | None = None,
) -> list[Finding]:
    """Validate ``store`` (or ``data_graph``, copied into an in-memory store) against ``shapes_graph``.

    Returns the findings sorted (rule id, focus node, severity, path). Give exactly one of
    ``data_graph`` and ``store``; shapes needing pyshacl (see :class:`ShapePlan`) need ``data_graph``
    or are run on an rdflib copy of the store.

    A finding's focus node and value are the data's own terms as written: pyoxigraph stores some
    literals in a canonical form (``"P0D"`` as ``"PT0S"``, ``"01"`` as ``"1"``), and a literal that a
    finding names is looked up in ``written`` (the record's files, see
    :class:`ropa_kg.load.store.WrittenForms`) or in ``data_graph``.

    Raises:
        UnsupportedShapeError: a shape uses SHACL outside the compiled subset.
        RopaInputError: a SPARQL constraint reports a failure (``?failure``).
        RopaUsageError: a SPARQL text of the shapes is refused by :func:`ropa_kg.rules.shapes.guard_shapes`.
        ValueError: neither or both of ``data_graph`` and ``store`` were given.
    """
    if (data_graph is None) == (store is None):
        raise ValueError("give exactly one of data_graph and store")
    guard_shapes(shapes_graph)
    if store is None:
        assert data_graph is not None
        store = store_from_graph(data_graph)
    plans = compile_plans(shapes_graph, store)
    work = [(plan, check) for plan in plans for check in plan.checks]
    found: list[_Found] = []
    # pyoxigraph evaluates queries without the GIL: the checks run side by side (1.4x on 2 cores)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for part in pool.map(lambda pc: list(_run_check(store, *pc)), work):
            found.extend(part)
    findings = _as_written(found, written if written is not None else _graph_written(data_graph))
    slow = [p for p in plans if p.engine == "pyshacl"]
    if slow:
        findings.extend(_run_with_pyshacl(slow, shapes_graph, data_graph, store))
    return sorted(findings)


def _graph_written(graph: Graph | None) -> WrittenForms | None:
    if graph is None:
        return None
    literals = (to_oxigraph(o) for o in graph.objects() if isinstance(o, Literal) and o.datatype is not None)
    return WrittenForms.of_terms(t for t in literals if isinstance(t, ox.Literal))


def _as_written(found: Sequence[_Found], written: WrittenForms | None) -> list[Finding]:
    """The findings with every literal focus node and value as the data writes it (see :func:`run_fast`)."""
    terms = {t for _, focus, value in found for t in (focus, value) if WrittenForms.may_differ(t)}
    if not terms or written is None:
        return [finding for finding, _, _ in found]
    forms = written.lookup(terms)  # type: ignore[arg-type]  # literals, by may_differ
    out: list[Finding] = []
    for finding, focus, value in found:
        if focus in forms or value in forms:
            finding = dataclasses.replace(
                finding,
                focus_node=forms.get(focus, finding.focus_node),  # type: ignore[call-overload]  # any term
                value=forms.get(value, finding.value),  # type: ignore[call-overload]  # any term
            )
        out.append(finding)
    return out


# --------------------------------------------------------------------------------------------------
# pyshacl: the fallback for shapes that cannot be compiled exactly, and the report reader
# --------------------------------------------------------------------------------------------------


def _run_with_pyshacl(
    plans: Sequence[ShapePlan], shapes_graph: Graph, data_graph: Graph | None, store: ox.Store
) -> list[Finding]:
    """Run pyshacl with only the node shapes of ``plans`` active; return their findings."""
    from pyshacl import validate

    wanted = {p.shape for p in plans}
    restricted = Graph()
    for triple in shapes_graph:
        restricted.add(triple)
    for shape in _node_shapes(shapes_graph):
        if shape not in wanted:
            restricted.add((shape, SH.deactivated, Literal(True)))
    data = data_graph if data_graph is not None else rdflib_copy(store)
    _conforms, report, _text = validate(data, shacl_graph=restricted, inference="none", advanced=False)
    return findings_from_report(report, shapes_graph)


def _parents(shapes_graph: Graph) -> dict[Node, Node]:
    return {prop: shape for shape, prop in shapes_graph.subject_objects(SH.property)}


def findings_from_report(report: Graph, shapes_graph: Graph) -> list[Finding]:
    """Read a W3C ``sh:ValidationReport`` (as pyshacl writes it) into findings, the way :func:`run_fast`
    names them (rule id from ``ropa:ruleId`` on the source shape, results of shapes without one skipped;
    path via :func:`render_path`; the value dropped when it is the focus node).

    Source shapes that are blank nodes are found in ``shapes_graph`` by matching their triples, since
    pyshacl copies them into the report.
    """
    parents = _parents(shapes_graph)
    findings: list[Finding] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        source = report.value(result, SH.sourceShape)
        shape = _match_shape(report, shapes_graph, source)
        parent = parents.get(shape) if shape is not None else None
        focus = report.value(result, SH.focusNode)
        severity = report.value(result, SH.resultSeverity)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = report.value(result, SH.resultMessage)
        lookup = shapes_graph if shape is not None else report
        anchor: Node = shape if shape is not None else source  # type: ignore[assignment]  # report always has a source
        rule_id = _rule_id(lookup, anchor, None)
        if rule_id is None or focus is None:
            continue
        if value == focus:
            value = None
        findings.append(
            Finding(
                rule_id=rule_id,
                focus_node=f"_:{focus}" if isinstance(focus, BNode) else str(focus),
                severity=Severity.from_iri(str(severity)),
                path=render_path(report, path),
                message=str(message) if message is not None else "",
                source_shape=str(anchor),
                value=(f"_:{value}" if isinstance(value, BNode) else str(value))
                if value is not None
                else None,
                legal_reference=_legal_reference(lookup, anchor, parent),
            )
        )
    return sorted(findings)


def _match_shape(report: Graph, shapes_graph: Graph, source: Node | None) -> Node | None:
    """The shapes-graph node that the report's ``sh:sourceShape`` stands for."""
    if source is None:
        return None
    if not isinstance(source, BNode):
        return source
    if (source, None, None) in shapes_graph:
        return source
    # a copied blank node: match on its path and its constraints (parameters that are not blank nodes)
    signature = {(p, o) for p, o in report.predicate_objects(source) if not isinstance(o, BNode)}
    candidates = [
        s
        for s in set(shapes_graph.subjects(SH.path, None)) | set(shapes_graph.subjects(SH.sparql, None))
        if isinstance(s, BNode)
        and {(p, o) for p, o in shapes_graph.predicate_objects(s) if not isinstance(o, BNode)} == signature
    ]
    return candidates[0] if len(candidates) == 1 else None
