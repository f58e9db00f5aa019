"""What changed between two versions of a record, as a DPO reads it: the typed diff and its renderings.

:mod:`ropa_kg.app.diff` computes a :class:`RecordDiff` (activities added and removed, per changed
activity the register's fields with the values added and removed, changes to parties, findings new and
fixed); this module holds the types and writes them as ``text``, ``json`` or ``markdown`` (fit for a
pull-request comment: headings, lists, a findings table). Everything is sorted: the same two records
give the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

DIFF_FORMATS: tuple[str, ...] = ("text", "json", "markdown")
DIFF_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class FieldChange:
    """One field of an activity or a party: the values (labels, as the register shows them) added and
    removed. ``field`` is the register's column (or the property's IRI), ``label`` its heading."""

    field: str
    label: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActivityRef:
    """An activity (or a party) by its IRI, its id (the compact IRI) and its label."""

    iri: str
    id: str
    label: str


@dataclass(frozen=True)
class ActivityChange:
    """An activity on both sides whose fields differ (in the register's order)."""

    activity: ActivityRef
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class PartyChange:
    """A party (controller, recipient, processor, joint controllers) ``added``, ``removed`` or
    ``changed``; ``fields`` are its statements by property (for an added or removed party: all of
    them, as added or removed)."""

    party: ActivityRef
    status: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class FindingRef:
    """A finding on one side only. ``key`` is how findings are matched: rule id, focus node and value
    (the SARIF fingerprint ``ropaFinding/v1``), not the message, whose wording may change."""

    key: str
    rule_id: str
    severity: str
    focus_node: str
    focus: str
    value: str | None
    message: str
    #: a notice's or controller's finding: the labels of the activities it affects, sorted
    affects: tuple[str, ...] = ()


@dataclass(frozen=True)
class FindingChange:
    """A notice's or controller's finding on both sides whose affected activities differ: ``finding``
    as it is on the new side, the activities it affects now and did not (``added``), and no longer
    (``removed``)."""

    finding: FindingRef
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class RecordDiff:
    """The differences between the record ``old`` and the record ``new`` (their descriptions)."""

    old: str
    new: str
    added: tuple[ActivityRef, ...] = ()
    removed: tuple[ActivityRef, ...] = ()
    changed: tuple[ActivityChange, ...] = ()
    parties: tuple[PartyChange, ...] = ()
    new_findings: tuple[FindingRef, ...] = ()
    fixed_findings: tuple[FindingRef, ...] = ()
    changed_findings: tuple[FindingChange, ...] = ()

    @property
    def has_changes(self) -> bool:
        """True when anything differs (activities, parties or findings)."""
        return bool(
            self.added
            or self.removed
            or self.changed
            or self.parties
            or self.new_findings
            or self.fixed_findings
            or self.changed_findings
        )


def render_diff(diff: RecordDiff, fmt: str) -> str:
    """``diff`` as ``text``, ``json`` or ``markdown``.

    Raises:
        ValueError: an unknown format.
    """
    if fmt == "text":
        return render_diff_text(diff)
    if fmt == "json":
        return render_diff_json(diff)
    if fmt == "markdown":
        return render_diff_markdown(diff)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(DIFF_FORMATS)}")


def _named(ref: ActivityRef) -> str:
    return ref.id if ref.label == ref.id else f"{ref.label} ({ref.id})"


def _summary(diff: RecordDiff) -> str:
    return (
        f"Activities: {len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed; "
        f"parties: {len(diff.parties)} changed; findings: {len(diff.new_findings)} new, "
        f"{len(diff.fixed_findings)} fixed, {len(diff.changed_findings)} affecting other activities"
    )


def _field_lines(fields: tuple[FieldChange, ...], indent: str) -> list[str]:
    lines: list[str] = []
    for change in fields:
        lines.append(f"{indent}{change.label}:")
        lines += [f"{indent}  + {value}" for value in change.added]
        lines += [f"{indent}  - {value}" for value in change.removed]
    return lines


def _finding_text(finding: FindingRef) -> str:
    value = f" [{finding.value}]" if finding.value else ""
    return f"[{finding.severity}] {finding.rule_id} on {finding.focus}{value}: {finding.message}"


def _affects_text(change: FindingChange) -> str:
    return ", ".join([f"+ {a}" for a in change.added] + [f"- {a}" for a in change.removed])


def render_diff_text(diff: RecordDiff) -> str:
    """For a person at a terminal: sections for activities, parties and findings; ``+`` added, ``-``
    removed; a summary line last."""
    lines = [f"--- {diff.old}", f"+++ {diff.new}", ""]
    if not diff.has_changes:
        return "\n".join([*lines, "No changes."]) + "\n"
    if diff.added or diff.removed:
        lines.append("# Activities added and removed")
        lines += [f"  + {_named(a)}" for a in diff.added]
        lines += [f"  - {_named(a)}" for a in diff.removed]
        lines.append("")
    for change in diff.changed:
        lines.append(f"# Activity changed: {_named(change.activity)}")
        lines += _field_lines(change.fields, "  ")
        lines.append("")
    for party in diff.parties:
        lines.append(f"# Party {party.status}: {_named(party.party)}")
        lines += _field_lines(party.fields, "  ")
        lines.append("")
    for title, findings in (("New findings", diff.new_findings), ("Fixed findings", diff.fixed_findings)):
        if findings:
            lines.append(f"# {title}: {len(findings)}")
            lines += [f"  {_finding_text(f)}" for f in findings]
            lines.append("")
    if diff.changed_findings:
        lines.append(f"# Findings affecting other activities: {len(diff.changed_findings)}")
        for moved in diff.changed_findings:
            f = moved.finding
            lines.append(f"  [{f.severity}] {f.rule_id} on {f.focus}: {_affects_text(moved)}")
        lines.append("")
    lines.append(_summary(diff) + ".")
    return "\n".join(lines) + "\n"


def _ref_json(ref: ActivityRef) -> dict[str, str]:
    return {"iri": ref.iri, "id": ref.id, "label": ref.label}


def _fields_json(fields: tuple[FieldChange, ...]) -> list[dict[str, Any]]:
    return [
        {"field": f.field, "label": f.label, "added": list(f.added), "removed": list(f.removed)}
        for f in fields
    ]


def _finding_json(finding: FindingRef) -> dict[str, Any]:
    return {
        "key": finding.key,
        "rule_id": finding.rule_id,
        "severity": finding.severity,
        "focus_node": finding.focus_node,
        "focus_label": finding.focus,
        "value": finding.value,
        "message": finding.message,
        "affects": list(finding.affects),
    }


def render_diff_json(diff: RecordDiff) -> str:
    """A JSON document (``schema_version`` 1): ``old``, ``new``, ``changes`` (true when anything
    differs), ``activities`` (``added``, ``removed``, ``changed`` with their ``fields``), ``parties``
    and ``findings`` (``new``, ``fixed``, each with its matching ``key``; ``changed``: a notice's or
    controller's findings whose affected activities differ, with ``affects_added`` and
    ``affects_removed``)."""
    document = {
        "schema_version": DIFF_SCHEMA_VERSION,
        "old": diff.old,
        "new": diff.new,
        "changes": diff.has_changes,
        "activities": {
            "added": [_ref_json(a) for a in diff.added],
            "removed": [_ref_json(a) for a in diff.removed],
            "changed": [{**_ref_json(c.activity), "fields": _fields_json(c.fields)} for c in diff.changed],
        },
        "parties": [
            {**_ref_json(p.party), "status": p.status, "fields": _fields_json(p.fields)} for p in diff.parties
        ],
        "findings": {
            "new": [_finding_json(f) for f in diff.new_findings],
            "fixed": [_finding_json(f) for f in diff.fixed_findings],
            "changed": [
                {
                    **_finding_json(c.finding),
                    "affects_added": list(c.added),
                    "affects_removed": list(c.removed),
                }
                for c in diff.changed_findings
            ],
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    """Text fit for a markdown table cell (no pipe, no line break)."""
    return text.replace("|", "\\|").replace("\n", " ")


def _md_fields(fields: tuple[FieldChange, ...]) -> list[str]:
    lines: list[str] = []
    for change in fields:
        lines.append(f"- **{change.label}**")
        lines += [f"  - added: {value}" for value in change.added]
        lines += [f"  - removed: {value}" for value in change.removed]
    return lines


def _md_findings(title: str, findings: tuple[FindingRef, ...]) -> list[str]:
    if not findings:
        return []
    lines = [f"### {title} ({len(findings)})", "", "| Severity | Rule | On | Message |", "|---|---|---|---|"]
    for f in findings:
        value = f" ({f.value})" if f.value else ""
        lines.append(f"| {f.severity} | `{f.rule_id}` | {_cell(f.focus + value)} | {_cell(f.message)} |")
    return [*lines, ""]


def _md_affects(changes: tuple[FindingChange, ...]) -> list[str]:
    if not changes:
        return []
    lines = [
        f"### Findings affecting other activities ({len(changes)})",
        "",
        "| Severity | Rule | On | Now affects | No longer affects |",
        "|---|---|---|---|---|",
    ]
    for c in changes:
        f = c.finding
        lines.append(
            f"| {f.severity} | `{f.rule_id}` | {_cell(f.focus)} | {_cell(', '.join(c.added))} "
            f"| {_cell(', '.join(c.removed))} |"
        )
    return [*lines, ""]


def render_diff_markdown(diff: RecordDiff) -> str:
    """Markdown for a pull-request comment: a heading and the summary, then sections for activities
    (added, removed, changed, with the values of each field as lists), parties, and the findings new
    and fixed as tables."""
    lines = ["## Record changes", "", f"`{diff.old}` → `{diff.new}`", "", _summary(diff) + ".", ""]
    if not diff.has_changes:
        return "\n".join([*lines, "No changes."]) + "\n"
    if diff.added:
        lines += ["### Activities added", "", *[f"- {_named(a)}" for a in diff.added], ""]
    if diff.removed:
        lines += ["### Activities removed", "", *[f"- {_named(a)}" for a in diff.removed], ""]
    for change in diff.changed:
        lines += [f"### Activity changed: {_named(change.activity)}", "", *_md_fields(change.fields), ""]
    for party in diff.parties:
        lines += [f"### Party {party.status}: {_named(party.party)}", "", *_md_fields(party.fields), ""]
    lines += _md_findings("New findings", diff.new_findings)
    lines += _md_findings("Fixed findings", diff.fixed_findings)
    lines += _md_affects(diff.changed_findings)
    return "\n".join(lines).rstrip("\n") + "\n"


__all__ = [
    "DIFF_FORMATS",
    "DIFF_SCHEMA_VERSION",
    "ActivityChange",
    "ActivityRef",
    "FieldChange",
    "FindingChange",
    "FindingRef",
    "PartyChange",
    "RecordDiff",
    "render_diff",
    "render_diff_json",
    "render_diff_markdown",
    "render_diff_text",
]
