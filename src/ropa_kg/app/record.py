"""What the dashboard shows, computed once per loaded record (no Streamlit here, so it is testable).

A :class:`Record` is loaded from files (the bundled record, uploaded files, or a snapshot of a SPARQL
endpoint written to a file): an rdflib graph (validation, graph export), a pyoxigraph store (the saved
queries), the validation result (fast engine), and labels. Tables derived from it are computed
on first use and kept on the record. All SPARQL comes from ``queries/*.rq``; this module only looks
triples up by pattern.

Labels are English by default (the record's ``ropa:displayName``: English or untagged first, then
Finnish, then any language, as every output names a node); :meth:`Record.with_language` gives the same
record with its labels and tables in Finnish (``fi``): a label in that language, else in English (or
untagged), else in any, else DPV's English label (:func:`ropa_kg.load.vocabulary.label`), else the
compact IRI.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef

from ropa_kg.app.i18n import DEFAULT_LANGUAGE, tr
from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.findings import Finding, Severity
from ropa_kg.core.namespaces import DPV, PREFIXES, ROPA
from ropa_kg.core.terms import node_text
from ropa_kg.load.cache import load_cached
from ropa_kg.load.graph import collect_files, declared_prefixes, ontology_files
from ropa_kg.load.store import load_store, record_files, record_stats
from ropa_kg.load.vocabulary import label as dpv_label
from ropa_kg.query.queries import execute_oxigraph, resolve, select_texts
from ropa_kg.render.describe import LABEL_PROPERTIES, Describer
from ropa_kg.render.export import Register, register
from ropa_kg.rules.validation import ValidationResult, validate
from ropa_kg.sparql.results import ResultTable, compact_iri, term_text

SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SEVERITY_ORDER = ("violation", "warning", "info")
#: schemes whose IRIs are written without ``//`` (not taken for an undeclared prefix)
OPAQUE_SCHEMES = frozenset({"urn", "tag", "mailto"})

#: The Art. 30 fields of an activity, in the register's order: (heading, predicates).
ART30_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("(a) Controller", (str(DPV.hasDataController),)),
    ("(a) Joint controllers", (str(DPV.hasJointDataControllers),)),
    ("(b) Purposes", (str(DPV.hasPurpose),)),
    ("Lawful basis (Art. 6, Art. 9) and transfer mechanisms", (str(DPV.hasLegalBasis),)),
    ("Legitimate interest", (str(ROPA.hasLegitimateInterest),)),
    ("(c) Data subjects", (str(DPV.hasDataSubject),)),
    ("(c) Personal data", (str(DPV.hasPersonalData),)),
    ("Processing operations", (str(DPV.hasProcessing),)),
    (
        "(d) Recipients and processors",
        (str(DPV.hasRecipient), str(DPV.hasDataProcessor), str(ROPA.noRecipients)),
    ),
    ("(f) Retention and storage", (str(DPV.hasStorageCondition), str(ROPA.storedLocally))),
    (
        "(g) Security measures",
        (
            str(DPV.hasTechnicalOrganisationalMeasure),
            str(DPV.hasTechnicalMeasure),
            str(DPV.hasOrganisationalMeasure),
            str(DPV.hasPolicy),
        ),
    ),
    ("Assessments", (str(DPV.hasAssessment),)),
    ("Rights and notice", (str(DPV.hasRight), str(DPV.hasNotice), str(ROPA.withdrawalMethod))),
    ("Technologies", (str(DPV.isImplementedUsingTechnology),)),
    ("Source of the data", (str(DPV.hasDataSource),)),
)


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: a policy sentence (quote, section, line) or an external source (URL)."""

    iri: str
    quote: str = ""
    section: str = ""
    line: str = ""
    url: str = ""
    comment: str = ""

    @property
    def external(self) -> bool:
        return not self.quote


@dataclass(frozen=True)
class Fact:
    """One triple about a resource, with labels and its sources (none: the record gives no source)."""

    subject: str
    predicate: str
    value: str
    value_label: str
    is_literal: bool
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Edge:
    """One edge of the data-flow graph (query ``data-flows``)."""

    kind: str
    source: str
    target: str
    role: str


@dataclass(frozen=True)
class Transfer:
    """A transfer to a third country (query ``third-country-transfers``)."""

    activity: str
    recipient: str
    country: str
    mechanism: str
    status: str


@dataclass
class Record:
    """A loaded record and everything derived from it. Build with :func:`load_record`."""

    label: str
    paths: tuple[str, ...]
    files: tuple[Path, ...]
    graph: Graph = field(repr=False)
    store: ox.Store = field(repr=False)
    validation: ValidationResult = field(repr=False)
    #: labels and activities of the record's nodes, as the CLI's reports name them
    describer: Describer = field(repr=False)
    seconds: float = 0.0
    key: str = ""
    #: the language of labels and tables (``en``, ``fi``): :meth:`with_language`
    language: str = DEFAULT_LANGUAGE
    #: saved query name -> its rows being computed (see :meth:`texts`)
    prefetched: dict[str, Future[list[tuple[str, ...]]]] = field(default_factory=dict, repr=False)
    _by_predicate: dict[str, dict[str, list[str]]] = field(default_factory=dict, repr=False)
    #: (language, blank node ``_:label``) -> its display label, memoised
    _blank_labels: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    #: language -> node -> its label in that language (not English: :attr:`describer`), memoised
    _labels_by_language: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    #: language -> this record in that language (shared by all of them): :meth:`with_language`
    _variants: dict[str, Record] = field(default_factory=dict, repr=False)

    @cached_property
    def store_path(self) -> Path | None:
        """The record parsed into the on-disk cache (:mod:`ropa_kg.load.cache`), built on first use: the
        query console's child process opens it instead of parsing the files again."""
        return load_cached(list(self.paths) or None).cache_path

    # --- labels -------------------------------------------------------------------------------

    def label_of(self, iri: str, *, lang: str | None = None) -> str:
        """The label of ``iri`` in ``lang`` (default: the record's :attr:`language`).

        English: the record's display name (English or untagged, else Finnish, else any language, its
        name, or its compact form). Another language: a label in it, else in English or untagged, else
        in any language, else DPV's English label, else the compact form. A blank node (``_:label``)
        without a label is named by its types' labels, or by its id (:meth:`node_id`); a blank
        activity is "Unnamed activity" and its id."""
        lang = lang or self.language
        if lang == DEFAULT_LANGUAGE:
            label = self.describer.labels.get(iri)
        else:
            label = self._labels_in(lang).get(iri) or (None if iri.startswith("_:") else dpv_label(iri))
        if label is not None:
            return label
        if iri.startswith("_:"):
            return self._blank_label(iri, lang)
        return compact_iri(iri)

    def name(self, iri: str, *, lang: str | None = None) -> str:
        """``label (alu:X)`` for display where both help (the label as :meth:`label_of` gives it)."""
        label = self.label_of(iri, lang=lang)
        short = self.node_id(iri)
        return label if label == short else f"{label} ({short})"

    def with_language(self, lang: str) -> Record:
        """This record with its labels and tables (:attr:`activity_rows`, :attr:`finding_rows`...) in
        ``lang`` (``en``, ``fi``): the same store, validation and queries' rows, made once per language
        and shared (what does not depend on the language is computed once, on this record)."""
        if lang == self.language:
            return self
        variants = self._variants
        variants.setdefault(self.language, self)
        known = variants.get(lang)
        if known is None:
            for name in _LANGUAGE_FREE:
                getattr(self, name)  # computed once, here, and shared with the other languages
            known = replace(self, language=lang)
            shared = (*_LANGUAGE_FREE, *_SHARED_WHEN_READY)
            known.__dict__.update({name: self.__dict__[name] for name in shared if name in self.__dict__})
            variants[lang] = known
        return known

    def _labels_in(self, lang: str) -> dict[str, str]:
        """Node -> its best label for ``lang`` (not the derived ``ropa:displayName``, which is English
        first): in ``lang``, else English or untagged, else any language; within a language the best
        property (:data:`LABEL_PROPERTIES`), then the first in sorted order; a node with only a
        ``ropa:displayName`` keeps it."""
        known = self._labels_by_language.get(lang)
        if known is None:
            best: dict[str, tuple[int, int, str]] = {}
            for rank, prop in enumerate((*LABEL_PROPERTIES[1:], LABEL_PROPERTIES[0])):
                for quad in self.store.quads_for_pattern(None, ox.NamedNode(str(prop)), None):
                    term = quad.object
                    if not isinstance(term, ox.Literal) or not term.value:
                        continue
                    tag = (term.language or "").lower().split("-")[0]
                    order = 0 if tag == lang else (1 if tag in ("", DEFAULT_LANGUAGE) else 2)
                    key = (3 if rank == len(LABEL_PROPERTIES) - 1 else order, rank, term.value)
                    subject = node_text(quad.subject)
                    if subject not in best or key < best[subject]:
                        best[subject] = key
            known = {subject: key[2] for subject, key in best.items()}
            self._labels_by_language[lang] = known
        return known

    def _blank_label(self, node: str, lang: str) -> str:
        known = self._blank_labels.get((lang, node))
        if known is None:
            if node in self.activity_ids:
                known = tr("record.unnamed_activity", lang, id=self.activity_ids[node])
            else:
                types = {
                    self.label_of(t, lang=lang)
                    for t in self.objects(node, RDF_TYPE)
                    if not t.startswith("_:")
                }
                known = ", ".join(sorted(types)) or self.node_id(node)
            self._blank_labels[(lang, node)] = known
        return known

    # --- identifiers --------------------------------------------------------------------------

    @cached_property
    def prefixes(self) -> dict[str, str]:
        """The prefixes the record's own files declare (not the ontology's): :func:`declared_prefixes`."""
        ontology = set(ontology_files())
        return declared_prefixes(f for f in self.files if f not in ontology)

    def node_id(self, node: str) -> str:
        """How ``node`` is shown and written in URLs. An IRI: compacted with the project's prefixes, else
        with the record's own (:attr:`prefixes`), else the IRI. A blank node: ``_:label``, the label
        loading derived from what it says (:mod:`ropa_kg.core.blank_nodes`), the same at every load."""
        if node.startswith("_:"):
            return node
        short = compact_iri(node)
        return short if short != node else _compact_with(node, self.prefixes)

    # --- queries ------------------------------------------------------------------------------

    def run(self, name: str, params: Mapping[str, str] | None = None) -> ResultTable:
        """Run the saved query ``name`` on this record with text ``params``.

        Raises:
            RopaUsageError: unknown query or parameter. RopaInputError: the query does not parse.
        """
        query = resolve(name)
        return execute_oxigraph(query, self.store, query.bindings(params))

    @cached_property
    def register(self) -> Register:
        """The Art. 30 register (query ``art30-register``)."""
        return register(self.store)

    def texts(self, name: str) -> list[tuple[str, ...]]:
        """The rows of the saved SELECT query ``name`` (default parameters) as strings (full IRIs);
        those :func:`load_record` ran while validating are taken from it."""
        ready = self.prefetched.pop(name, None)
        return ready.result() if ready is not None else select_texts(resolve(name), self.store)

    @cached_property
    def edges(self) -> tuple[Edge, ...]:
        return tuple(Edge(*row) for row in self.texts("data-flows"))  # kind, from, to, role

    @cached_property
    def transfers(self) -> tuple[Transfer, ...]:
        return tuple(Transfer(*row) for row in self.texts("third-country-transfers"))

    @cached_property
    def contracts(self) -> dict[tuple[str, str], str]:
        """(party, role) -> contract IRI ("" where none is recorded).

        From the saved query ``processors-and-joint-controllers``.
        """
        out: dict[tuple[str, str], str] = {}
        for party, role, _activity, _data, contract in self.texts("processors-and-joint-controllers"):
            if contract or (party, role) not in out:
                out[(party, role)] = contract
        return out

    @cached_property
    def stats(self) -> dict[str, int]:
        counts = record_stats(self.store)
        return {
            "activities": counts.activities,
            "data categories": counts.data_categories,
            "recipients": counts.recipients,
            "processors": counts.processors,
            "data subject categories": counts.data_subject_categories,
            "purposes": counts.purposes,
            "triples": counts.triples,
            "facts with a source": counts.facts_with_source,
        }

    # --- activities ---------------------------------------------------------------------------

    @cached_property
    def activities(self) -> list[str]:
        """The activities (:attr:`Describer.activities`): IRIs, sorted, then blank nodes (``_:label``)
        in the order of their ids (:meth:`node_id`)."""
        nodes = self.describer.activities
        named = sorted(n for n in nodes if not n.startswith("_:"))
        return named + sorted((n for n in nodes if n.startswith("_:")), key=self.node_id)

    @cached_property
    def activity_ids(self) -> dict[str, str]:
        """Activity -> its id in tables and URLs (:meth:`node_id`; unique, as blank labels are)."""
        return {activity: self.node_id(activity) for activity in self.activities}

    def find_activity(self, text: str) -> str:
        """The activity ``text`` names: its id (:attr:`activity_ids`), a prefixed name with one of the
        project's prefixes or the record's own (:attr:`prefixes`; the project's win where both define
        one), or its full IRI (bare or in ``<>``).

        Raises:
            RopaUsageError: no activity has that name. The message says why (the prefix is not declared
                by the record, or no activity has that IRI) and gives the full-IRI form, with the
                activities whose local name matches as suggestions.
        """
        wanted = text.strip()
        by_id = {ident: activity for activity, ident in self.activity_ids.items()}
        if wanted in by_id:
            return by_id[wanted]
        iri, prefix = self._expand(wanted)
        if iri is not None and not iri.startswith("_:") and iri in self.activity_ids:
            return iri
        raise RopaUsageError(self._not_found(wanted, iri, prefix))

    def _expand(self, text: str) -> tuple[str | None, str]:
        """(the IRI ``text`` names, its prefix): (None, prefix) for a prefix neither the project nor the
        record declares; ``text`` itself for an absolute IRI, a blank node's id or a bare name."""
        if text.startswith("<") and text.endswith(">"):
            return text[1:-1], ""
        prefix, sep, local = text.partition(":")
        if not sep or prefix == "_" or local.startswith("//") or prefix.lower() in OPAQUE_SCHEMES:
            return text, ""
        # the project's prefixes win where a record redefines one (as parse_iri and compact_iri have it)
        namespace = str(PREFIXES[prefix]) if prefix in PREFIXES else self.prefixes.get(prefix)
        return (namespace + local if namespace is not None else None), prefix

    def _not_found(self, text: str, iri: str | None, prefix: str) -> str:
        local = text.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1].rstrip(">").lower()
        similar = [a for a in self.activities if not a.startswith("_:") and _local_name(a).lower() == local]
        hint = "".join(f" Did you mean {self.activity_ids[a]}, the full IRI <{a}>?" for a in similar)
        if iri is None:
            declared = ", ".join(f"{p}:" for p in sorted(self.prefixes)) or "none"
            return (
                f"No activity {text}: the prefix {prefix}: is not declared by this record's files "
                f"(they declare {declared}); give the activity's full IRI instead, in angle brackets, "
                f"e.g. ?id=<https://example.org/ns#{text.partition(':')[2]}>.{hint}"
            )
        if iri.startswith("_:"):
            return (
                f"No activity {text} in this record (a blank node's label changes when what it "
                f"says changes).{hint}"
            )
        if ":" not in iri:
            return f"No activity {text}: give its id (a prefixed name) or its full IRI.{hint}"
        shown = f"{text} (<{iri}>)" if iri != text else f"<{iri}>"
        return f"No activity {shown} in this record.{hint}"

    def objects(self, subject: str, predicate: str | None = None) -> list[str]:
        """Objects of ``subject`` (optionally for one ``predicate``), as IRIs or literal texts."""
        pred = ox.NamedNode(predicate) if predicate else None
        return [node_text(q.object) for q in self.store.quads_for_pattern(_node(subject), pred, None)]

    @cached_property
    def activity_links(self) -> dict[str, set[str]]:
        """Activity -> every IRI it points to directly (recipients, controller, groups...)."""
        links: dict[str, set[str]] = {}
        for activity in self.activities:
            links[activity] = {
                node_text(q.object)
                for q in self.store.quads_for_pattern(_node(activity), None, None)
                if isinstance(q.object, ox.NamedNode | ox.BlankNode)
            }
        return links

    def objects_by_activity(self, predicate: str) -> dict[str, list[str]]:
        """Activity -> its objects for ``predicate`` (IRIs or literal texts), from one pass over the
        predicate's triples (memoised per predicate)."""
        known = self._by_predicate.get(predicate)
        if known is None:
            activities = set(self.activities)
            known = defaultdict(list)
            for q in self.store.quads_for_pattern(None, ox.NamedNode(predicate), None):
                subject = node_text(q.subject)
                if subject in activities:
                    known[subject].append(node_text(q.object))
            self._by_predicate[predicate] = known
        return known

    @cached_property
    def findings_by_activity(self) -> dict[str, list[Finding]]:
        """Activity -> its active findings: on the activity, or on a node the activity points to (as the
        saved query ``findings-per-activity`` attributes them); a notice's or controller's finding that
        names the activities it affects (``Finding.affects``) is under each of those, and only those."""
        by_focus: dict[str, list[Finding]] = defaultdict(list)
        affecting: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.validation.active:
            if finding.affects:
                for activity in finding.affects:
                    affecting[activity].append(finding)
            else:
                by_focus[finding.focus_node].append(finding)
        out: dict[str, list[Finding]] = {}
        for activity in self.activities:
            found = list(by_focus.get(activity, []))
            for target in self.activity_links.get(activity, set()):
                if target != activity:
                    found.extend(by_focus.get(target, []))
            out[activity] = found + affecting.get(activity, [])
        return out

    def activities_of(self, focus: str) -> list[str]:
        """The activities a finding on ``focus`` concerns (:meth:`Describer.activities_of`: itself if it
        is one, else those pointing at it directly or through one node), as the CLI's reports file it."""
        return self.describer.activities_of(focus)

    @cached_property
    def finding_rows(self) -> list[dict[str, object]]:
        """One row per active finding for the compliance view (labels, rule title and article, the
        family's id and label; for a notice's or controller's finding the activities it affects)."""
        rules = self.validation.rules
        rows: list[dict[str, object]] = []
        for finding in self.validation.active:
            rule = rules.get(finding.rule_id)
            affects = sorted(self.label_of(a) for a in finding.affects)
            rows.append(
                {
                    "family": finding.family.value,
                    "family label": finding.family.label,
                    "severity": finding.severity.name.lower(),
                    "rule": finding.rule_id,
                    "title": rule.title if rule else "",
                    "article": rule.article if rule else (finding.legal_reference or ""),
                    "focus": self.label_of(finding.focus_node),
                    "focus id": self.node_id(finding.focus_node),
                    "activities": affects
                    or [self.label_of(a) for a in self.activities_of(finding.focus_node)],
                    "affects": affects,
                    "value": self.label_of(finding.value) if finding.value else "",
                    "path": finding.path or "",
                    "how to fix": finding.message,
                }
            )
        return rows

    @cached_property
    def activity_summary(self) -> list[dict[str, object]]:
        """One row per activity with what the record states on the activity itself (labels; lists as
        Python lists): what the overview needs, without the data-flow table or the findings."""
        return [
            {
                "id": self.activity_ids[activity],
                "iri": activity,
                "activity": self.label_of(activity),
                "purposes": self._labels(activity, DPV.hasPurpose),
                "legal basis": self._labels(activity, DPV.hasLegalBasis),
                "data subjects": self._labels(activity, DPV.hasDataSubject),
                "data categories": self._labels(activity, DPV.hasPersonalData),
                "part of": sorted(self.label_of(p) for p in self.parents.get(activity, [])),
            }
            for activity in self.activities
        ]

    @cached_property
    def parents(self) -> dict[str, list[str]]:
        """Activity -> the processes it is part of (``dpv:hasProcess``), as node texts."""
        found: dict[str, list[str]] = defaultdict(list)
        for parent, parts in self.objects_by_activity(str(DPV.hasProcess)).items():
            for part in parts:
                found[part].append(parent)
        return found

    @cached_property
    def activity_rows(self) -> list[dict[str, object]]:
        """:attr:`activity_summary` with each activity's recipients and their countries (from the saved
        query ``data-flows``) and how many findings concern it, for the filterable table."""
        recipients: dict[str, set[str]] = defaultdict(set)
        countries_of: dict[str, set[str]] = defaultdict(set)
        for edge in self.edges:
            if edge.kind == "recipient":
                recipients[edge.source].add(edge.target)
            elif edge.kind == "country":
                countries_of[edge.source].add(edge.target)
        rows: list[dict[str, object]] = []
        for summary in self.activity_summary:
            activity = str(summary["iri"])
            findings = self.findings_by_activity.get(activity, [])
            recips = sorted(recipients.get(activity, set()))
            countries = sorted({c for r in recips for c in countries_of.get(r, set())})
            rows.append(
                {
                    **summary,
                    "recipients": [self.label_of(r) for r in recips],
                    "countries": [self.label_of(c) for c in countries],
                    "findings": len(findings),
                    "violations": sum(1 for f in findings if f.severity is Severity.VIOLATION),
                }
            )
        return rows

    def _labels(self, subject: str, predicate: object) -> list[str]:
        return sorted({self.label_of(o) for o in self.objects_by_activity(str(predicate)).get(subject, [])})

    def facts(self, subject: str) -> list[Fact]:
        """Every triple with ``subject`` (an IRI, or a blank node as ``_:label``) as subject, each with its
        sources (query ``fact-provenance``, its parameter bound to the node itself)."""
        query = resolve("fact-provenance")
        node = BNode(subject[2:]) if subject.startswith("_:") else URIRef(subject)
        table = execute_oxigraph(query, self.store, {**query.bindings(), "subject": node})
        sources: dict[tuple[str, str], list[Source]] = defaultdict(list)
        for row in table.rows:
            _s, predicate, obj, source, quote, section, line, url = row
            sources[(term_text(predicate, compact=False), term_text(obj, compact=False))].append(
                Source(
                    iri=term_text(source, compact=False),
                    quote=term_text(quote),
                    section=term_text(section),
                    line=term_text(line),
                    url=term_text(url, compact=False),
                    comment=self._comment(term_text(source, compact=False)),
                )
            )
        out: list[Fact] = []
        seen: set[tuple[str, str]] = set()
        for quad in self.store.quads_for_pattern(_node(subject), None, None):
            pred, term = quad.predicate.value, quad.object
            key = (pred, node_text(term))
            if key in seen:
                continue
            seen.add(key)
            is_literal = isinstance(term, ox.Literal)
            out.append(
                Fact(
                    subject=subject,
                    predicate=pred,
                    value=key[1],
                    value_label=key[1] if is_literal else self.label_of(key[1]),
                    is_literal=is_literal,
                    sources=tuple(sources.get(key, ())),
                )
            )
        return out

    def _comment(self, source: str) -> str:
        if not source:
            return ""
        comments = self.objects(source, "http://www.w3.org/2000/01/rdf-schema#comment")
        return comments[0] if comments else ""


#: The cached tables that do not depend on the language of labels (shared by :meth:`Record.with_language`).
_LANGUAGE_FREE = (
    "edges",
    "transfers",
    "contracts",
    "activities",
    "activity_ids",
    "activity_links",
    "findings_by_activity",
    "parents",
)
#: The same, shared when this record has them already (not computed for the sharing: costlier).
_SHARED_WHEN_READY = ("store_path", "prefixes", "stats")


def _node(iri: str) -> ox.NamedNode | ox.BlankNode:
    return ox.BlankNode(iri[2:]) if iri.startswith("_:") else ox.NamedNode(iri)


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _compact_with(iri: str, prefixes: Mapping[str, str]) -> str:
    """``iri`` as ``prefix:local`` with the longest of ``prefixes``' namespaces it starts with (when the
    rest is a plain local name), else ``iri``."""
    best = max((ns for ns in prefixes.values() if ns and iri.startswith(ns)), key=len, default="")
    local = iri[len(best) :]
    if not best or not local or not all(c.isalnum() or c in "-_." for c in local) or local.endswith("."):
        return iri
    return next(f"{p}:{local}" for p, ns in prefixes.items() if ns == best)


def files_key(files: Iterable[Path]) -> str:
    """A key that changes when any file's content changes."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


#: Saved queries behind the tables every view uses (edges, transfers, contracts).
#: name prefix of the thread that computes the shared tables after the first load
BACKGROUND_THREAD = "ropa-background"
#: the saved queries whose rows several views share; the first is the overview's
SHARED_QUERIES = ("third-country-transfers", "data-flows", "processors-and-joint-controllers")


def load_record(paths: Sequence[str] | None = None, *, label: str = "", engine: str = "fast") -> Record:
    """Load, validate and index the record in ``paths`` (default: the bundled Alumeco record).

    Raises:
        RopaInputError: a path is missing or a file cannot be parsed (names file, line and cause), or
            the rules cannot be run.
        RopaUsageError: the validation engine is not available.
    """
    start = time.perf_counter()
    path_list = list(paths) if paths else None
    # in memory: queries on it run 2-3 times faster than on the on-disk cache (see benchmarks/RESULTS.md)
    files = tuple(record_files(path_list))  # the ontology's, then the record's
    own = collect_files(path_list) if path_list else []
    store = load_store(path_list)
    sources = path_list or []
    # The saved query the overview needs runs while the rules run (pyoxigraph releases the GIL); those
    # the other views share run after them, in the background (the rules get the cores first).
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=BACKGROUND_THREAD)
    prefetched = {name: pool.submit(select_texts, resolve(name), store) for name in SHARED_QUERIES[:1]}
    try:
        validation = validate(*sources, engine=engine, store=store if engine == "fast" else None)
    except RopaUsageError:  # rules outside what the fast engine compiles
        if engine == "pyshacl":
            pool.shutdown(wait=False)
            raise
        validation = validate(*sources, engine="pyshacl")
    except BaseException:
        pool.shutdown(wait=False)
        raise
    graph = validation.graph
    record = Record(
        label=label or ("Bundled Alumeco record" if not path_list else ", ".join(p.name for p in own)),
        paths=tuple(path_list or ()),
        files=files,
        graph=graph,
        store=store,
        validation=validation,
        describer=Describer.of_store(store),
        key=files_key(files),
        prefetched=prefetched,
    )
    # What the overview shows, now; the other views' tables in the background, while it renders (a
    # view that needs one before it is ready waits for it: a cached_property computes once).
    for name in SHARED_QUERIES[1:]:
        prefetched[name] = pool.submit(select_texts, resolve(name), store)
    _ = record.transfers, record.activity_summary
    pool.submit(_warm, record)
    pool.shutdown(wait=False)
    record.seconds = time.perf_counter() - start
    return record


def _warm(record: Record) -> None:
    """Compute the tables the other views share (errors surface when a view asks for them). (Not
    pandas' import, which the table views need: importing it in a thread while the script imports
    it too fails with a partially initialised module.)"""
    _ = record.edges, record.contracts, record.activity_rows


def severity_name(severity: Severity) -> str:
    return severity.name.lower()


__all__ = [
    "ART30_FIELDS",
    "Edge",
    "Fact",
    "Record",
    "RopaInputError",
    "Source",
    "Transfer",
    "load_record",
    "severity_name",
]
