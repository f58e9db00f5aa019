"""Edit an activity: create, edit, copy, delete and review one, with its findings re-checked as you edit,
a preview of the Turtle change, and Save (optionally a git commit); start a new record from nothing;
approve the record."""

from pathlib import Path

import streamlit as st

from common import SourceSpec, page_setup, switch_source, t
from editing import (
    forget,
    form_key,
    language,
    opened,
    picker,
    save_panel,
    saved_notice,
    show_check,
    today,
    write,
)
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
    new_record,
    read_activity,
    record_nodes,
)
from ropa_kg.app.record import Record
from ropa_kg.app.saving import Workspace, copy_record, folder_workspace, plan, save, workspace
from ropa_kg.core.errors import RopaUsageError

record = page_setup("edit.title")
saved_notice()
lang = language()


def open_folder(folder: Path) -> None:
    switch_source(lambda: SourceSpec("files", folder.name, (str(folder),)))
    st.rerun()


def start_new_record(current: Record) -> None:
    """The form that writes a new record's first files (a ROPA node, its controller, a first activity)."""
    with st.expander(t("edit.new_record"), expanded=False):
        folder = st.text_input(t("edit.new_folder"), key="new_folder")
        namespace = st.text_input(t("edit.namespace"), "https://example.org/ropa#", key="new_ns")
        controller = st.text_input(t("edit.controller"), key="new_controller")
        contact = st.text_input(t("edit.contact"), key="new_contact")
        country_spec = next(s for s in PARTY_FIELDS if s.key == "country")
        country = picker(current, country_spec, [], subject="new-record", single=True)
        first = st.text_input(t("edit.first_activity"), key="new_first")
        if st.button(t("edit.create"), key="create_record", disabled=not (folder and controller and first)):
            try:
                made = new_record(
                    namespace=namespace,
                    controller=controller,
                    activity=first,
                    contact=contact,
                    country=country[0] if country else "",
                    lang=lang,
                )
                space = folder_workspace(Path(folder))
                save(space, plan(space, made.edit, prefixes=made.prefixes))
            except (RopaUsageError, ValueError) as exc:
                st.error(t("edit.not_created", error=exc))
                return
            st.session_state["edit_choice"] = made.activity
            open_folder(Path(folder))


def read_only(current: Record, reason: str) -> None:
    """Why this record cannot be edited, and a copy to edit instead."""
    st.info(t("edit.read_only", reason=reason))
    target = st.text_input(t("edit.copy_folder"), key="copy_folder")
    if st.button(t("edit.copy_record"), key="copy_record", disabled=not target):
        own = [p for p in current.files if p.suffix == ".ttl" and "ontology" not in p.parts]
        try:
            copy_record(own, Path(target))
        except RopaUsageError as exc:
            st.error(str(exc))
            return
        open_folder(Path(target))


def choose_activity(current: Record, space: Workspace) -> str:
    names = {a: current.label_of(a) for a in current.activities}
    order = sorted(names, key=lambda a: (names[a].lower(), a))
    # what a save chose, else the address's ?id= (kept in step with the choice below), else the first.
    # The selectbox has no key: when the activities' names change (a save renamed one) it is a new
    # widget, which starts at this index instead of falling back to the first activity.
    wanted = st.session_state.pop("edit_choice", None) or st.query_params.get("id")
    found = None
    if wanted:
        try:
            found = current.find_activity(wanted)
        except RopaUsageError:
            found = None
    activity = st.selectbox(
        t("edit.activity"),
        order,
        index=order.index(found) if found in order else 0,
        format_func=lambda a: f"{names[a]} ({current.node_id(a)})",
    )
    with st.expander(t("edit.new_activity")):
        new_name = st.text_input(
            t("edit.new_activity_name"), key=form_key("new-activity", "new_activity_name")
        )
        if st.button(t("edit.add_activity"), key="add_activity", disabled=not new_name.strip()):
            made = new_activity(current, name=new_name, lang=lang)
            added = t("edit.added", name=new_name.strip())
            write(space, made.edit, done=added, near=made.iri, select=made.iri, clear=("new-activity",))
    st.query_params["id"] = current.node_id(activity)
    return str(activity)


def form(current: Record, activity: str, before: Form) -> Form:
    """The activity's fields as widgets; the values they hold now."""
    values: dict[str, list[str]] = {}
    name = before.get("name")[0] if before.get("name") else ""
    values["name"] = [st.text_input(t("edit.name", lang=lang), name, key=f"f:{activity}:name")]
    text = before.get("description")[0] if before.get("description") else ""
    values["description"] = [
        st.text_area(t("edit.description", lang=lang), text, key=f"f:{activity}:description")
    ]
    for spec in ACTIVITY_FIELDS:
        if spec.kind in {"terms", "parties"}:
            values[spec.key] = picker(current, spec, before.get(spec.key), subject=activity)
    retention = st.text_input(
        t("edit.retention"),
        before.retention,
        key=f"f:{activity}:retention",
    )
    after = before.with_values(**values)
    return Form(after.subject, after.values, lang, retention=retention.strip())


def more(current: Record, space: Workspace, activity: str, versions: dict[Path, str]) -> None:
    """Copy, delete, review the activity; approve the record."""
    label = current.label_of(activity)
    with st.expander(t("edit.more")):
        copy_name = st.text_input(t("edit.copy_name"), key=f"copy:{activity}")
        if st.button(t("edit.copy"), key=f"copy_btn:{activity}", disabled=not copy_name.strip()):
            made = copy_activity(current, activity, name=copy_name, lang=lang)
            write(
                space,
                made.edit,
                done=t("edit.copied", label=label, name=copy_name.strip()),
                near=activity,
                select=made.iri,
            )
        sure = st.checkbox(t("edit.delete_sure"), key=f"del_ok:{activity}")
        if st.button(t("edit.delete"), key=f"del:{activity}", disabled=not sure):
            write(
                space,
                delete_activity(current, activity),
                done=t("edit.deleted", label=label),
                versions=versions,
                near=activity,
            )
        who = st.text_input(t("edit.signer"), key="signer")
        if st.button(t("edit.review"), key=f"review:{activity}", disabled=not who.strip()):
            review = mark_reviewed(current, activity=activity, reviewer=who, day=today())
            write(
                space,
                review,
                done=t("edit.reviewed", label=label, who=who),
                versions=versions,
                near=activity,
            )
        nodes = record_nodes(current)
        if st.button(t("edit.approve"), key="approve", disabled=not (who.strip() and nodes)):
            approval = approve_record(current, record_node=nodes[0], approver=who, day=today())
            write(space, approval, done=t("edit.approved", who=who), near=nodes[0])
        if not nodes:
            st.caption(t("edit.no_record_node"))


try:
    space = workspace(record)
except RopaUsageError as exc:
    read_only(record, str(exc).split(":")[0])
    start_new_record(record)
    st.stop()

start_new_record(record)
left, right = st.columns([3, 2])
with left:
    activity = choose_activity(record, space)
current = read_activity(record, activity, lang=lang)
before, versions = opened(space, activity, current)
stale = st.container()  # there on every run: the widgets below keep their place
if current != before:
    stale.warning(t("edit.stale"))
    if stale.button(t("edit.take_theirs"), key="take_theirs"):
        forget(activity)
        st.rerun()
with left:
    st.subheader(t("edit.fields"))
    after = form(record, activity, before)
try:
    change = activity_edit(record, before, after)
except ValueError as exc:
    st.error(str(exc))
    st.stop()
if change.kept:
    st.warning(t("edit.kept", values="; ".join(change.kept)))
with right:
    show_check(record, check_activity(record, activity, change.edit))
st.subheader(t("edit.save"))
save_panel(record, space, change.edit, versions=versions, near=activity, key=activity, then="edit_choice")
more(record, space, activity, versions)
