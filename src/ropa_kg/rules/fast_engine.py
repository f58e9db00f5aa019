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

The constraint components are those of :data:`ropa_kg.rules.shapes.CONSTRAINT_COMPONENTS`, each compiled by
one small function (:data:`_COMPILERS`); a shape's rule (id, severity, message, legal reference) is the
:class:`~ropa_kg.rules.shapes.Rule` that :func:`ropa_kg.rules.shapes.read_rule` reads, as for the catalogue.

Findings are those pyshacl reports (same focus node, severity, path, value; the same de-duplication of
SPARQL solutions). A SPARQL constraint that cannot be rewritten exactly (``LIMIT``, ``OFFSET``, ...) runs
with pyshacl for that one node shape; :attr:`ShapePlan.engine` says which did, and its report is read by
:func:`ropa_kg.rules.shapes.findings_from_report`, the pyshacl engine's reader.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.findings import Finding
from ropa_kg.core.namespaces import ROPA
from ropa_kg.core.terms import node_text, store_from_graph, to_oxigraph
from ropa_kg.load.store import WrittenForms, rdflib_copy
from ropa_kg.rules.shapes import (
    CONSTRAINT_COMPONENTS,
    Rule,
    findings_from_report,
    guard_shapes,
    literal_text,
    path_text,
    read_rule,
)
from ropa_kg.sparql.rewrite import NotRewritable, RewrittenQuery, rewrite_for_all_focus_nodes

__all__ = [
    "SUPPORTED_PARAMETERS",
    "TARGET_PARAMETERS",
    "Check",
    "ShapePlan",
    "UnsupportedShapeError",
    "compile_plans",
    "render_path",
    "run_fast",
    "store_from_graph",
]

#: The targets the fast engine compiles.
TARGET_PARAMETERS: tuple[URIRef, ...] = (
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
)
#: Every ``sh:`` predicate a shape may carry: the targets, the constraint parameters of
#: :data:`~ropa_kg.rules.shapes.CONSTRAINT_COMPONENTS`, and what is not a constraint (metadata, parameters of
#: the above). Any other ``sh:`` predicate on a shape raises :class:`UnsupportedShapeError`.
SUPPORTED_PARAMETERS: frozenset[URIRef] = frozenset(
    {
        *TARGET_PARAMETERS,
        *CONSTRAINT_COMPONENTS,
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
    """A shape (a node shape, or a property shape under one parent), its rule and its compiled checks.

    ``engine`` is ``"fast"``, or ``"pyshacl"`` when a constraint of the node shape or of one of its
    property shapes cannot be rewritten exactly: then the whole node shape runs with pyshacl.
    """

    shape: Node
    rule: Rule
    path_text: str | None
    path_sparql: str | None
    is_property: bool
    checks: list[Check] = field(default_factory=list)
    engine: str = "fast"


def _is_deactivated(graph: Graph, node: Node) -> bool:
    value = graph.value(node, SH.deactivated)
    return isinstance(value, Literal) and value.toPython() is True


def _check_supported(graph: Graph, shape: Node) -> None:
    for pred in set(graph.predicates(shape)):
        if str(pred).startswith(str(SH)) and pred not in SUPPORTED_PARAMETERS:
            raise UnsupportedShapeError(
                f"shape {shape} uses {pred.n3(graph.namespace_manager)}, outside the SHACL subset the "
                "fast engine compiles; use --engine pyshacl"
            )


def _node_shapes(graph: Graph) -> list[Node]:
    """Shapes with targets (explicit, or implicit as an rdfs:Class), sorted for a stable order."""
    found: set[Node] = set()
    for pred in TARGET_PARAMETERS:
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


# --------------------------------------------------------------------------------------------------
# Constraints: one small compiler per constraint component
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """What a constraint of one shape is compiled against: the shape, its plan and its focus nodes."""

    graph: Graph
    store: ox.Store
    plan: ShapePlan
    shape: Node
    #: the group pattern binding ``?this`` to each focus node once (see :func:`_focus_subquery`)
    focus: str

    @property
    def values(self) -> str:
        """A pattern binding ``?value`` to each value node of ``?this`` (the focus node for a node shape)."""
        if self.plan.is_property:
            return f"?this {self.plan.path_sparql} ?value ."
        return "BIND(?this AS ?value)"

    @property
    def distinct_values(self) -> str:
        """Each (focus node, value node) pair once."""
        if self.plan.is_property:
            pairs = f"{self.focus} ?this {self.plan.path_sparql} ?value"
            return f"{{ SELECT DISTINCT ?this ?value WHERE {{ {pairs} }} }}"
        return f"{self.focus} BIND(?this AS ?value)"

    def property_only(self, parameter: str) -> None:
        """Raise UnsupportedShapeError unless the shape is a property shape."""
        if not self.plan.is_property:
            raise UnsupportedShapeError(f"shape {self.shape}: {parameter} on a node shape")


#: A constraint compiler: one value of the constraint's parameter to its check (None: nothing to check).
#: Raises UnsupportedShapeError for a value outside the subset, NotRewritable to fall back to pyshacl.
_Compiler = Callable[[_Unit, Node], Check | None]


def _min_count(unit: _Unit, count: Node) -> Check | None:
    n = int(str(count))
    unit.property_only("sh:minCount")
    if n == 1:
        return Check("MinCount", f"SELECT ?this WHERE {{ {unit.focus} MINUS {{ {unit.values} }} }}")
    if n > 1:
        return Check(
            "MinCount",
            f"SELECT ?this WHERE {{ {unit.focus} OPTIONAL {{ {unit.values} }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})",
        )
    return None


def _max_count(unit: _Unit, count: Node) -> Check:
    unit.property_only("sh:maxCount")
    return Check(
        "MaxCount",
        f"SELECT ?this WHERE {{ {unit.focus} {unit.values} }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(str(count))})",
    )


def _class(unit: _Unit, cls: Node) -> Check:
    subclasses = " ".join(sorted(_subclasses(unit.store, [_sparql_term(cls)])))
    return Check(
        "Class",
        f"SELECT ?this ?value WHERE {{ {unit.distinct_values} "
        f"MINUS {{ VALUES ?__c {{ {subclasses} }} ?value a ?__c }} }}",
    )


def _datatype(unit: _Unit, dtype: Node) -> Check:
    dt = _sparql_term(dtype)
    cond = f"!isLiteral(?value) || datatype(?value) != {dt}"
    if dtype in _CASTABLE:
        cond += f" || !COALESCE(isLiteral({dt}(STR(?value))), false)"
    return Check("Datatype", f"SELECT ?this ?value WHERE {{ {unit.distinct_values} FILTER({cond}) }}")


def _node_kind(unit: _Unit, kind: Node) -> Check:
    test = _NODE_KINDS.get(kind)  # type: ignore[call-overload]  # kind is an rdflib Node
    if test is None:
        raise UnsupportedShapeError(f"shape {unit.shape}: unknown sh:nodeKind {kind}")
    return Check("NodeKind", f"SELECT ?this ?value WHERE {{ {unit.distinct_values} FILTER(!{test}) }}")


def _in(unit: _Unit, members: Node) -> Check:
    allowed = " ".join(_sparql_term(m) for m in Collection(unit.graph, members))
    return Check(
        "In",
        f"SELECT ?this ?value WHERE {{ {unit.distinct_values} MINUS {{ VALUES ?value {{ {allowed} }} }} }}",
    )


def _has_value(unit: _Unit, value: Node) -> Check:
    v = _sparql_term(value)
    if unit.plan.is_property:
        return Check(
            "HasValue", f"SELECT ?this WHERE {{ {unit.focus} MINUS {{ ?this {unit.plan.path_sparql} {v} }} }}"
        )
    return Check("HasValue", f"SELECT ?this WHERE {{ {unit.focus} FILTER(!sameTerm(?this, {v})) }}")


def _pattern(unit: _Unit, pattern: Node) -> Check:
    flags = unit.graph.value(unit.shape, SH.flags)
    regex_args = Literal(str(pattern)).n3() + (f", {Literal(str(flags)).n3()}" if flags is not None else "")
    return Check(
        "Pattern",
        f"SELECT ?this ?value WHERE {{ {unit.distinct_values} "
        f"FILTER(isBlank(?value) || !REGEX(STR(?value), {regex_args})) }}",
    )


def _sparql(unit: _Unit, constraint: Node) -> Check | None:
    """A SHACL-SPARQL SELECT constraint rewritten for all focus nodes at once (raises NotRewritable)."""
    if _is_deactivated(unit.graph, constraint):
        return None
    select = unit.graph.value(constraint, SH.select)
    if select is None:
        raise UnsupportedShapeError(
            f"shape {unit.shape}: sh:sparql without sh:select (ASK validators are not supported)"
        )
    rewritten = _rewritten(
        str(select),
        unit.focus,
        tuple(sorted(_prefixes(unit.graph, constraint).items())),
        unit.plan.path_sparql,
        str(unit.shape) if isinstance(unit.shape, URIRef) else None,
    )
    return Check(
        "SPARQL",
        rewritten.text,
        rewritten.projected,
        rewritten.projects_all,
        literal_text(unit.graph, constraint, SH.message),
    )


@functools.lru_cache(maxsize=4096)
def _rewritten(
    select: str,
    focus: str,
    prefixes: tuple[tuple[str, str], ...],
    path_sparql: str | None,
    shape_iri: str | None,
) -> RewrittenQuery:
    """:func:`ropa_kg.sparql.rewrite.rewrite_for_all_focus_nodes`, remembered: a process validating many
    records (the dashboard, a test run) rewrites each constraint once, not once per record. A query that
    cannot be rewritten raises NotRewritable each time (exceptions are not cached)."""
    return rewrite_for_all_focus_nodes(
        select,
        focus_subquery=focus,
        prefixes=dict(prefixes),
        path_sparql=path_sparql,
        current_shape_iri=shape_iri,
    )


#: The compiler of each constraint component of :data:`~ropa_kg.rules.shapes.CONSTRAINT_COMPONENTS`.
_COMPILERS: dict[URIRef, _Compiler] = {
    SH.MinCountConstraintComponent: _min_count,
    SH.MaxCountConstraintComponent: _max_count,
    SH.ClassConstraintComponent: _class,
    SH.DatatypeConstraintComponent: _datatype,
    SH.NodeKindConstraintComponent: _node_kind,
    SH.InConstraintComponent: _in,
    SH.HasValueConstraintComponent: _has_value,
    SH.PatternConstraintComponent: _pattern,
    SH.SPARQLConstraintComponent: _sparql,
}


def _compile_constraints(unit: _Unit) -> None:
    """Append the checks of the unit's constraints to its plan, in the order of
    :data:`~ropa_kg.rules.shapes.CONSTRAINT_COMPONENTS`; a constraint that cannot be rewritten exactly
    leaves the plan without checks, to run with pyshacl.

    Raises:
        UnsupportedShapeError: a constraint's value is outside the subset.
    """
    for parameter, component in CONSTRAINT_COMPONENTS.items():
        compile_one = _COMPILERS[component]
        for value in unit.graph.objects(unit.shape, parameter):
            try:
                check = compile_one(unit, value)
            except NotRewritable:
                unit.plan.engine = "pyshacl"
                unit.plan.checks.clear()
                return
            if check is not None:
                unit.plan.checks.append(check)


def _units(shapes_graph: Graph, shape: Node) -> list[tuple[Node, Node | None]]:
    """The node shape with its own path (if any), then its active property shapes with theirs.

    Raises:
        UnsupportedShapeError: a property shape has no path, or nests property shapes.
    """
    units: list[tuple[Node, Node | None]] = [(shape, shapes_graph.value(shape, SH.path))]
    for prop in sorted(shapes_graph.objects(shape, SH.property), key=str):
        if _is_deactivated(shapes_graph, prop):
            continue
        _check_supported(shapes_graph, prop)
        if shapes_graph.value(prop, SH.property) is not None:
            raise UnsupportedShapeError(f"property shape {prop}: nested sh:property is outside the subset")
        path = shapes_graph.value(prop, SH.path)
        if path is None:
            raise UnsupportedShapeError(f"property shape {prop} has no sh:path")
        units.append((prop, path))
    return units


def compile_plans(shapes_graph: Graph, store: ox.Store) -> list[ShapePlan]:
    """Compile every active shape with targets (and its property shapes) into query plans.

    A shape without ``ropa:ruleId`` gets no plan (its results are not findings); the rule of one that has
    it is read by :func:`ropa_kg.rules.shapes.read_rule` (without the catalogue's demands: a missing
    severity is ``sh:Violation``, a missing message ``""``). A node shape that uses SHACL outside the
    compiled subset, or a parameter of a custom constraint component (``sh:ConstraintComponent``) declared
    in the shapes graph, is never approximated or skipped: its plans run with pyshacl (``engine``).

    Raises:
        RopaInputError: a rule id is not a literal, or a severity is not a SHACL severity.
    """
    custom = _custom_parameters(shapes_graph)
    plans: list[ShapePlan] = []
    for shape in _node_shapes(shapes_graph):
        if _is_deactivated(shapes_graph, shape):
            continue
        focus = _focus_subquery(shapes_graph, shape, store)
        if focus is None:
            continue
        try:
            group = _compile_group(shapes_graph, store, shape, focus, custom)
        except UnsupportedShapeError:
            group = _fallback_group(shapes_graph, shape)
        plans.extend(group)
    return plans


def _custom_parameters(shapes_graph: Graph) -> frozenset[Node]:
    """The parameters (``sh:parameter/sh:path``) of the custom constraint components the shapes declare."""
    return frozenset(
        path
        for component in shapes_graph.subjects(RDF.type, SH.ConstraintComponent)
        for parameter in shapes_graph.objects(component, SH.parameter)
        if (path := shapes_graph.value(parameter, SH.path)) is not None
    )


def _compile_group(
    shapes_graph: Graph, store: ox.Store, shape: Node, focus: str, custom: frozenset[Node]
) -> list[ShapePlan]:
    """The plans of one node shape and its property shapes, all run by one engine.

    Raises:
        UnsupportedShapeError: the node shape or one of its property shapes is outside the subset.
    """
    _check_supported(shapes_graph, shape)
    group: list[ShapePlan] = []
    for unit, path in _units(shapes_graph, shape):
        if custom and any(p in custom for p in shapes_graph.predicates(unit)):
            raise UnsupportedShapeError(f"shape {unit} uses a custom constraint component")
        if (unit, ROPA.ruleId, None) not in shapes_graph:
            continue  # no rule id: its results are not findings (as in ropa_kg.rules.validation)
        plan = ShapePlan(
            shape=unit,
            rule=read_rule(shapes_graph, unit, complete=False),
            path_text=render_path(shapes_graph, path),
            path_sparql=_path_sparql(shapes_graph, path) if path is not None else None,
            is_property=path is not None,
        )
        _compile_constraints(_Unit(shapes_graph, store, plan, unit, focus))
        group.append(plan)
    if any(p.engine == "pyshacl" for p in group):
        for p in group:
            p.engine = "pyshacl"
            p.checks.clear()
    return group


def _fallback_group(shapes_graph: Graph, shape: Node) -> list[ShapePlan]:
    """Plans that run ``shape`` (and its property shapes) with pyshacl: the node shape and every property
    shape with a rule id."""
    units = [shape, *sorted(shapes_graph.objects(shape, SH.property), key=str)]
    return [
        ShapePlan(
            shape=unit,
            rule=read_rule(shapes_graph, unit, complete=False),
            path_text=None,
            path_sparql=None,
            is_property=unit != shape,
            engine="pyshacl",
        )
        for unit in units
        if (unit, ROPA.ruleId, None) in shapes_graph
    ]


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
        msg = plan.rule.message or _default_message(check.component, plan)
        for row in solutions:
            this_term = row["this"]
            focus = node_text(this_term)
            value = row["value"] if "value" in names else None
            if value == this_term:
                value = None
            finding = Finding(
                rule_id=plan.rule.rule_id,
                focus_node=focus,
                severity=plan.rule.severity,
                path=plan.path_text,
                message=msg,
                source_shape=plan.rule.shape,
                value=node_text(value) if value is not None else None,
                legal_reference=plan.rule.legal_reference,
            )
            yield finding, this_term, value
        return
    visible = set(names) if check.projects_all else set(check.projected or ())
    seen: set[tuple[object, ...]] = set()
    template = check.message or plan.rule.message
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
            (n, node_text(row[n]) if row[n] is not None else None)
            for n in names
            if n in visible and n not in ("this", "path", "value", "failure") and not n.startswith("__")
        )
        key = (this_term, t, p, v, others)
        if key in seen:
            continue
        seen.add(key)
        focus = node_text(this_term)
        value_text = node_text(v) if v is not None and v != this_term else None
        path_text = node_text(p) if p is not None else plan.path_text
        bindings = {n: node_text(row[n]) for n in names if row[n] is not None}
        finding = Finding(
            rule_id=plan.rule.rule_id,
            focus_node=focus,
            severity=plan.rule.severity,
            path=path_text,
            message=_fill(template, bindings) or _default_message("SPARQL", plan),
            source_shape=plan.rule.shape,
            value=value_text,
            legal_reference=plan.rule.legal_reference,
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
# pyshacl: the fallback for shapes that cannot be compiled exactly
# --------------------------------------------------------------------------------------------------


def _run_with_pyshacl(
    plans: Sequence[ShapePlan], shapes_graph: Graph, data_graph: Graph | None, store: ox.Store
) -> list[Finding]:
    """Run pyshacl with only the node shapes of ``plans`` active; return their findings, read from its
    report by :func:`ropa_kg.rules.shapes.findings_from_report` with the plans' rules (as the pyshacl
    engine reads it)."""
    from pyshacl import validate

    planned = {p.shape for p in plans}
    # a node shape runs when it is planned or one of its property shapes is
    wanted = {
        shape
        for shape in _node_shapes(shapes_graph)
        if shape in planned or any(prop in planned for prop in shapes_graph.objects(shape, SH.property))
    }
    restricted = Graph()
    for triple in shapes_graph:
        restricted.add(triple)
    for shape in _node_shapes(shapes_graph):
        if shape not in wanted:
            restricted.add((shape, SH.deactivated, Literal(True)))
    data = data_graph if data_graph is not None else rdflib_copy(store)
    _conforms, report, _text = validate(data, shacl_graph=restricted, inference="none", advanced=False)
    return findings_from_report(report, [p.rule for p in plans])
