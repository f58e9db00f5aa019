"""Renderings of a validation result: ``text``, ``json``, ``junit``, ``sarif`` and ``turtle``.

- ``text``: for a person; findings grouped by family (the record, the notice, lawfulness), then by
  activity, most severe first, with the article, the focus node's label, the activities a notice- or
  controller-level finding affects and the policy sentence the data cite (``ropa:source``/``ropa:quote``).
- ``json``: stable, documented by ``schemas/validation-report.schema.json`` (``schema_version`` 2).
- ``junit``: one test suite per family, one test case per rule, failing when it has findings at or above
  the threshold.
- ``sarif``: SARIF 2.1.0; each result points at the Turtle file and line where its focus node is defined.
- ``turtle``: the W3C ``sh:ValidationReport`` (focus node, source shape, severity, path, message, value).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from ropa_kg import __version__
from ropa_kg.core.findings import Family, Finding, Severity
from ropa_kg.core.namespaces import PREFIXES, ROPA, bind_prefixes
from ropa_kg.render.describe import Describer
from ropa_kg.rules.results import ShaclReport, sorted_results
from ropa_kg.rules.shapes import Rule, path_as_text, write_path
from ropa_kg.rules.validation import ValidationResult, sort_findings

FORMATS: tuple[str, ...] = ("text", "json", "junit", "sarif", "turtle")
JSON_SCHEMA_VERSION = 2
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://w3id.org/ropa-kg"

_SARIF_LEVEL = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(
    result: ValidationResult,
    fmt: str,
    *,
    fail_on: Severity = Severity.VIOLATION,
    baseline: BaselineSummary | None = None,
) -> str:
    """Render ``result`` in ``fmt`` (one of :data:`FORMATS`); raises ValueError for an unknown format.

    With ``baseline`` (``ropa validate --baseline``), ``result`` holds only the findings the baseline
    does not know, and every format says how many the baseline suppressed (:class:`BaselineSummary`).
    """
    renderers: dict[str, Callable[..., str]] = {
        "text": render_text,
        "json": render_json,
        "junit": render_junit,
        "sarif": render_sarif,
        "turtle": render_turtle,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return renderers[fmt](result, fail_on, baseline=baseline)


# --------------------------------------------------------------------------------------------------
# Baselines: findings matched across runs


def finding_fingerprint(finding: Finding) -> str:
    """How a finding is recognised across runs and edits: ``rule id|focus node|value`` (SARIF's
    ``ropaFinding/v1`` fingerprint). Not the message (its wording changes with the rules' texts and the
    suggestions) nor the severity (a rule made stricter does not make a known finding new)."""
    return "|".join([finding.rule_id, finding.focus_node, finding.value or ""])


@dataclass(frozen=True)
class BaselineSummary:
    """What a baseline report (``ropa validate --baseline FILE``) did to a run: ``known`` findings of
    this run it lists (suppressed), ``new`` findings it does not (reported), ``baseline`` findings it
    lists in all, ``gone`` of those this run no longer has."""

    file: str
    known: int
    new: int
    baseline: int
    gone: int

    @property
    def text(self) -> str:
        """One sentence for the text-like formats."""
        return (
            f"Baseline {self.file}: {self.known} known findings suppressed, {self.new} new reported "
            f"({self.baseline} in the baseline, {self.gone} of them no longer found)."
        )

    def as_json(self) -> dict[str, Any]:
        """The ``baseline`` object of the JSON report."""
        return {
            "file": self.file,
            "suppressed": self.known,
            "new": self.new,
            "baseline_findings": self.baseline,
            "gone": self.gone,
            "matched_on": ["rule_id", "focus_node", "value"],
        }


# --------------------------------------------------------------------------------------------------
# What the data say about a focus node: its label, its activities, the sentences behind its facts


@dataclass(frozen=True)
class Quote:
    """A policy sentence (or external source comment) cited for a fact about a focus node."""

    text: str
    language: str | None
    section: str | None
    predicate: str
    line: int | None = None


class RecordContext:
    """Looks up labels, activities and source quotes in the validated graph."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._prefixes: list[tuple[str, str]] = sorted(
            {(str(p), str(ns)) for p, ns in graph.namespaces() if p}
            | {(p, str(ns)) for p, ns in PREFIXES.items()},
            key=lambda pn: (-len(pn[1]), pn[0] not in PREFIXES, pn[0]),
        )
        self.describer = Describer.of_graph(graph)

    @staticmethod
    def term(text: str) -> Node:
        """The RDF term of a finding's focus node or value string."""
        return BNode(text[2:]) if text.startswith("_:") else URIRef(text)

    def curie(self, text: str) -> str:
        """``alu:Website`` for a known namespace, else the IRI in angle brackets (or ``_:id``)."""
        if text.startswith("_:"):
            return text
        for prefix, ns in self._prefixes:
            local = text[len(ns) :]
            if text.startswith(ns) and re.fullmatch(r"[A-Za-z_][\w.-]*", local or "-"):
                return f"{prefix}:{local}"
        return f"<{text}>"

    def named(self, text: str) -> str:
        """``label (curie)``, or just the compact name when there is no label."""
        label, curie = self.label(text), self.curie(text)
        return curie if label == curie else f"{label} ({curie})"

    def label(self, text: str) -> str:
        """The node's label (:mod:`ropa_kg.render.describe`), else its compact name."""
        return self.describer.label(text, default=self.curie(text))

    def activities_of(self, text: str) -> list[str]:
        """The activities a focus node is or belongs to (:meth:`Describer.activities_of`)."""
        return self.describer.activities_of(text)

    def quotes(self, finding: Finding, rule: Rule | None) -> list[Quote]:
        """Source quotes for the finding: those of facts relevant to it (its value, path or the rule's
        related properties), else the first quote about the focus node."""
        node = self.term(finding.focus_node)
        candidates: list[tuple[int, Quote]] = []
        related = set(rule.related_properties) if rule else set()
        for statement in self.graph.subjects(RDF.subject, node):
            predicate = self.graph.value(statement, RDF.predicate)
            obj = self.graph.value(statement, RDF.object)
            for source in self.graph.objects(statement, ROPA.source):
                quote = self.graph.value(source, ROPA.quote) or self.graph.value(source, RDFS.comment)
                if not isinstance(quote, Literal):
                    continue
                if finding.value and obj is not None and str(obj) == finding.value:
                    rank = 0
                elif finding.path and str(predicate) == finding.path:
                    rank = 1
                elif str(predicate) in related:
                    rank = 2
                elif predicate == RDF.type:
                    rank = 3
                else:
                    rank = 4
                section = self.graph.value(source, ROPA.section)
                line = self.graph.value(source, ROPA.line)
                number = int(line) if isinstance(line, Literal) and str(line).isdigit() else None
                section_text = str(section) if section else None
                candidates.append(
                    (rank, Quote(str(quote), quote.language, section_text, str(predicate), number))
                )
        if not candidates:
            return []
        # most relevant first, then in the order of the policy (ropa:line), then alphabetically (the text,
        # then the fact's predicate: one sentence is often the source of several facts)
        candidates.sort(
            key=lambda rq: (
                rq[0],
                rq[1].line if rq[1].line is not None else 10**9,
                rq[1].text,
                rq[1].predicate,
            )
        )
        best = candidates[0][0]
        if best > 2:
            return [candidates[0][1]]
        unique: dict[str, Quote] = {}
        for rank, cited in candidates:
            if rank <= 2:
                unique.setdefault(cited.text, cited)
        return list(unique.values())[:3]


# --------------------------------------------------------------------------------------------------
# text


_IRI_OR_BLANK = re.compile(r"^(?:_:|[A-Za-z][A-Za-z0-9+.-]*:\S)")


def _value_text(ctx: RecordContext, value: str) -> str:
    """A finding's value as the text report shows it: a node by name, a literal in quotes."""
    return ctx.named(value) if _IRI_OR_BLANK.match(value) else json.dumps(value, ensure_ascii=False)


def render_text(
    result: ValidationResult, fail_on: Severity, *, baseline: BaselineSummary | None = None
) -> str:
    """Findings by family (a heading per family: the record, the notice, lawfulness), within a family
    grouped by activity (most severe group first), then waived findings and a summary (counts by family
    and severity, then the verdict)."""
    ctx = RecordContext(result.graph)
    counts = result.counts_by_family()
    lines: list[str] = []
    for family, findings in findings_by_family(result.active).items():
        lines += [f"# Findings on {family.label}: {_count_text(counts[family])}", ""]
        lines += _text_groups(findings, result, ctx, fail_on)
    lines += _text_waived(result, ctx)
    lines += [f"{family.label}: {_count_text(counts[family])}" for family in Family]
    if baseline is not None:
        lines.append(baseline.text)
    total = result.counts()
    failing = len(result.failing(fail_on))
    verdict = "FAILED" if failing else "PASSED"
    lines.append(
        f"{verdict}: {total['violation']} violations, {total['warning']} warnings, {total['info']} infos, "
        f"{total['waived']} waived; {failing} at or above {fail_on.name.lower()} "
        f"({len(ctx.describer.activities)} activities, {len(result.rules)} rules, engine {result.engine})."
    )
    return "\n".join(lines) + "\n"


def findings_by_family(findings: Iterable[Finding]) -> dict[Family, list[Finding]]:
    """``findings`` by family, the families in report order (record, notice, lawfulness), only those with
    findings; each family's findings in their given order."""
    grouped: dict[Family, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.family].append(finding)
    return {family: grouped[family] for family in Family if grouped.get(family)}


def _count_text(counts: dict[str, int]) -> str:
    return f"{counts['violation']} violations, {counts['warning']} warnings, {counts['info']} infos"


def _is_scoped(finding: Finding, result: ValidationResult) -> bool:
    """True for a finding of a notice- or controller-scope rule (one finding per notice or controller)."""
    rule = result.rules.get(finding.rule_id)
    return bool(finding.affects) or (rule is not None and rule.scope.merges)


def _text_groups(
    findings: list[Finding], result: ValidationResult, ctx: RecordContext, fail_on: Severity
) -> list[str]:
    """One family's findings grouped by activity: an activity's own, a notice's or controller's duty under
    that notice or controller, the rest under "Controller, recipients and waivers"."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        activities = ctx.activities_of(finding.focus_node)
        if _is_scoped(finding, result):
            groups[finding.focus_node].append(finding)
        else:
            groups[activities[0] if len(activities) == 1 else ""].append(finding)

    def group_key(item: tuple[str, list[Finding]]) -> tuple[int, int, str, str]:
        name, members = item
        return (-max(int(f.severity) for f in members), name == "", ctx.label(name) if name else "", name)

    lines: list[str] = []
    for name, members in sorted(groups.items(), key=group_key):
        lines.append(f"== {ctx.named(name) if name else 'Controller, recipients and waivers'}")
        for finding in sort_findings(members):
            lines += _text_finding(finding, result, ctx, fail_on, in_activity=bool(name))
        lines.append("")
    return lines


def _text_finding(
    finding: Finding, result: ValidationResult, ctx: RecordContext, fail_on: Severity, *, in_activity: bool
) -> list[str]:
    """The lines of one finding: severity, rule and article; focus; affected activities or value; the
    message; the policy sentences behind it."""
    rule = result.rules.get(finding.rule_id)
    article = rule.article if rule else ""
    mark = "FAIL" if finding.severity >= fail_on else "note"
    lines = [f"  [{finding.severity.name.lower()}] {finding.rule_id} ({article}) {mark}"]
    focus = ctx.named(finding.focus_node)
    if not in_activity:
        used = ctx.activities_of(finding.focus_node)
        if used:
            focus += "; in " + ", ".join(ctx.label(a) for a in used)
    lines.append(f"    on: {focus}")
    if finding.affects:
        lines.append(f"    affects: {affects_text(ctx, finding)}")
    if finding.value:
        lines.append(f"    value: {_value_text(ctx, finding.value)}")
    lines.append(f"    {finding.message}")
    for quote in ctx.quotes(finding, rule):
        where = f" [{quote.section}]" if quote.section else ""
        lang = f"@{quote.language}" if quote.language else ""
        lines.append(f'    source{where}: "{quote.text}"{lang}')
    return lines


def affects_text(ctx: RecordContext, finding: Finding) -> str:
    """The labels of the activities a merged finding affects, sorted and comma-separated."""
    return ", ".join(sorted(ctx.label(a) for a in finding.affects))


def _text_waived(result: ValidationResult, ctx: RecordContext) -> list[str]:
    """The waived findings with their waivers (none: no lines)."""
    if not result.waived:
        return []
    lines = ["== Waived (accepted risks; they do not fail the build)"]
    for waived in result.waived:
        f, w = waived.finding, waived.waiver
        lines.append(f"  [{f.severity.name.lower()}] {f.rule_id} on {ctx.named(f.focus_node)}")
        lines.append(
            f"    waiver {ctx.curie(w.iri)}, owner {w.owner}, "
            f"expires {w.expires.isoformat()}: {w.justification}"
        )
    lines.append("")
    return lines


# --------------------------------------------------------------------------------------------------
# json


def finding_json(finding: Finding, result: ValidationResult, ctx: RecordContext) -> dict[str, Any]:
    """One finding as the JSON object of ``schemas/validation-report.schema.json``: its ``family``
    (``record``, ``notice``, ``lawfulness``) and, for a notice- or controller-scope finding, the
    activities it ``affects`` (then also its ``activities``)."""
    rule = result.rules.get(finding.rule_id)
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.name.lower(),
        "focus_node": finding.focus_node,
        "focus_label": ctx.label(finding.focus_node),
        "family": finding.family.value,
        "activities": list(finding.affects) or ctx.activities_of(finding.focus_node),
        "affects": list(finding.affects),
        "path": finding.path,
        "value": finding.value,
        "message": finding.message,
        "article": rule.article if rule else None,
        "legal_reference": finding.legal_reference or (rule.legal_reference if rule else None),
        "source_shape": finding.source_shape or (rule.shape if rule else None),
        "quotes": [
            {"text": q.text, "language": q.language, "section": q.section, "predicate": q.predicate}
            for q in ctx.quotes(finding, rule)
        ],
    }


def render_json(
    result: ValidationResult, fail_on: Severity, *, baseline: BaselineSummary | None = None
) -> str:
    """The stable JSON report (see ``schemas/validation-report.schema.json``); its ``summary`` counts the
    active findings by severity and, under ``by_family``, by family and severity."""
    ctx = RecordContext(result.graph)
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": "ropa-kg", "version": __version__, "engine": result.engine},
        "date": result.today.isoformat(),
        "fail_on": fail_on.name.lower(),
        "conforms": not result.failing(fail_on),
        "summary": {
            **result.counts(),
            "by_family": {family.value: counts for family, counts in result.counts_by_family().items()},
        },
        "activities": len(ctx.describer.activities),
        "rules": [
            {
                "rule_id": r.rule_id,
                "title": r.title,
                "severity": r.severity.name.lower(),
                "article": r.article,
                "legal_reference": r.legal_reference,
                "family": r.family.value,
                "scope": r.scope.value,
            }
            for r in result.rules.values()
        ],
        "findings": [finding_json(f, result, ctx) for f in result.active],
        "waived": [
            {
                **finding_json(w.finding, result, ctx),
                "waiver": {
                    "iri": w.waiver.iri,
                    "justification": w.waiver.justification,
                    "owner": w.waiver.owner,
                    "expires": w.waiver.expires.isoformat(),
                },
            }
            for w in result.waived
        ],
    }
    if baseline is not None:
        document["baseline"] = baseline.as_json()
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------------------
# junit


def render_junit(
    result: ValidationResult, fail_on: Severity, *, baseline: BaselineSummary | None = None
) -> str:
    """JUnit XML: one ``testsuite`` per family (the record, the notice, lawfulness), in it one
    ``testcase`` per rule; a ``failure`` lists its findings at or above ``fail_on``."""
    ctx = RecordContext(result.graph)
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.active:
        by_rule[finding.rule_id].append(finding)
    waived_by_rule: dict[str, int] = defaultdict(int)
    for waived in result.waived:
        waived_by_rule[waived.finding.rule_id] += 1
    rules = sorted(result.rules.values(), key=lambda r: r.rule_id)
    root = ET.Element("testsuites", name="ropa-kg", tests=str(len(rules)))
    failures = 0
    for family in Family:
        members = [r for r in rules if r.family is family]
        suite = _junit_suite(family, members, by_rule, waived_by_rule, ctx, fail_on)
        suite.set("timestamp", result.today.isoformat())
        failures += int(suite.get("failures", "0"))
        root.append(suite)
    root.set("failures", str(failures))
    if baseline is not None:
        for suite in root:
            properties = ET.Element("properties")
            for name, value in baseline.as_json().items():
                text = ",".join(value) if isinstance(value, list) else str(value)
                ET.SubElement(properties, "property", name=f"baseline.{name}", value=text)
            suite.insert(0, properties)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _junit_suite(
    family: Family,
    rules: list[Rule],
    by_rule: dict[str, list[Finding]],
    waived_by_rule: dict[str, int],
    ctx: RecordContext,
    fail_on: Severity,
) -> ET.Element:
    """The ``testsuite`` of one family: a test case per rule, failing with its findings at or above
    ``fail_on``, skipped when all its findings are waived, the findings below ``fail_on`` as output."""
    suite = ET.Element("testsuite", name=f"ropa validate: {family.label}", id=family.value)
    failures = skipped = 0
    for rule in rules:
        case = ET.SubElement(
            suite, "testcase", classname=f"ropa.{family.value}.{rule.group}", name=rule.rule_id
        )
        findings = by_rule.get(rule.rule_id, [])
        failing = [f for f in findings if f.severity >= fail_on]
        below = [f for f in findings if f.severity < fail_on]
        if failing:
            failures += 1
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{len(failing)} finding(s): {rule.title} ({rule.article})",
                type=max(f.severity for f in failing).name.lower(),
            )
            failure.text = "\n".join(_finding_line(f, ctx) for f in failing)
        elif not findings and waived_by_rule.get(rule.rule_id):
            skipped += 1
            ET.SubElement(case, "skipped", message=f"{waived_by_rule[rule.rule_id]} finding(s) waived")
        if below:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(_finding_line(f, ctx) for f in below)
    for name, number in (("tests", len(rules)), ("failures", failures), ("errors", 0), ("skipped", skipped)):
        suite.set(name, str(number))
    return suite


def _finding_line(finding: Finding, ctx: RecordContext) -> str:
    value = f" [{ctx.curie(finding.value)}]" if finding.value else ""
    affects = f" (affects: {affects_text(ctx, finding)})" if finding.affects else ""
    severity = finding.severity.name.lower()
    return f"{severity}: {ctx.named(finding.focus_node)}{value}{affects}: {finding.message}"


# --------------------------------------------------------------------------------------------------
# sarif


def render_sarif(
    result: ValidationResult, fail_on: Severity, *, baseline: BaselineSummary | None = None
) -> str:
    """SARIF 2.1.0 with one result per active finding, located at its focus node's definition. A rule's
    family is its ``properties.category`` (and a tag), a result's ``properties.family``; a notice- or
    controller-scope result lists its ``properties.affects``."""
    ctx = RecordContext(result.graph)
    locator = SourceLocator(result.files)
    rules = sorted(result.rules.values(), key=lambda r: r.rule_id)
    index = {r.rule_id: i for i, r in enumerate(rules)}
    results = []
    for finding in result.active:
        path, line = locator.locate(finding.focus_node)
        location: dict[str, Any] = {
            "physicalLocation": {
                "artifactLocation": {"uri": locator.uri(path)} if path else {"uri": "."},
                "region": {"startLine": line},
            },
            "logicalLocations": [
                {"name": ctx.curie(finding.focus_node), "fullyQualifiedName": finding.focus_node}
            ],
        }
        results.append(
            {
                "ruleId": finding.rule_id,
                "ruleIndex": index.get(finding.rule_id, -1),
                "level": _SARIF_LEVEL[finding.severity],
                "message": {"text": _sarif_message(finding, ctx)},
                "locations": [location],
                "partialFingerprints": {"ropaFinding/v1": finding_fingerprint(finding)},
                "properties": {
                    "focusNode": finding.focus_node,
                    "value": finding.value,
                    "path": finding.path,
                    "family": finding.family.value,
                    "affects": list(finding.affects),
                },
            }
        )
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ropa-kg",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [
                            {
                                "id": r.rule_id,
                                "name": re.sub(r"\W+", "", r.title.title()) or r.rule_id,
                                "shortDescription": {"text": r.title},
                                "fullDescription": {"text": r.description},
                                "help": {"text": r.message},
                                **({"helpUri": r.legal_reference} if r.legal_reference else {}),
                                "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
                                "properties": {
                                    "article": r.article,
                                    "category": r.family.value,
                                    "family": r.family.label,
                                    "scope": r.scope.value,
                                    "tags": ["gdpr", "ropa", r.family.value, r.group.lower()],
                                },
                            }
                            for r in rules
                        ],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {
                    "failOn": fail_on.name.lower(),
                    "waived": len(result.waived),
                    **({"baseline": baseline.as_json()} if baseline is not None else {}),
                },
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _sarif_message(finding: Finding, ctx: RecordContext) -> str:
    """A SARIF result's text: the focus node's label, the message, the affected activities if any."""
    affects = f" (affects: {affects_text(ctx, finding)})" if finding.affects else ""
    return f"{ctx.label(finding.focus_node)}: {finding.message}{affects}"


_PREFIX_DECL = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)
_COMMENT = re.compile(r"\s#[^\"'>]*$")


class SourceLocator:
    """Finds the file and line where a resource is defined: the first line where it starts a statement
    as subject (its IRI in angle brackets or as a prefixed name under the file's own prefixes)."""

    def __init__(self, files: Iterable[Path]) -> None:
        self.files = [Path(f) for f in files if Path(f).suffix.lower() == ".ttl"]
        self._lines = {f: f.read_text(encoding="utf-8").splitlines() for f in self.files}

    def uri(self, path: Path) -> str:
        """A path relative to the working folder when possible (as code-scanning UIs expect)."""
        try:
            return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return path.resolve().as_uri()

    def locate(self, focus: str) -> tuple[Path | None, int]:
        """(file, 1-based line) of the focus node's definition; else its first mention; else (None, 1)."""
        mention: tuple[Path | None, int] = (None, 1)
        for path, lines in self._lines.items():
            names = self._names(focus, lines)
            at_start = True
            for number, raw in enumerate(lines, start=1):
                line = _COMMENT.sub("", raw).rstrip()
                stripped = line.strip()
                if not stripped or stripped.startswith("#"):
                    continue
                token = stripped.split(None, 1)[0].rstrip(";,.")
                if at_start and token in names:
                    return path, number
                if mention[0] is None and any(n in line for n in names):
                    mention = (path, number)
                at_start = line.endswith(".")
        return mention

    @staticmethod
    def _names(focus: str, lines: list[str]) -> set[str]:
        names = {f"<{focus}>"}
        for line in lines:
            match = _PREFIX_DECL.match(line)
            if match and focus.startswith(match.group(2)):
                names.add(f"{match.group(1)}:{focus[len(match.group(2)) :]}")
        return names


# --------------------------------------------------------------------------------------------------
# turtle


def report_graph(result: ValidationResult) -> Graph:
    """The W3C ``sh:ValidationReport`` of the active findings (waived ones as ``ropa:waivedResult``); each
    result also names its rule (``ropa:ruleId``), its family (``ropa:family``) and, for a notice- or
    controller-scope finding, each activity it affects (``ropa:affects``; it then has no ``sh:value``)."""
    report = bind_prefixes(Graph())
    node = BNode("report")
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(not result.active)))
    # the results' blank nodes are labelled by position (r0001, r0002...), in the findings' order, so
    # that the same findings give the same Turtle
    for index, finding in enumerate(result.active, start=1):
        report.add((node, SH.result, _result_node(report, finding, result, f"r{index:04d}")))
    for index, waived in enumerate(result.waived, start=1):
        res = _result_node(report, waived.finding, result, f"w{index:04d}")
        report.add((node, ROPA.waivedResult, res))
        report.add((res, ROPA.waiver, RecordContext.term(waived.waiver.iri)))
    return report


def _result_node(report: Graph, finding: Finding, result: ValidationResult, label: str) -> BNode:
    res = BNode(label)
    rule = result.rules.get(finding.rule_id)
    report.add((res, RDF.type, SH.ValidationResult))
    report.add((res, SH.focusNode, RecordContext.term(finding.focus_node)))
    report.add((res, SH.resultSeverity, URIRef(finding.severity.iri)))
    shape = URIRef(finding.source_shape or (rule.shape if rule else ""))
    report.add((res, SH.sourceShape, shape))
    component = rule.constraint_component if rule else str(SH.SPARQLConstraintComponent)
    report.add((res, SH.sourceConstraintComponent, URIRef(component)))
    report.add((res, SH.resultMessage, Literal(finding.message, lang="en")))
    report.add((res, ROPA.ruleId, Literal(finding.rule_id)))
    report.add((res, ROPA.family, URIRef(finding.family.iri)))
    for activity in finding.affects:
        report.add((res, ROPA.affects, RecordContext.term(activity)))
    if finding.value is not None:
        value = finding.value
        term: Node = RecordContext.term(value) if (value.startswith("_:") or ":" in value) else Literal(value)
        report.add((res, SH.value, term))
    if finding.path:
        shape_path = result.shapes.value(shape, SH.path)
        if finding.path.startswith("(") and shape_path is not None:
            report.add((res, SH.resultPath, _copy_path(result.shapes, shape_path, report, f"{label}p")))
        else:
            report.add((res, SH.resultPath, URIRef(finding.path)))
    if rule and rule.legal_reference:
        report.add((res, ROPA.legalReference, URIRef(rule.legal_reference)))
    return res


def _copy_path(source: Graph, node: Node, target: Graph, label: str) -> Node:
    """Copy a SHACL path (blank node structure) from the shapes graph into the report; the copies are
    labelled ``label``, ``label-1``, ``label-1-1``... by their place in the path."""
    if isinstance(node, URIRef):
        return node
    copy = BNode(label)
    for index, (p, o) in enumerate(sorted(source.predicate_objects(node)), start=1):
        value = _copy_path(source, o, target, f"{label}-{index}") if isinstance(o, BNode) else o
        target.add((copy, p, value))
    return copy


# --------------------------------------------------------------------------------------------------
# any shapes: SHACL's own report


def shacl_report_graph(report: ShaclReport) -> Graph:
    """The W3C ``sh:ValidationReport`` of ``report``: ``sh:conforms`` and, per result, ``sh:focusNode``,
    ``sh:resultPath`` (path structures written out), ``sh:value``, ``sh:sourceShape``,
    ``sh:sourceConstraintComponent``, ``sh:resultSeverity`` and ``sh:resultMessage``. Result nodes are
    labelled by position in the results' order, so the same results give the same Turtle."""
    graph = Graph()
    graph.bind("sh", SH)
    node = BNode("report")
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.add((node, SH.conforms, Literal(report.conforms)))
    for index, item in enumerate(sorted_results(report.results), start=1):
        res = BNode(f"r{index:04d}")
        graph.add((node, SH.result, res))
        graph.add((res, RDF.type, SH.ValidationResult))
        graph.add((res, SH.focusNode, item.focus))
        if item.path is not None:
            graph.add((res, SH.resultPath, write_path(item.path, graph)))
        if item.value is not None:
            graph.add((res, SH.value, item.value))
        graph.add((res, SH.sourceShape, item.source_shape))
        graph.add((res, SH.sourceConstraintComponent, item.component))
        graph.add((res, SH.resultSeverity, item.severity))
        for message in item.messages:
            graph.add((res, SH.resultMessage, message))
    return _relabelled(graph)


def _relabelled(graph: Graph) -> Graph:
    """``graph`` with the fresh blank nodes of written paths labelled by their content and position."""
    labels: dict[Node, BNode] = {}
    counter = 0
    for subject in sorted({s for s in graph.subjects() if isinstance(s, BNode)}, key=str):
        if str(subject) == "report" or str(subject).startswith("r"):
            continue
        counter += 1
        labels[subject] = BNode(f"p{counter:04d}")
    if not labels:
        return graph
    out = Graph()
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace)
    for s, p, o in graph:
        out.add((labels.get(s, s), p, labels.get(o, o)))
    return out


def render_shacl(report: ShaclReport, fmt: str) -> str:
    """``report`` as Turtle (the W3C report), JSON (``conforms`` and ``results``, terms in N-Triples
    form) or text (one line per result).

    Raises:
        ValueError: an unknown format (only ``turtle``, ``json`` and ``text`` apply to any shapes).
    """
    if fmt == "turtle":
        return shacl_report_graph(report).serialize(format="turtle")
    rows = [
        {
            "focus_node": r.focus.n3(),
            "path": path_as_text(r.path),
            "value": r.value.n3() if r.value is not None else None,
            "source_shape": r.source_shape.n3(),
            "source_constraint_component": str(r.component),
            "severity": str(r.severity),
            "messages": [str(m) for m in r.messages],
        }
        for r in sorted_results(report.results)
    ]
    if fmt == "json":
        return json.dumps({"conforms": report.conforms, "results": rows}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "text":
        lines = [f"conforms: {str(report.conforms).lower()} ({len(rows)} results)"]
        for row in rows:
            where = f" {row['path']}" if row["path"] else ""
            value = f" = {row['value']}" if row["value"] else ""
            severity = str(row["severity"]).rsplit("#", 1)[-1]
            component = str(row["source_constraint_component"]).rsplit("#", 1)[-1]
            messages = "; ".join(str(m) for m in row["messages"] or ())
            lines.append(f"{severity}: {row['focus_node']}{where}{value} [{component}] {messages}")
        return "\n".join(lines) + "\n"
    raise ValueError(f"format {fmt!r} needs the project's rules; with any shapes use turtle, json or text")


def render_turtle(
    result: ValidationResult, fail_on: Severity, *, baseline: BaselineSummary | None = None
) -> str:
    """The ``sh:ValidationReport`` as Turtle (``fail_on`` does not change a SHACL report); with a
    baseline, the report's ``rdfs:comment`` says how many findings it suppressed."""
    del fail_on
    graph = report_graph(result)
    if baseline is not None:
        graph.add((BNode("report"), RDFS.comment, Literal(baseline.text, lang="en")))
    return graph.serialize(format="turtle")


__all__ = [
    "FORMATS",
    "JSON_SCHEMA_VERSION",
    "BaselineSummary",
    "Quote",
    "RecordContext",
    "SourceLocator",
    "affects_text",
    "finding_fingerprint",
    "finding_json",
    "findings_by_family",
    "render",
    "render_json",
    "render_junit",
    "render_sarif",
    "render_shacl",
    "render_text",
    "render_turtle",
    "report_graph",
    "shacl_report_graph",
]
