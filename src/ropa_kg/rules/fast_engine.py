"""The fast validation engine: SHACL shapes compiled to SPARQL and run on pyoxigraph.

Each constraint of each shape becomes ONE query over all its focus nodes (never one query per node). What
it compiles:

* targets: ``sh:targetClass`` (instances of the class or of its ``rdfs:subClassOf*`` subclasses; a shape
  that is itself an ``rdfs:Class`` targets its instances), ``sh:targetNode``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``;
* every path of SHACL Core (predicate, inverse, sequence, alternative, ``*``, ``+``, ``?``);
* every constraint component of SHACL Core (:data:`CORE_COMPONENTS`): value type, cardinality, value range,
  string, property pair, logical (``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``), shape-based
  (``sh:node``, nested ``sh:property``, ``sh:qualifiedValueShape``), ``sh:closed``, ``sh:hasValue``,
  ``sh:in``. A shape-based constraint compiles the other shape against the value nodes (a sub-query) and
  joins the two answers; ``sh:datatype`` checks a lexical form that SPARQL cannot check with a cast using
  rdflib's own test (:func:`_ill_typed`), as pyshacl does;
* SHACL-SPARQL: ``sh:sparql`` SELECT constraints and custom constraint components
  (``sh:ConstraintComponent`` with SELECT or ASK validators), pre-bound as SHACL defines
  (:mod:`ropa_kg.sparql.prebinding`: ``$this`` bound in nested groups and sub-queries, what SHACL forbids
  refused); ``$PATH``, ``$currentShape``, a component's parameters; ``sh:prefixes``; ``{?var}`` and
  ``{$param}`` in messages.

What it does not compile is never approximated or skipped: that node shape runs with pyshacl
(:attr:`ShapePlan.engine`; :func:`ropa_kg.rules.results.results_from_report` reads its report). That is a
query it cannot rewrite exactly (``LIMIT``, ``$shapesGraph``...), a target or feature outside SHACL Core
(``sh:target``, SHACL-AF), a blank node used as a constant, a recursive shape, and every shape whose value
nodes include a literal the store does not keep as written: pyoxigraph stores ``"5"^^xsd:int`` as
``"5"^^xsd:integer`` and ``"01"`` as ``"1"``, so such values are judged on the rdflib graph, which keeps them
(:func:`_lossy_literals`; a record with none, the usual case, runs entirely here).

Results are SHACL's (:class:`~ropa_kg.rules.results.ShaclResult`): :func:`validate_fast` returns them for any
shapes graph; :func:`run_fast` returns the findings of the shapes carrying ``ropa:ruleId`` (a rule read by
:func:`ropa_kg.rules.shapes.read_rule`).
"""

from __future__ import annotations

import functools
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ropa_kg.core.errors import QueryRefused, RopaInputError
from ropa_kg.core.findings import Finding
from ropa_kg.core.namespaces import ROPA
from ropa_kg.core.terms import node_text, store_from_graph, to_oxigraph, to_rdflib
from ropa_kg.load.store import WrittenForms, rdflib_copy
from ropa_kg.rules.results import ShaclReport, ShaclResult, findings_from_results, results_from_report
from ropa_kg.rules.shapes import (
    CONSTRAINT_COMPONENTS,
    PathExpr,
    Rule,
    guard_shapes,
    literal_text,
    path_as_text,
    path_expression,
    read_path,
    read_rule,
)
from ropa_kg.sparql.lexer import Token, code, tokenize
from ropa_kg.sparql.reach import reads_forward_from
from ropa_kg.sparql.rewrite import NotRewritable, RewrittenQuery, rewrite_for_all_focus_nodes

__all__ = [
    "CORE_COMPONENTS",
    "SUPPORTED_PARAMETERS",
    "TARGET_PARAMETERS",
    "Check",
    "ShapePlan",
    "SparqlStore",
    "UnsupportedShapeError",
    "compile_plans",
    "focus_nodes",
    "render_path",
    "run_fast",
    "store_from_graph",
    "validate_fast",
]

#: The targets the fast engine compiles.
TARGET_PARAMETERS: tuple[URIRef, ...] = (
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
)
#: Every constraint component of SHACL Core, by its (main) parameter, in the order the engine compiles them.
CORE_COMPONENTS: dict[URIRef, URIRef] = {
    **CONSTRAINT_COMPONENTS,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.equals: SH.EqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.closed: SH.ClosedConstraintComponent,
    SH.qualifiedValueShape: SH.QualifiedMinCountConstraintComponent,
    SH.property: SH.PropertyConstraintComponent,
}
#: Every ``sh:`` predicate a shape may carry and the engine compiles: the targets, the parameters of
#: :data:`CORE_COMPONENTS` and what is not a constraint (metadata, parameters of the above). A shape with
#: any other ``sh:`` predicate runs with pyshacl.
SUPPORTED_PARAMETERS: frozenset[URIRef] = frozenset(
    {
        *TARGET_PARAMETERS,
        *CORE_COMPONENTS,
        SH.path,
        SH.flags,
        SH.ignoredProperties,
        SH.qualifiedMinCount,
        SH.qualifiedMaxCount,
        SH.qualifiedValueShapesDisjoint,
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
#: Datatypes whose lexical form SPARQL checks with a cast as rdflib does; others go to :func:`_ill_typed`.
_CASTABLE = frozenset(XSD[t] for t in ("integer", "decimal", "double", "float", "boolean"))
_RANGES: dict[URIRef, str] = {
    SH.minInclusive: ">=",
    SH.minExclusive: ">",
    SH.maxInclusive: "<=",
    SH.maxExclusive: "<",
}
_MAX_DEPTH = 12


class SparqlStore(Protocol):
    """What the engine asks of a store: SPARQL SELECT (and ASK) queries over its default graph. A
    pyoxigraph ``Store`` is one; so is a remote SPARQL endpoint
    (:class:`ropa_kg.query.remote_store.RemoteStore`), which raises
    :class:`~ropa_kg.core.errors.QueryRefused` for a query it does not answer."""

    def query(self, query: str) -> Any:
        """The answer to ``query``: solutions (iterable rows indexed by variable name, with
        ``variables``) for a SELECT, a truth value for an ASK."""


def _select(store: SparqlStore, text: str) -> Any:
    """The solutions of the SELECT ``text`` on ``store``."""
    solutions = store.query(text)
    assert not isinstance(solutions, (bool, ox.QueryBoolean, ox.QueryTriples))  # a SELECT
    return solutions


class UnsupportedShapeError(RopaInputError):
    """A shape uses SHACL the fast engine does not compile (names the shape and feature); it runs with
    pyshacl."""


# --------------------------------------------------------------------------------------------------
# Terms and paths
# --------------------------------------------------------------------------------------------------


def _sparql_term(node: Node) -> str:
    """A shapes-graph term as SPARQL text (IRIs in full, literals escaped)."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise UnsupportedShapeError(f"a blank node ({node}) cannot be used as a constant in a compiled query")


def _read_path(graph: Graph, shape: Node, path: Node) -> PathExpr:
    try:
        return read_path(graph, path)
    except RopaInputError as exc:
        raise UnsupportedShapeError(f"shape {shape}: {exc}") from exc


def render_path(graph: Graph, path: Node | None) -> str | None:
    """The path of a finding as text: the IRI for a plain property, else SPARQL property-path syntax
    with full IRIs (``^<p>``, ``(<a>/<b>)``, ``(<a>|<b>)``, ``<p>*``). ``None`` stays ``None``.

    Both engines use it, so findings of the two compare equal.
    """
    return path_as_text(read_path(graph, path)) if path is not None else None


# --------------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """One answer of a check: the focus node, the value (None: the result names none), the path when the
    answer names it (SPARQL ``?path``, ``sh:closed``), and the bindings messages are filled from."""

    this: object
    value: object = None
    path: object = None
    bindings: tuple[tuple[str, str], ...] = ()


#: A filter on a check's answers in Python (shape-based constraints, lexical forms).
_Post = Callable[[SparqlStore, list[_Row]], list[_Row]]


@dataclass
class Check:
    """One compiled constraint: the query and how its rows become results."""

    component: str
    query: str
    #: for SPARQL constraints: the projection of the original query (only these are read)
    projected: frozenset[str] | None = None
    projects_all: bool = False
    message: str | None = None
    #: the result's sh:sourceConstraintComponent (default: sh:<component>ConstraintComponent)
    component_iri: URIRef | None = None
    #: whether ``?value`` of a row is the result's sh:value
    reports_value: bool = True
    #: SHACL-SPARQL answers (projection, de-duplication, ``?failure``) rather than a Core check's
    sparql: bool = False
    post: _Post | None = None
    #: values for ``{$param}`` in messages (custom components)
    parameters: tuple[tuple[str, str], ...] = ()
    #: the SHACL-SPARQL text as the shapes write it, prefixes declared (what it reads is judged on it)
    source: str | None = None

    @property
    def source_component(self) -> URIRef:
        """The constraint component results of this check name."""
        return self.component_iri or SH[f"{self.component}ConstraintComponent"]


@dataclass
class ShapePlan:
    """A shape (a node shape, or a property shape under one parent), its rule and its compiled checks.

    ``engine`` is ``"fast"``, or ``"pyshacl"`` when a constraint of the node shape or of one of its
    property shapes cannot be compiled exactly: then the whole node shape runs with pyshacl. ``rule`` is
    None for a shape without ``ropa:ruleId`` (its results are SHACL results, not findings).
    """

    shape: Node
    rule: Rule | None
    path_text: str | None
    path_sparql: str | None
    is_property: bool
    checks: list[Check] = field(default_factory=list)
    engine: str = "fast"
    path: PathExpr | None = None
    severity: URIRef = SH.Violation
    messages: tuple[Literal, ...] = ()
    #: the plans of the shapes its shape-based constraints compile (to look for lossy literals)
    nested: list[ShapePlan] = field(default_factory=list)
    #: the node shape whose group this plan belongs to
    root: Node | None = None
    #: the focus-node pattern of this plan (binds ``?this``)
    focus: str = ""
    #: how many times SHACL validates each focus node (``?this``, ``?__n``), where it is more than once
    repeat: str | None = None


def _is_deactivated(graph: Graph, node: Node) -> bool:
    value = graph.value(node, SH.deactivated)
    return isinstance(value, Literal) and value.toPython() is True


def _check_supported(graph: Graph, shape: Node, custom: frozenset[Node]) -> None:
    # a shape may be its own SPARQL constraint (``ex:S sh:sparql ex:S ; sh:select "..."``)
    own = {SH.select} if (shape, SH.sparql, shape) in graph else set()
    for pred in set(graph.predicates(shape)):
        if str(pred).startswith(str(SH)) and pred not in SUPPORTED_PARAMETERS and pred not in custom | own:
            raise UnsupportedShapeError(f"shape {shape} uses {pred.n3(graph.namespace_manager)}")


def _node_shapes(graph: Graph) -> list[Node]:
    """Shapes with targets (explicit, or implicit as an rdfs:Class), sorted for a stable order."""
    found: set[Node] = set()
    for pred in (*TARGET_PARAMETERS, SH.target):
        found.update(graph.subjects(pred, None))
    for shape in set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape)
    ):
        if (shape, RDF.type, RDFS.Class) in graph:
            found.add(shape)
    return sorted(found, key=str)


def _focus_subquery(graph: Graph, shape: Node, store: SparqlStore) -> str | None:
    """A group pattern binding ``?this`` to each focus node of ``shape`` once; None if it has none.

    Raises:
        UnsupportedShapeError: a SPARQL-based target (``sh:target``), or a blank node as a target.
    """
    if (shape, SH.target, None) in graph:
        raise UnsupportedShapeError(f"shape {shape}: sh:target is outside SHACL Core")
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


def focus_nodes(shapes_graph: Graph, shape: Node, store: SparqlStore) -> set[object]:
    """The focus nodes of the node shape ``shape`` in ``store`` (store terms): its targets, as the engine
    selects them (one query).

    Raises:
        UnsupportedShapeError: a SPARQL-based target (``sh:target``), or a blank node as a target.
    """
    focus = _focus_subquery(shapes_graph, shape, store)
    if focus is None:
        return set()
    return {row["this"] for row in _select(store, f"SELECT ?this WHERE {{ {focus} }}")}


def _subclasses(store: SparqlStore, classes: Iterable[str]) -> set[str]:
    """The classes and all their rdfs:subClassOf* subclasses in the data (through named classes only),
    as SPARQL terms: one query per level of the hierarchy."""
    result = set(classes)
    frontier = sorted(result)
    while frontier:
        pattern = f"VALUES ?__cls {{ {' '.join(frontier)} }} ?__sub <{RDFS.subClassOf}> ?__cls"
        found = _select(store, f"SELECT DISTINCT ?__sub WHERE {{ {pattern} FILTER(isIRI(?__sub)) }}")
        frontier = sorted({f"<{row['__sub'].value}>" for row in found} - result)
        result.update(frontier)
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
# Units: one shape against one set of focus nodes
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """What a constraint of one shape is compiled against: the shape, its plan and its focus nodes."""

    compiler: _Compiler
    plan: ShapePlan
    shape: Node
    #: the group pattern binding ``?this`` to each focus node once (see :func:`_focus_subquery`)
    focus: str
    depth: int
    #: whether the unit is compiled to decide conformance (nested sh:property become checks of the owner)
    nested: bool

    @property
    def graph(self) -> Graph:
        return self.compiler.graph

    @property
    def store(self) -> SparqlStore:
        return self.compiler.store

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

    @property
    def value_focus(self) -> str:
        """A group pattern binding ``?this`` to each value node once: the focus of a shape the value
        nodes are checked against."""
        if not self.plan.is_property:
            return self.focus
        outer = f"?__f{self.depth}"
        return (
            f"{{ SELECT DISTINCT ?this WHERE {{ {{ SELECT (?this AS {outer}) WHERE {{ {self.focus} }} }} "
            f"{outer} {self.plan.path_sparql} ?this }} }}"
        )

    def pairs(self, component: str, post: _Post) -> Check:
        """A check answering each (focus node, value node) pair, filtered by ``post``."""
        return Check(component, f"SELECT ?this ?value WHERE {{ {self.distinct_values} }}", post=post)

    def property_only(self, parameter: str) -> None:
        """Raise UnsupportedShapeError unless the shape is a property shape."""
        if not self.plan.is_property:
            raise UnsupportedShapeError(f"shape {self.shape}: {parameter} on a node shape")

    def conforming(self, shape: Node) -> _Conformance:
        """How to decide which value nodes conform to ``shape``."""
        plans = self.compiler.nested_plans(shape, self.value_focus, self.depth + 1)
        self.plan.nested.extend(plans)
        return _Conformance(plans)


@dataclass
class _Conformance:
    """The plans that decide conformance to one shape on a set of nodes: a node conforms when none of
    their checks answers it."""

    plans: list[ShapePlan]

    def failing(self, store: SparqlStore) -> set[object]:
        """The nodes (store terms) that do not conform."""
        return {row.this for plan in self.plans for check in plan.checks for row in _rows(store, check)}


# --------------------------------------------------------------------------------------------------
# Constraints: one small compiler per constraint component
# --------------------------------------------------------------------------------------------------

#: A constraint compiler: one value of the constraint's parameter to its check (None: nothing to check).
#: Raises UnsupportedShapeError for what it cannot compile, NotRewritable to fall back to pyshacl.
_ConstraintCompiler = Callable[[_Unit, Node], Check | None]


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
    wrong = f"!isLiteral(?value) || datatype(?value) != {dt}"
    if dtype in _CASTABLE:
        cond = f"{wrong} || !COALESCE(isLiteral({dt}(STR(?value))), false)"
        return Check("Datatype", f"SELECT ?this ?value WHERE {{ {unit.distinct_values} FILTER({cond}) }}")
    if not str(dtype).startswith(str(XSD)):
        return Check("Datatype", f"SELECT ?this ?value WHERE {{ {unit.distinct_values} FILTER({wrong}) }}")

    # every value: those that are no literal of the datatype, or whose lexical form rdflib rejects, fail
    return Check(
        "Datatype",
        f"SELECT ?this ?value WHERE {{ {unit.distinct_values} }}",
        post=lambda _store, rows: [r for r in rows if _wrong_datatype(r.value, dtype)],
    )


def _wrong_datatype(value: object, dtype: Node) -> bool:
    """SHACL's datatype test for an XSD datatype SPARQL cannot check: not a literal of ``dtype``, or one
    whose lexical form is not in its lexical space (rdflib's test, which pyshacl applies)."""
    if not isinstance(value, ox.Literal) or value.language is not None or value.datatype.value != str(dtype):
        return True
    return _ill_typed(value)


@functools.lru_cache(maxsize=65536)
def _ill_typed_text(lexical: str, datatype: str) -> bool:
    literal = Literal(lexical, datatype=URIRef(datatype))
    return bool(literal.ill_typed)


def _ill_typed(value: object) -> bool:
    if not isinstance(value, ox.Literal):
        return False
    return _ill_typed_text(value.value, value.datatype.value)


def _node_kind(unit: _Unit, kind: Node) -> Check:
    test = _NODE_KINDS.get(kind)  # type: ignore[call-overload]  # kind is an rdflib Node
    if test is None:
        raise UnsupportedShapeError(f"shape {unit.shape}: unknown sh:nodeKind {kind}")
    return Check("NodeKind", f"SELECT ?this ?value WHERE {{ {unit.distinct_values} FILTER(!{test}) }}")


def _exact_constant(unit: _Unit, node: Node) -> str:
    """``node`` as a SPARQL constant compared by term equality; a literal pyoxigraph would not keep as
    written (``"4.0"^^xsd:decimal`` is stored as ``"4"``) cannot be compared exactly here.

    Raises:
        UnsupportedShapeError: such a literal (the shape runs with pyshacl).
    """
    if isinstance(node, Literal) and node.datatype is not None and node.language is None:
        stored = _stored_form(str(node), str(node.datatype))
        if stored != (str(node), str(node.datatype)):
            raise UnsupportedShapeError(
                f"shape {unit.shape}: the constant {node.n3()} is not kept as written"
            )
    return _sparql_term(node)


@functools.lru_cache(maxsize=4096)
def _stored_form(lexical: str, datatype: str) -> tuple[str, str]:
    """The (lexical form, datatype) pyoxigraph stores a literal as."""
    scratch = ox.Store()
    scratch.add(
        ox.Quad(
            ox.NamedNode("urn:x"), ox.NamedNode("urn:x"), ox.Literal(lexical, datatype=ox.NamedNode(datatype))
        )
    )
    stored = next(iter(scratch)).object
    assert isinstance(stored, ox.Literal)
    return stored.value, stored.datatype.value


def _in(unit: _Unit, members: Node) -> Check:
    allowed = " ".join(_exact_constant(unit, m) for m in Collection(unit.graph, members))
    return Check(
        "In",
        f"SELECT ?this ?value WHERE {{ {unit.distinct_values} MINUS {{ VALUES ?value {{ {allowed} }} }} }}",
    )


def _has_value(unit: _Unit, value: Node) -> Check:
    v = _exact_constant(unit, value)
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


def _length(component: str, operator: str) -> _ConstraintCompiler:
    def compile_length(unit: _Unit, limit: Node) -> Check:
        n = int(str(limit))
        return Check(
            component,
            f"SELECT ?this ?value WHERE {{ {unit.distinct_values} "
            f"FILTER(isBlank(?value) || !COALESCE(STRLEN(STR(?value)) {operator} {n}, false)) }}",
        )

    return compile_length


def _range(parameter: URIRef) -> _ConstraintCompiler:
    operator = _RANGES[parameter]
    component = str(CORE_COMPONENTS[parameter]).removeprefix(str(SH)).removesuffix("ConstraintComponent")

    def compile_range(unit: _Unit, bound: Node) -> Check:
        return Check(
            component,
            f"SELECT ?this ?value WHERE {{ {unit.distinct_values} "
            f"FILTER(!COALESCE(?value {operator} {_sparql_term(bound)}, false)) }}",
        )

    return compile_range


def _language_in(unit: _Unit, members: Node) -> Check:
    tags = [str(m) for m in Collection(unit.graph, members)]
    test = " || ".join(f"langMatches(lang(?value), {Literal(t).n3()})" for t in tags) or "false"
    return Check(
        "LanguageIn",
        f"SELECT ?this ?value WHERE {{ {unit.distinct_values} FILTER(!isLiteral(?value) || !({test})) }}",
    )


def _is_true(flag: Node) -> bool:
    """Whether a boolean parameter is ``true`` as written (``"1"^^xsd:boolean`` is not, as SHACL's tests
    read it)."""
    return isinstance(flag, Literal) and flag.datatype == XSD.boolean and str(flag) == "true"


def _unique_lang(unit: _Unit, flag: Node) -> Check | None:
    unit.property_only("sh:uniqueLang")
    if not _is_true(flag):
        return None
    return Check(
        "UniqueLang",
        f'SELECT ?this WHERE {{ {unit.distinct_values} FILTER(isLiteral(?value) && lang(?value) != "") '
        f"BIND(LCASE(lang(?value)) AS ?__lang) }} GROUP BY ?this ?__lang HAVING (COUNT(DISTINCT ?value) > 1)",
    )


def _equals(unit: _Unit, prop: Node) -> Check:
    p = _sparql_term(prop)
    return Check(
        "Equals",
        f"SELECT ?this ?value WHERE {{ {{ {unit.distinct_values} FILTER NOT EXISTS {{ ?this {p} ?value }} }} "
        f"UNION {{ {unit.focus} ?this {p} ?value FILTER NOT EXISTS {{ {_has_value_pattern(unit)} }} }} }}",
    )


def _has_value_pattern(unit: _Unit) -> str:
    """A pattern true when ``?value`` is a value node of ``?this``."""
    if unit.plan.is_property:
        return f"?this {unit.plan.path_sparql} ?value"
    return "FILTER(sameTerm(?this, ?value))"


def _disjoint(unit: _Unit, prop: Node) -> Check:
    return Check(
        "Disjoint",
        f"SELECT ?this ?value WHERE {{ {unit.distinct_values} "
        f"FILTER EXISTS {{ ?this {_sparql_term(prop)} ?value }} }}",
    )


def _less_than(component: str, operator: str) -> _ConstraintCompiler:
    def compile_less(unit: _Unit, prop: Node) -> Check:
        unit.property_only(f"sh:{component[0].lower()}{component[1:]}")
        return Check(
            component,
            f"SELECT ?this ?value WHERE {{ {unit.distinct_values} ?this {_sparql_term(prop)} ?__o "
            f"FILTER(!COALESCE(?value {operator} ?__o, false)) }}",
        )

    return compile_less


def _node(unit: _Unit, shape: Node) -> Check:
    inner = unit.conforming(shape)
    return unit.pairs("Node", lambda store, rows: _keep(rows, inner.failing(store)))


def _not(unit: _Unit, shape: Node) -> Check:
    inner = unit.conforming(shape)

    def post(store: SparqlStore, rows: list[_Row]) -> list[_Row]:
        failing = inner.failing(store)
        return [r for r in rows if r.value not in failing]

    return unit.pairs("Not", post)


def _members(unit: _Unit, shapes: Node) -> list[_Conformance]:
    return [unit.conforming(member) for member in Collection(unit.graph, shapes)]


def _and(unit: _Unit, shapes: Node) -> Check:
    members = _members(unit, shapes)

    def post(store: SparqlStore, rows: list[_Row]) -> list[_Row]:
        failing = set().union(*(m.failing(store) for m in members)) if members else set()
        return _keep(rows, failing)

    return unit.pairs("And", post)


def _or(unit: _Unit, shapes: Node) -> Check:
    members = _members(unit, shapes)

    def post(store: SparqlStore, rows: list[_Row]) -> list[_Row]:
        sets = [m.failing(store) for m in members]
        return [r for r in rows if all(r.value in s for s in sets)]

    return unit.pairs("Or", post)


def _xone(unit: _Unit, shapes: Node) -> Check:
    members = _members(unit, shapes)

    def post(store: SparqlStore, rows: list[_Row]) -> list[_Row]:
        sets = [m.failing(store) for m in members]
        return [r for r in rows if sum(r.value not in s for s in sets) != 1]

    return unit.pairs("Xone", post)


def _keep(rows: list[_Row], failing: set[object]) -> list[_Row]:
    return [r for r in rows if r.value in failing]


def _property(unit: _Unit, shape: Node) -> Check | None:
    """A nested ``sh:property`` where conformance is decided: a value node fails when it fails the
    property shape. (Elsewhere its results are its own: :meth:`_Compiler.unit_plans`.)"""
    if not unit.nested:
        return None
    if _is_deactivated(unit.graph, shape):
        return None
    inner = unit.conforming(shape)
    return unit.pairs("Property", lambda store, rows: _keep(rows, inner.failing(store)))


def _closed(unit: _Unit, flag: Node) -> Check | None:
    if not _is_true(flag):
        return None
    allowed = {
        p
        for prop in unit.graph.objects(unit.shape, SH.property)
        if isinstance(p := unit.graph.value(prop, SH.path), URIRef)
    }
    ignored = unit.graph.value(unit.shape, SH.ignoredProperties)
    if ignored is not None:
        allowed.update(m for m in Collection(unit.graph, ignored) if isinstance(m, URIRef))
    keep = f"FILTER(?__p NOT IN ({', '.join(sorted(_sparql_term(p) for p in allowed))}))" if allowed else ""
    return Check(
        "Closed",
        f"SELECT ?this (?__v AS ?value) ?__path WHERE {{ {{ SELECT ?this (?value AS ?__n) WHERE "
        f"{{ {unit.distinct_values} }} }} ?__n ?__p ?__v {keep} BIND(?__p AS ?__path) }}",
    )


def _qualified(unit: _Unit, shape: Node) -> Check | None:
    unit.property_only("sh:qualifiedValueShape")
    low = unit.graph.value(unit.shape, SH.qualifiedMinCount)
    high = unit.graph.value(unit.shape, SH.qualifiedMaxCount)
    if low is None and high is None:
        return None
    inner = unit.conforming(shape)
    siblings = [unit.conforming(s) for s in _sibling_shapes(unit)] if _disjoint_flag(unit) else []
    checks: list[Check] = []

    def counted(store: SparqlStore, rows: list[_Row]) -> dict[object, int]:
        failing = inner.failing(store)
        others = [s.failing(store) for s in siblings]
        counts: dict[object, int] = {}
        for r in rows:
            counts.setdefault(r.this, 0)
            if r.value not in failing and all(r.value in o for o in others):
                counts[r.this] += 1
        return counts

    focus_rows = f"SELECT ?this ?value WHERE {{ {unit.focus} OPTIONAL {{ {unit.values} }} }}"
    if low is not None:
        n = int(str(low))
        checks.append(
            Check(
                "QualifiedMinCount",
                focus_rows,
                reports_value=False,
                post=lambda store, rows: [_Row(t) for t, c in counted(store, rows).items() if c < n],
            )
        )
    if high is not None:
        m = int(str(high))
        checks.append(
            Check(
                "QualifiedMaxCount",
                focus_rows,
                reports_value=False,
                post=lambda store, rows: [_Row(t) for t, c in counted(store, rows).items() if c > m],
            )
        )
    unit.plan.checks.extend(checks[:-1])
    return checks[-1]


def _disjoint_flag(unit: _Unit) -> bool:
    flag = unit.graph.value(unit.shape, SH.qualifiedValueShapesDisjoint)
    return isinstance(flag, Literal) and flag.toPython() is True


def _sibling_shapes(unit: _Unit) -> list[Node]:
    """The qualified value shapes of the other property shapes of the shapes holding this one."""
    found: set[Node] = set()
    for parent in unit.graph.subjects(SH.property, unit.shape):
        for sibling in unit.graph.objects(parent, SH.property):
            if sibling != unit.shape:
                found.update(unit.graph.objects(sibling, SH.qualifiedValueShape))
    return sorted(found, key=str)


def _sparql(unit: _Unit, constraint: Node) -> Check | None:
    """A SHACL-SPARQL SELECT constraint rewritten for all focus nodes at once (raises NotRewritable)."""
    if _is_deactivated(unit.graph, constraint):
        return None
    select = unit.graph.value(constraint, SH.select)
    if select is None:
        raise UnsupportedShapeError(f"shape {unit.shape}: sh:sparql without sh:select")
    rewritten = _rewritten(
        str(select),
        unit.focus,
        tuple(sorted(_prefixes(unit.graph, constraint).items())),
        unit.plan.path_sparql,
        str(unit.shape) if isinstance(unit.shape, URIRef) else None,
        (),
        unit.compiler.decorrelate,
    )
    return Check(
        "SPARQL",
        rewritten.text,
        rewritten.projected,
        rewritten.projects_all,
        literal_text(unit.graph, constraint, SH.message),
        sparql=True,
        source=_declared(unit.graph, constraint) + str(select),
    )


def _declared(graph: Graph, holder: Node) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(_prefixes(graph, holder).items()))


@functools.lru_cache(maxsize=4096)
def _rewritten(
    select: str,
    focus: str,
    prefixes: tuple[tuple[str, str], ...],
    path_sparql: str | None,
    shape_iri: str | None,
    substitutions: tuple[tuple[str, str], ...],
    decorrelate: bool = True,
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
        substitutions=dict(substitutions),
        decorrelate=decorrelate,
    )


#: The compiler of each constraint component of :data:`CORE_COMPONENTS`.
_COMPILERS: dict[URIRef, _ConstraintCompiler] = {
    SH.MinCountConstraintComponent: _min_count,
    SH.MaxCountConstraintComponent: _max_count,
    SH.ClassConstraintComponent: _class,
    SH.DatatypeConstraintComponent: _datatype,
    SH.NodeKindConstraintComponent: _node_kind,
    SH.InConstraintComponent: _in,
    SH.HasValueConstraintComponent: _has_value,
    SH.PatternConstraintComponent: _pattern,
    SH.SPARQLConstraintComponent: _sparql,
    SH.MinLengthConstraintComponent: _length("MinLength", ">="),
    SH.MaxLengthConstraintComponent: _length("MaxLength", "<="),
    SH.LanguageInConstraintComponent: _language_in,
    SH.UniqueLangConstraintComponent: _unique_lang,
    **{CORE_COMPONENTS[p]: _range(p) for p in _RANGES},
    SH.EqualsConstraintComponent: _equals,
    SH.DisjointConstraintComponent: _disjoint,
    SH.LessThanConstraintComponent: _less_than("LessThan", "<"),
    SH.LessThanOrEqualsConstraintComponent: _less_than("LessThanOrEquals", "<="),
    SH.NodeConstraintComponent: _node,
    SH.NotConstraintComponent: _not,
    SH.AndConstraintComponent: _and,
    SH.OrConstraintComponent: _or,
    SH.XoneConstraintComponent: _xone,
    SH.ClosedConstraintComponent: _closed,
    SH.QualifiedMinCountConstraintComponent: _qualified,
    SH.PropertyConstraintComponent: _property,
}


# --------------------------------------------------------------------------------------------------
# Custom constraint components (SHACL-SPARQL)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Component:
    """A declared ``sh:ConstraintComponent``: its parameters (path, optional) and validators."""

    iri: Node
    parameters: tuple[tuple[Node, bool], ...]
    validator: Node | None
    node_validator: Node | None
    property_validator: Node | None


def _components(graph: Graph) -> list[_Component]:
    """The constraint components the shapes graph declares (instances of ``sh:ConstraintComponent`` or of
    a subclass of it)."""
    classes = set(graph.transitive_subjects(RDFS.subClassOf, SH.ConstraintComponent))
    declared = {c for cls in classes for c in graph.subjects(RDF.type, cls)}
    found: list[_Component] = []
    for iri in sorted(declared, key=str):
        parameters = []
        for parameter in graph.objects(iri, SH.parameter):
            path = graph.value(parameter, SH.path)
            if path is not None:
                optional = graph.value(parameter, SH.optional)
                parameters.append((path, isinstance(optional, Literal) and optional.toPython() is True))
        found.append(
            _Component(
                iri,
                tuple(sorted(parameters, key=lambda p: str(p[0]))),
                graph.value(iri, SH.validator),
                graph.value(iri, SH.nodeValidator),
                graph.value(iri, SH.propertyValidator),
            )
        )
    return found


def _custom_checks(unit: _Unit, components: Sequence[_Component]) -> None:
    """Append the checks of the custom components ``unit``'s shape uses (it has every mandatory parameter).

    Raises:
        UnsupportedShapeError: a parameter value is a blank node, or no validator fits the shape.
    """
    for component in components:
        values = {p: sorted(unit.graph.objects(unit.shape, p), key=str) for p, _ in component.parameters}
        if not all(values[p] for p, optional in component.parameters if not optional):
            continue
        if not any(values.values()):
            continue
        for combination in itertools.product(*([(p, v) for v in vs] for p, vs in values.items() if vs)):
            unit.plan.checks.append(_custom_check(unit, component, dict(combination)))


def _local_name(iri: Node) -> str:
    return re.split(r"[#/]", str(iri))[-1]


def _custom_check(unit: _Unit, component: _Component, bound: dict[Node, Node]) -> Check:
    substitutions = tuple(sorted((_local_name(p), _sparql_term(v)) for p, v in bound.items()))
    parameters = tuple(sorted((_local_name(p), node_text(to_oxigraph(v))) for p, v in bound.items()))  # type: ignore[arg-type]  # terms
    select_validator = component.property_validator if unit.plan.is_property else component.node_validator
    if select_validator is not None and unit.graph.value(select_validator, SH.select) is not None:
        rewritten = _rewritten(
            str(unit.graph.value(select_validator, SH.select)),
            unit.focus,
            tuple(sorted(_prefixes(unit.graph, select_validator).items())),
            unit.plan.path_sparql,
            str(unit.shape) if isinstance(unit.shape, URIRef) else None,
            substitutions,
            unit.compiler.decorrelate,
        )
        return Check(
            "SPARQL",
            rewritten.text,
            rewritten.projected,
            rewritten.projects_all,
            _message(unit.graph, select_validator, component),
            component_iri=URIRef(str(component.iri)),
            sparql=True,
            parameters=parameters,
            source=_declared(unit.graph, select_validator)
            + str(unit.graph.value(select_validator, SH.select)),
        )
    ask_validator = component.validator
    ask = unit.graph.value(ask_validator, SH.ask) if ask_validator is not None else None
    if ask is None or ask_validator is None:
        raise UnsupportedShapeError(f"shape {unit.shape}: no validator of {component.iri} fits it")
    body = _ask_body(str(ask), dict(substitutions), unit.plan.path_sparql)
    declared = "".join(
        f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(_prefixes(unit.graph, ask_validator).items())
    )
    return Check(
        "SPARQL",
        f"{declared}SELECT ?this ?value WHERE {{ {unit.distinct_values} FILTER NOT EXISTS {{ {body} }} }}",
        message=_message(unit.graph, ask_validator, component),
        component_iri=URIRef(str(component.iri)),
        parameters=parameters,
        source=f"{declared}SELECT * WHERE {{ {body} }}",
    )


def _message(graph: Graph, validator: Node, component: _Component) -> str | None:
    return literal_text(graph, validator, SH.message) or literal_text(graph, component.iri, SH.message)


def _ask_body(ask: str, substitutions: dict[str, str], path_sparql: str | None) -> str:
    """The group of an ``ASK`` validator with the parameters and ``$PATH`` written in.

    Raises:
        UnsupportedShapeError: a prologue or a form the engine does not rewrite.
    """
    tokens = tokenize(ask)
    parts: list[str] = []
    started = depth = 0
    for t in tokens:
        if not started:
            if t.is_keyword("ASK", "WHERE") or t.kind in ("ws", "comment"):
                continue
            if t.text != "{":
                raise UnsupportedShapeError(f"ASK validator: {t.text!r} before its group")
            started = 1
        if t.kind not in ("string", "iri", "ws", "comment"):
            depth += (t.text == "{") - (t.text == "}")
        if t.kind == "var" and t.text[1:] in substitutions:
            parts.append(substitutions[t.text[1:]])
        elif t.kind == "var" and t.text[1:] == "PATH":
            if path_sparql is None:
                raise UnsupportedShapeError("$PATH in a validator of a node shape")
            parts.append(f"({path_sparql})")
        else:
            parts.append(t.text)
        if started and depth == 0:
            break
    text = "".join(parts).strip()
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text


# --------------------------------------------------------------------------------------------------
# The compiler
# --------------------------------------------------------------------------------------------------


def _repeated_values(unit: _Unit, repeated: str) -> str:
    """A pattern binding ``?this`` to each value node of ``unit`` once per (focus node, value node) pair,
    the focus nodes repeated as ``repeated`` binds them."""
    m = f"?__m{unit.depth}"
    pairs = (
        f"{{ SELECT DISTINCT {m} ?this WHERE {{ {{ SELECT (?this AS {m}) WHERE {{ {unit.focus} }} }} "
        f"{m} {unit.plan.path_sparql} ?this }} }}"
    )
    return f"{{ SELECT ?this WHERE {{ {{ SELECT (?this AS {m}) WHERE {{ {repeated} }} }} {pairs} }} }}"


class _Compiler:
    """Compiles the shapes of one shapes graph against one store."""

    def __init__(self, graph: Graph, store: SparqlStore) -> None:
        self.graph = graph
        self.store = store
        #: whether correlated EXISTS become joins (a store may say it evaluates them better as written)
        self.decorrelate = _decorrelates(store)
        self.components = _components(graph)
        self.custom = frozenset(p for c in self.components for p, _ in c.parameters)
        self._active: list[Node] = []

    def group(self, shape: Node, focus: str) -> list[ShapePlan]:
        """The plans of one node shape (and its property shapes, nested ones included): its results.

        Raises:
            UnsupportedShapeError: something the engine does not compile (the group runs with pyshacl).
            NotRewritable: a SPARQL query that cannot be rewritten exactly (likewise).
        """
        plans = self.unit_plans(shape, focus, depth=0, nested=False)
        for plan in plans:
            plan.root = shape
        return plans

    def nested_plans(self, shape: Node, focus: str, depth: int) -> list[ShapePlan]:
        """The plans deciding whether the nodes of ``focus`` conform to ``shape``."""
        if depth > _MAX_DEPTH or shape in self._active:
            raise UnsupportedShapeError(f"shape {shape} is recursive or nested too deeply")
        self._active.append(shape)
        try:
            return self.unit_plans(shape, focus, depth=depth, nested=True)
        finally:
            self._active.pop()

    def unit_plans(
        self, shape: Node, focus: str, *, depth: int, nested: bool, repeated: str | None = None
    ) -> list[ShapePlan]:
        """``shape`` against ``focus``: its own plan, and (where results are reported) those of its
        active ``sh:property`` shapes against its value nodes. ``repeated`` binds ``?this`` to each focus
        node as many times as SHACL validates it (a value node of a property shape, once per focus node
        reaching it); None: once."""
        if _is_deactivated(self.graph, shape):
            return []
        _check_supported(self.graph, shape, self.custom)
        path_node = self.graph.value(shape, SH.path)
        path = _read_path(self.graph, shape, path_node) if path_node is not None else None
        severity = self.graph.value(shape, SH.severity)
        plan = ShapePlan(
            shape=shape,
            rule=read_rule(self.graph, shape, complete=False)
            if (shape, ROPA.ruleId, None) in self.graph
            else None,
            path_text=path_as_text(path),
            path_sparql=path_expression(path) if path is not None else None,
            is_property=path is not None,
            path=path,
            severity=URIRef(str(severity)) if severity is not None else SH.Violation,
            messages=tuple(
                sorted((m for m in self.graph.objects(shape, SH.message) if isinstance(m, Literal)), key=str)
            ),
            focus=focus,
            repeat=f"SELECT ?this (COUNT(*) AS ?__n) WHERE {{ {repeated} }} GROUP BY ?this"
            if repeated
            else None,
        )
        unit = _Unit(self, plan, shape, focus, depth, nested)
        self._compile_constraints(unit)
        plans = [plan]
        if not nested:
            # a property shape's value node is validated once per focus node reaching it: its results repeat
            inner = _repeated_values(unit, repeated or focus) if plan.is_property else repeated
            for prop in sorted(self.graph.objects(shape, SH.property), key=str):
                plans.extend(
                    self.unit_plans(prop, unit.value_focus, depth=depth + 1, nested=False, repeated=inner)
                )
        return plans

    def _compile_constraints(self, unit: _Unit) -> None:
        """Append the checks of the unit's constraints to its plan, in the order of :data:`CORE_COMPONENTS`,
        then those of custom components."""
        before = len(self._active)
        for parameter, component in CORE_COMPONENTS.items():
            compile_one = _COMPILERS[component]
            for value in sorted(unit.graph.objects(unit.shape, parameter), key=str):
                check = compile_one(unit, value)
                if check is not None:
                    unit.plan.checks.append(check)
        _custom_checks(unit, self.components)
        del self._active[before:]


def compile_plans(shapes_graph: Graph, store: SparqlStore, *, all_shapes: bool = False) -> list[ShapePlan]:
    """Compile every active shape with targets (and its property shapes) into query plans.

    Without ``all_shapes``, only the plans of shapes carrying ``ropa:ruleId`` are returned (the rules; their
    rule read by :func:`ropa_kg.rules.shapes.read_rule` without the catalogue's demands). A node shape the
    engine does not compile exactly is never approximated or skipped: its plans run with pyshacl
    (``engine``).

    Raises:
        RopaInputError: a rule id is not a literal, or a rule's severity is not a SHACL severity.
    """
    compiler = _Compiler(shapes_graph, store)
    plans: list[ShapePlan] = []
    for shape in _node_shapes(shapes_graph):
        if _is_deactivated(shapes_graph, shape):
            continue
        try:
            focus = _focus_subquery(shapes_graph, shape, store)
            if focus is None:
                continue
            group = compiler.group(shape, focus)
        except (UnsupportedShapeError, NotRewritable):
            group = _fallback_group(shapes_graph, shape)
        plans.extend(p for p in group if all_shapes or p.rule is not None)
    return plans


def _fallback_group(shapes_graph: Graph, shape: Node) -> list[ShapePlan]:
    """One plan that runs ``shape`` (and everything under it) with pyshacl."""
    rule = (
        read_rule(shapes_graph, shape, complete=False) if (shape, ROPA.ruleId, None) in shapes_graph else None
    )
    units = [shape, *sorted(shapes_graph.objects(shape, SH.property), key=str)]
    plans = [
        ShapePlan(
            shape=unit,
            rule=read_rule(shapes_graph, unit, complete=False)
            if (unit, ROPA.ruleId, None) in shapes_graph
            else None,
            path_text=None,
            path_sparql=None,
            is_property=unit != shape,
            engine="pyshacl",
            root=shape,
        )
        for unit in units
    ]
    plans[0].rule = rule
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


def _rows(store: SparqlStore, check: Check) -> list[_Row]:
    """The answers of ``check`` (SHACL-SPARQL's de-duplication for SPARQL checks), filtered by its post.

    Raises:
        RopaInputError: a SPARQL constraint reports a failure (``?failure``).
    """
    solutions = _select(store, check.query)  # every compiled query is a SELECT
    names = [v.value for v in solutions.variables]
    rows = _sparql_rows(solutions, names, check) if check.sparql else _core_rows(solutions, names, check)
    return check.post(store, rows) if check.post is not None else rows


def _core_rows(solutions: Any, names: list[str], check: Check) -> list[_Row]:
    has_value = "value" in names
    has_path = "__path" in names
    return [
        _Row(row["this"], row["value"] if has_value else None, row["__path"] if has_path else None)
        for row in solutions
    ]


def _sparql_rows(solutions: Any, names: list[str], check: Check) -> list[_Row]:
    visible = set(names) if check.projects_all else set(check.projected or ())
    if check.projected is None and not check.projects_all:
        visible = {"this", "value"}  # an ASK validator's rows
    seen: set[tuple[object, ...]] = set()
    rows: list[_Row] = []
    for row in solutions:
        this_term = row["this"]
        if this_term is None:
            continue
        if "failure" in visible and row["failure"] is not None:
            raise RopaInputError("a SPARQL constraint reported a validation failure (?failure)")
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
        bindings = tuple((n, node_text(row[n])) for n in names if row[n] is not None)
        rows.append(_Row(this_term, v, p, bindings))
    return rows


#: What a check yields: the plan and check it comes from and one answer.
_Found = tuple[ShapePlan, Check, _Row]


def _message_for(plan: ShapePlan, check: Check, row: _Row) -> str:
    if check.sparql or check.component_iri is not None:
        template = check.message or (plan.rule.message if plan.rule else None) or _first(plan.messages)
        filled = _fill(template, {**dict(check.parameters), **dict(row.bindings)})
        return filled or _default_message(check.component, plan)
    return (plan.rule.message if plan.rule else _first(plan.messages)) or _default_message(
        check.component, plan
    )


def _first(messages: tuple[Literal, ...]) -> str | None:
    return str(messages[0]) if messages else None


def _execute(
    store: SparqlStore, plans: Sequence[ShapePlan], *, refused: dict[Node, str] | None = None
) -> list[_Found]:
    """Run the checks of the ``fast`` plans on ``store``. With ``refused``, a query the store refuses
    (:class:`~ropa_kg.core.errors.QueryRefused`) puts the plan's node shape (its root) there, with the
    cause, and none of that node shape's answers are returned; without it, the refusal is raised."""
    work = [(plan, check) for plan in plans if plan.engine == "fast" for check in plan.checks]

    def answers(pc: tuple[ShapePlan, Check]) -> list[_Row] | QueryRefused:
        try:
            return _rows(store, pc[1])
        except QueryRefused as exc:
            if refused is None:
                raise
            return exc

    found: list[_Found] = []
    # pyoxigraph evaluates queries without the GIL, a server in its own process: the checks run side by
    # side (1.4x on 2 cores in memory)
    workers = getattr(store, "parallel_queries", None) or min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for (plan, check), rows in zip(work, pool.map(answers, work), strict=True):
            try:
                if isinstance(rows, QueryRefused):
                    raise rows
                times = _repeats(store, plan) if rows and plan.repeat else {}
            except QueryRefused as exc:
                if refused is None:
                    raise
                refused.setdefault(plan.root or plan.shape, str(exc))
                continue
            found.extend((plan, check, row) for row in rows for _ in range(times.get(row.this, 1)))
    if refused:
        found = [f for f in found if (f[0].root or f[0].shape) not in refused]
    return found


def _repeats(store: SparqlStore, plan: ShapePlan) -> dict[object, int]:
    solutions = _select(store, plan.repeat or "")
    return {row["this"]: int(row["__n"].value) for row in solutions}


def _to_result(found: _Found) -> ShaclResult:
    plan, check, row = found
    value = row.value if check.reports_value or check.sparql else None
    if value is None and check.sparql and not plan.is_property:
        value = row.this  # SHACL: a SPARQL result of a node shape without ?value names the focus node
    path: PathExpr | None = plan.path
    if row.path is not None:
        path = URIRef(row.path.value) if isinstance(row.path, ox.NamedNode) else plan.path
    return ShaclResult(
        focus=to_rdflib(row.this),  # type: ignore[arg-type]  # a term
        component=check.source_component,
        source_shape=plan.shape,
        severity=plan.severity,
        path=path,
        value=to_rdflib(value),
        messages=(Literal(_message_for(plan, check, row)),),
    )


def validate_fast(
    *,
    data_graph: Graph | None = None,
    store: SparqlStore | None = None,
    shapes_graph: Graph,
    written: WrittenForms | None = None,
    written_graph: Callable[[], Graph] | None = None,
    all_shapes: bool = True,
    copy: Callable[[], ox.Store] | None = None,
) -> ShaclReport:
    """Validate ``store`` (or ``data_graph``, copied into an in-memory store) against ``shapes_graph``:
    SHACL's results, for any shapes (``all_shapes``; else only those of shapes with ``ropa:ruleId``).

    Give exactly one of ``data_graph`` and ``store``. Node shapes the engine does not compile, and those
    whose value nodes include a literal the store does not keep as written (see the module docstring;
    ``written`` holds the record's literals as its files write them), run with pyshacl on ``data_graph``,
    else on ``written_graph()`` (the record as an rdflib graph, literals as written), else on an rdflib copy
    of the store.

    ``store`` may be any :class:`SparqlStore`, a remote endpoint included; then ``copy()`` gives the same
    data in a local pyoxigraph store, made only if needed: a node shape one of whose queries the store
    refuses runs on it (``ShaclReport.copied`` names it and why), as do pyshacl's node shapes.

    Raises:
        RopaInputError: a SPARQL constraint reports a failure (``?failure``), a rule is malformed, or
            pyshacl rejects a shape it runs.
        ForbiddenQuery: a SPARQL text uses what SHACL forbids in a pre-bound query.
        RopaUsageError: a SPARQL text is refused by :func:`ropa_kg.rules.shapes.guard_shapes`.
        QueryRefused: the store refuses a query and there is no ``copy``.
        ValueError: neither or both of ``data_graph`` and ``store`` were given.
    """
    if (data_graph is None) == (store is None):
        raise ValueError("give exactly one of data_graph and store")
    guard_shapes(shapes_graph)
    if store is None:
        assert data_graph is not None
        store = store_from_graph(data_graph)
    written = written if written is not None else _graph_written(data_graph)
    plans = compile_plans(shapes_graph, store, all_shapes=True)
    local = _local_copy(store, copy)
    lossy = _lossy_literals(written)
    if lossy and isinstance(store, ox.Store):  # written forms are known only for a record read here
        _route_lossy(store, plans, lossy, shapes_graph)
    refused = _unkept_groups(store, plans, shapes_graph)
    here = [p for p in plans if (p.root or p.shape) not in refused]
    results = [_to_result(f) for f in _execute(store, here, refused=refused if copy else None)]
    if refused:
        again = _plans_for_copy(shapes_graph, store, local(), plans, refused)
        results.extend(_to_result(f) for f in _execute(local(), again))
    slow = [p for p in plans if p.engine == "pyshacl"]
    if slow:
        graph = data_graph if data_graph is not None else _fallback_graph(local(), written, written_graph)
        results.extend(_run_with_pyshacl(slow, shapes_graph, graph))
    keep = {p.shape for p in plans if all_shapes or p.rule is not None}
    return ShaclReport(
        results=sorted(
            (r for r in results if all_shapes or r.source_shape in keep), key=ShaclResult.sort_key
        ),
        engines={p.shape: p.engine for p in plans},
        copied=dict(sorted(refused.items(), key=lambda item: str(item[0]))),
    )


def _decorrelates(store: SparqlStore) -> bool:
    """Whether queries compiled for ``store`` turn correlated ``EXISTS`` into joins: the one dialect
    property the compiled text depends on (the rest comes from the data, e.g. the subclasses of a target
    class, which a copy holds too); a store that says nothing does."""
    return bool(getattr(store, "decorrelate_exists", True))


def _plans_for_copy(
    shapes: Graph,
    store: SparqlStore,
    copy: SparqlStore,
    plans: Sequence[ShapePlan],
    refused: Mapping[Node, str],
) -> list[ShapePlan]:
    """The plans of the ``refused`` node shapes, compiled for ``copy`` where it evaluates correlated
    ``EXISTS`` differently from ``store`` (a query written for Virtuoso keeps them as written, and Oxigraph
    runs those once per candidate: at 10,000 activities, minutes per rule instead of a second)."""
    if _decorrelates(copy) != _decorrelates(store):
        plans = compile_plans(shapes, copy, all_shapes=True)
    return [p for p in plans if (p.root or p.shape) in refused]


def _unkept_groups(store: SparqlStore, plans: Sequence[ShapePlan], shapes: Graph) -> dict[Node, str]:
    """The node shapes (roots) that may read a literal of a datatype ``store`` does not keep as written
    (its ``lossy_datatypes``: Virtuoso 7.2 turns ``xsd:boolean`` into 1/0 and ``xsd:duration`` into a
    count of months), with why: they must run on a copy of the graph read back in canonical form. A
    plan reads such a literal when its target, path or query names a predicate holding one
    (:func:`_check_reads`, read conservatively: a variable predicate counts)."""
    unkept = _unsafe_groups(store, plans)
    datatypes = sorted(str(d) for d in getattr(store, "lossy_datatypes", ()))
    if not datatypes:
        return unkept
    listed = ", ".join(f"<{d}>" for d in datatypes)
    rows = _select(
        store, f"SELECT DISTINCT ?__p WHERE {{ ?__s ?__p ?__o FILTER(DATATYPE(?__o) IN ({listed})) }}"
    )
    carriers = frozenset(row["__p"].value for row in rows)
    if not carriers:
        return unkept
    groups = _by_root(plans)
    names = ", ".join(d.rsplit("#", 1)[-1] for d in datatypes)
    cause = f"reads literals ({names}) the store does not keep as written"
    for root, members in groups.items():
        if root in unkept:
            continue
        if _target_reads(shapes, root, carriers) or any(
            (plan.path is not None and _path_iris(plan.path) & carriers)
            or any(_check_reads(check, carriers) for check in plan.checks)
            for plan in _all_plans(members)
        ):
            unkept[root] = cause
    return unkept


def _by_root(plans: Iterable[ShapePlan]) -> dict[Node, list[ShapePlan]]:
    """The plans by the node shape they belong to (a node shape and its property shapes run together)."""
    groups: dict[Node, list[ShapePlan]] = {}
    for plan in plans:
        groups.setdefault(plan.root or plan.shape, []).append(plan)
    return groups


def _unsafe_groups(store: SparqlStore, plans: Sequence[ShapePlan]) -> dict[Node, str]:
    """The node shapes (roots) with a query the store says it may answer wrongly (its ``unsafe_query``),
    with the reason."""
    unsafe: Callable[[str], str | None] | None = getattr(store, "unsafe_query", None)
    found: dict[Node, str] = {}
    if unsafe is None:
        return found
    groups = _by_root(plans)
    for root, members in groups.items():
        for plan in _all_plans(members):
            reason = next((r for check in plan.checks if (r := unsafe(check.query))), None)
            if reason:
                found[root] = reason
                break
    return found


def _local_copy(store: SparqlStore, copy: Callable[[], ox.Store] | None) -> Callable[[], ox.Store]:
    """``store`` itself when it is a pyoxigraph store, else ``copy()``, made once on first use."""
    if isinstance(store, ox.Store):
        return lambda: store
    if copy is None:
        raise ValueError("a store that is not a pyoxigraph Store needs copy")
    return functools.cache(copy)


def run_fast(
    *,
    data_graph: Graph | None = None,
    store: SparqlStore | None = None,
    shapes_graph: Graph,
    written: WrittenForms | None = None,
    written_graph: Callable[[], Graph] | None = None,
    copy: Callable[[], ox.Store] | None = None,
    report: list[ShaclReport] | None = None,
) -> list[Finding]:
    """The findings of the rules (shapes with ``ropa:ruleId``) of ``shapes_graph`` on ``store`` (or
    ``data_graph``), sorted: :func:`validate_fast`'s results read by
    :func:`ropa_kg.rules.results.findings_from_results`. A finding names the data's own terms as written.
    ``report``, when given, receives the :class:`~ropa_kg.rules.results.ShaclReport` (which shapes ran
    where).

    Raises:
        as :func:`validate_fast`.
    """
    shacl = validate_fast(
        data_graph=data_graph,
        store=store,
        shapes_graph=shapes_graph,
        written=written,
        written_graph=written_graph,
        all_shapes=False,
        copy=copy,
    )
    if report is not None:
        report.append(shacl)
    rules = [p.rule for p in compile_plans(shapes_graph, ox.Store()) if p.rule is not None]
    return findings_from_results(shacl.results, _unique_rules(rules, shapes_graph))


def _unique_rules(rules: Iterable[Rule], shapes_graph: Graph) -> list[Rule]:
    by_shape = {r.shape: r for r in rules}
    for shape in shapes_graph.subjects(ROPA.ruleId, None):
        rule = read_rule(shapes_graph, shape, complete=False)
        by_shape.setdefault(rule.shape, rule)
    return list(by_shape.values())


# --------------------------------------------------------------------------------------------------
# Literals the store does not keep as written
# --------------------------------------------------------------------------------------------------


def _graph_written(graph: Graph | None) -> WrittenForms | None:
    """The typed literals of ``graph`` as it holds them (rdflib keeps the lexical form when parsed with
    :func:`ropa_kg.load.graph.literals_as_written`). An ill-typed literal rdflib has rewritten to a valid
    form (``"none"^^xsd:boolean`` read as ``"false"`` by a normalising parse) is given as an impossible
    literal, so that it counts as lossy."""
    if graph is None:
        return None
    found: set[ox.Literal] = set()
    for o in set(graph.objects()):
        if isinstance(o, Literal) and o.datatype is not None and o.language is None:
            term = to_oxigraph(o)
            if o.ill_typed and not _ill_typed_text(str(o), str(o.datatype)):
                found.add(ox.Literal(f"{term.value} (ill-typed)", datatype=term.datatype))  # type: ignore[union-attr]  # a literal
                continue
            if isinstance(term, ox.Literal):
                found.add(term)
    return WrittenForms.of_terms(found)


def _lossy_literals(written: WrittenForms | None) -> set[ox.Literal]:
    """The store's literals that some written literal takes another form to become."""
    if written is None:
        return set()
    return written.lossy()


def _route_lossy(store: ox.Store, plans: Sequence[ShapePlan], lossy: set[ox.Literal], shapes: Graph) -> None:
    """Send to pyshacl every node shape group that may read a literal of ``lossy``: a value node among
    them (asked of the store), a SPARQL query that names a predicate some such literal is the object of
    or has a variable predicate (unless it reads only forward from ``$this`` and no such literal is
    reachable from a focus node), ``sh:closed`` on value nodes holding one, or a target reaching one."""
    carriers = _carrying_predicates(store, lossy)
    values = " ".join(sorted(to_rdflib(t).n3() for t in lossy))  # type: ignore[union-attr]  # literals
    groups = _by_root(plans)
    for root, members in groups.items():
        reads = _target_reads(shapes, root, carriers) or any(
            _plan_reads(store, plan, carriers, values) for plan in _all_plans(members)
        )
        if reads:
            for p in members:
                p.engine = "pyshacl"


def _carrying_predicates(store: ox.Store, lossy: set[ox.Literal]) -> frozenset[str]:
    """The predicates with a literal of ``lossy`` as an object."""
    values = " ".join(sorted(to_rdflib(t).n3() for t in lossy))  # type: ignore[union-attr]  # literals
    solutions = store.query(f"SELECT DISTINCT ?p WHERE {{ VALUES ?o {{ {values} }} ?s ?p ?o }}")
    assert isinstance(solutions, ox.QuerySolutions)
    return frozenset(row["p"].value for row in solutions)


def _target_reads(shapes: Graph, root: Node, carriers: frozenset[str]) -> bool:
    """Whether the node shape's targets reach a literal the store does not keep as written."""
    if any(str(p) in carriers for p in shapes.objects(root, SH.targetObjectsOf)):
        return True
    return any(
        isinstance(n, Literal)
        and n.datatype is not None
        and _stored_form(str(n), str(n.datatype)) != (str(n), str(n.datatype))
        for n in shapes.objects(root, SH.targetNode)
    )


def _all_plans(plans: Iterable[ShapePlan]) -> Iterator[ShapePlan]:
    for plan in plans:
        yield plan
        yield from _all_plans(plan.nested)


def _plan_reads(store: ox.Store, plan: ShapePlan, carriers: frozenset[str], values: str) -> bool:
    if plan.is_property:
        value_nodes = f"{plan.focus} ?this {plan.path_sparql} ?__v"
    else:
        value_nodes = f"{plan.focus} BIND(?this AS ?__v)"
    path = _path_iris(plan.path) if plan.path is not None else set()
    if path & carriers and _ask(store, f"{value_nodes} VALUES ?__v {{ {values} }}"):
        return True
    return any(
        _reads_of_check(store, plan, check, carriers, path, values, value_nodes) for check in plan.checks
    )


def _reads_of_check(
    store: ox.Store,
    plan: ShapePlan,
    check: Check,
    carriers: frozenset[str],
    path: set[str],
    values: str,
    value_nodes: str,
) -> bool:
    """Whether one check may read a literal of ``values`` beyond the value nodes (asked already)."""
    if check.component == "Closed":
        return _ask(store, f"{value_nodes} ?__v ?__p ?__l VALUES ?__l {{ {values} }}")
    if check.source is not None:
        return _check_reads(check, carriers) and _sparql_reads(store, plan, check, values)
    return _check_reads(check, carriers - path)  # a property pair (sh:equals...) naming such a predicate


def _sparql_reads(store: ox.Store, plan: ShapePlan, check: Check, values: str) -> bool:
    """Whether a SPARQL check may read a literal of ``values``: true unless its query reads only forward
    from ``$this`` and none is reachable forward from a focus node."""
    backward = frozenset({"PATH"}) if plan.path is not None and "inverse" in repr(plan.path) else frozenset()
    if not reads_forward_from(check.source or "", "this", backward_variables=backward):
        return True
    any_step = "(<urn:ropa-kg:any>|!<urn:ropa-kg:any>)*"
    return _ask(store, f"{plan.focus} ?this {any_step} ?__x . ?__x ?__p ?__l VALUES ?__l {{ {values} }}")


def _ask(store: ox.Store, pattern: str) -> bool:
    answer = store.query(f"ASK {{ {pattern} }}")
    assert isinstance(answer, ox.QueryBoolean)
    return bool(answer)


def _path_iris(expr: PathExpr) -> set[str]:
    if isinstance(expr, URIRef):
        return {str(expr)}
    _kind, operand = expr
    items = operand if isinstance(operand, tuple) and not isinstance(operand, URIRef) else (operand,)
    return {iri for item in items for iri in _path_iris(item)}


_PREFIX_LINE = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_TERM_KINDS = frozenset({"var", "iri", "pname"})


def _check_reads(check: Check, carriers: frozenset[str]) -> bool:
    """Whether ``check``'s query may read a triple whose predicate is in ``carriers``."""
    if check.component == "Closed":
        return True
    prefixes = {m.group(1) or "": m.group(2) for m in _PREFIX_LINE.finditer(check.query)}
    tokens = code(tokenize(check.query))
    listing = False  # inside a projection or a GROUP BY list: variables side by side are no triple
    for k, t in enumerate(tokens):
        if t.is_keyword("SELECT", "BY"):
            listing = True
        elif t.is_keyword("WHERE", "HAVING", "ORDER", "LIMIT", "OFFSET") or t.text in ("{", "}"):
            listing = False
        if t.kind == "iri" and t.text[1:-1] in carriers:
            return True
        if t.kind == "pname":
            prefix, _, local = t.text.partition(":")
            if prefixes.get(prefix, "\0") + local in carriers:
                return True
        if t.text == "!" and 0 < k < len(tokens) - 1 and _negated_set(tokens[k - 1], tokens[k + 1]):
            return True  # a negated property set
        if (
            not listing
            and t.kind == "var"
            and 0 < k < len(tokens) - 1
            and _between_terms(tokens[k - 1], tokens[k + 1])
        ):
            return True  # a variable predicate (or a projection: either way, read conservatively)
    return False


def _negated_set(before: Token, after: Token) -> bool:
    """``!`` in a predicate position (after a subject or a path operator), not a boolean negation."""
    after_subject = before.kind in _TERM_KINDS or before.text in ("]", ";", "/", "|")
    return after_subject and (after.is_name or after.kind == "iri" or after.text in ("(", "^"))


def _between_terms(before: Token, after: Token) -> bool:
    subject_end = before.kind in _TERM_KINDS or before.text in ("]", ";")
    object_start = after.kind in _TERM_KINDS or after.kind == "string" or after.text in ("[", "(")
    return subject_end and object_start and not before.is_keyword("SELECT", "BY", "AS")


# --------------------------------------------------------------------------------------------------
# pyshacl: the fallback for shapes that cannot be compiled exactly
# --------------------------------------------------------------------------------------------------


def _fallback_graph(
    store: ox.Store, written: WrittenForms | None, written_graph: Callable[[], Graph] | None
) -> Graph:
    """The data pyshacl runs on: the store copied into rdflib with each literal the store does not keep
    as written put back as the files write it; where such a literal hangs off a blank node (whose label
    in the store is not the parser's), ``written_graph()``, the files parsed again."""
    triples = written.lossy_triples() if written is not None else None
    if triples and any(isinstance(s, ox.BlankNode) for s, _, _ in triples) and written_graph is not None:
        return written_graph()
    graph = rdflib_copy(store)
    for subject, predicate, literal in triples or ():
        canonical = _stored_form(literal.value, literal.datatype.value)
        stored = Literal(canonical[0], datatype=URIRef(canonical[1]), normalize=False)
        graph.remove((to_rdflib(subject), to_rdflib(predicate), stored))
    for subject, predicate, literal in triples or ():
        graph.add((to_rdflib(subject), to_rdflib(predicate), to_rdflib(literal)))  # type: ignore[arg-type]  # terms
    return graph


def _run_with_pyshacl(plans: Sequence[ShapePlan], shapes_graph: Graph, data: Graph) -> list[ShaclResult]:
    """Run pyshacl with only the node shapes of ``plans`` targeting anything; return their results.

    Raises:
        RopaInputError: pyshacl rejects the shapes (the cause is named).
    """
    from pyshacl import validate

    wanted = {p.root for p in plans}
    restricted = Graph()
    for triple in shapes_graph:
        restricted.add(triple)
    # the other node shapes lose their targets, not their meaning: a shape may name them (sh:node, sh:xone)
    for shape in _node_shapes(shapes_graph):
        if shape not in wanted:
            for target in (*TARGET_PARAMETERS, SH.target):
                restricted.remove((shape, target, None))
            restricted.remove((shape, RDF.type, RDFS.Class))
    try:
        _conforms, report, _text = validate(data, shacl_graph=restricted, inference="none", advanced=False)
    except Exception as exc:
        raise RopaInputError(f"the shapes cannot be run by pyshacl: {exc}") from exc
    assert isinstance(report, Graph)
    return results_from_report(report)
