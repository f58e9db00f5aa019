"""Waivers: accepted risks kept in RDF beside the data.

A waiver is a ``ropa:Waiver`` naming a rule id (``ropa:rule``), a focus node (``ropa:focusNode``),
optionally one value (``ropa:value``, e.g. the recipient of a transfer), a justification, an owner and
the last day it applies (``ropa:expires``, an ``xsd:date``)::

    ex:waiver-google a ropa:Waiver ;
        ropa:rule "ROPA-TRANSFER-MECHANISM" ;
        ropa:focusNode alu:Website ;
        ropa:value alu:Google ;
        ropa:justification "SCCs being signed; legal review 2026-Q1." ;
        ropa:owner "dpo@example.com" ;
        ropa:expires "2026-12-31"^^xsd:date .

Findings a valid waiver matches are reported apart and do not fail the build. A waiver past its expiry
date waives nothing and is itself a finding (``ROPA-WAIVER-EXPIRED``); so is a waiver that matches no
finding (``ROPA-WAIVER-UNUSED``). Both are violations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.findings import Family, Finding, Severity
from ropa_kg.core.namespaces import ROPA
from ropa_kg.rules.shapes import SHAPES_NS, Rule, node_id

EXPIRED_RULE = "ROPA-WAIVER-EXPIRED"
UNUSED_RULE = "ROPA-WAIVER-UNUSED"

#: The two rules about waivers themselves; they are checked in Python because they depend on "today".
WAIVER_RULES: dict[str, Rule] = {
    EXPIRED_RULE: Rule(
        rule_id=EXPIRED_RULE,
        shape=SHAPES_NS + "WaiverExpired",
        severity=Severity.VIOLATION,
        title="Waivers are renewed or removed when they expire",
        description="A waiver whose ropa:expires date has passed no longer waives anything and fails "
        "the build.",
        article="ropa-kg waiver policy",
        message="The waiver has expired. Fix the finding it covered, or renew the waiver with a new "
        "justification and expiry date.",
        constraint_component=str(ROPA.WaiverConstraintComponent),
        family=Family.RECORD,
    ),
    UNUSED_RULE: Rule(
        rule_id=UNUSED_RULE,
        shape=SHAPES_NS + "WaiverUnused",
        severity=Severity.VIOLATION,
        title="Waivers match a finding",
        description="A waiver that matches no finding (fixed, renamed or mistyped) fails the build.",
        article="ropa-kg waiver policy",
        message="The waiver matches no finding. Remove it, or correct its rule id, focus node or value.",
        constraint_component=str(ROPA.WaiverConstraintComponent),
        family=Family.RECORD,
    ),
}


@dataclass(frozen=True)
class Waiver:
    """One accepted risk."""

    iri: str
    rule_id: str
    focus_node: str
    justification: str
    owner: str
    expires: dt.date
    value: str | None = None

    def matches(self, finding: Finding) -> bool:
        """True when this waiver names the finding's rule and focus node (and value, if it names one).

        A notice- or controller-scope finding has no value (its activities are ``affects``): a waiver
        of it names the rule and the notice or controller, and no value."""
        if self.rule_id != finding.rule_id or self.focus_node != finding.focus_node:
            return False
        return self.value is None or self.value == finding.value

    def expired(self, today: dt.date) -> bool:
        """True from the day after ``expires`` on."""
        return today > self.expires


@dataclass(frozen=True)
class WaivedFinding:
    """A finding accepted by a waiver."""

    finding: Finding
    waiver: Waiver


@dataclass(frozen=True)
class WaiverOutcome:
    """Findings split by the waivers: still active, waived, and problems with the waivers themselves."""

    active: list[Finding]
    waived: list[WaivedFinding]
    problems: list[Finding]


def read_waivers(graph: Graph) -> list[Waiver]:
    """Read every ``ropa:Waiver`` of ``graph``, sorted by IRI.

    Raises:
        RopaInputError: a waiver lacks a field, has more than one, or its expiry is not an ``xsd:date``.
    """
    waivers = [_read_one(graph, node) for node in set(graph.subjects(RDF.type, ROPA.Waiver))]
    return sorted(waivers, key=lambda w: w.iri)


def _single(graph: Graph, node: Node, prop: URIRef, *, required: bool = True) -> Node | None:
    values = list(graph.objects(node, prop))
    name = prop.split("#")[-1]
    if len(values) > 1:
        raise RopaInputError(f"waiver <{node}> has {len(values)} values of ropa:{name}; expected one")
    if not values:
        if required:
            raise RopaInputError(f"waiver <{node}> has no ropa:{name}")
        return None
    return values[0]


def _read_one(graph: Graph, node: Node) -> Waiver:
    rule = _single(graph, node, ROPA.rule)
    focus = _single(graph, node, ROPA.focusNode)
    justification = _single(graph, node, ROPA.justification)
    owner = _single(graph, node, ROPA.owner)
    expires = _single(graph, node, ROPA.expires)
    value = _single(graph, node, ROPA.value, required=False)
    if not isinstance(rule, Literal) or not str(rule).startswith("ROPA-"):
        raise RopaInputError(
            f'waiver <{node}>: ropa:rule must be a rule id literal such as "ROPA-A30-PURPOSE"'
        )
    if (
        not isinstance(expires, Literal)
        or expires.datatype != XSD.date
        or not isinstance(expires.value, dt.date)
    ):
        raise RopaInputError(
            f'waiver <{node}>: ropa:expires must be an xsd:date such as "2026-12-31"^^xsd:date'
        )
    if not str(justification).strip() or not str(owner).strip():
        raise RopaInputError(f"waiver <{node}>: ropa:justification and ropa:owner must not be empty")
    assert focus is not None  # _single(required=True) returned a value
    return Waiver(
        iri=node_id(node),
        rule_id=str(rule),
        focus_node=node_id(focus),
        justification=str(justification),
        owner=str(owner),
        expires=expires.value,
        value=node_id(value) if value is not None else None,
    )


def apply_waivers(findings: Iterable[Finding], waivers: Sequence[Waiver], *, today: dt.date) -> WaiverOutcome:
    """Split ``findings`` by ``waivers`` as of ``today``; report expired and unused waivers as findings."""
    valid = [w for w in waivers if not w.expired(today)]
    used: set[str] = set()
    active: list[Finding] = []
    waived: list[WaivedFinding] = []
    for finding in findings:
        waiver = next((w for w in valid if w.matches(finding)), None)
        if waiver is None:
            active.append(finding)
        else:
            used.add(waiver.iri)
            waived.append(WaivedFinding(finding, waiver))
    problems: list[Finding] = []
    for waiver in waivers:
        if waiver.expired(today):
            problems.append(
                _problem(
                    EXPIRED_RULE,
                    waiver,
                    f"Waiver {waiver.iri} for {waiver.rule_id} on {waiver.focus_node} expired on "
                    f"{waiver.expires.isoformat()} (owner: {waiver.owner}). "
                    "Fix the finding it covered, or renew the waiver with a new justification and "
                    "expiry date.",
                )
            )
        elif waiver.iri not in used:
            problems.append(
                _problem(
                    UNUSED_RULE,
                    waiver,
                    f"Waiver {waiver.iri} for {waiver.rule_id} on {waiver.focus_node} matches no finding "
                    f"(owner: {waiver.owner}). Remove it, or correct its rule id, focus node or value.",
                )
            )
    return WaiverOutcome(active=active, waived=waived, problems=problems)


def _problem(rule_id: str, waiver: Waiver, message: str) -> Finding:
    rule = WAIVER_RULES[rule_id]
    return Finding(
        rule_id=rule_id,
        focus_node=waiver.iri,
        severity=rule.severity,
        path=str(ROPA.expires) if rule_id == EXPIRED_RULE else None,
        message=message,
        source_shape=rule.shape,
        value=waiver.rule_id,
        legal_reference=None,
        family=rule.family,
    )


__all__ = [
    "EXPIRED_RULE",
    "UNUSED_RULE",
    "WAIVER_RULES",
    "WaivedFinding",
    "Waiver",
    "WaiverOutcome",
    "apply_waivers",
    "read_waivers",
]
