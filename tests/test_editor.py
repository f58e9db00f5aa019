"""The editor's model: forms read from the record, the triples a change writes, the live check of one
activity against the full validation, new records, copies, deletions, sign-off, and saving (conflicts)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from ropa_kg.app.checking import check_activity
from ropa_kg.app.editor import (
    ACTIVITY_FIELDS,
    PARTY_FIELDS,
    Form,
    activity_edit,
    approve_record,
    copy_activity,
    delete_activity,
    mark_reviewed,
    new_activity,
    new_party,
    new_record,
    party_edit,
    read_activity,
    read_party,
    record_nodes,
    term_options,
)
from ropa_kg.app.record import Record, load_record
from ropa_kg.app.saving import folder_workspace, plan, save, workspace
from ropa_kg.core.namespaces import ALU, DPV, EU_GDPR, LOC, ROPA
from ropa_kg.core.resources import alumeco_dir
from ropa_kg.core.signoff import REVIEWED, REVIEWER, ROPA_APPROVED, ROPA_APPROVER
from ropa_kg.core.terms import slug
from ropa_kg.render.turtle_edit import SaveConflictError
from ropa_kg.rules.validation import validate

CHAT = str(ALU.Chat)
SPEC = {s.key: s for s in (*ACTIVITY_FIELDS, *PARTY_FIELDS)}


@pytest.fixture(scope="module")
def alumeco() -> Record:
    return load_record(None)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "alumeco"
    shutil.copytree(alumeco_dir(), target)
    return target


def test_the_activity_form_reads_what_the_record_says(alumeco: Record) -> None:
    form = read_activity(alumeco, CHAT)
    assert form.get("name") == ("Website chat",)
    assert read_activity(alumeco, CHAT, lang="fi").get("name") == ("Chat-toiminto",)
    assert form.get("purposes") == (str(DPV.CustomerCare), str(ROPA.Statistics))
    assert form.get("controllers") == (str(ALU.Alumeco),)
    assert form.get("recipients") == (str(ALU.Netop),)
    assert form.get("legal_bases") == (str(EU_GDPR["A6-1-f-controller"]),)
    assert form.retention == ""
    assert read_activity(alumeco, str(ALU.CustomerRelations)).retention == "P5Y"


def test_a_changed_purpose_removes_one_value_and_adds_one(alumeco: Record) -> None:
    before = read_activity(alumeco, CHAT)
    after = before.with_values(purposes=[str(DPV.ServiceProvision), str(ROPA.Statistics)])
    edit = activity_edit(alumeco, before, after).edit
    assert edit.removed == ((ALU.Chat, DPV.hasPurpose, DPV.CustomerCare),)
    assert edit.added == ((ALU.Chat, DPV.hasPurpose, DPV.ServiceProvision),)
    assert activity_edit(alumeco, before, before).edit.removed == ()


def test_a_renamed_activity_changes_its_name_in_that_language_only(alumeco: Record) -> None:
    before = read_activity(alumeco, CHAT)
    edit = activity_edit(alumeco, before, before.with_values(name=["Chat on the website"])).edit
    assert edit.removed == ((ALU.Chat, SKOS.prefLabel, Literal("Website chat", lang="en")),)
    assert edit.added == ((ALU.Chat, SKOS.prefLabel, Literal("Chat on the website", lang="en")),)


def test_retention_is_replaced_where_it_is_written_or_minted(alumeco: Record) -> None:
    customers = str(ALU.CustomerRelations)
    before = read_activity(alumeco, customers)
    edit = activity_edit(alumeco, before, Form(customers, before.values, retention="P3Y")).edit
    limit = ALU.CustomerRetentionLimit
    assert edit.removed == ((limit, RDF.value, Literal("P5Y", datatype=XSD.duration)),)
    assert edit.added == ((limit, RDF.value, Literal("P3Y", datatype=XSD.duration)),)
    chat = read_activity(alumeco, CHAT)
    minted = activity_edit(alumeco, chat, Form(CHAT, chat.values, retention="P6M")).edit
    assert (ALU.Chat, DPV.hasStorageCondition, URIRef(f"{ALU.Chat}-Retention")) in minted.added
    assert (
        URIRef(f"{ALU.Chat}-RetentionPeriod"),
        RDF.value,
        Literal("P6M", datatype=XSD.duration),
    ) in minted.added
    with pytest.raises(ValueError, match="ISO 8601"):
        activity_edit(alumeco, chat, Form(CHAT, chat.values, retention="five years"))


def test_pickers_offer_dpv_terms_with_labels_and_place(alumeco: Record) -> None:
    purposes = {o.iri: o for o in term_options(alumeco, SPEC["purposes"])}
    assert purposes[str(DPV.Marketing)].label == "Marketing"
    assert (
        purposes[str(DPV.CustomerCare)].text == "Customer Care · dpv:CustomerCare (under Customer Management)"
    )
    assert str(ROPA.Statistics) in purposes  # the record's own term below dpv:Purpose
    finnish = {o.iri: o.label for o in term_options(alumeco, SPEC["purposes"], lang="fi")}
    assert finnish[str(DPV.Advertising)] == "mainonta"
    countries = {o.iri for o in term_options(alumeco, SPEC["country"])}
    assert (
        str(LOC.US) in countries
        and str(LOC.FI) in countries
        and "https://w3id.org/dpv/loc#US-AK" not in countries
    )


def test_the_live_check_agrees_with_the_full_validation(alumeco: Record) -> None:
    """On every Alumeco activity: the same (rule, focus) as the full validation, except the one finding
    that needs the controller's other activities (the same balancing text on N of them)."""
    assert len(alumeco.activities) == 10
    for activity in alumeco.activities:
        full = {
            (f.rule_id, f.focus_node)
            for f in alumeco.validation.findings
            if f.focus_node == activity or activity in f.affects
        }
        live = check_activity(alumeco, activity).keys
        assert live == full - {("ROPA-LI-BOILERPLATE", str(ALU.Alumeco))}, activity


def test_the_live_check_sees_the_edit(alumeco: Record) -> None:
    before = read_activity(alumeco, CHAT)
    assert ("ROPA-A30-RETENTION", CHAT) in check_activity(alumeco, CHAT).keys
    edit = activity_edit(alumeco, before, Form(CHAT, before.values, retention="P1Y")).edit
    assert ("ROPA-A30-RETENTION", CHAT) not in check_activity(alumeco, CHAT, edit).keys


def test_a_new_record_from_nothing_validates_as_the_form_showed(tmp_path: Path) -> None:
    folder = tmp_path / "record"
    made = new_record(
        namespace="https://example.org/kettu#",
        controller="Kettu Oy",
        activity="Payroll",
        contact="tietosuoja@kettu.example",
        country=str(LOC.FI),
    )
    space = folder_workspace(folder)
    save(space, plan(space, made.edit, prefixes=made.prefixes))
    assert made.prefix == "kettu"
    assert "kettu:Payroll a dpv:Process" in (folder / "Payroll.ttl").read_text(encoding="utf-8")
    assert sorted(p.name for p in folder.iterdir()) == ["KettuOy.ttl", "Payroll.ttl", "Record.ttl"]
    record = load_record([str(folder)])
    assert record.activities == ["https://example.org/kettu#Payroll"]
    assert record_nodes(record) == ["https://example.org/kettu#Record"]
    live = check_activity(record, made.activity).keys
    full = {(f.rule_id, f.focus_node) for f in validate(folder).findings if f.focus_node == made.activity}
    assert ("ROPA-A30-PURPOSE", made.activity) in live
    assert {k for k in live if k[1] == made.activity} == full


def test_new_copied_and_deleted_activities(copy: Path) -> None:
    record = load_record([str(copy)])
    space = workspace(record)
    made = new_activity(record, name="Henkilöstöhallinto ja palkat", lang="fi")
    assert made.iri == f"{ALU}HenkilostohallintoJaPalkat"
    assert (URIRef(made.iri), DPV.hasDataController, ALU.Alumeco) in made.edit.added
    twin = copy_activity(record, CHAT, name="Chat (copy)")
    assert (URIRef(twin.iri), DPV.hasRecipient, ALU.Netop) in twin.edit.added
    assert not any(
        p == SKOS.prefLabel and o == Literal("Website chat", lang="en") for _, p, o in twin.edit.added
    )
    save(space, plan(space, delete_activity(record, CHAT)))
    after = load_record([str(copy)])
    assert CHAT not in after.activities and len(after.activities) == 9
    assert not any(f.focus_node == CHAT for f in after.validation.findings)


def test_parties_roles_country_and_agreement(alumeco: Record) -> None:
    netop = str(ALU.Netop)
    before = read_party(alumeco, netop)
    assert before.get("name") == ("Netop Business Solutions A/S",)
    assert before.get("country") == (str(LOC.DK),)
    assert before.get("types") == (str(DPV.DataProcessor), str(DPV.Organisation), str(DPV.Recipient))
    after = Form(
        netop,
        before.with_values(types=[str(DPV.DataProcessor), str(DPV.Organisation)]).values,
        agreement=True,
    )
    edit = party_edit(alumeco, before, after).edit
    assert (ALU.Netop, RDF.type, DPV.Recipient) in edit.removed
    agreement = URIRef(f"{ALU.Netop}-Agreement")
    assert (ALU.Netop, DPV.hasLegalMeasure, agreement) in edit.added
    assert (agreement, RDF.type, DPV.DataProcessingAgreement) in edit.added
    cloud = new_party(alumeco, name="CloudCo Inc.", types=[str(DPV.DataProcessor)], country=str(LOC.US))
    assert cloud.iri == f"{ALU}CloudCoInc"
    with pytest.raises(ValueError, match="role"):
        new_party(alumeco, name="Nobody", types=[])


def test_review_and_approval(alumeco: Record) -> None:
    day = dt.date(2027, 1, 15)
    review = mark_reviewed(alumeco, activity=CHAT, reviewer="Aino DPO", day=day)
    assert set(review.added) == {
        (ALU.Chat, REVIEWER, Literal("Aino DPO")),
        (ALU.Chat, REVIEWED, Literal("2027-01-15", datatype=XSD.date)),
    }
    approval = approve_record(alumeco, record_node=str(ALU.Record), approver="Aino DPO", day=day)
    assert (ALU.Record, ROPA_APPROVER, Literal("Aino DPO")) in approval.added
    assert (ALU.Record, ROPA_APPROVED, Literal("2027-01-15", datatype=XSD.date)) in approval.added
    # dct:modified is replaced, not doubled
    assert [t for t in approval.removed if str(t[1]).endswith("modified")]


def test_the_second_save_from_the_same_versions_is_refused(copy: Path) -> None:
    record = load_record([str(copy)])
    space = workspace(record)
    versions = space.versions()
    before = read_activity(record, CHAT)
    first = activity_edit(record, before, before.with_values(purposes=[str(DPV.Marketing)])).edit
    second = activity_edit(record, before, before.with_values(purposes=[str(DPV.Advertising)])).edit
    plans = [plan(space, e, versions=versions, near=CHAT) for e in (first, second)]
    save(space, plans[0])
    written = (copy / "chat.ttl").read_bytes()
    with pytest.raises(SaveConflictError, match=r"chat\.ttl"):
        save(space, plans[1])
    assert (copy / "chat.ttl").read_bytes() == written


def test_the_bundled_record_is_not_edited_in_place(alumeco: Record) -> None:
    from ropa_kg.core.errors import RopaUsageError

    with pytest.raises(RopaUsageError, match="read-only"):
        workspace(alumeco)


def test_slugs() -> None:
    assert slug("Henkilöstöhallinto ja palkat") == "HenkilostohallintoJaPalkat"
    assert slug("2024 survey") == "N2024Survey"


def test_a_blank_node_activity_is_edited_in_place(tmp_path: Path) -> None:
    """A record written by someone else, whose activity is a blank node: the form edits it where it is."""
    shutil.copy(Path(__file__).parent / "fixtures" / "blank" / "record.ttl", tmp_path / "record.ttl")
    record = load_record([str(tmp_path)])
    blank = next(a for a in record.activities if a.startswith("_:"))
    before = read_activity(record, blank)
    edit = activity_edit(
        record, before, before.with_values(purposes=[*before.get("purposes"), str(DPV.Advertising)])
    )
    change = plan(workspace(record), edit.edit, near=blank)
    assert [(c.name, c.method) for c in change.changes] == [("record.ttl", "patch")]
    assert "+    dpv:hasPurpose dpv:Advertising ;" in change.changes[0].unified_diff()
    save(workspace(record), change)
    again = load_record([str(tmp_path)])
    purposes = {
        p for a in again.activities if a.startswith("_:") for p in read_activity(again, a).get("purposes")
    }
    assert purposes == {str(DPV.Marketing), str(DPV.Advertising)}


def test_a_stale_blank_node_is_refused_not_written_as_a_new_one(tmp_path: Path) -> None:
    shutil.copy(Path(__file__).parent / "fixtures" / "blank" / "record.ttl", tmp_path / "record.ttl")
    record = load_record([str(tmp_path)])
    blank = next(a for a in record.activities if a.startswith("_:"))
    before = read_activity(record, blank)
    first = activity_edit(record, before, before.with_values(purposes=[str(DPV.Advertising)])).edit
    save(workspace(record), plan(workspace(record), first, near=blank))
    # the label read before the save no longer names the activity: refused, nothing written
    stale = activity_edit(record, before, Form(blank, before.values, retention="P2Y")).edit
    written = (tmp_path / "record.ttl").read_bytes()
    with pytest.raises(SaveConflictError, match="reload"):
        plan(workspace(load_record([str(tmp_path)])), stale, near=blank)
    assert (tmp_path / "record.ttl").read_bytes() == written and len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("name", ["E0023", "E0057"])
def test_blank_activities_of_dpv_examples_are_edited_checked_and_saved(
    name: str, dpv_examples_dir: Path, tmp_path: Path
) -> None:
    """Records another tool wrote: blank-node activities (E0057: all of them) get their edit, its live
    check and a plan of its save; new things go in the namespace of an IRI the record uses."""
    shutil.copy(dpv_examples_dir / f"{name}.ttl", tmp_path / f"{name}.ttl")
    record = load_record([str(tmp_path)])
    blank = next(a for a in record.activities if a.startswith("_:"))
    before = read_activity(record, blank)
    after = Form(
        blank,
        before.with_values(purposes=[*before.get("purposes"), str(DPV.Advertising)]).values,
        retention="P1Y",
    )
    edit = activity_edit(record, before, after).edit
    assert Literal("P1Y", datatype=XSD.duration) in {t[2] for t in edit.added}
    # the live check agrees with the full validation on someone else's record too
    full = {
        (f.rule_id, f.focus_node) for f in record.validation.findings if blank in (f.focus_node, *f.affects)
    }
    assert check_activity(record, blank).keys == full - {("ROPA-LI-BOILERPLATE", f) for _, f in full}
    change = plan(workspace(record), edit, near=blank)
    assert [c.name for c in change.changes] == [f"{name}.ttl"]
    assert "dpv:Advertising" in change.changes[0].unified_diff() and "P1Y" in change.changes[0].unified_diff()
