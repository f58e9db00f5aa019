"""What changed between two versions of a record (``ropa diff``); baselines (``ropa validate --baseline``).

A version of a record is read into a :class:`RecordSide`: the Art. 30 register (saved query
``art30-register``, one row per activity, the values as the register shows them: labels), the statements
of each activity the register does not show (processing operations, technologies, notices...), the
parties (controllers, recipients, processors, joint controllers, organisations) with their statements,
and the findings of the rule set. :func:`diff_sides` compares two sides into a
:class:`~ropa_kg.render.diff.RecordDiff` (rendered by :mod:`ropa_kg.render.diff`).

Findings are matched across versions by :func:`~ropa_kg.render.report.finding_fingerprint`: rule id,
focus node and value, never the message (its wording changes with the rules and the suggestions). The
same key matches a run's findings against a baseline report (:func:`read_baseline`,
:func:`apply_baseline`), which lists them as ``rule_id``, ``focus_node`` and ``value``.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDFS, SKOS

from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.findings import Finding
from ropa_kg.core.namespaces import DPV, ROPA
from ropa_kg.core.terms import node_text
from ropa_kg.load import vocabulary
from ropa_kg.load.graph import collect_files
from ropa_kg.load.store import load_file, load_store, relabel_blank_nodes
from ropa_kg.query.queries import execute_oxigraph, resolve
from ropa_kg.render.describe import Describer
from ropa_kg.render.diff import (
    ActivityChange,
    ActivityRef,
    FieldChange,
    FindingChange,
    FindingRef,
    PartyChange,
    RecordDiff,
)
from ropa_kg.render.export import REGISTER_COLUMNS, REGISTER_QUERY
from ropa_kg.render.report import JSON_SCHEMA_VERSION, BaselineSummary, finding_fingerprint
from ropa_kg.rules.validation import ValidationResult, sort_findings, validate
from ropa_kg.sparql.results import LIST_SEPARATOR, compact_iri, term_text

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: The register's columns an activity's changes are reported by, in the register's order. The
#: controller's contact and DPO are the controller's statements: they are reported once, as a party's.
ACTIVITY_FIELDS: tuple[str, ...] = tuple(
    c for c in REGISTER_COLUMNS if c not in ("activity", "controllerContact", "dpo")
)

#: The activity's own properties the register shows (the others are compared one by one, by property).
REGISTER_PROPERTIES: frozenset[str] = frozenset(
    str(p)
    for p in (
        ROPA.displayName,
        DPV.hasDataController,
        DPV.hasJointDataControllers,
        DPV.hasPurpose,
        DPV.hasDataSubject,
        DPV.hasPersonalData,
        DPV.hasRecipient,
        DPV.hasDataProcessor,
        ROPA.noRecipients,
        DPV.hasStorageCondition,
        DPV.hasTechnicalOrganisationalMeasure,
        DPV.hasTechnicalMeasure,
        DPV.hasOrganisationalMeasure,
        DPV.hasPolicy,
        DPV.hasLegalBasis,
        ROPA.hasLegitimateInterest,
        DPV.hasRight,
        DPV.hasDataSource,
    )
)

#: What links an activity to a party.
PARTY_LINKS: tuple[str, ...] = tuple(
    str(p)
    for p in (DPV.hasDataController, DPV.hasRecipient, DPV.hasDataProcessor, DPV.hasJointDataControllers)
)
#: Types whose instances are parties even when no activity names them.
PARTY_TYPES: tuple[str, ...] = tuple(
    str(t)
    for t in (
        DPV.DataController,
        DPV.DataProcessor,
        DPV.Recipient,
        DPV.ThirdParty,
        DPV.JointDataControllers,
        DPV.LegalEntity,
        DPV.Organisation,
    )
)

#: How a diff names the properties that neither the record nor DPV labels.
PROPERTY_LABELS: dict[str, str] = {
    RDF_TYPE: "type",
    str(SKOS.prefLabel): "label",
    str(RDFS.label): "label (rdfs)",
    str(RDFS.comment): "comment",
    str(DCTERMS.description): "description",
    str(DCTERMS.title): "title",
}

#: (property -> values) of one node
Statements = Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class RecordSide:
    """One version of a record, as :func:`diff_sides` compares it (see the module documentation)."""

    description: str
    #: activity IRI -> register column -> values
    register: Mapping[str, Statements] = field(default_factory=dict)
    #: activity IRI -> property IRI -> value labels, for the properties the register does not show
    statements: Mapping[str, Statements] = field(default_factory=dict)
    #: party IRI -> property IRI -> value labels
    parties: Mapping[str, Statements] = field(default_factory=dict)
    #: node (activity, party, property) -> label
    labels: Mapping[str, str] = field(default_factory=dict)
    #: fingerprint -> finding (empty when the side was read without validating)
    findings: Mapping[str, FindingRef] = field(default_factory=dict)

    def ref(self, iri: str) -> ActivityRef:
        """The activity or party ``iri`` with its id and label on this side."""
        ident = compact_iri(iri)
        return ActivityRef(iri=iri, id=ident, label=self.labels.get(iri, ident))


def read_side(
    paths: Sequence[str | Path], *, description: str = "", with_findings: bool = True
) -> RecordSide:
    """Read the record in ``paths`` (files or folders; an empty sequence: a record with nothing in it).

    With ``with_findings`` it is validated too (the fast engine, waivers applied).

    Raises:
        RopaInputError: a path is missing, a file cannot be parsed (names file, line and cause), or
            (when validating) the record has no activity.
    """
    label = description or ", ".join(str(p) for p in paths)
    if not paths:
        return RecordSide(description=label)
    store = load_store(list(paths))
    describer = Describer.of_store(store)
    labels: dict[str, str] = {}

    def name(text: str) -> str:
        if text not in labels:
            fallback = PROPERTY_LABELS.get(text) or vocabulary.label(text) or compact_iri(text)
            labels[text] = describer.label(text, default=fallback)
        return labels[text]

    register = _register(store)
    for activity in register:
        name(activity)
    written = _written(paths)
    statements = {a: _statements(written, a, name, skip=REGISTER_PROPERTIES) for a in register}
    parties = {p: _statements(written, p, name) for p in _parties(written, register)}
    for node in [*parties, *(p for s in [*statements.values(), *parties.values()] for p in s)]:
        name(node)
    findings: dict[str, FindingRef] = {}
    if with_findings:
        result = validate(*paths, store=store)
        findings = {finding_fingerprint(f): finding_ref(f, name) for f in result.active}
    return RecordSide(label, register, statements, parties, labels, findings)


def _written(paths: Sequence[str | Path]) -> ox.Store:
    """The record's files only, as written: without the ontology and what loading derives (super-
    properties such as ``dpv:hasEntity``), so that one change is reported once."""
    store = ox.Store()
    for path in collect_files(list(paths)):
        load_file(store, path)
    relabel_blank_nodes(store)
    return store


def _register(store: ox.Store) -> dict[str, Statements]:
    """Activity IRI -> register column -> its values (the register's cells split at ``" | "``), the
    query's parameters at their defaults (English)."""
    query = resolve(REGISTER_QUERY)
    table = execute_oxigraph(query, store, query.bindings())
    columns = list(table.columns)
    out: dict[str, Statements] = {}
    for row in table.rows:
        cells = dict(zip(columns, row, strict=True))
        activity = term_text(cells["activity"], compact=False)
        out[activity] = {
            column: frozenset(v for v in term_text(cells.get(column)).split(LIST_SEPARATOR) if v)
            for column in ACTIVITY_FIELDS
        }
    return out


def _node(text: str) -> ox.NamedNode | ox.BlankNode:
    return ox.BlankNode(text[2:]) if text.startswith("_:") else ox.NamedNode(text)


def _statements(
    store: ox.Store, subject: str, name: Any, *, skip: frozenset[str] = frozenset()
) -> dict[str, frozenset[str]]:
    """Property IRI -> the labels of the values ``subject`` has for it (literals as written), without
    the properties in ``skip`` and the derived ``ropa:displayName``."""
    found: dict[str, set[str]] = defaultdict(set)
    for quad in store.quads_for_pattern(_node(subject), None, None, ox.DefaultGraph()):
        predicate = quad.predicate.value
        if predicate in skip or predicate == str(ROPA.displayName):
            continue
        value = quad.object
        found[predicate].add(_literal(value) if isinstance(value, ox.Literal) else name(node_text(value)))
    return {p: frozenset(v) for p, v in found.items()}


def _literal(value: ox.Literal) -> str:
    """A literal as a diff shows it: its text, and its language in brackets when it has one."""
    return f"{value.value} ({value.language})" if value.language else value.value


def _parties(store: ox.Store, activities: Iterable[str]) -> set[str]:
    """The nodes an activity links to as controller, recipient, processor or joint controllers, the
    members of joint controllers, and every instance of a party type."""
    graph = ox.DefaultGraph()
    found: set[str] = set()
    for activity in activities:
        for link in PARTY_LINKS:
            for quad in store.quads_for_pattern(_node(activity), ox.NamedNode(link), None, graph):
                found.add(node_text(quad.object))
    controller = ox.NamedNode(str(DPV.hasDataController))
    for joint in [p for p in found if not p.startswith('"')]:
        for quad in store.quads_for_pattern(_node(joint), controller, None, graph):
            found.add(node_text(quad.object))
    for kind in PARTY_TYPES:
        for quad in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(kind), graph):
            found.add(node_text(quad.subject))
    return {p for p in found if p.startswith("_:") or ":" in p}


def finding_ref(finding: Finding, name: Any) -> FindingRef:
    """``finding`` for a diff: its fingerprint, focus node and value named by ``name`` (a callable)."""
    value = finding.value
    shown = name(value) if value and (value.startswith("_:") or "://" in value) else value
    return FindingRef(
        key=finding_fingerprint(finding),
        rule_id=finding.rule_id,
        severity=finding.severity.name.lower(),
        focus_node=finding.focus_node,
        focus=name(finding.focus_node),
        value=shown,
        message=finding.message,
        affects=tuple(sorted(name(a) for a in finding.affects)),
    )


# --------------------------------------------------------------------------------------------------
# comparing two sides


def field_changes(
    old: Statements, new: Statements, *, order: Sequence[str] | None = None, labels: Mapping[str, str]
) -> tuple[FieldChange, ...]:
    """The fields (keys of ``old`` and ``new``) whose values differ, with the values added and removed
    (sorted); in ``order`` when given, else by label."""
    keys = (
        list(order) if order is not None else sorted(set(old) | set(new), key=lambda k: (labels.get(k, k), k))
    )
    out: list[FieldChange] = []
    for key in keys:
        before, after = old.get(key, frozenset()), new.get(key, frozenset())
        if before != after:
            out.append(
                FieldChange(
                    field=key,
                    label=REGISTER_COLUMNS.get(key) or labels.get(key) or compact_iri(key),
                    added=tuple(sorted(after - before)),
                    removed=tuple(sorted(before - after)),
                )
            )
    return tuple(out)


def activity_changes(old: RecordSide, new: RecordSide, iri: str) -> tuple[FieldChange, ...]:
    """How the activity ``iri`` differs from ``old`` to ``new``: the register's fields first (in its
    order), then the other statements by property label. An activity on one side only has all its
    values added (or removed)."""
    empty: Statements = {}
    labels = {**old.labels, **new.labels}
    register = field_changes(
        old.register.get(iri, empty), new.register.get(iri, empty), order=ACTIVITY_FIELDS, labels=labels
    )
    other = field_changes(old.statements.get(iri, empty), new.statements.get(iri, empty), labels=labels)
    return register + other


def _sorted_refs(side: RecordSide, nodes: Iterable[str]) -> tuple[ActivityRef, ...]:
    return tuple(sorted((side.ref(n) for n in nodes), key=lambda r: (r.label.casefold(), r.iri)))


def _party_changes(old: RecordSide, new: RecordSide) -> tuple[PartyChange, ...]:
    labels = {**old.labels, **new.labels}
    empty: Statements = {}
    out: list[PartyChange] = []
    for party in set(old.parties) | set(new.parties):
        fields = field_changes(old.parties.get(party, empty), new.parties.get(party, empty), labels=labels)
        if not fields:
            continue
        status = "added" if party not in old.parties else "removed" if party not in new.parties else "changed"
        side = new if party in new.parties else old
        out.append(PartyChange(party=side.ref(party), status=status, fields=fields))
    rank = {"added": 0, "removed": 1, "changed": 2}
    return tuple(sorted(out, key=lambda c: (rank[c.status], c.party.label.casefold(), c.party.iri)))


def _sorted_findings(findings: Iterable[FindingRef]) -> tuple[FindingRef, ...]:
    rank = {"violation": 0, "warning": 1, "info": 2}
    return tuple(sorted(findings, key=lambda f: (rank.get(f.severity, 3), f.rule_id, f.focus_node, f.key)))


def diff_sides(old: RecordSide, new: RecordSide) -> RecordDiff:
    """What changed from ``old`` to ``new``: activities added and removed, the changed activities'
    fields, the parties' changes, the findings new (on ``new`` only) and fixed (on ``old`` only); all
    sorted (activities and parties by label, then IRI; findings most severe first)."""
    common = sorted(set(old.register) & set(new.register), key=lambda a: (new.ref(a).label.casefold(), a))
    changed = tuple(
        ActivityChange(activity=new.ref(a), fields=fields)
        for a in common
        if (fields := activity_changes(old, new, a))
    )
    return RecordDiff(
        old=old.description,
        new=new.description,
        added=_sorted_refs(new, set(new.register) - set(old.register)),
        removed=_sorted_refs(old, set(old.register) - set(new.register)),
        changed=changed,
        parties=_party_changes(old, new),
        new_findings=_sorted_findings(f for k, f in new.findings.items() if k not in old.findings),
        fixed_findings=_sorted_findings(f for k, f in old.findings.items() if k not in new.findings),
        changed_findings=_finding_changes(old, new),
    )


def _finding_changes(old: RecordSide, new: RecordSide) -> tuple[FindingChange, ...]:
    """The findings on both sides whose affected activities differ (a notice's or controller's), in
    the findings' order."""
    changes: dict[str, FindingChange] = {}
    for key, after in new.findings.items():
        before = old.findings.get(key)
        if before is not None and before.affects != after.affects:
            added = tuple(sorted(set(after.affects) - set(before.affects)))
            removed = tuple(sorted(set(before.affects) - set(after.affects)))
            changes[key] = FindingChange(finding=after, added=added, removed=removed)
    return tuple(changes[f.key] for f in _sorted_findings(c.finding for c in changes.values()))


def diff_records(
    old: Sequence[str | Path], new: Sequence[str | Path], *, old_label: str = "", new_label: str = ""
) -> RecordDiff:
    """Read, validate and compare two records (files or folders each).

    Raises:
        RopaInputError: a path is missing or a file cannot be parsed, or a record has no activity.
    """
    return diff_sides(read_side(old, description=old_label), read_side(new, description=new_label))


# --------------------------------------------------------------------------------------------------
# baselines


@dataclass(frozen=True)
class Baseline:
    """The findings of a baseline report (its active and waived findings), by fingerprint."""

    path: Path
    keys: frozenset[str]
    count: int


def read_baseline(path: Path) -> Baseline:
    """Read a report written by ``ropa validate --format json`` (schema version 2).

    Raises:
        RopaInputError: the file cannot be read, is not JSON, or is not such a report (names the file
            and what is wrong).
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RopaInputError(f"cannot read the baseline: {exc.strerror or exc}", path) from exc
    except UnicodeDecodeError as exc:
        raise RopaInputError("the baseline is not UTF-8 text", path) from exc
    except json.JSONDecodeError as exc:
        raise RopaInputError(f"the baseline is not JSON ({exc.msg})", path, exc.lineno) from exc
    if not isinstance(document, dict) or document.get("schema_version") != JSON_SCHEMA_VERSION:
        raise RopaInputError(
            f"not a report of `ropa validate --format json` (schema_version {JSON_SCHEMA_VERSION} expected)",
            path,
        )
    keys: list[str] = []
    for where in ("findings", "waived"):
        items = document.get(where)
        if not isinstance(items, list):
            raise RopaInputError(f"the baseline report has no {where!r} list", path)
        keys += [_baseline_key(item, where, index, path) for index, item in enumerate(items)]
    return Baseline(path=path, keys=frozenset(keys), count=len(keys))


def _baseline_key(item: object, where: str, index: int, path: Path) -> str:
    if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("rule_id", "focus_node")):
        raise RopaInputError(f"{where}[{index}] of the baseline has no rule_id and focus_node", path)
    value = item.get("value")
    return "|".join([item["rule_id"], item["focus_node"], value if isinstance(value, str) else ""])


def apply_baseline(result: ValidationResult, baseline: Baseline) -> tuple[ValidationResult, BaselineSummary]:
    """``result`` with only the active findings ``baseline`` does not know, and what it suppressed.
    (Waived findings are kept as they are: they fail nothing.)"""
    known = [f for f in result.active if finding_fingerprint(f) in baseline.keys]
    keys = {finding_fingerprint(f) for f in [*result.active, *(w.finding for w in result.waived)]}
    filtered = dataclasses.replace(
        result,
        findings=sort_findings([f for f in result.findings if finding_fingerprint(f) not in baseline.keys]),
        waiver_problems=sort_findings(
            [f for f in result.waiver_problems if finding_fingerprint(f) not in baseline.keys]
        ),
    )
    summary = BaselineSummary(
        file=str(baseline.path),
        known=len(known),
        new=len(filtered.active),
        baseline=baseline.count,
        gone=len(baseline.keys - keys),
    )
    return filtered, summary


__all__ = [
    "ACTIVITY_FIELDS",
    "PARTY_LINKS",
    "PARTY_TYPES",
    "PROPERTY_LABELS",
    "REGISTER_PROPERTIES",
    "ActivityChange",
    "ActivityRef",
    "Baseline",
    "FieldChange",
    "FindingChange",
    "FindingRef",
    "PartyChange",
    "RecordDiff",
    "RecordSide",
    "activity_changes",
    "apply_baseline",
    "diff_records",
    "diff_sides",
    "field_changes",
    "finding_ref",
    "read_baseline",
    "read_side",
]
