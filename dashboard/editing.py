"""What the two editing views (``views/edit.py``, ``views/parties.py``) share: the editing session
(the versions of the files when an activity or party was opened), the term pickers, the live findings,
and the preview-and-save panel. Rendering only: the forms' model is :mod:`ropa_kg.app.editor`, the live
check :mod:`ropa_kg.app.checking`, saving :mod:`ropa_kg.app.saving`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from common import SEVERITY_ICONS, _load, current_language, num, t, t_or
from ropa_kg.app.checking import ActivityCheck
from ropa_kg.app.editor import FieldSpec, Form, TermOption, party_options, term_options
from ropa_kg.app.record import Record, severity_name
from ropa_kg.app.saving import Author, Workspace, plan, save
from ropa_kg.core.errors import RopaUsageError
from ropa_kg.render.turtle_edit import Edit, SavePlan


def language() -> str:
    """The language texts are written in: the dashboard's (the language switch, ``?lang=``, else
    ``ROPA_DASHBOARD_LANG``, else English), so that a name typed in Finnish is written with ``@fi``."""
    return current_language()


def field_label(spec: FieldSpec) -> str:
    """A picker's label in the dashboard's language: its heading and article, ``Purposes (Art.
    30(1)(b))``; a field the tables have no key for keeps its English heading."""
    label = f"{spec.heading} ({spec.article})" if spec.article else spec.heading
    return t_or(f"editing.field.{spec.key}", label)


def field_help(spec: FieldSpec) -> str | None:
    """A picker's help in the dashboard's language, None for none."""
    return t_or(f"editing.help.{spec.key}", spec.help) if spec.help else None


@st.cache_data(max_entries=64, show_spinner=False)
def _options(
    record_key: str, field_key: str, lang: str, _record: Record, _spec: FieldSpec
) -> tuple[TermOption, ...]:
    if _spec.kind == "parties":
        return party_options(_record, lang=lang)
    return term_options(_record, _spec, lang=lang)


def opened(space: Workspace, subject: str, form: Form) -> tuple[Form, dict[Path, str]]:
    """The form and the files' versions as this session first saw ``subject``: a save is checked against
    them, so that a change another tab saved meanwhile is refused, never overwritten. They are forgotten
    when this session saves (:func:`forget`) or takes the other's change. A ``form`` in another language
    than the one remembered (the language was switched) is opened afresh, its widgets cleared: the texts
    they hold are in the other language."""
    key = f"opened:{subject}"
    known = st.session_state.get(key)
    if known is not None and known[0].lang != form.lang:
        for name in [k for k in st.session_state if str(k).startswith(f"f:{subject}:")]:
            del st.session_state[name]
        known = None
    if known is None:
        known = (form, space.versions())
        st.session_state[key] = known
    return known[0], known[1]


def forget(subject: str | None = None) -> None:
    """Forget what this session remembers of every opened activity or party (its own save changed the
    files), and the widgets of ``subject`` (so that they show what was saved)."""
    for name in [k for k in st.session_state if str(k).startswith("opened:")]:
        del st.session_state[name]
    if subject:
        for name in [k for k in st.session_state if str(k).startswith(f"f:{subject}:")]:
            del st.session_state[name]


def picker(
    record: Record, spec: FieldSpec, current: Sequence[str], *, subject: str, single: bool = False
) -> list[str]:
    """A searchable list of the field's values (label, id, place in the hierarchy); the current values
    are offered even where they are not below the field's range."""
    options = _options(record.key, spec.key, language(), record, spec)
    texts = {o.iri: o.text for o in options}
    for value in current:
        texts.setdefault(value, f"{record.label_of(value)} · {record.node_id(value)}")
    keys = sorted(texts, key=lambda iri: texts[iri].lower())
    label = field_label(spec)
    none = t("editing.none")
    if single:
        choice = st.selectbox(
            label,
            ["", *keys],
            index=(keys.index(current[0]) + 1) if current else 0,
            format_func=lambda iri: texts.get(iri, none) if iri else none,
            key=f"f:{subject}:{spec.key}",
            help=field_help(spec),
        )
        return [choice] if choice else []
    return st.multiselect(
        label,
        keys,
        default=list(current),
        format_func=lambda iri: texts[iri],
        key=f"f:{subject}:{spec.key}",
        help=field_help(spec),
    )


def show_check(record: Record, check: ActivityCheck) -> None:
    """The live findings of the activity being edited (in a container keyed ``live-findings``)."""
    st.subheader(t("editing.findings", count=len(check.findings)))
    st.caption(t("editing.rechecked", seconds=num(check.seconds, digits=2), triples=num(check.triples)))
    with st.container(key="live-findings"):
        if not check.findings:
            st.success(t("editing.no_findings"))
        for finding in check.findings:
            severity = severity_name(finding.severity)
            st.markdown(
                t(
                    "editing.finding",
                    icon=SEVERITY_ICONS[severity],
                    rule=finding.rule_id,
                    severity=t(f"severity.{severity}"),
                    message=finding.message,
                )
            )
    if check.linked:
        with st.expander(t("editing.linked", count=len(check.linked))):
            for finding in check.linked:
                icon = SEVERITY_ICONS[severity_name(finding.severity)]
                where = record.name(finding.focus_node)
                st.markdown(
                    t(
                        "editing.linked_finding",
                        icon=icon,
                        rule=finding.rule_id,
                        focus=where,
                        message=finding.message,
                    )
                )


def _preview(change: SavePlan) -> None:
    if not change.changes:
        st.info(t("editing.nothing_to_save"))
        return
    for file_change in change.changes:
        method = "patch" if file_change.method == "patch" else "rewrite"
        how = file_change.notice or t(f"editing.method.{method}")
        st.markdown(t("editing.file_change", name=file_change.name, how=how))
        st.code(file_change.unified_diff(), language="diff")
    if change.unstated:
        st.warning(t("editing.unstated", count=len(change.unstated)))


def save_panel(
    record: Record,
    space: Workspace,
    edit: Edit,
    *,
    versions: dict[Path, str],
    near: str,
    key: str,
    then: str | None = None,
) -> None:
    """The preview of ``edit`` as file changes, and the Save button (with a git commit when the folder is
    a repository). A save over files changed since ``versions`` is refused with a message."""
    try:
        change = plan(space, edit, versions=versions, near=near)
    except (RopaUsageError, ValueError) as exc:
        st.error(t("editing.cannot_save", error=exc))
        return
    with st.expander(t("editing.preview", count=len(change.changes)), expanded=False):
        _preview(change)
    author = _author(space, key)
    if st.button(t("editing.save"), key=f"save:{key}", type="primary", disabled=not change.changes):
        try:
            saved = save(space, change, author=author, message=_message(record, near))
        except RopaUsageError as exc:
            st.error(t("editing.not_saved", error=exc))
            return
        forget(near)
        _load.clear()  # type: ignore[attr-defined]  # st.cache_resource adds clear()
        done = t("editing.saved", files=", ".join(saved.files))
        if saved.commit:
            done += t("editing.saved_commit", commit=saved.commit[:10])
        st.session_state["saved_message"] = done
        if then:
            st.session_state[then] = near
        st.rerun()


def write(
    space: Workspace,
    edit: Edit,
    *,
    done: str,
    versions: dict[Path, str] | None = None,
    near: str | None = None,
    select: str | None = None,
    clear: Sequence[str] = (),
) -> None:
    """Save ``edit`` at once (add, copy, delete, review, approve), reload the record and say ``done``;
    empty the widgets ``clear`` (a new thing's form); a refused save shows why and changes nothing."""
    try:
        save(space, plan(space, edit, versions=versions, near=near))
    except (RopaUsageError, ValueError) as exc:
        st.error(t("editing.not_saved", error=exc))
        return
    if near:
        forget(near)
    _load.clear()  # type: ignore[attr-defined]  # st.cache_resource adds clear()
    st.session_state["saved_message"] = done
    if select:
        st.session_state["edit_choice"] = select
    for key in clear:  # a new form: its widgets get new keys (see :func:`form_key`)
        st.session_state[f"form:{key}"] = st.session_state.get(f"form:{key}", 0) + 1
    st.rerun()


def form_key(form: str, widget: str) -> str:
    """The key of a widget of a new-thing form; each time :func:`write` clears ``form`` its widgets get
    new keys, so that they start empty (a widget's value cannot be reset once the browser holds it)."""
    return f"{widget}:{st.session_state.get(f'form:{form}', 0)}"


def _message(record: Record, subject: str) -> str:
    """The commit's message, in English whatever the dashboard's language (the history is shared)."""
    return f"Edit {record.label_of(subject, lang='en')} ({record.node_id(subject)}) in the dashboard"


def _author(space: Workspace, key: str) -> Author | None:
    from ropa_kg.app.history import is_repository

    if not is_repository(space.folder):
        return None
    commit = st.checkbox(t("editing.commit"), value=True, key=f"commit:{key}")
    name = st.text_input(t("editing.author_name"), key="author_name")
    email = st.text_input(t("editing.author_email"), key="author_email")
    if commit and name.strip() and email.strip():
        return Author(name.strip(), email.strip())
    if commit:
        st.caption(t("editing.author_missing"))
    return None


def saved_notice() -> None:
    """The message of the last save (shown once, after the page reloads the record), in a slot that is
    there on every run, so that the widgets below keep their place (an expander moved is closed)."""
    slot = st.empty()
    message = st.session_state.pop("saved_message", None)
    if message:
        slot.success(message)


def today() -> dt.date:
    return dt.date.today()


__all__ = [
    "field_help",
    "field_label",
    "forget",
    "form_key",
    "language",
    "opened",
    "picker",
    "save_panel",
    "saved_notice",
    "show_check",
    "today",
    "write",
]
