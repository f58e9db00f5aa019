"""What the dashboard's forms edit: an activity's and a party's fields, read from the record and turned
back into the triples a change removes and adds.

The forms never write RDF themselves. :func:`read_activity` / :func:`read_party` give a form's values
(IRIs for terms and parties, texts for names, an ISO 8601 duration for the retention period);
:func:`activity_edit` / :func:`party_edit` compare the values before and after and return the
:class:`~ropa_kg.render.turtle_edit.Edit` that makes the record say the new ones: only the fields that
changed, and in each field only the values added and removed, so that every other triple (provenance,
custom properties, values the form does not show) stays as it was. New things (an activity, a party, a
retention period, an agreement) get IRIs minted in the namespace of the record's own IRIs, never blank
nodes, so that a reviewer sees names in the pull request. Blank-node values a record already has are
shown and kept; the form cannot remove them (the message says to edit the file).

Term pickers (:func:`term_options`) offer the DPV 2.3 terms below the field's range (the DPV index, so
with no DPV file loaded) and the record's own terms below it, each with its label in the chosen language
(falling back to English, then to the local name) and its place in the hierarchy.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS as DCT_NS
from rdflib.namespace import RDF as RDF_NS
from rdflib.namespace import SKOS as SKOS_NS
from rdflib.namespace import XSD as XSD_NS
from rdflib.term import Node

from ropa_kg.app.record import Record
from ropa_kg.core.namespaces import DPV, DPV_FAMILY, ROPA
from ropa_kg.core.signoff import REVIEWED, REVIEWER, ROPA_APPROVED, ROPA_APPROVER
from ropa_kg.core.terms import slug, to_rdflib
from ropa_kg.load.store import load_file, relabel_blank_nodes
from ropa_kg.load.vocabulary import broader_terms, label, terms_under
from ropa_kg.render.turtle_edit import Edit

Triple = tuple[Node, URIRef, Node]

#: An ISO 8601 duration as xsd:duration writes it (P5Y, P6M, P1Y6M, P30D, PT12H).
DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")

#: The predicates a thing's name is read from, in order; a new name is written as the first.
NAME_PREDICATES = (SKOS_NS.prefLabel, DPV.hasName, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form: its key, heading, predicate and what its values are.

    ``kind``: ``terms`` (taxonomy concepts below ``roots``, picked from a list), ``parties`` (the record's
    parties), ``text`` (one literal in the chosen language), ``literal`` (one plain literal), ``types``
    (``rdf:type`` values among ``roots``).
    """

    key: str
    heading: str
    predicate: URIRef
    kind: str
    roots: tuple[str, ...] = ()
    article: str = ""
    help: str = ""


def _dpv(name: str) -> str:
    return str(DPV[name])


#: The activity form, in the order of Art. 30(1).
ACTIVITY_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "Name", SKOS_NS.prefLabel, "text", article="Art. 30(1)"),
    FieldSpec("description", "Description", DCT_NS.description, "text"),
    FieldSpec("controllers", "Controller", DPV.hasDataController, "parties", article="Art. 30(1)(a)"),
    FieldSpec("purposes", "Purposes", DPV.hasPurpose, "terms", (_dpv("Purpose"),), "Art. 30(1)(b)"),
    FieldSpec(
        "data_subjects",
        "Categories of data subjects",
        DPV.hasDataSubject,
        "terms",
        (_dpv("DataSubject"), _dpv("HumanSubject")),
        "Art. 30(1)(c)",
    ),
    FieldSpec(
        "personal_data",
        "Categories of personal data",
        DPV.hasPersonalData,
        "terms",
        (_dpv("PersonalData"),),
        "Art. 30(1)(c)",
    ),
    FieldSpec("legal_bases", "Legal basis", DPV.hasLegalBasis, "terms", (_dpv("LegalBasis"),), "Art. 6(1)"),
    FieldSpec("recipients", "Recipients", DPV.hasRecipient, "parties", article="Art. 30(1)(d)"),
    FieldSpec("processors", "Processors", DPV.hasDataProcessor, "parties", article="Art. 28, 30(1)(d)"),
    FieldSpec(
        "joint_controllers",
        "Joint controllers",
        DPV.hasJointDataControllers,
        "parties",
        article="Art. 26",
        help="a joint-controllers group (made on the Parties page) with its members and arrangement",
    ),
    FieldSpec(
        "measures",
        "Technical and organisational measures",
        DPV.hasTechnicalOrganisationalMeasure,
        "terms",
        (_dpv("TechnicalOrganisationalMeasure"),),
        "Art. 30(1)(g), 32",
    ),
)

#: The party types a party form offers (``rdf:type``).
PARTY_TYPES: tuple[str, ...] = tuple(
    _dpv(n)
    for n in (
        "DataController",
        "DataProcessor",
        "Recipient",
        "ThirdParty",
        "JointDataControllers",
        "Organisation",
    )
)
#: What a party's transfer mechanism may be (ropa:hasTransferMechanism; the register reads it).
MECHANISM_ROOTS = (_dpv("DataTransferLegalBasis"), "https://w3id.org/dpv/legal/eu/gdpr#DataTransferTool")

PARTY_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "Name", DPV.hasName, "literal", article="Art. 30(1)(a), (d)"),
    FieldSpec("types", "Roles", RDF_NS.type, "types", PARTY_TYPES),
    FieldSpec("country", "Country", DPV.hasCountry, "terms", (_dpv("Country"),), "Art. 30(1)(e)"),
    FieldSpec("contact", "Contact", DPV.hasContact, "literal", article="Art. 30(1)(a)"),
    FieldSpec(
        "mechanisms",
        "Transfer mechanism",
        ROPA.hasTransferMechanism,
        "terms",
        MECHANISM_ROOTS,
        "Art. 30(1)(e), 44-49",
        "where the party is outside the EEA: adequacy decision, SCCs, BCRs...",
    ),
    FieldSpec(
        "members",
        "Members (joint controllers)",
        DPV.hasDataController,
        "parties",
        article="Art. 26(1)",
    ),
)

_PROCESS = _dpv("Process")
_STORAGE_DURATION = DPV.StorageDuration
_HAS_DURATION = DPV.hasDuration
_AGREEMENTS = {
    "processor": DPV.DataProcessingAgreement,
    "joint": DPV.JointDataControllersAgreement,
}


# --- forms --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """A form's values: field key -> values (IRIs, ``_:label`` blank nodes, or texts), each tuple sorted.

    ``subject`` is the activity or party; ``lang`` the language its texts are written in; ``retention``
    the retention period (an ISO 8601 duration, "" for none) and ``agreement`` whether the party's
    agreement is recorded (party forms).
    """

    subject: str
    values: Mapping[str, tuple[str, ...]]
    lang: str = "en"
    retention: str = ""
    agreement: bool = False

    def get(self, key: str) -> tuple[str, ...]:
        return self.values.get(key, ())

    def with_values(self, **changes: Sequence[str]) -> Form:
        """A copy with the given fields set (sorted, distinct, empty texts dropped)."""
        values = dict(self.values)
        for key, given in changes.items():
            values[key] = tuple(sorted({v for v in given if v.strip()}))
        return replace(self, values=values)


_ASSERTED: dict[str, ox.Store] = {}


def asserted_store(record: Record) -> ox.Store:
    """The record's files as written (with the ontology, blank nodes labelled as the record's store labels
    them), without what loading reads into them (DPV's facts, inherited context, inferred types): what a
    form shows and edits is what the files say. Kept for the last few records."""
    found = _ASSERTED.get(record.key)
    if found is None:
        found = ox.Store()
        for path in record.files:
            load_file(found, path)
        relabel_blank_nodes(found)
        if len(_ASSERTED) >= 4:
            _ASSERTED.pop(next(iter(_ASSERTED)))
        _ASSERTED[record.key] = found
    return found


def node_term(iri: str) -> ox.NamedNode | ox.BlankNode:
    """The store's term for a node the views name: an IRI, or a blank node as ``_:label``."""
    return ox.BlankNode(iri[2:]) if iri.startswith("_:") else ox.NamedNode(iri)


def _text(term: ox.NamedNode | ox.BlankNode | ox.Literal | object) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(getattr(term, "value", term))


def _objects(record: Record, subject: str, predicate: URIRef) -> list[object]:
    return [
        q.object
        for q in asserted_store(record).quads_for_pattern(
            node_term(subject), ox.NamedNode(str(predicate)), None
        )
    ]


def _in_language(literals: Iterable[object], lang: str) -> list[ox.Literal]:
    """The literals in ``lang``, else those without a language, else every one (for a one-text field)."""
    found = [t for t in literals if isinstance(t, ox.Literal)]
    for wanted in (lang, None):
        chosen = [t for t in found if t.language == wanted]
        if chosen:
            return chosen
    return found


def _field_values(record: Record, subject: str, spec: FieldSpec, lang: str) -> tuple[str, ...]:
    if spec.kind == "text" and spec.key == "name":
        for predicate in (spec.predicate, *NAME_PREDICATES):
            texts = _in_language(_objects(record, subject, predicate), lang)
            if texts:
                return (texts[0].value,)
        return ()
    objects = _objects(record, subject, spec.predicate)
    if spec.kind == "text":
        return tuple(sorted(t.value for t in _in_language(objects, lang)[:1]))
    if spec.kind == "literal":
        return tuple(sorted(_text(t) for t in objects if isinstance(t, ox.Literal))[:1])
    if spec.kind == "types":
        return tuple(sorted(_text(t) for t in objects if _text(t) in spec.roots))
    return tuple(sorted(_text(t) for t in objects if not isinstance(t, ox.Literal)))


def read_activity(record: Record, activity: str, *, lang: str = "en") -> Form:
    """The activity form's values for ``activity`` as the record states them."""
    values = {spec.key: _field_values(record, activity, spec, lang) for spec in ACTIVITY_FIELDS}
    found = retention_value(record, activity)
    return Form(activity, values, lang, retention=found[1] if found else "")


def read_party(record: Record, party: str, *, lang: str = "en") -> Form:
    """The party form's values for ``party``; ``agreement`` when a processing or joint-controllers
    agreement is recorded on it (``dpv:hasLegalMeasure``)."""
    values = {spec.key: _field_values(record, party, spec, lang) for spec in PARTY_FIELDS}
    return Form(party, values, lang, agreement=bool(_objects(record, party, DPV.hasLegalMeasure)))


def retention_value(record: Record, activity: str) -> tuple[tuple[str, str], str] | None:
    """Where the activity's retention period is written and what it is: ((node, predicate), duration),
    for the first of its storage conditions that has one (``rdf:value`` of its ``dpv:hasDuration``, or
    a literal ``dpv:hasDuration``); None when it states none."""
    for condition in sorted(_text(t) for t in _objects(record, activity, DPV.hasStorageCondition)):
        for duration in _objects(record, condition, _HAS_DURATION):
            if isinstance(duration, ox.Literal):
                return (condition, str(_HAS_DURATION)), duration.value
            for value in _objects(record, _text(duration), RDF_NS.value):
                if isinstance(value, ox.Literal):
                    return (_text(duration), str(RDF_NS.value)), value.value
    return None


# --- from forms to edits ------------------------------------------------------------------------


def node_ref(text: str) -> Node:
    """An IRI, or a blank node named ``_:label`` (the record's content-derived label, which the Turtle
    patcher matches in the files)."""
    return BNode(text[2:]) if text.startswith("_:") else URIRef(text)


def _literal(spec: FieldSpec, text: str, lang: str) -> Literal:
    return Literal(text, lang=lang) if spec.kind == "text" else Literal(text)


def _existing_literal(record: Record, subject: str, predicate: URIRef, text: str) -> Node | None:
    for term in _objects(record, subject, predicate):
        if isinstance(term, ox.Literal) and term.value == text:
            return to_rdflib(term)
    return None


def _name_predicate(record: Record, subject: str) -> URIRef:
    for predicate in NAME_PREDICATES:
        if _objects(record, subject, predicate):
            return predicate
    return NAME_PREDICATES[0]


@dataclass(frozen=True)
class FormEdit:
    """A form's change as triples, and what the form could not do (blank-node values it kept)."""

    edit: Edit
    kept: tuple[str, ...] = ()


def _field_edit(
    record: Record, before: Form, after: Form, spec: FieldSpec
) -> tuple[list[Triple], list[Triple], list[str]]:
    old, new = set(before.get(spec.key)), set(after.get(spec.key))
    subject = node_ref(before.subject)
    removed: list[Triple] = []
    added: list[Triple] = []
    kept: list[str] = []
    predicate = spec.predicate
    if spec.kind == "text" and spec.key == "name":
        predicate = _name_predicate(record, before.subject)
    for value in sorted(old - new):
        if value.startswith("_:"):
            kept.append(f"{spec.heading}: {value}")
            continue
        if spec.kind in {"text", "literal"}:
            term = _existing_literal(record, before.subject, predicate, value)
            if term is not None:
                removed.append((subject, predicate, term))
        else:
            removed.append((subject, predicate, node_ref(value)))
    for value in sorted(new - old):
        term = _literal(spec, value, after.lang) if spec.kind in {"text", "literal"} else node_ref(value)
        added.append((subject, predicate, term))
    return removed, added, kept


def _form_edit(record: Record, before: Form, after: Form, fields: Sequence[FieldSpec]) -> FormEdit:
    removed: list[Triple] = []
    added: list[Triple] = []
    kept: list[str] = []
    for spec in fields:
        r, a, k = _field_edit(record, before, after, spec)
        removed += r
        added += a
        kept += k
    return FormEdit(Edit(removed=tuple(removed), added=tuple(added)), tuple(kept))


def activity_edit(record: Record, before: Form, after: Form) -> FormEdit:
    """The triples that change the activity from ``before`` to ``after`` (both for the same subject).

    Raises:
        ValueError: the retention period is not an ISO 8601 duration.
    """
    change = _form_edit(record, before, after, ACTIVITY_FIELDS)
    if after.retention != before.retention:
        retention = _retention_edit(record, before.subject, after.retention)
        change = FormEdit(_join(change.edit, retention), change.kept)
    return change


def party_edit(record: Record, before: Form, after: Form) -> FormEdit:
    """The triples that change the party from ``before`` to ``after``; ticking ``agreement`` adds a
    minted agreement (a processor's dpv:DataProcessingAgreement, a joint-controllers group's
    dpv:JointDataControllersAgreement) with ``dpv:hasLegalMeasure``; unticking removes the link."""
    change = _form_edit(record, before, after, PARTY_FIELDS)
    if after.agreement != before.agreement:
        change = FormEdit(_join(change.edit, _agreement_edit(record, after)), change.kept)
    return change


def _join(*edits: Edit) -> Edit:
    return Edit(
        removed=tuple(t for e in edits for t in e.removed), added=tuple(t for e in edits for t in e.added)
    )


def _retention_edit(record: Record, activity: str, duration: str) -> Edit:
    duration = duration.strip()
    if duration and not DURATION.match(duration):
        raise ValueError(f"{duration!r} is not an ISO 8601 duration (e.g. P5Y, P6M, P30D)")
    found = retention_value(record, activity)
    if found is not None:
        (node, predicate), old = found
        term = _existing_literal(record, node, URIRef(predicate), old)
        removed: tuple[Triple, ...] = ((node_ref(node), URIRef(predicate), term),) if term is not None else ()
        added: tuple[Triple, ...] = ()
        if duration:
            added = ((node_ref(node), URIRef(predicate), Literal(duration, datatype=XSD_NS.duration)),)
        return Edit(removed=removed, added=added)
    if not duration:
        return Edit(removed=(), added=())
    condition = URIRef(mint(record, activity, "Retention"))
    period = URIRef(mint(record, activity, "RetentionPeriod"))
    return Edit(
        removed=(),
        added=(
            (node_ref(activity), DPV.hasStorageCondition, condition),
            (condition, RDF_NS.type, _STORAGE_DURATION),
            (condition, _HAS_DURATION, period),
            (period, RDF_NS.type, DPV.TemporalDuration),
            (period, RDF_NS.value, Literal(duration, datatype=XSD_NS.duration)),
        ),
    )


def _agreement_edit(record: Record, after: Form) -> Edit:
    party = node_ref(after.subject)
    if not after.agreement:
        links = [
            t for t in _objects(record, after.subject, DPV.hasLegalMeasure) if not isinstance(t, ox.Literal)
        ]
        return Edit(removed=tuple((party, DPV.hasLegalMeasure, URIRef(_text(t))) for t in links), added=())
    joint = _dpv("JointDataControllers") in after.get("types")
    kind = _AGREEMENTS["joint" if joint else "processor"]
    agreement = URIRef(mint(record, after.subject, "Agreement"))
    added: list[Triple] = [
        (party, DPV.hasLegalMeasure, agreement),
        (agreement, RDF_NS.type, kind),
    ]
    if not joint:
        added.append((agreement, DPV.hasDataProcessor, party))
    return Edit(removed=(), added=tuple(added))


# --- new things ---------------------------------------------------------------------------------


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    return iri[:cut]


def _used(record: Record, iri: str) -> bool:
    node = ox.NamedNode(iri)
    return (
        next(record.store.quads_for_pattern(node, None, None), None) is not None
        or next(record.store.quads_for_pattern(None, None, node), None) is not None
    )


def mint(record: Record, near: str, name: str, *, taken: Iterable[str] = ()) -> str:
    """A new IRI in the namespace of ``near`` (an IRI of the record): ``near``'s local name and
    ``name`` joined with a hyphen when ``near`` is a thing (``alu:Chat-Retention``), or ``name`` alone
    when ``near`` is a namespace; numbered when already used in the record or in ``taken``."""
    if near.startswith("_:"):  # a blank node has no namespace: new things go in the record's
        near = f"{record_namespace(record)}{slug(record.label_of(near))}"
    namespace = _namespace(near)
    local = near[len(namespace) :]
    base = f"{namespace}{local}-{name}" if local else f"{namespace}{name}"
    taken_set = set(taken)
    candidate, number = base, 1
    while candidate in taken_set or _used(record, candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


#: Namespaces of vocabularies, never a record's own.
_NOT_OWN = frozenset(
    {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/2002/07/owl#",
        "http://www.w3.org/2004/02/skos/core#",
        "http://purl.org/dc/terms/",
        "http://www.w3.org/ns/prov#",
        "http://www.w3.org/ns/shacl#",
    }
)


def record_namespace(record: Record) -> str:
    """The namespace for new things: that of the record's first activity with an IRI, else of the first
    IRI its own files describe (a record whose activities are all blank nodes names its controller).

    Raises:
        ValueError: the record's files describe nothing by an IRI.
    """
    activities = sorted(a for a in record.activities if not a.startswith("_:"))
    if activities:
        return _namespace(activities[0])
    own = sorted(
        q.subject.value
        for q in asserted_store(record).quads_for_pattern(None, None, None, ox.DefaultGraph())
        if isinstance(q.subject, ox.NamedNode)
        and not q.subject.value.startswith((*DPV_FAMILY, str(ROPA)))
        and _namespace(q.subject.value) not in _NOT_OWN
    )
    if not own:
        raise ValueError("the record names nothing by an IRI, so there is no namespace to mint new IRIs in")
    return _namespace(own[0])


@dataclass(frozen=True)
class NewThing:
    """A new activity or party: its minted IRI and the triples that create it."""

    iri: str
    edit: Edit


def new_activity(record: Record, *, name: str, lang: str = "en", controller: str | None = None) -> NewThing:
    """A new ``dpv:Process`` named ``name``, with ``controller`` (default: the controller of the record's
    activities when they all share one).

    Raises:
        ValueError: the name is empty.
    """
    if not name.strip():
        raise ValueError("a new activity needs a name")
    iri = mint(record, record_namespace(record), slug(name))
    subject = URIRef(iri)
    added: list[Triple] = [
        (subject, RDF_NS.type, DPV.Process),
        (subject, SKOS_NS.prefLabel, Literal(name.strip(), lang=lang)),
    ]
    owner = controller or _shared_controller(record)
    if owner:
        added.append((subject, DPV.hasDataController, URIRef(owner)))
    return NewThing(iri, Edit(removed=(), added=tuple(added)))


def _shared_controller(record: Record) -> str | None:
    controllers = {
        _text(q.object)
        for q in asserted_store(record).quads_for_pattern(
            None, ox.NamedNode(str(DPV.hasDataController)), None
        )
        if isinstance(q.object, ox.NamedNode) and _text(q.subject) in set(record.activities)
    }
    return next(iter(controllers)) if len(controllers) == 1 else None


def new_party(record: Record, *, name: str, types: Sequence[str], country: str = "") -> NewThing:
    """A new party (``dpv:hasName``, its ``rdf:type`` roles, its country).

    Raises:
        ValueError: the name is empty or no role is chosen.
    """
    if not name.strip():
        raise ValueError("a new party needs a name")
    if not types:
        raise ValueError("choose at least one role for the new party")
    iri = mint(record, record_namespace(record), slug(name))
    subject = URIRef(iri)
    added: list[Triple] = [(subject, RDF_NS.type, URIRef(t)) for t in sorted(set(types))]
    added.append((subject, DPV.hasName, Literal(name.strip())))
    if country:
        added.append((subject, DPV.hasCountry, URIRef(country)))
    return NewThing(iri, Edit(removed=(), added=tuple(added)))


def _statements(record: Record, subject: str) -> list[Triple]:
    out: list[Triple] = []
    for q in asserted_store(record).quads_for_pattern(node_term(subject), None, None, ox.DefaultGraph()):
        s, p, o = to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)
        out.append((s, p, o))  # type: ignore[arg-type]  # rdflib terms of a triple
    return out


def _activity_own_triples(record: Record, activity: str) -> list[Triple]:
    """The triples a record states about the activity in its files (not the ontology's or DPV's)."""
    return _statements(record, activity)


def copy_activity(record: Record, activity: str, *, name: str, lang: str = "en") -> NewThing:
    """A copy of ``activity`` under a new IRI and name: every triple of which it is the subject, except
    its names (the copy has ``name``) and what loading derived (``ropa:displayName``).

    Raises:
        ValueError: the name is empty.
    """
    if not name.strip():
        raise ValueError("the copy needs a name")
    iri = mint(record, record_namespace(record), slug(name))
    subject = URIRef(iri)
    skip = {*NAME_PREDICATES, ROPA.displayName}
    added: list[Triple] = [
        (subject, p, o) for _, p, o in _activity_own_triples(record, activity) if p not in skip
    ]
    added.append((subject, SKOS_NS.prefLabel, Literal(name.strip(), lang=lang)))
    return NewThing(iri, Edit(removed=(), added=tuple(sorted(set(added)))))


def delete_activity(record: Record, activity: str) -> Edit:
    """The triples that delete ``activity``: those about it, those pointing to it (a parent's
    ``dpv:hasProcess``), and the provenance statements about its facts (``rdf:subject`` it)."""
    node = node_term(activity)
    removed = set(_activity_own_triples(record, activity))
    for q in asserted_store(record).quads_for_pattern(None, None, node, ox.DefaultGraph()):
        subject = _text(q.subject)
        if q.predicate.value == str(RDF_NS.subject):
            removed.update(_statements(record, subject))
        else:
            removed.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))  # type: ignore[arg-type]
    derived = {ROPA.displayName}
    return Edit(removed=tuple(sorted(t for t in removed if t[1] not in derived)), added=())


@dataclass(frozen=True)
class NewRecord:
    """A record started from nothing: its namespace, the IRIs of its ROPA node, controller and first
    activity, and the triples that create them."""

    namespace: str
    ropa: str
    controller: str
    activity: str
    edit: Edit

    @property
    def prefix(self) -> str:
        """The prefix its files declare for its namespace: the namespace's last word (``kettu`` for
        ``https://example.org/kettu#``), else ``ex``."""
        words = re.findall(r"[A-Za-z][A-Za-z0-9]*", self.namespace.rstrip("#/").rsplit("/", 1)[-1])
        return words[-1].lower() if words else "ex"

    @property
    def prefixes(self) -> dict[str, str]:
        return {self.prefix: self.namespace}


def new_record(
    *,
    namespace: str,
    controller: str,
    activity: str,
    contact: str = "",
    country: str = "",
    lang: str = "en",
) -> NewRecord:
    """The first triples of a new record: a ``dpv:ROPA`` node, its controller (``dpv:hasName``, contact,
    country) and a first activity (``dpv:Process``) of that controller.

    Raises:
        ValueError: a name is empty, or ``namespace`` is not an http(s) IRI ending in ``#`` or ``/``.
    """
    if not re.match(r"^https?://[^\s<>\"{}|^`\\]+[#/]$", namespace):
        raise ValueError(f"{namespace!r} is not a namespace IRI (e.g. https://example.org/ropa#)")
    if not controller.strip() or not activity.strip():
        raise ValueError("a new record needs the controller's name and a first activity")
    owner = URIRef(namespace + slug(controller))
    first = URIRef(namespace + slug(activity))
    if first == owner:
        first = URIRef(f"{first}-Activity")
    ropa = URIRef(namespace + "Record")
    added: list[Triple] = [
        (ropa, RDF_NS.type, DPV.ROPA),
        (ropa, DCT_NS.subject, owner),
        (owner, RDF_NS.type, DPV.DataController),
        (owner, DPV.hasName, Literal(controller.strip())),
        (first, RDF_NS.type, DPV.Process),
        (first, SKOS_NS.prefLabel, Literal(activity.strip(), lang=lang)),
        (first, DPV.hasDataController, owner),
    ]
    if contact.strip():
        added.append((owner, DPV.hasContact, Literal(contact.strip())))
    if country:
        added.append((owner, DPV.hasCountry, URIRef(country)))
    return NewRecord(namespace, str(ropa), str(owner), str(first), Edit(removed=(), added=tuple(added)))


# --- sign-off -----------------------------------------------------------------------------------


def approve_record(record: Record, *, record_node: str, approver: str, day: dt.date) -> Edit:
    """The triples that record ``approver`` approving the record on ``day`` (replacing a previous
    approval), and ``dct:modified`` set to that day.

    Raises:
        ValueError: the approver's name is empty.
    """
    if not approver.strip():
        raise ValueError("who approves the record? (a name is needed)")
    return _replace_values(
        record,
        record_node,
        {
            ROPA_APPROVER: Literal(approver.strip()),
            ROPA_APPROVED: Literal(day.isoformat(), datatype=XSD_NS.date),
            DCT_NS.modified: Literal(day.isoformat(), datatype=XSD_NS.date),
        },
    )


def mark_reviewed(record: Record, *, activity: str, reviewer: str, day: dt.date) -> Edit:
    """The triples that record ``reviewer`` reviewing ``activity`` on ``day`` (replacing the last review).

    Raises:
        ValueError: the reviewer's name is empty.
    """
    if not reviewer.strip():
        raise ValueError("who reviewed the activity? (a name is needed)")
    return _replace_values(
        record,
        activity,
        {REVIEWER: Literal(reviewer.strip()), REVIEWED: Literal(day.isoformat(), datatype=XSD_NS.date)},
    )


def _replace_values(record: Record, subject: str, values: Mapping[URIRef, Node]) -> Edit:
    node = node_ref(subject)
    removed: list[Triple] = []
    added: list[Triple] = []
    for predicate, value in values.items():
        old = [to_rdflib(t) for t in _objects(record, subject, predicate)]
        if old == [value]:
            continue
        removed += [(node, predicate, o) for o in old if o is not None]
        added.append((node, predicate, value))
    return Edit(removed=tuple(removed), added=tuple(added))


def record_nodes(record: Record) -> list[str]:
    """The record's ``dpv:ROPA`` nodes (usually one), sorted."""
    rop = ox.NamedNode(_dpv("ROPA"))
    return sorted(
        _text(q.subject) for q in record.store.quads_for_pattern(None, ox.NamedNode(str(RDF_NS.type)), rop)
    )


# --- pickers ------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class TermOption:
    """A value a picker offers: its label, IRI, compact id, and the label of the term it is below."""

    label: str
    iri: str = field(compare=False)
    short: str = field(compare=False)
    parent: str = field(default="", compare=False)

    @property
    def text(self) -> str:
        """How the picker shows it: ``Marketing · dpv:Marketing (under Purpose)``."""
        under = f" (under {self.parent})" if self.parent else ""
        return f"{self.label} · {self.short}{under}"


def term_label(record: Record, iri: str, lang: str) -> str:
    """The term's label in ``lang`` from the record (its own labels and the project's Finnish DPV
    labels), else DPV's English label, else the record's display label."""
    for term in _objects(record, iri, SKOS_NS.prefLabel):
        if isinstance(term, ox.Literal) and term.language == lang:
            return term.value
    return label(iri, lang) or label(iri) or record.label_of(iri)


def _record_terms_under(record: Record, roots: Sequence[str]) -> set[str]:
    """The record's own terms below ``roots`` (``skos:broader``/``rdfs:subClassOf``/``rdf:type``,
    transitively, through the terms the store holds)."""
    links = (SKOS_NS.broader, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), RDF_NS.type)
    found: set[str] = set()
    todo = list(roots)
    seen = set(roots)
    while todo:
        target = ox.NamedNode(todo.pop())
        for predicate in links:
            for q in record.store.quads_for_pattern(None, ox.NamedNode(str(predicate)), target):
                child = _text(q.subject)
                if child not in seen and isinstance(q.subject, ox.NamedNode):
                    seen.add(child)
                    found.add(child)
                    if predicate != RDF_NS.type:
                        todo.append(child)
    return found


def term_options(record: Record, spec: FieldSpec, *, lang: str = "en") -> tuple[TermOption, ...]:
    """What the picker of ``spec`` offers: the DPV terms below its roots and the record's own ones (a
    country field: the countries only), sorted by label."""
    dpv_terms: set[str] = {t for root in spec.roots for t in terms_under(root)}
    if spec.key == "country":
        dpv_terms = {t for t in dpv_terms if _dpv("Country") in broader_terms(t)}
    terms = (dpv_terms | _record_terms_under(record, spec.roots)) - set(spec.roots)
    options = []
    for iri in terms:
        parents = broader_terms(iri)
        parent = term_label(record, parents[0], lang) if parents else ""
        options.append(TermOption(term_label(record, iri, lang), iri, record.node_id(iri), parent))
    return tuple(sorted(options, key=lambda o: (o.label.lower(), o.iri)))


def party_options(record: Record, *, lang: str = "en") -> tuple[TermOption, ...]:
    """The record's parties (anything typed as one of :data:`PARTY_TYPES` or a subclass the record
    uses, or the object of a party predicate), sorted by label."""
    parties = _record_terms_under(record, PARTY_TYPES)
    for spec in ACTIVITY_FIELDS:
        if spec.kind == "parties":
            for q in record.store.quads_for_pattern(None, ox.NamedNode(str(spec.predicate)), None):
                if isinstance(q.object, ox.NamedNode):
                    parties.add(q.object.value)
    parties -= set(PARTY_TYPES)
    parties -= set(record.activities)
    return tuple(
        sorted(
            (TermOption(record.label_of(p), p, record.node_id(p)) for p in parties),
            key=lambda o: (o.label.lower(), o.iri),
        )
    )


__all__ = [
    "ACTIVITY_FIELDS",
    "DURATION",
    "PARTY_FIELDS",
    "PARTY_TYPES",
    "FieldSpec",
    "Form",
    "FormEdit",
    "NewRecord",
    "NewThing",
    "TermOption",
    "activity_edit",
    "approve_record",
    "asserted_store",
    "copy_activity",
    "delete_activity",
    "mark_reviewed",
    "mint",
    "new_activity",
    "new_party",
    "new_record",
    "node_ref",
    "node_term",
    "party_edit",
    "party_options",
    "read_activity",
    "read_party",
    "record_namespace",
    "record_nodes",
    "retention_value",
    "term_label",
    "term_options",
]
