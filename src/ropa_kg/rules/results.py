"""SHACL validation results as the W3C report states them, for any shapes graph.

Both engines produce :class:`ShaclResult` values (the fast engine directly, pySHACL through
:func:`results_from_report`); :func:`findings_from_results` turns the results of the project's rules (shapes
carrying ``ropa:ruleId``) into findings, and :func:`ropa_kg.render.report.shacl_report_graph` writes any
results back as a standard ``sh:ValidationReport``. A result's path is a
:data:`~ropa_kg.rules.shapes.PathExpr` (compared by structure, not by the blank nodes that spell it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ropa_kg.core.findings import Finding, Severity
from ropa_kg.rules.shapes import PathExpr, Rule, node_id, path_as_text, read_path, rules_by_shape


@dataclass(frozen=True)
class ShaclResult:
    """One ``sh:ValidationResult``: terms of the data (focus node, value), of the shapes (source shape) and
    the path as a structure. Two results are equal when all but the messages are."""

    focus: Node
    component: URIRef
    source_shape: Node
    severity: URIRef
    path: PathExpr | None = None
    value: Node | None = None
    messages: tuple[Literal, ...] = field(default=(), compare=False)

    def sort_key(self) -> tuple[str, ...]:
        """A total order for output (terms by their N-Triples text)."""
        return (
            node_id(self.focus),
            path_as_text(self.path) or "",
            node_id(self.value) if self.value is not None else "",
            str(self.component),
            node_id(self.source_shape),
            str(self.severity),
        )


@dataclass
class ShaclReport:
    """The results of validating data against a shapes graph, and which engine ran each node shape
    (``"fast"`` compiled to SPARQL, ``"pyshacl"`` the fallback)."""

    results: list[ShaclResult]
    engines: dict[Node, str] = field(default_factory=dict)
    #: node shapes a remote store refused a query of, run on a local copy of its graph instead (the cause)
    copied: dict[Node, str] = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        """SHACL's ``sh:conforms``: true when there is no result at all (of any severity)."""
        return not self.results


def results_from_report(report: Graph) -> list[ShaclResult]:
    """Read a W3C ``sh:ValidationReport`` graph (as pyshacl writes it) into results, sorted.

    Only the results the report lists (``sh:result``) count, not those nested under ``sh:detail``; a graph
    without a report node is read for every ``sh:ValidationResult``. Results without a focus node, a
    source shape or a severity are skipped (a report never lacks them); a
    missing constraint component reads as ``sh:ConstraintComponent``.
    """
    results: list[ShaclResult] = []
    listed = {
        r for rep in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(rep, SH.result)
    }
    # the results the report lists (pyshacl also types the nested results of sh:node under sh:detail)
    nodes = listed or set(report.subjects(RDF.type, SH.ValidationResult))
    for node in sorted(nodes, key=str):
        focus = report.value(node, SH.focusNode)
        shape = report.value(node, SH.sourceShape)
        component = report.value(node, SH.sourceConstraintComponent)
        severity = report.value(node, SH.resultSeverity)
        if focus is None or shape is None or severity is None:
            continue
        path = report.value(node, SH.resultPath)
        results.append(
            ShaclResult(
                focus=focus,
                component=component if isinstance(component, URIRef) else SH.ConstraintComponent,
                source_shape=shape,
                severity=URIRef(str(severity)),
                path=read_path(report, path) if path is not None else None,
                value=report.value(node, SH.value),
                messages=tuple(
                    sorted(
                        (m for m in report.objects(node, SH.resultMessage) if isinstance(m, Literal)), key=str
                    )
                ),
            )
        )
    return sorted(results, key=ShaclResult.sort_key)


def findings_from_results(results: Iterable[ShaclResult], rules: Iterable[Rule]) -> list[Finding]:
    """The findings of ``rules`` among ``results``, sorted.

    A result belongs to the rule whose shape is its source shape; results of other shapes (those without
    ``ropa:ruleId``) are skipped. The finding carries the result's focus node, severity, path (as
    :func:`~ropa_kg.rules.shapes.path_as_text` writes it) and value (``None`` when it is just the focus
    node); its message is the result's first message, or the rule's message when it has none; its source
    shape, legal reference and family are the rule's.

    The results of a notice- or controller-scope rule (:attr:`Rule.scope`) on one focus node are one
    finding (:func:`merged_finding`): their values are the activities it ``affects``.

    Raises:
        ValueError: the severity of a rule's result is not a SHACL severity.
    """
    by_shape = rules_by_shape(rules)
    findings: list[Finding] = []
    scoped: dict[tuple[str, str], list[ShaclResult]] = defaultdict(list)
    for result in results:
        rule = by_shape.get(node_id(result.source_shape))
        if rule is None:
            continue
        if rule.scope.merges:
            scoped[(rule.shape, node_id(result.focus))].append(result)
        else:
            findings.append(_finding(result, rule))
    findings.extend(merged_finding(by_shape[shape], group) for (shape, _focus), group in scoped.items())
    return sorted(findings)


def _finding(result: ShaclResult, rule: Rule) -> Finding:
    """The finding of one result of an activity-scope rule."""
    return Finding(
        rule_id=rule.rule_id,
        focus_node=node_id(result.focus),
        severity=Severity.from_iri(str(result.severity)),
        path=path_as_text(result.path),
        message=str(result.messages[0]) if result.messages else rule.message,
        source_shape=rule.shape,
        value=node_id(result.value) if result.value is not None and result.value != result.focus else None,
        legal_reference=rule.legal_reference,
        family=rule.family,
    )


def merged_finding(rule: Rule, results: Sequence[ShaclResult]) -> Finding:
    """One finding for the results of a notice- or controller-scope ``rule`` on one focus node.

    Its ``affects`` are the results' values other than the focus node (sorted, distinct) and its value
    None; its severity is the rule's; its path the results' path when they share one, else None; its
    message the results' first message when they all give the same one, else the rule's.
    """
    focus = results[0].focus
    affects = sorted({node_id(r.value) for r in results if r.value is not None and r.value != focus})
    paths = {path_as_text(r.path) for r in results}
    messages = {str(r.messages[0]) if r.messages else rule.message for r in results}
    return Finding(
        rule_id=rule.rule_id,
        focus_node=node_id(focus),
        severity=rule.severity,
        path=paths.pop() if len(paths) == 1 else None,
        message=messages.pop() if len(messages) == 1 else rule.message,
        source_shape=rule.shape,
        value=None,
        legal_reference=rule.legal_reference,
        family=rule.family,
        affects=tuple(affects),
    )


def findings_from_report(report: Graph, rules: Iterable[Rule]) -> list[Finding]:
    """:func:`findings_from_results` of :func:`results_from_report`: a pyshacl report's findings of
    ``rules``."""
    return findings_from_results(results_from_report(report), rules)


def sorted_results(results: Sequence[ShaclResult]) -> list[ShaclResult]:
    """``results`` in output order (:meth:`ShaclResult.sort_key`), duplicates kept."""
    return sorted(results, key=ShaclResult.sort_key)


__all__ = [
    "ShaclReport",
    "ShaclResult",
    "findings_from_report",
    "findings_from_results",
    "merged_finding",
    "results_from_report",
    "sorted_results",
]
