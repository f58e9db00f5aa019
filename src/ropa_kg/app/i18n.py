"""The dashboard's interface strings in English and Finnish: two message tables and their lookup.

Labels from the record (activity names, DPV concepts, countries) are not here: :class:`Record` picks them
in the chosen language (:meth:`ropa_kg.app.record.Record.with_language`). This module holds the words
of the interface only: headings, widget labels, buttons, captions, metric names and messages.

**How to translate a view.** Give every text the view shows a key in both tables, ``EN`` and ``FI``
(keys are ``view.what``, e.g. ``"overview.metric.activities"``; English text exactly as it reads today,
Finnish in the GDPR's Finnish wording: *seloste käsittelytoimista*, *rekisterinpitäjä*,
*henkilötietojen käsittelijä*...). Placeholders are ``str.format`` fields (``"{count} of {total}
findings"``), the same names in both tables. In the view, call ``t(key, **params)`` from the
dashboard's ``common`` module (the language chosen in the sidebar) instead of writing the literal, and
pass the page's title key to ``page_setup``; a widget whose value is also code (a severity, a filter
choice) keeps its English value and shows ``format_func=lambda v: t(f"...{v}")``. Computing code in
``ropa_kg.app`` takes a keyword ``lang`` (default ``"en"``) and calls :func:`tr`.
``tests/test_i18n.py`` checks that both tables have the same keys and placeholders and that the
translated views call no Streamlit element with a literal English text.
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: The languages of the interface, the default first.
LANGUAGES = ("en", "fi")
DEFAULT_LANGUAGE = "en"
#: How the language switch names each language (in that language).
LANGUAGE_NAMES = {"en": "English", "fi": "Suomi"}
#: The environment variable that sets the dashboard's default language (``en`` or ``fi``).
LANGUAGE_ENV = "ROPA_DASHBOARD_LANG"

#: The Art. 30 headings of :data:`ropa_kg.app.record.ART30_FIELDS` -> their keys in the tables.
ART30_KEYS: dict[str, str] = {
    "(a) Controller": "field.controller",
    "(a) Joint controllers": "field.joint_controllers",
    "(b) Purposes": "field.purposes",
    "Lawful basis (Art. 6, Art. 9) and transfer mechanisms": "field.legal_basis",
    "Legitimate interest": "field.legitimate_interest",
    "(c) Data subjects": "field.data_subjects",
    "(c) Personal data": "field.personal_data",
    "Processing operations": "field.processing",
    "(d) Recipients and processors": "field.recipients",
    "(f) Retention and storage": "field.retention",
    "(g) Security measures": "field.security",
    "Assessments": "field.assessments",
    "Rights and notice": "field.rights",
    "Technologies": "field.technologies",
    "Source of the data": "field.source",
}

EN: dict[str, str] = {
    # --- navigation (dashboard/app.py) ---
    "app.page_title": "ropa-kg: record of processing activities",
    "nav.overview": "Overview",
    "nav.activities": "Activities",
    "nav.activity": "Activity detail",
    "nav.edit": "Edit an activity",
    "nav.parties": "Parties",
    "nav.recipients": "Recipients and transfers",
    "nav.flows": "Data flows",
    "nav.compliance": "Compliance",
    "nav.console": "Query console",
    "nav.export": "Export",
    "nav.importer": "Import",
    "nav.history": "History",
    # --- the sidebar and shared helpers (dashboard/common.py) ---
    "common.language": "Kieli / Language",
    "common.loading": "Loading and validating the record…",
    "common.load_failed": "Could not load {label}: {reason}. The previous record stays loaded.",
    "common.record": "Record",
    "common.bundled_label": "Bundled Alumeco record",
    "common.record_summary": "**{label}**  \n{activities} activities · {triples} triples",
    "common.change_source": "Change source",
    "common.source": "Source",
    "common.source.bundled": "Bundled record",
    "common.source.files": "Upload files",
    "common.source.endpoint": "SPARQL endpoint",
    "common.load_bundled": "Load the bundled Alumeco record",
    "common.upload": "Turtle, N-Triples, RDF/XML or JSON-LD files",
    "common.load_uploads": "Load these files",
    "common.endpoint_url": "Query endpoint URL",
    "common.named_graph": "Named graph (empty: default graph)",
    "common.connect": "Connect",
    "common.endpoint_label": "Endpoint {url}",
    "common.source_failed": "Could not load the new source: {error}. The previous record stays loaded.",
    "common.findings_summary": (
        "Findings: {violations} violations · {warnings} warnings · {info} info · {waived} waived  \n"
        "Loaded in {seconds} s"
    ),
    "common.page": "Page (of {pages})",
    "common.choose_options": "Choose options",
    "common.rows": "Rows {first}-{last} of {total}",
    # --- severities, families, roles, layers (shared by several views) ---
    "severity.violation": "violation",
    "severity.warning": "warning",
    "severity.info": "info",
    "severity.ok": "no findings",
    "severity.violation.one": "{n} violation",
    "severity.violation.other": "{n} violations",
    "severity.warning.one": "{n} warning",
    "severity.warning.other": "{n} warnings",
    "severity.info.one": "{n} info",
    "severity.info.other": "{n} infos",
    "family.record": "The record (Art. 30)",
    "family.notice": "The notice (Art. 12-14)",
    "family.lawfulness": "Lawfulness",
    "family_label.record": "the record (Art. 30)",
    "family_label.notice": "the notice (Art. 12-14)",
    "family_label.lawfulness": "lawfulness",
    "scope.activity": "activity",
    "scope.notice": "notice",
    "scope.controller": "controller",
    "role.processor": "processor",
    "role.joint controller": "joint controller",
    "role.recipient": "recipient",
    "layer.controller": "controller",
    "layer.activity": "activity",
    "layer.data category": "data category",
    "layer.recipient": "recipient",
    "layer.country": "country",
    "column.purposes": "Purposes",
    "column.legal basis": "Legal basis",
    "column.data subjects": "Data subjects",
    "column.data categories": "Data categories",
    "column.recipients": "Recipients",
    "column.countries": "Countries",
    "column.part of": "Part of",
    "record.unnamed_activity": "Unnamed activity {id}",
    # --- the Art. 30 fields (ropa_kg.app.record.ART30_FIELDS) ---
    "field.controller": "(a) Controller",
    "field.joint_controllers": "(a) Joint controllers",
    "field.purposes": "(b) Purposes",
    "field.legal_basis": "Lawful basis (Art. 6, Art. 9) and transfer mechanisms",
    "field.legitimate_interest": "Legitimate interest",
    "field.data_subjects": "(c) Data subjects",
    "field.personal_data": "(c) Personal data",
    "field.processing": "Processing operations",
    "field.recipients": "(d) Recipients and processors",
    "field.retention": "(f) Retention and storage",
    "field.security": "(g) Security measures",
    "field.assessments": "Assessments",
    "field.rights": "Rights and notice",
    "field.technologies": "Technologies",
    "field.source": "Source of the data",
    "field.transfers": "(e) Transfers to third countries",
    # --- overview ---
    "overview.title": "Record of processing activities",
    "overview.metric.activities": "Processing activities",
    "overview.metric.categories": "Data categories",
    "overview.metric.recipients": "Recipients",
    "overview.metric.countries": "Third countries",
    "overview.none": "none",
    "overview.metric.violations": "Violations",
    "overview.metric.warnings": "Warnings",
    "overview.metric.info": "Info",
    "overview.metric.waived": "Waived",
    "overview.caption": (
        "{triples} triples; {sourced} facts cite a policy sentence or an external source. "
        "Validated with the {engine} engine."
    ),
    "overview.no_basis": "(none stated)",
    "overview.chart.basis": "Activities per legal basis",
    "overview.chart.families": "Findings per family",
    "overview.chart.categories": "Data categories per activity",
    # --- activities ---
    "activities.title": "Processing activities",
    "activities.search": "Search activity names",
    "activities.findings": "Findings",
    "activities.choice.all": "all",
    "activities.choice.with findings": "with findings",
    "activities.choice.without findings": "without findings",
    "activities.count": "**{shown} of {total} activities**",
    "activities.column.activity": "Activity",
    "activities.column.id": "ID",
    "activities.column.findings": "Findings",
    "activities.findings_help": "active findings on the activity or its parties",
    "activities.pick_hint": "Select a row to open the activity's detail page, or pick one here:",
    "activities.open": "Open activity",
    # --- activity detail ---
    "activity.title": "Activity detail",
    "activity.none": "This record has no processing activity (no instance of dpv:Process).",
    "activity.choose_below": "{error} Choose an activity below.",
    "activity.activity": "Activity",
    "activity.choose": "Choose an activity",
    "activity.blank": "a blank node (it has no IRI)",
    "activity.no_source": "no source recorded for this fact",
    "activity.line": "line {line}",
    "activity.policy": "Privacy policy (Finnish)",
    "activity.external": "↗ **External fact** (modeller): {origin}  \nSource: {url}",
    "activity.not_given": "not given",
    "activity.says_about": "What the record says about {label}",
    "activity.fields": "Art. 30 fields",
    "activity.not_stated": ":red[not stated in the record]",
    "activity.no_transfers": "none recorded (no recipient of this activity is outside the EEA)",
    "activity.no_mechanism": ":red[**no transfer mechanism**]",
    "activity.findings": "Findings ({count})",
    "activity.no_findings": "No findings on this activity.",
    "activity.finding_on": "{icon} **{rule}** ({severity}) on {focus}",
    "activity.affects.one": "one finding on the {scope}, affects this activity and {others} other",
    "activity.affects.other": "one finding on the {scope}, affects this activity and {others} others",
    "activity.other_facts": "Other facts",
    # --- recipients and transfers ---
    "recipients.title": "Recipients and transfers",
    "recipients.role": "Role",
    "recipients.recipients": "Recipients ({count})",
    "recipients.transfers": "Transfers to third countries ({count})",
    "recipients.no_transfers": "No recipient of any activity is recorded outside the EEA.",
    "recipients.status.without mechanism": "without mechanism",
    "recipients.status.with mechanism": "with mechanism",
    "recipients.status.EEA": "EEA",
    "recipients.chart": "Where personal data go: activity-recipient flows per country",
    "recipients.flows": "flows",
    "recipients.column.recipient": "Recipient",
    "recipients.column.id": "ID",
    "recipients.column.role": "Role",
    "recipients.column.country": "Country",
    "recipients.column.third_country": "Third country",
    "recipients.column.contract": "Contract",
    "recipients.column.activities": "Activities",
    "recipients.column.receives": "Receives",
    "recipients.column.findings": "Findings",
    "recipients.not_stated": "not stated",
    "recipients.yes": "yes",
    "recipients.no": "no",
    "recipients.unknown": "unknown",
    "recipients.agreement": "Art. 28 agreement",
    "recipients.arrangement": "Art. 26 arrangement",
    "recipients.contract": "{kind}: {label}",
    "recipients.no_contract": "no {kind} recorded",
    "recipients.no_role": "not a processor or joint controller",
    "transfers.column.activity": "Activity",
    "transfers.column.recipient": "Recipient",
    "transfers.column.destination": "Destination",
    "transfers.column.mechanism": "Mechanism",
    "transfers.column.status": "Status",
    "transfers.no_mechanism": "NONE — no transfer mechanism recorded",
    # --- data flows ---
    "flows.title": "Data flows",
    "flows.shown": "Activities shown",
    "flows.shown_help": "Large records: {count} activities a page; choose the page above.",
    "flows.node": "Node details",
    "flows.finding": "{icon} **{rule}** on {focus}: {message}",
    "flows.open": "Open the activity's detail page",
    "flows.external": " — external: {url}",
    # --- compliance ---
    "compliance.title": "Compliance",
    "compliance.severity": "Severity",
    "compliance.rule": "Rule",
    "compliance.article": "Article",
    "compliance.activity": "Activity",
    "compliance.count": "**{shown} of {total} findings**",
    "compliance.group": "Group by rule",
    "compliance.section.one": "{label}: {total} findings ({parts})",
    "compliance.section.other": "{label}: {total} findings ({parts})",
    "compliance.empty_family": "No findings in this family.",
    "compliance.how_to_fix": "**How to fix:** {message}",
    "compliance.affects": "**{focus}** affects: {activities}",
    "compliance.waived": "Waived findings ({count})",
    "compliance.no_waivers": (
        "No waivers in this record (a ropa:Waiver names a rule, a focus node, an owner and an expiry date)."
    ),
    "compliance.waiver_problems": "Waiver problems ({count})",
    "compliance.column.severity": "severity",
    "compliance.column.rule": "rule",
    "compliance.column.title": "title",
    "compliance.column.article": "article",
    "compliance.column.focus": "focus",
    "compliance.column.activities": "activities",
    "compliance.column.affects": "affects",
    "compliance.column.value": "value",
    "compliance.column.path": "path",
    "compliance.column.how to fix": "how to fix",
    "compliance.column.owner": "owner",
    "compliance.column.expires": "expires",
    "compliance.column.justification": "justification",
    "compliance.column.waiver": "waiver",
    "finding.column.focus": "Focus",
    "finding.column.affects": "Affects",
    "finding.column.activities": "Activities",
    "finding.column.value": "Value",
    "finding.column.message": "Message",
    # --- query console ---
    "console.title": "Query console",
    "console.rows.one": "**{count} row**",
    "console.rows.other": "**{count} rows**",
    "console.limit": " (row limit reached)",
    "console.csv": "Download CSV",
    "console.saved_tab": "Saved queries",
    "console.editor_tab": "SPARQL editor",
    "console.unreadable": "The saved queries cannot be read: {error}",
    "console.saved": "Saved query",
    "console.article": "Article: {article}",
    "console.sparql": "SPARQL",
    "console.run_saved": "Run saved query",
    "console.editor_help": (
        "Read-only SPARQL 1.1 on the loaded record (with the project's ontology). Updates, LOAD and "
        "SERVICE are refused; a query is stopped at the time limit and its result cut at the row limit."
    ),
    "console.timeout": "Time limit (s)",
    "console.max_rows": "Row limit",
    "console.run": "Run query",
    "console.no_store": "This record has no on-disk store to query.",
    "console.seconds": "{seconds} s",
    "console.page_size": "Rows per page",
    "console.page": "Page",
    "console.page_more": "Rows {first}-{last}; more on the next page",
    "console.page_total": "Rows {first}-{last} of {total}",
    "console.page_empty": "No rows on page {page}: the result ends before it.",
    # --- export ---
    "export.title": "Export",
    "export.format.xlsx": "Register (XLSX, ICO-template-like columns)",
    "export.format.csv": "Register (CSV)",
    "export.format.html": "Register (HTML, for print)",
    "export.format.pdf": "Register (PDF)",
    "export.format.turtle": "Graph (Turtle)",
    "export.format.jsonld": "Graph (JSON-LD)",
    "export.intro": (
        "The register of **{label}**: one row per processing activity with every Art. 30(1) field "
        "(saved query `art30-register`). The same files come from the command line: "
        "`ropa export --format xlsx|csv|html|pdf|turtle|jsonld --output FILE [PATHS]`. Each file is built "
        "when you click its button."
    ),
    "export.download": "Download {extension}",
    "export.preview_on": "Preview the register",
    "export.preview": "Preview of the register",
    # --- editing helpers shared by the edit and parties views (dashboard/editing.py) ---
    "editing.none": "(none)",
    "editing.field.controllers": "Controller (Art. 30(1)(a))",
    "editing.field.purposes": "Purposes (Art. 30(1)(b))",
    "editing.field.data_subjects": "Categories of data subjects (Art. 30(1)(c))",
    "editing.field.personal_data": "Categories of personal data (Art. 30(1)(c))",
    "editing.field.legal_bases": "Legal basis (Art. 6(1))",
    "editing.field.recipients": "Recipients (Art. 30(1)(d))",
    "editing.field.processors": "Processors (Art. 28, 30(1)(d))",
    "editing.field.joint_controllers": "Joint controllers (Art. 26)",
    "editing.field.measures": "Technical and organisational measures (Art. 30(1)(g), 32)",
    "editing.field.country": "Country (Art. 30(1)(e))",
    "editing.field.mechanisms": "Transfer mechanism (Art. 30(1)(e), 44-49)",
    "editing.field.members": "Members (joint controllers) (Art. 26(1))",
    "editing.help.joint_controllers": (
        "a joint-controllers group (made on the Parties page) with its members and arrangement"
    ),
    "editing.help.mechanisms": "where the party is outside the EEA: adequacy decision, SCCs, BCRs...",
    "editing.findings": "Findings as you edit ({count})",
    "editing.rechecked": (
        "Re-checked in {seconds} s on this activity and what it links to ({triples} triples). A duty of the "
        "notice or controller is judged here on this activity alone; saving re-checks the whole record."
    ),
    "editing.no_findings": "No finding on this activity.",
    "editing.finding": "{icon} **{rule}** ({severity}): {message}",
    "editing.linked": "On what it links to ({count})",
    "editing.linked_finding": "{icon} **{rule}** on {focus}: {message}",
    "editing.nothing_to_save": "Nothing to save: the record already says this.",
    "editing.method.patch": "patched in place",
    "editing.method.rewrite": "rewritten",
    "editing.file_change": "**{name}**: {how}",
    "editing.unstated": (
        "{count} of the values removed are not written in any file (loading infers them from other facts); "
        "they stay until the facts they come from are changed."
    ),
    "editing.cannot_save": "Cannot save this: {error}",
    "editing.preview": "Preview the change ({count} files)",
    "editing.save": "Save",
    "editing.not_saved": "Not saved: {error}",
    "editing.saved": "Saved {files}",
    "editing.saved_commit": " (commit {commit})",
    "editing.commit": "Commit the change to git",
    "editing.author_name": "Your name (the commit's author)",
    "editing.author_email": "Your e-mail",
    "editing.author_missing": (
        "Give your name and e-mail to commit; without them the files are saved uncommitted."
    ),
    # --- edit an activity ---
    "edit.title": "Edit an activity",
    "edit.new_record": "Start a new record",
    "edit.new_folder": "Folder for the new record (created if missing)",
    "edit.namespace": "Namespace of its IRIs",
    "edit.controller": "Controller (your organisation)",
    "edit.contact": "Controller's contact (e-mail or address)",
    "edit.first_activity": "First processing activity",
    "edit.create": "Create the record",
    "edit.not_created": "Not created: {error}",
    "edit.read_only": "This record cannot be edited here: {reason}.",
    "edit.copy_folder": "Copy the record's Turtle files to this folder and edit the copy",
    "edit.copy_record": "Copy and edit",
    "edit.activity": "Activity",
    "edit.new_activity": "New activity",
    "edit.new_activity_name": "Name of the new activity",
    "edit.add_activity": "Add the activity",
    "edit.added": "Added {name}",
    "edit.name": "Name ({lang})",
    "edit.description": "Description ({lang})",
    "edit.retention": "Retention period (Art. 30(1)(f); ISO 8601, e.g. P5Y, P6M, P30D)",
    "edit.more": "Copy, delete, review, approve",
    "edit.copy_name": "Name of the copy",
    "edit.copy": "Copy this activity",
    "edit.copied": "Copied {label} as {name}",
    "edit.delete_sure": "Yes, delete this activity and the provenance of its facts",
    "edit.delete": "Delete this activity",
    "edit.deleted": "Deleted {label}",
    "edit.signer": "Your name (reviewer or approver)",
    "edit.review": "Mark this activity reviewed today",
    "edit.reviewed": "Recorded the review of {label} by {who}",
    "edit.approve": "Approve the record today",
    "edit.approved": "The record was approved by {who}",
    "edit.no_record_node": "The record has no dpv:ROPA node to approve (start a new record to get one).",
    "edit.stale": (
        "This activity changed since you opened it (another tab or person saved it). Saving now will be "
        "refused; reload to take their change."
    ),
    "edit.take_theirs": "Reload and take their change",
    "edit.fields": "Fields",
    "edit.kept": "Kept (the form cannot remove a value without an IRI; edit the file): {values}",
    "edit.save": "Save",
    # --- parties ---
    "parties.title": "Parties",
    "parties.read_only": (
        "This record cannot be edited here: {reason}. Open the Edit an activity page to copy it."
    ),
    "parties.new": "New party",
    "parties.new_name": "Name",
    "parties.roles": "Roles",
    "parties.add": "Add the party",
    "parties.added": "Added {name}",
    "parties.none": "The record names no party yet: add one above.",
    "parties.party": "Party",
    "parties.name": "Name (Art. 30(1)(a), (d))",
    "parties.contact": "Contact (Art. 30(1)(a))",
    "parties.agreement": (
        "An agreement with this party is in place (Art. 28(3) processing agreement; Art. 26 arrangement for "
        "joint controllers)"
    ),
    "parties.save": "Save",
    # --- import a spreadsheet ---
    "importer.title": "Import a spreadsheet",
    "importer.intro": (
        "Read a register back into a record: the XLSX or CSV that **ropa export** writes, or a spreadsheet "
        "in the layout of the ICO's ROPA documentation template. See docs/import.md for the mapping."
    ),
    "importer.upload": "Spreadsheet (.xlsx or .csv)",
    "importer.path": "…or the path of a spreadsheet on this computer",
    "importer.namespace": "Namespace of the new IRIs",
    "importer.base": "Base IRI",
    "importer.prefix": "Prefix",
    "importer.reading": "Reading and checking the spreadsheet…",
    "importer.cannot_read": "Cannot read {path}: {error}",
    "importer.choose": "Choose a spreadsheet to see what it maps to.",
    "importer.cannot_import": "Cannot import {name}: {error}",
    "importer.layout.register": "ropa export",
    "importer.layout.ico": "ICO template",
    "importer.summary": (
        "**{activities} activities** read from sheet *{sheet}* ({layout} layout): {mapped} values mapped to "
        "DPV, {own} to the record's own nodes, {new_terms} kept as new terms, {notes} kept as notes, "
        "{skipped} not kept."
    ),
    "importer.unmapped": "What does not map to DPV",
    "importer.all_mapped": "Every value maps to a DPV term or a node of the record.",
    "importer.mapped": "What maps",
    "importer.findings_heading": "Findings of the imported record",
    "importer.findings": "{total} findings: {parts}",
    "importer.severity.violation": "{count} violation",
    "importer.severity.warning": "{count} warning",
    "importer.severity.info": "{count} info",
    "importer.column.rule": "rule",
    "importer.column.findings": "findings",
    "importer.write_heading": "Write the record",
    "importer.target": "Folder to write into (empty or new)",
    "importer.write": "Write the record",
    "importer.wrote": "Wrote {count} files into {folder}.",
    "importer.open": "Open the imported record",
    "importer.open_failed": "Could not open it: {error}",
    "importer.opened": "The dashboard now shows {folder}.",
    # --- history ---
    "history.title": "History",
    "history.reading": "Reading the activity's history...",
    "history.no_repository": (
        "The record folder {folder} is not a git repository, so it has no history to show. Keep the "
        "record's files in a git repository (git init) to see who changed what and when."
    ),
    "history.unreadable": "The history cannot be read: {error}",
    "history.record": "Changes to the record",
    "history.record_caption": (
        "The last {count} commits touching the record's files in {folder}, newest first."
    ),
    "history.no_commits": "No commit touches the record's files yet.",
    "history.activity_heading": "An activity's history",
    "history.activity": "Activity",
    "history.activity_unreadable": "The activity's history cannot be read: {error}",
    "history.activity_caption": (
        "The commits among the last {count} touching the files that mention this activity in which it "
        "changed, newest first; each compared with its parent commit."
    ),
    "history.no_changes": "No commit changed this activity.",
    "history.commit": "**{date}** · {author} <{email}> · `{short}` · {status}: {message}",
    "history.status.added": "added",
    "history.status.changed": "changed",
    "history.status.removed": "removed",
}

FI: dict[str, str] = {
    "app.page_title": "ropa-kg: seloste käsittelytoimista",
    "nav.overview": "Yleiskuva",
    "nav.activities": "Käsittelytoimet",
    "nav.activity": "Käsittelytoimen tiedot",
    "nav.edit": "Muokkaa käsittelytointa",
    "nav.parties": "Osapuolet",
    "nav.recipients": "Vastaanottajat ja siirrot",
    "nav.flows": "Tietovirrat",
    "nav.compliance": "Vaatimustenmukaisuus",
    "nav.console": "Kyselykonsoli",
    "nav.export": "Vienti",
    "nav.importer": "Tuonti",
    "nav.history": "Historia",
    "common.language": "Kieli / Language",
    "common.loading": "Selostetta ladataan ja tarkistetaan…",
    "common.load_failed": "Lähdettä {label} ei voitu ladata: {reason}. Edellinen seloste pysyy ladattuna.",
    "common.record": "Seloste",
    "common.bundled_label": "Mukana tuleva Alumecon seloste",
    "common.record_summary": "**{label}**  \n{activities} käsittelytointa · {triples} kolmikkoa",
    "common.change_source": "Vaihda lähde",
    "common.source": "Lähde",
    "common.source.bundled": "Mukana tuleva seloste",
    "common.source.files": "Lataa tiedostoja",
    "common.source.endpoint": "SPARQL-palvelu",
    "common.load_bundled": "Lataa mukana tuleva Alumecon seloste",
    "common.upload": "Turtle-, N-Triples-, RDF/XML- tai JSON-LD-tiedostot",
    "common.load_uploads": "Lataa nämä tiedostot",
    "common.endpoint_url": "Kyselypalvelun URL-osoite",
    "common.named_graph": "Nimetty graafi (tyhjä: oletusgraafi)",
    "common.connect": "Yhdistä",
    "common.endpoint_label": "Palvelu {url}",
    "common.source_failed": "Uutta lähdettä ei voitu ladata: {error}. Edellinen seloste pysyy ladattuna.",
    "common.findings_summary": (
        "Havainnot: {violations} rikkomusta · {warnings} varoitusta · {info} tietoa · "
        "{waived} poikkeusluvalla ohitettua  \nLadattu {seconds} sekunnissa"
    ),
    "common.page": "Sivu ({pages} sivusta)",
    "common.choose_options": "Valitse",
    "common.rows": "Rivit {first}-{last} / {total}",
    "severity.violation": "rikkomus",
    "severity.warning": "varoitus",
    "severity.info": "tieto",
    "severity.ok": "ei havaintoja",
    "severity.violation.one": "{n} rikkomus",
    "severity.violation.other": "{n} rikkomusta",
    "severity.warning.one": "{n} varoitus",
    "severity.warning.other": "{n} varoitusta",
    "severity.info.one": "{n} tieto",
    "severity.info.other": "{n} tietoa",
    "family.record": "Seloste käsittelytoimista (30 artikla)",
    "family.notice": "Informointi (12-14 artikla)",
    "family.lawfulness": "Lainmukaisuus",
    "family_label.record": "seloste käsittelytoimista (30 artikla)",
    "family_label.notice": "informointi (12-14 artikla)",
    "family_label.lawfulness": "lainmukaisuus",
    "scope.activity": "käsittelytoimi",
    "scope.notice": "tietosuojaseloste",
    "scope.controller": "rekisterinpitäjä",
    "role.processor": "henkilötietojen käsittelijä",
    "role.joint controller": "yhteinen rekisterinpitäjä",
    "role.recipient": "vastaanottaja",
    "layer.controller": "rekisterinpitäjä",
    "layer.activity": "käsittelytoimi",
    "layer.data category": "henkilötietoryhmä",
    "layer.recipient": "vastaanottaja",
    "layer.country": "maa",
    "column.purposes": "Käsittelyn tarkoitukset",
    "column.legal basis": "Käsittelyperuste",
    "column.data subjects": "Rekisteröityjen ryhmät",
    "column.data categories": "Henkilötietoryhmät",
    "column.recipients": "Vastaanottajat",
    "column.countries": "Maat",
    "column.part of": "Osa käsittelyä",
    "record.unnamed_activity": "Nimetön käsittelytoimi {id}",
    "field.controller": "(a) Rekisterinpitäjä",
    "field.joint_controllers": "(a) Yhteiset rekisterinpitäjät",
    "field.purposes": "(b) Käsittelyn tarkoitukset",
    "field.legal_basis": "Käsittelyperuste (6 ja 9 artikla) ja siirtomekanismit",
    "field.legitimate_interest": "Oikeutettu etu",
    "field.data_subjects": "(c) Rekisteröityjen ryhmät",
    "field.personal_data": "(c) Henkilötietoryhmät",
    "field.processing": "Käsittelytoimenpiteet",
    "field.recipients": "(d) Vastaanottajat ja henkilötietojen käsittelijät",
    "field.retention": "(f) Säilytysajat ja säilytys",
    "field.security": "(g) Tekniset ja organisatoriset turvatoimet",
    "field.assessments": "Arvioinnit",
    "field.rights": "Rekisteröidyn oikeudet ja informointi",
    "field.technologies": "Teknologiat",
    "field.source": "Tietolähteet",
    "field.transfers": "(e) Siirrot kolmansiin maihin",
    "overview.title": "Seloste käsittelytoimista",
    "overview.metric.activities": "Käsittelytoimet",
    "overview.metric.categories": "Henkilötietoryhmät",
    "overview.metric.recipients": "Vastaanottajat",
    "overview.metric.countries": "Kolmannet maat",
    "overview.none": "ei yhtään",
    "overview.metric.violations": "Rikkomukset",
    "overview.metric.warnings": "Varoitukset",
    "overview.metric.info": "Tiedoksi",
    "overview.metric.waived": "Poikkeusluvalla ohitetut",
    "overview.caption": (
        "{triples} kolmikkoa; {sourced} tietoa viittaa tietosuojaselosteen virkkeeseen tai ulkoiseen "
        "lähteeseen. Tarkistettu {engine}-moottorilla."
    ),
    "overview.no_basis": "(ei ilmoitettu)",
    "overview.chart.basis": "Käsittelytoimet käsittelyperusteittain",
    "overview.chart.families": "Havainnot ryhmittäin",
    "overview.chart.categories": "Henkilötietoryhmät käsittelytoimittain",
    "activities.title": "Käsittelytoimet",
    "activities.search": "Hae käsittelytoimen nimellä",
    "activities.findings": "Havainnot",
    "activities.choice.all": "kaikki",
    "activities.choice.with findings": "joissa on havaintoja",
    "activities.choice.without findings": "joissa ei ole havaintoja",
    "activities.count": "**{shown} / {total} käsittelytointa**",
    "activities.column.activity": "Käsittelytoimi",
    "activities.column.id": "Tunniste",
    "activities.column.findings": "Havainnot",
    "activities.findings_help": "voimassa olevat havainnot käsittelytoimesta tai sen osapuolista",
    "activities.pick_hint": "Avaa käsittelytoimen tiedot valitsemalla rivi tai valitse se tästä:",
    "activities.open": "Avaa käsittelytoimi",
    "activity.title": "Käsittelytoimen tiedot",
    "activity.none": "Tässä selosteessa ei ole yhtään käsittelytointa (ei dpv:Process-instanssia).",
    "activity.choose_below": "{error} Valitse käsittelytoimi alta.",
    "activity.activity": "Käsittelytoimi",
    "activity.choose": "Valitse käsittelytoimi",
    "activity.blank": "tyhjä solmu (sillä ei ole IRI-tunnistetta)",
    "activity.no_source": "tälle tiedolle ei ole kirjattu lähdettä",
    "activity.line": "rivi {line}",
    "activity.policy": "Tietosuojaseloste (suomeksi)",
    "activity.external": "↗ **Ulkoinen tieto** (mallintaja): {origin}  \nLähde: {url}",
    "activity.not_given": "ei ilmoitettu",
    "activity.says_about": "Mitä seloste kertoo kohteesta {label}",
    "activity.fields": "30 artiklan tiedot",
    "activity.not_stated": ":red[ei ilmoitettu selosteessa]",
    "activity.no_transfers": (
        "ei kirjattuja siirtoja (yksikään tämän käsittelytoimen vastaanottaja ei ole ETA-alueen ulkopuolella)"
    ),
    "activity.no_mechanism": ":red[**ei siirtomekanismia**]",
    "activity.findings": "Havainnot ({count})",
    "activity.no_findings": "Tästä käsittelytoimesta ei ole havaintoja.",
    "activity.finding_on": "{icon} **{rule}** ({severity}) kohteessa {focus}",
    "activity.affects.one": (
        "yksi havainto (kohde: {scope}), koskee tätä käsittelytointa ja {others} muuta käsittelytointa"
    ),
    "activity.affects.other": (
        "yksi havainto (kohde: {scope}), koskee tätä käsittelytointa ja {others} muuta käsittelytointa"
    ),
    "activity.other_facts": "Muut tiedot",
    "recipients.title": "Vastaanottajat ja siirrot",
    "recipients.role": "Rooli",
    "recipients.recipients": "Vastaanottajat ({count})",
    "recipients.transfers": "Siirrot kolmansiin maihin ({count})",
    "recipients.no_transfers": (
        "Yhdenkään käsittelytoimen vastaanottajaa ei ole kirjattu ETA-alueen ulkopuolelle."
    ),
    "recipients.status.without mechanism": "ilman siirtomekanismia",
    "recipients.status.with mechanism": "siirtomekanismin kanssa",
    "recipients.status.EEA": "ETA",
    "recipients.chart": (
        "Minne henkilötiedot menevät: käsittelytoimen ja vastaanottajan väliset tietovirrat maittain"
    ),
    "recipients.flows": "tietovirrat",
    "recipients.column.recipient": "Vastaanottaja",
    "recipients.column.id": "Tunniste",
    "recipients.column.role": "Rooli",
    "recipients.column.country": "Maa",
    "recipients.column.third_country": "Kolmas maa",
    "recipients.column.contract": "Sopimus",
    "recipients.column.activities": "Käsittelytoimet",
    "recipients.column.receives": "Vastaanottaa",
    "recipients.column.findings": "Havainnot",
    "recipients.not_stated": "ei ilmoitettu",
    "recipients.yes": "kyllä",
    "recipients.no": "ei",
    "recipients.unknown": "tuntematon",
    "recipients.agreement": "28 artiklan mukainen käsittelysopimus",
    "recipients.arrangement": "26 artiklan mukainen järjestely",
    "recipients.contract": "{kind}: {label}",
    "recipients.no_contract": "ei kirjattu: {kind}",
    "recipients.no_role": "ei henkilötietojen käsittelijä eikä yhteinen rekisterinpitäjä",
    "transfers.column.activity": "Käsittelytoimi",
    "transfers.column.recipient": "Vastaanottaja",
    "transfers.column.destination": "Kohdemaa",
    "transfers.column.mechanism": "Siirtomekanismi",
    "transfers.column.status": "Tila",
    "transfers.no_mechanism": "EI MITÄÄN — siirtomekanismia ei ole kirjattu",
    "flows.title": "Tietovirrat",
    "flows.shown": "Näytettävät käsittelytoimet",
    "flows.shown_help": "Suuret selosteet: {count} käsittelytointa sivulla; valitse sivu yllä.",
    "flows.node": "Solmun tiedot",
    "flows.finding": "{icon} **{rule}** kohteessa {focus}: {message}",
    "flows.open": "Avaa käsittelytoimen tiedot",
    "flows.external": " — ulkoinen lähde: {url}",
    "compliance.title": "Vaatimustenmukaisuus",
    "compliance.severity": "Vakavuus",
    "compliance.rule": "Sääntö",
    "compliance.article": "Artikla",
    "compliance.activity": "Käsittelytoimi",
    "compliance.count": "**{shown} / {total} havaintoa**",
    "compliance.group": "Ryhmittele säännöittäin",
    "compliance.section.one": "{label}: {total} havainto ({parts})",
    "compliance.section.other": "{label}: {total} havaintoa ({parts})",
    "compliance.empty_family": "Tässä ryhmässä ei ole havaintoja.",
    "compliance.how_to_fix": "**Korjaus:** {message}",
    "compliance.affects": "**{focus}** koskee: {activities}",
    "compliance.waived": "Poikkeusluvalla ohitetut havainnot ({count})",
    "compliance.no_waivers": (
        "Tässä selosteessa ei ole poikkeuslupia (ropa:Waiver nimeää säännön, kohteen, vastuuhenkilön ja "
        "päättymispäivän)."
    ),
    "compliance.waiver_problems": "Poikkeuslupien ongelmat ({count})",
    "compliance.column.severity": "vakavuus",
    "compliance.column.rule": "sääntö",
    "compliance.column.title": "otsikko",
    "compliance.column.article": "artikla",
    "compliance.column.focus": "kohde",
    "compliance.column.activities": "käsittelytoimet",
    "compliance.column.affects": "koskee",
    "compliance.column.value": "arvo",
    "compliance.column.path": "polku",
    "compliance.column.how to fix": "korjaus",
    "compliance.column.owner": "vastuuhenkilö",
    "compliance.column.expires": "päättyy",
    "compliance.column.justification": "perustelu",
    "compliance.column.waiver": "poikkeuslupa",
    "finding.column.focus": "Kohde",
    "finding.column.affects": "Koskee",
    "finding.column.activities": "Käsittelytoimet",
    "finding.column.value": "Arvo",
    "finding.column.message": "Viesti",
    "console.title": "Kyselykonsoli",
    "console.rows.one": "**{count} rivi**",
    "console.rows.other": "**{count} riviä**",
    "console.limit": " (riviraja saavutettu)",
    "console.csv": "Lataa CSV",
    "console.saved_tab": "Tallennetut kyselyt",
    "console.editor_tab": "SPARQL-editori",
    "console.unreadable": "Tallennettuja kyselyjä ei voi lukea: {error}",
    "console.saved": "Tallennettu kysely",
    "console.article": "Artikla: {article}",
    "console.sparql": "SPARQL",
    "console.run_saved": "Suorita tallennettu kysely",
    "console.editor_help": (
        "Vain lukeva SPARQL 1.1 ladattuun selosteeseen (projektin ontologian kanssa). Päivitykset, LOAD ja "
        "SERVICE torjutaan; kysely pysäytetään aikarajan kohdalla ja sen tulos katkaistaan rivirajaan."
    ),
    "console.timeout": "Aikaraja (s)",
    "console.max_rows": "Riviraja",
    "console.run": "Suorita kysely",
    "console.no_store": "Tällä selosteella ei ole levylle tallennettua tietovarastoa kyselyjä varten.",
    "console.seconds": "{seconds} s",
    "console.page_size": "Rivejä sivulla",
    "console.page": "Sivu",
    "console.page_more": "Rivit {first}-{last}; lisää seuraavalla sivulla",
    "console.page_total": "Rivit {first}-{last} / {total}",
    "console.page_empty": "Sivulla {page} ei ole rivejä: tulos loppuu ennen sitä.",
    "export.title": "Vienti",
    "export.format.xlsx": "Seloste (XLSX, ICO:n mallipohjan kaltaiset sarakkeet)",
    "export.format.csv": "Seloste (CSV)",
    "export.format.html": "Seloste (HTML, tulostettavaksi)",
    "export.format.pdf": "Seloste (PDF)",
    "export.format.turtle": "Graafi (Turtle)",
    "export.format.jsonld": "Graafi (JSON-LD)",
    "export.intro": (
        "Selosteen **{label}** käsittelytoimet: yksi rivi käsittelytointa kohden, jokainen 30 artiklan "
        "1 kohdan tieto (tallennettu kysely `art30-register`). Samat tiedostot saa komentoriviltä: "
        "`ropa export --format xlsx|csv|html|pdf|turtle|jsonld --output FILE [PATHS]`. Kukin tiedosto "
        "muodostetaan, kun napsautat sen painiketta."
    ),
    "export.download": "Lataa {extension}",
    "export.preview_on": "Esikatsele selostetta",
    "export.preview": "Selosteen esikatselu",
    "editing.none": "(ei mitään)",
    "editing.field.controllers": "Rekisterinpitäjä (30 art. 1 a)",
    "editing.field.purposes": "Käsittelyn tarkoitukset (30 art. 1 b)",
    "editing.field.data_subjects": "Rekisteröityjen ryhmät (30 art. 1 c)",
    "editing.field.personal_data": "Henkilötietoryhmät (30 art. 1 c)",
    "editing.field.legal_bases": "Käsittelyperuste (6 art. 1)",
    "editing.field.recipients": "Vastaanottajat (30 art. 1 d)",
    "editing.field.processors": "Henkilötietojen käsittelijät (28 art., 30 art. 1 d)",
    "editing.field.joint_controllers": "Yhteisrekisterinpitäjät (26 art.)",
    "editing.field.measures": "Tekniset ja organisatoriset turvatoimet (30 art. 1 g, 32 art.)",
    "editing.field.country": "Maa (30 art. 1 e)",
    "editing.field.mechanisms": "Siirtomekanismi (30 art. 1 e, 44-49 art.)",
    "editing.field.members": "Jäsenet (yhteisrekisterinpitäjät) (26 art. 1)",
    "editing.help.joint_controllers": (
        "yhteisrekisterinpitäjien ryhmä (luodaan Osapuolet-sivulla) jäsenineen ja järjestelyineen"
    ),
    "editing.help.mechanisms": (
        "kun osapuoli on ETA-alueen ulkopuolella: komission tietosuojan riittävyyttä koskeva päätös, "
        "vakiolausekkeet, yritystä koskevat sitovat säännöt..."
    ),
    "editing.findings": "Havainnot muokatessa ({count})",
    "editing.rechecked": (
        "Tarkistettu uudelleen {seconds} sekunnissa tästä käsittelytoimesta ja siitä, mihin se liittyy "
        "({triples} kolmikkoa). Tietosuojaselosteen tai rekisterinpitäjän velvoitteet arvioidaan tässä "
        "vain tämän käsittelytoimen perusteella; tallennus tarkistaa koko selosteen uudelleen."
    ),
    "editing.no_findings": "Tästä käsittelytoimesta ei ole havaintoja.",
    "editing.finding": "{icon} **{rule}** ({severity}): {message}",
    "editing.linked": "Havainnot siitä, mihin se liittyy ({count})",
    "editing.linked_finding": "{icon} **{rule}** kohteessa {focus}: {message}",
    "editing.nothing_to_save": "Ei tallennettavaa: seloste sisältää jo nämä tiedot.",
    "editing.method.patch": "muokattu paikallaan",
    "editing.method.rewrite": "kirjoitettu uudelleen",
    "editing.file_change": "**{name}**: {how}",
    "editing.unstated": (
        "{count} poistetuista arvoista ei ole kirjoitettu mihinkään tiedostoon (lataus päättelee ne muista "
        "tiedoista); ne säilyvät, kunnes tiedot, joista ne johdetaan, muuttuvat."
    ),
    "editing.cannot_save": "Tätä ei voi tallentaa: {error}",
    "editing.preview": "Esikatsele muutosta ({count} tiedostoa)",
    "editing.save": "Tallenna",
    "editing.not_saved": "Ei tallennettu: {error}",
    "editing.saved": "Tallennettu {files}",
    "editing.saved_commit": " (versio {commit})",
    "editing.commit": "Kirjaa muutos gitiin (commit)",
    "editing.author_name": "Nimesi (muutoksen tekijä)",
    "editing.author_email": "Sähköpostiosoitteesi",
    "editing.author_missing": (
        "Anna nimesi ja sähköpostiosoitteesi, jotta muutos kirjataan gitiin; ilman niitä tiedostot "
        "tallennetaan kirjaamatta."
    ),
    "edit.title": "Muokkaa käsittelytointa",
    "edit.new_record": "Aloita uusi seloste",
    "edit.new_folder": "Uuden selosteen kansio (luodaan, jos sitä ei ole)",
    "edit.namespace": "Sen IRI-tunnisteiden nimiavaruus",
    "edit.controller": "Rekisterinpitäjä (oma organisaatiosi)",
    "edit.contact": "Rekisterinpitäjän yhteystiedot (sähköposti tai osoite)",
    "edit.first_activity": "Ensimmäinen käsittelytoimi",
    "edit.create": "Luo seloste",
    "edit.not_created": "Ei luotu: {error}",
    "edit.read_only": "Tätä selostetta ei voi muokata täällä: {reason}.",
    "edit.copy_folder": "Kopioi selosteen Turtle-tiedostot tähän kansioon ja muokkaa kopiota",
    "edit.copy_record": "Kopioi ja muokkaa",
    "edit.activity": "Käsittelytoimi",
    "edit.new_activity": "Uusi käsittelytoimi",
    "edit.new_activity_name": "Uuden käsittelytoimen nimi",
    "edit.add_activity": "Lisää käsittelytoimi",
    "edit.added": "Lisätty {name}",
    "edit.name": "Nimi ({lang})",
    "edit.description": "Kuvaus ({lang})",
    "edit.retention": "Säilytysaika (30 art. 1 f; ISO 8601, esim. P5Y, P6M, P30D)",
    "edit.more": "Kopioi, poista, tarkista, hyväksy",
    "edit.copy_name": "Kopion nimi",
    "edit.copy": "Kopioi tämä käsittelytoimi",
    "edit.copied": "Kopioitu {label} nimellä {name}",
    "edit.delete_sure": "Kyllä, poista tämä käsittelytoimi ja sen tietojen alkuperätiedot",
    "edit.delete": "Poista tämä käsittelytoimi",
    "edit.deleted": "Poistettu {label}",
    "edit.signer": "Nimesi (tarkistaja tai hyväksyjä)",
    "edit.review": "Merkitse käsittelytoimi tarkistetuksi tänään",
    "edit.reviewed": "Kirjattu käsittelytoimen {label} tarkistus (tarkistaja: {who})",
    "edit.approve": "Hyväksy seloste tänään",
    "edit.approved": "Selosteen hyväksyi {who}",
    "edit.no_record_node": (
        "Selosteessa ei ole hyväksyttävää dpv:ROPA-solmua (aloita uusi seloste, niin se luodaan)."
    ),
    "edit.stale": (
        "Tämä käsittelytoimi on muuttunut sen jälkeen, kun avasit sen (toinen välilehti tai henkilö "
        "tallensi sen). Tallennus hylätään nyt; lataa uudelleen, niin saat heidän muutoksensa."
    ),
    "edit.take_theirs": "Lataa uudelleen ja ota heidän muutoksensa",
    "edit.fields": "Tiedot",
    "edit.kept": (
        "Säilytetty (lomake ei voi poistaa arvoa, jolla ei ole IRI-tunnistetta; muokkaa tiedostoa): {values}"
    ),
    "edit.save": "Tallennus",
    "parties.title": "Osapuolet",
    "parties.read_only": (
        "Tätä selostetta ei voi muokata täällä: {reason}. Kopioi se Muokkaa käsittelytointa -sivulla."
    ),
    "parties.new": "Uusi osapuoli",
    "parties.new_name": "Nimi",
    "parties.roles": "Roolit",
    "parties.add": "Lisää osapuoli",
    "parties.added": "Lisätty {name}",
    "parties.none": "Selosteessa ei ole vielä yhtään osapuolta: lisää osapuoli yllä.",
    "parties.party": "Osapuoli",
    "parties.name": "Nimi (30 art. 1 a ja d)",
    "parties.contact": "Yhteystiedot (30 art. 1 a)",
    "parties.agreement": (
        "Osapuolen kanssa on tehty sopimus (28 artiklan 3 kohdan mukainen käsittelysopimus; "
        "yhteisrekisterinpitäjillä 26 artiklan mukainen järjestely)"
    ),
    "parties.save": "Tallennus",
    "importer.title": "Tuo laskentataulukko",
    "importer.intro": (
        "Lue seloste takaisin laskentataulukosta: XLSX- tai CSV-tiedosto, jonka **ropa export** kirjoittaa, "
        "tai laskentataulukko ICO:n selostemallipohjan (ROPA documentation template) asettelussa. "
        "Vastaavuudet kuvataan tiedostossa docs/import.md."
    ),
    "importer.upload": "Laskentataulukko (.xlsx tai .csv)",
    "importer.path": "…tai laskentataulukon polku tällä tietokoneella",
    "importer.namespace": "Uusien IRI-tunnisteiden nimiavaruus",
    "importer.base": "Perus-IRI",
    "importer.prefix": "Etuliite",
    "importer.reading": "Laskentataulukkoa luetaan ja tarkistetaan…",
    "importer.cannot_read": "Tiedostoa {path} ei voi lukea: {error}",
    "importer.choose": "Valitse laskentataulukko, niin näet, mitä DPV:n käsitteitä sen tiedot vastaavat.",
    "importer.cannot_import": "Tiedostoa {name} ei voi tuoda: {error}",
    "importer.layout.register": "ropa export",
    "importer.layout.ico": "ICO:n mallipohja",
    "importer.summary": (
        "**{activities} käsittelytointa** luettu taulukosta *{sheet}* (asettelu: {layout}): {mapped} arvoa "
        "vastaa DPV:n käsitettä, {own} selosteen omaa solmua, {new_terms} säilytetty uusina käsitteinä, "
        "{notes} säilytetty huomautuksina, {skipped} jätetty pois."
    ),
    "importer.unmapped": "Mikä ei vastaa DPV:tä",
    "importer.all_mapped": "Jokainen arvo vastaa DPV:n käsitettä tai selosteen solmua.",
    "importer.mapped": "Mikä vastaa DPV:tä",
    "importer.findings_heading": "Tuodun selosteen havainnot",
    "importer.findings": "Havainnot ({total}): {parts}",
    "importer.severity.violation": "rikkomuksia {count}",
    "importer.severity.warning": "varoituksia {count}",
    "importer.severity.info": "tietoja {count}",
    "importer.column.rule": "sääntö",
    "importer.column.findings": "havainnot",
    "importer.write_heading": "Selosteen kirjoittaminen",
    "importer.target": "Kansio, johon seloste kirjoitetaan (tyhjä tai uusi)",
    "importer.write": "Kirjoita seloste",
    "importer.wrote": "Kirjoitettu {count} tiedostoa kansioon {folder}.",
    "importer.open": "Avaa tuotu seloste",
    "importer.open_failed": "Selostetta ei voitu avata: {error}",
    "importer.opened": "Nyt näytetään seloste kansiosta {folder}.",
    "history.title": "Historia",
    "history.reading": "Luetaan käsittelytoimen historiaa...",
    "history.no_repository": (
        "Selosteen kansio {folder} ei ole git-repositorio, joten sillä ei ole näytettävää historiaa. Pidä "
        "selosteen tiedostot git-repositoriossa (git init), niin näet, kuka muutti mitä ja milloin."
    ),
    "history.unreadable": "Historiaa ei voi lukea: {error}",
    "history.record": "Selosteen muutokset",
    "history.record_caption": (
        "Viimeiset {count} muutosta (commit), jotka koskevat selosteen tiedostoja kansiossa {folder}, "
        "uusin ensin."
    ),
    "history.no_commits": "Yksikään muutos ei vielä koske selosteen tiedostoja.",
    "history.activity_heading": "Käsittelytoimen historia",
    "history.activity": "Käsittelytoimi",
    "history.activity_unreadable": "Käsittelytoimen historiaa ei voi lukea: {error}",
    "history.activity_caption": (
        "Ne viimeisistä {count} tätä käsittelytointa mainitsevia tiedostoja koskevasta muutoksesta, joissa "
        "käsittelytoimi muuttui, uusin ensin; kutakin verrataan edeltävään versioon."
    ),
    "history.no_changes": "Yksikään muutos ei ole muuttanut tätä käsittelytointa.",
    "history.commit": "**{date}** · {author} <{email}> · `{short}` · {status}: {message}",
    "history.status.added": "lisätty",
    "history.status.changed": "muutettu",
    "history.status.removed": "poistettu",
}

#: language -> its message table
CATALOGUES: dict[str, Mapping[str, str]] = {"en": EN, "fi": FI}


def language(text: str | None, default: str | None = None) -> str:
    """The interface language ``text`` names (``en``, ``fi``, any case, ``fi-FI`` too), else ``default``,
    else the one :data:`LANGUAGE_ENV` names, else English."""
    for candidate in (text, default, os.environ.get(LANGUAGE_ENV)):
        code = (candidate or "").strip().lower().split("-")[0].split("_")[0]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def tr(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The message ``key`` in ``lang`` (English where the language has no such key), its ``{name}``
    placeholders filled from ``params``.

    Raises:
        KeyError: no table has ``key``, or a placeholder of the message is not in ``params``.
    """
    table = CATALOGUES.get(lang, EN)
    text = table[key] if key in table else EN[key]
    return text.format(**params)


def tr_count(key: str, count: int, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """``tr(key + ".one")`` for a count of 1, else ``tr(key + ".other")``; ``params`` as for :func:`tr`."""
    return tr(f"{key}.{'one' if count == 1 else 'other'}", lang, **params)


def number(value: float, lang: str = DEFAULT_LANGUAGE, /, *, digits: int = 0) -> str:
    """``value`` with ``digits`` decimals and grouped thousands as ``lang`` writes them: ``7,872`` and
    ``4.10`` in English, ``7 872`` and ``4,10`` in Finnish (a no-break space between the groups)."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "fi" else text


def placeholders(text: str) -> frozenset[str]:
    """The names of the ``str.format`` fields in ``text``."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


@dataclass(frozen=True)
class Translator:
    """:func:`tr` with its language bound: ``t = Translator("fi"); t("overview.title")``."""

    lang: str = DEFAULT_LANGUAGE

    def __call__(self, key: str, /, **params: object) -> str:
        return tr(key, self.lang, **params)

    def count(self, key: str, count: int, /, **params: object) -> str:
        """:func:`tr_count` in this language."""
        return tr_count(key, count, self.lang, **params)

    def number(self, value: float, /, *, digits: int = 0) -> str:
        """:func:`number` in this language."""
        return number(value, self.lang, digits=digits)

    def options(self, prefix: str) -> Callable[[object], str]:
        """A widget's ``format_func``: an option ``v`` shown as the message ``prefix + str(v)`` in this
        language (bound now: Streamlit may call it outside the script's run)."""
        return lambda value: self(f"{prefix}{value}")


__all__ = [
    "ART30_KEYS",
    "CATALOGUES",
    "DEFAULT_LANGUAGE",
    "EN",
    "FI",
    "LANGUAGES",
    "LANGUAGE_ENV",
    "LANGUAGE_NAMES",
    "Translator",
    "language",
    "number",
    "placeholders",
    "tr",
    "tr_count",
]
