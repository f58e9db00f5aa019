"""Parties: the controller, processors, recipients and joint controllers, with their roles, country,
contact, transfer mechanism and agreement; a new party; saved like an activity (preview, then Save)."""

import streamlit as st

from common import page_setup, t
from editing import form_key, language, opened, picker, save_panel, saved_notice, write
from ropa_kg.app.editor import (
    PARTY_FIELDS,
    PARTY_TYPES,
    Form,
    new_party,
    party_edit,
    party_options,
    read_party,
)
from ropa_kg.app.saving import workspace
from ropa_kg.core.errors import RopaUsageError

record = page_setup("parties.title")
saved_notice()
lang = language()
try:
    space = workspace(record)
except RopaUsageError as exc:
    st.info(t("parties.read_only", reason=exc))
    st.stop()

FIELDS = {spec.key: spec for spec in PARTY_FIELDS}
ROLE_NAMES = {t: record.label_of(t) for t in PARTY_TYPES}

with st.expander(t("parties.new")):
    name = st.text_input(t("parties.new_name"), key=form_key("new-party", "new_party_name"))
    roles = st.multiselect(
        t("parties.roles"),
        list(PARTY_TYPES),
        format_func=ROLE_NAMES.__getitem__,
        key=form_key("new-party", "new_party_roles"),
    )
    country = picker(record, FIELDS["country"], [], subject=form_key("new-party", "new-party"), single=True)
    if st.button(t("parties.add"), key="add_party", disabled=not (name.strip() and roles)):
        made = new_party(record, name=name, types=roles, country=country[0] if country else "")
        st.session_state["party_choice"] = made.iri
        write(
            space, made.edit, done=t("parties.added", name=name.strip()), near=made.iri, clear=("new-party",)
        )

options = party_options(record, lang=lang)
if not options:
    st.info(t("parties.none"))
    st.stop()
iris = [o.iri for o in options]
texts = {o.iri: f"{o.label} ({o.short})" for o in options}
wanted = st.session_state.pop("party_choice", None)
if wanted in iris:
    st.session_state["party"] = wanted
party = st.selectbox(t("parties.party"), iris, format_func=texts.__getitem__, key="party")

before, versions = opened(space, party, read_party(record, party, lang=lang))
values: dict[str, list[str]] = {}
name_now = before.get("name")[0] if before.get("name") else ""
values["name"] = [st.text_input(t("parties.name"), name_now, key=f"f:{party}:name")]
values["types"] = st.multiselect(
    t("parties.roles"),
    list(PARTY_TYPES),
    default=list(before.get("types")),
    format_func=ROLE_NAMES.__getitem__,
    key=f"f:{party}:types",
)
values["country"] = picker(record, FIELDS["country"], before.get("country"), subject=party, single=True)
contact_now = before.get("contact")[0] if before.get("contact") else ""
values["contact"] = [st.text_input(t("parties.contact"), contact_now, key=f"f:{party}:contact")]
values["mechanisms"] = picker(record, FIELDS["mechanisms"], before.get("mechanisms"), subject=party)
if "https://w3id.org/dpv#JointDataControllers" in values["types"]:
    values["members"] = picker(record, FIELDS["members"], before.get("members"), subject=party)
agreement = st.checkbox(
    t("parties.agreement"),
    value=before.agreement,
    key=f"f:{party}:agreement",
)
after = before.with_values(**values)
after = Form(after.subject, after.values, lang, agreement=agreement)
change = party_edit(record, before, after)
st.subheader(t("parties.save"))
save_panel(record, space, change.edit, versions=versions, near=party, key=party)
