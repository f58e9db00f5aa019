"""The rule set: loading the SHACL shapes, reading each rule into a typed :class:`Rule`, and reading
pyshacl's report back into findings of those rules.

A rule is one shape carrying ``ropa:ruleId``; its severity, message, article (``ropa:article``), legal
reference (``ropa:legalReference``), family (``ropa:family``) and scope (``ropa:scope``) are read from
that same shape and from nowhere else (a property shape inherits nothing from the node shape holding it).
:func:`read_rule` is the one reader: the catalogue
(:func:`rule_catalogue`) and the fast engine's plans take a rule's metadata from it, and
:func:`ropa_kg.rules.results.findings_from_results` (both engines) names findings from those rules, so a
rule is described in exactly one place: ``shapes/*.ttl``. :data:`CONSTRAINT_COMPONENTS` is the one table
of the constraint components the project's rules use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.findings import Family, Scope, Severity
from ropa_kg.core.namespaces import ROPA, bind_prefixes
from ropa_kg.core.resources import shapes_dir as default_shapes_dir
from ropa_kg.load.graph import collect_files, parse_into
from ropa_kg.sparql.guard import check_read_only
from ropa_kg.sparql.prebinding import check_prebinding

#: The namespace of the project's shapes (prefix ``rs:``).
SHAPES_NS = "https://w3id.org/ropa-kg/shapes#"

#: The SHACL constraint components the project's rules use, by their parameter, in the order the fast
#: engine compiles them (it compiles all of SHACL Core: ``fast_engine.CORE_COMPONENTS``). A rule's results
#: come from the component of the first parameter (in this order) its shape carries
#: (:attr:`Rule.constraint_component`).
CONSTRAINT_COMPONENTS: Mapping[URIRef, URIRef] = MappingProxyType(
    {
        SH.minCount: SH.MinCountConstraintComponent,
        SH.maxCount: SH.MaxCountConstraintComponent,
        SH["class"]: SH.ClassConstraintComponent,
        SH.datatype: SH.DatatypeConstraintComponent,
        SH.nodeKind: SH.NodeKindConstraintComponent,
        SH["in"]: SH.InConstraintComponent,
        SH.hasValue: SH.HasValueConstraintComponent,
        SH.pattern: SH.PatternConstraintComponent,
        SH.sparql: SH.SPARQLConstraintComponent,
    }
)


@dataclass(frozen=True)
class Rule:
    """What one rule checks and where it comes from in the law.

    ``family`` is the family of its findings (:class:`~ropa_kg.core.findings.Family`, its display name
    ``family.label``); ``scope`` whose duty it checks (:class:`~ropa_kg.core.findings.Scope`): with the
    notice or controller scope, the results on one focus node are one finding naming the activities it
    affects.
    """

    rule_id: str
    shape: str
    severity: Severity
    title: str
    description: str
    article: str
    message: str
    legal_reference: str | None = None
    see_also: tuple[str, ...] = ()
    constraint_component: str = str(SH.SPARQLConstraintComponent)
    related_properties: tuple[str, ...] = ()
    family: Family = Family.RECORD
    scope: Scope = Scope.ACTIVITY

    @property
    def group(self) -> str:
        """The id's second part (``A30``, ``TRANSFER``, ``RIGHT``, ``WAIVER`` ...): a finer grouping than
        the family, e.g. for JUnit class names."""
        parts = self.rule_id.split("-")
        return parts[1] if len(parts) > 1 else self.rule_id


def shape_files(shapes_dir: Path | str | None = None) -> list[Path]:
    """The Turtle files of the rule set in ``shapes_dir`` (default: the bundled ``shapes/``).

    Raises:
        RopaInputError: the folder does not exist or holds no RDF file.
    """
    return collect_files([shapes_dir if shapes_dir is not None else default_shapes_dir()])


def load_shapes(shapes_dir: Path | str | None = None) -> Graph:
    """Parse every file of the rule set into one shapes graph.

    Raises:
        RopaInputError: a file is missing or cannot be parsed (file, line and cause are named).
    """
    graph = bind_prefixes(Graph())
    graph.bind("rs", SHAPES_NS)
    for path in shape_files(shapes_dir):
        part = Graph()
        parse_into(part, path)
        guard_shapes(part, source=path)
        for prefix, namespace in part.namespaces():
            graph.bind(prefix, namespace, override=False)
        graph += part
    return graph


#: Properties whose values are SPARQL texts that a SHACL engine runs: constraints' and constraint
#: components' validators (``sh:select``, ``sh:ask``), SHACL-AF rules and targets (``sh:construct``),
#: and ``sh:update``, which no engine should ever run.
SPARQL_TEXT_PROPERTIES: tuple[URIRef, ...] = (SH.select, SH.ask, SH.construct, SH.update)
_VALIDATOR_PROPERTIES = (SH.validator, SH.nodeValidator, SH.propertyValidator)


def guard_shapes(shapes: Graph, *, source: Path | str | None = None) -> None:
    """Put every SPARQL text of ``shapes`` through :func:`ropa_kg.sparql.guard.check_read_only` before
    any engine sees it, so that a shapes file can never make the validator send a request (``SERVICE``)
    or change data (SPARQL Update). Both engines, and the pyshacl fallback, run only guarded shapes.

    A constraint's or validator's query must also be one SHACL allows with its pre-bound variables
    (:func:`ropa_kg.sparql.prebinding.check_prebinding`: no ``MINUS``, ``VALUES``, ``AS ?this``...).

    Raises:
        RopaUsageError: a text is an update or uses ``SERVICE``; names ``source`` and the shape.
        RopaInputError: a text is not a SPARQL query, or one SHACL forbids (``ForbiddenQuery``); names
            ``source`` and the shape.
    """
    for prop in SPARQL_TEXT_PROPERTIES:
        for holder, text in sorted(shapes.subject_objects(prop), key=lambda pair: str(pair[0])):
            where = f"{source}: " if source is not None else ""
            named = f"{where}{_owner(shapes, holder)}"
            check_read_only(str(text), source=named, strict=False)
            prebound = _prebound(shapes, holder, prop)
            if prebound is not None:
                check_prebinding(str(text), prebound=prebound, source=named)


_PREBOUND = ("this", "currentShape", "shapesGraph")


def _prebound(shapes: Graph, holder: Node, prop: URIRef) -> set[str] | None:
    """The variables SHACL pre-binds in the query ``holder`` holds (None: not a constraint's or
    validator's query, e.g. a SHACL-AF rule or target)."""
    if prop == SH.select and (None, SH.sparql, holder) in shapes:
        return set(_PREBOUND)
    components = {c for v in _VALIDATOR_PROPERTIES for c in shapes.subjects(v, holder)}
    if not components:
        return None
    names = {
        re.split(r"[#/]", str(path))[-1]
        for c in components
        for parameter in shapes.objects(c, SH.parameter)
        if (path := shapes.value(parameter, SH.path)) is not None
    }
    return {*_PREBOUND, *names, *(["value"] if prop == SH.ask else [])}


def _owner(shapes: Graph, holder: Node) -> str:
    """How to name the node holding a SPARQL text: the shape (or constraint component) it belongs to."""
    for prop in (SH.sparql, SH.target, SH.rule, *_VALIDATOR_PROPERTIES):
        for owner in sorted(shapes.subjects(prop, holder), key=str):
            if isinstance(owner, URIRef):
                kind = "constraint component" if prop in _VALIDATOR_PROPERTIES else "shape"
                return f"{kind} <{owner}>"
    if isinstance(holder, URIRef):
        return f"shape <{holder}>"
    return "a shape (blank node)"


def rule_catalogue(shapes: Graph, *, complete: bool = True) -> dict[str, Rule]:
    """Every rule of ``shapes`` by rule id, sorted by rule id, each read by :func:`read_rule` (``complete``:
    the rule set's demands on a rule; false for shapes that are not the project's, e.g. test shapes).

    Raises:
        RopaInputError: two shapes share a rule id, a rule id is not a literal, a severity is not a SHACL
            severity, a family or scope is not one of the ontology's, or (with ``complete``) a rule lacks
            its severity, message, article or family.
    """
    rules: dict[str, Rule] = {}
    for shape in sorted(set(shapes.subjects(ROPA.ruleId, None)), key=str):
        rule = read_rule(shapes, shape, complete=complete)
        if rule.rule_id in rules:
            raise RopaInputError(
                f"rule id {rule.rule_id} is used by two shapes: <{rules[rule.rule_id].shape}> and <{shape}>"
            )
        rules[rule.rule_id] = rule
    return dict(sorted(rules.items()))


def rules_by_shape(rules: Iterable[Rule]) -> dict[str, Rule]:
    """Index rules by the IRI (or blank node id) of their shape."""
    return {rule.shape: rule for rule in rules}


def literal_text(graph: Graph, node: Node, prop: URIRef) -> str | None:
    """The English (or untagged) literal of ``prop`` on ``node``, else any literal (the smallest text
    first, so the choice is stable), else None."""
    values = [o for o in graph.objects(node, prop) if isinstance(o, Literal)]
    for value in sorted(values, key=lambda v: (v.language not in ("en", None), str(v))):
        return str(value)
    return None


def read_rule(shapes: Graph, shape: Node, *, complete: bool = True) -> Rule:
    """The rule of ``shape`` (a shape carrying ``ropa:ruleId``), read from that shape's own triples.

    With ``complete`` (the rule set's own demand, as :func:`rule_catalogue` reads it), ``sh:severity``,
    ``sh:message``, ``ropa:article`` and ``ropa:family`` are required. Without it (the fast engine on any
    shapes graph), a shape without ``sh:severity`` has SHACL's default ``sh:Violation``, a missing message
    or article is ``""`` and a missing family the record's. The legal reference is the shape's
    ``ropa:legalReference`` or None; the scope its ``ropa:scope`` or the activity scope.

    Raises:
        RopaInputError: ``ropa:ruleId`` is not a literal, the severity is not a SHACL severity, the family
            or scope is not one of the ontology's (or given twice), or (with ``complete``) the severity,
            message, article or family is missing. The shape and rule id are named.
    """
    rule_id = literal_text(shapes, shape, ROPA.ruleId)
    where = f"shape <{shape}>"
    if not rule_id:
        raise RopaInputError(f"{where}: ropa:ruleId is not a literal")
    severity_node = shapes.value(shape, SH.severity)
    if severity_node is None and complete:
        raise RopaInputError(f"{where} ({rule_id}): no sh:severity")
    try:
        severity = Severity.from_iri(str(severity_node)) if severity_node is not None else Severity.VIOLATION
    except ValueError as exc:
        raise RopaInputError(f"{where} ({rule_id}): {exc}") from exc
    message = literal_text(shapes, shape, SH.message)
    article = literal_text(shapes, shape, ROPA.article)
    if complete and (not message or not article):
        raise RopaInputError(f"{where} ({rule_id}): sh:message and ropa:article are required")
    reference = shapes.value(shape, ROPA.legalReference)
    family, scope = _family_and_scope(shapes, shape, f"{where} ({rule_id})", complete=complete)
    return Rule(
        rule_id=rule_id,
        shape=node_id(shape),
        severity=severity,
        title=literal_text(shapes, shape, RDFS.label) or rule_id,
        description=literal_text(shapes, shape, RDFS.comment) or message or "",
        article=article or "",
        message=message or "",
        legal_reference=str(reference) if reference is not None else None,
        see_also=tuple(sorted(str(o) for o in shapes.objects(shape, RDFS.seeAlso))),
        constraint_component=str(_component(shapes, shape)),
        related_properties=tuple(sorted(str(o) for o in shapes.objects(shape, ROPA.relatedProperty))),
        family=family,
        scope=scope,
    )


def _family_and_scope(shapes: Graph, shape: Node, where: str, *, complete: bool) -> tuple[Family, Scope]:
    """The rule's ``ropa:family`` (required with ``complete``, else the record's by default) and
    ``ropa:scope`` (the activity scope by default).

    Raises:
        RopaInputError: a value is not one of the ontology's terms, there are two, or (with ``complete``)
            the family is missing; ``where`` names the shape and rule.
    """
    families = sorted(str(o) for o in shapes.objects(shape, ROPA.family))
    scopes = sorted(str(o) for o in shapes.objects(shape, ROPA.scope))
    if not families and complete:
        raise RopaInputError(
            f"{where}: no ropa:family (one of ropa:RecordFamily, ropa:NoticeFamily, ropa:LawfulnessFamily)"
        )
    for name, values in (("ropa:family", families), ("ropa:scope", scopes)):
        if len(values) > 1:
            raise RopaInputError(f"{where}: {len(values)} values of {name}; expected one")
    try:
        family = Family.from_iri(families[0]) if families else Family.RECORD
        scope = Scope.from_iri(scopes[0]) if scopes else Scope.ACTIVITY
    except ValueError as exc:
        raise RopaInputError(f"{where}: {exc}") from exc
    return family, scope


def _component(shapes: Graph, shape: Node) -> URIRef:
    """The SHACL constraint component a rule's results come from (its first constraint parameter)."""
    for parameter, component in CONSTRAINT_COMPONENTS.items():
        if (shape, parameter, None) in shapes:
            return component
    return SH.SPARQLConstraintComponent


def node_id(node: Node) -> str:
    """A stable string for a focus node or value: the IRI, ``_:id`` for a blank node, the literal's text."""
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


#: A SHACL property path as a value (hashable, compared structurally): an IRI, or a pair of a kind and its
#: operand: ``("inverse", P)``, ``("zeroOrMore", P)``, ``("oneOrMore", P)``, ``("zeroOrOne", P)``, or
#: ``("sequence", (P, ...))``, ``("alternative", (P, ...))``.
PathExpr = URIRef | tuple[str, Any]

_PATH_KINDS: dict[URIRef, str] = {
    SH.inversePath: "inverse",
    SH.zeroOrMorePath: "zeroOrMore",
    SH.oneOrMorePath: "oneOrMore",
    SH.zeroOrOnePath: "zeroOrOne",
}
_PATH_SUFFIX = {"zeroOrMore": "*", "oneOrMore": "+", "zeroOrOne": "?"}


def read_path(graph: Graph, path: Node) -> PathExpr:
    """The SHACL path at ``path`` in ``graph`` as a :data:`PathExpr`.

    Raises:
        RopaInputError: ``path`` is not a well-formed SHACL path (a literal, an unknown form, a list of
            fewer than two members, a cycle).
    """
    return _read_path(graph, path, frozenset())


def _read_path(graph: Graph, path: Node, seen: frozenset[Node]) -> PathExpr:
    if isinstance(path, URIRef):
        return path
    if not isinstance(path, BNode) or path in seen:
        raise RopaInputError(f"not a SHACL path: {path!r}")
    seen = seen | {path}
    if (path, RDF.first, None) in graph:
        items = tuple(_read_path(graph, item, seen) for item in Collection(graph, path))
        if len(items) < 2:
            raise RopaInputError("a SHACL sequence path needs at least two members")
        return ("sequence", items)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        items = tuple(_read_path(graph, item, seen) for item in Collection(graph, alternatives))
        if len(items) < 2:
            raise RopaInputError("a SHACL alternative path needs at least two members")
        return ("alternative", items)
    for predicate, kind in _PATH_KINDS.items():
        inner = graph.value(path, predicate)
        if inner is not None:
            return (kind, _read_path(graph, inner, seen))
    raise RopaInputError(f"unsupported SHACL path {path!r}")


def path_expression(expr: PathExpr) -> str:
    """``expr`` in SPARQL property-path syntax with full IRIs (``<a>``, ``^<a>``, ``(<a>/<b>)``,
    ``(<a>|<b>)``, ``<a>*``, ``(^<a>)+``): usable in a query and as the text of a finding's path."""
    if isinstance(expr, URIRef):
        return f"<{expr}>"
    kind, operand = expr
    if kind == "sequence":
        return "(" + "/".join(path_expression(item) for item in operand) + ")"
    if kind == "alternative":
        return "(" + "|".join(path_expression(item) for item in operand) + ")"
    inner = path_expression(operand)
    if kind == "inverse":
        return f"^{inner}"
    if not isinstance(operand, URIRef) and not inner.startswith("("):
        inner = f"({inner})"
    return inner + _PATH_SUFFIX[kind]


def path_as_text(expr: PathExpr | None) -> str | None:
    """How a finding names a path: the bare IRI for a predicate path, else :func:`path_expression`."""
    if expr is None:
        return None
    return str(expr) if isinstance(expr, URIRef) else path_expression(expr)


def write_path(expr: PathExpr, graph: Graph) -> Node:
    """Add ``expr`` to ``graph`` as SHACL path triples (fresh blank nodes) and return its node."""
    if isinstance(expr, URIRef):
        return expr
    kind, operand = expr
    node = BNode()
    if kind in ("sequence", "alternative"):
        items = [write_path(item, graph) for item in operand]
        head = BNode()
        Collection(graph, head, items)
        if kind == "sequence":
            return head
        graph.add((node, SH.alternativePath, head))
        return node
    predicate = next(p for p, k in _PATH_KINDS.items() if k == kind)
    graph.add((node, predicate, write_path(operand, graph)))
    return node


def path_text(graph: Graph, path: Node | None) -> str | None:
    """Write a SHACL property path as a SPARQL path string with full IRIs (``None`` for no path).

    A predicate path is the bare IRI (so simple paths compare equal to plain IRIs); other paths use
    ``<iri>``, ``^``, ``/``, ``|``, ``*``, ``+`` and ``?`` (:func:`path_expression`), e.g. ``(<a>|<b>)``.
    Both engines write paths this way.

    Raises:
        RopaInputError: ``path`` is not a well-formed SHACL path.
    """
    if path is None:
        return None
    return path_as_text(read_path(graph, path))


__all__ = [
    "CONSTRAINT_COMPONENTS",
    "SHAPES_NS",
    "SPARQL_TEXT_PROPERTIES",
    "PathExpr",
    "Rule",
    "guard_shapes",
    "literal_text",
    "load_shapes",
    "node_id",
    "path_as_text",
    "path_expression",
    "path_text",
    "read_path",
    "read_rule",
    "rule_catalogue",
    "rules_by_shape",
    "shape_files",
    "write_path",
]
