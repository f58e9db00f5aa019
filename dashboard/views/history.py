"""History: who changed the record, when and what, from the git repository holding its files.

The computing is in :mod:`ropa_kg.app.history`; this page only renders it.
"""

from __future__ import annotations

import streamlit as st

from common import page_setup, t, t_or
from ropa_kg.app.history import (
    ActivityCommit,
    Commit,
    activity_history,
    change_lines,
    head_commit,
    history_rows,
    is_repository,
    record_folder,
    record_history,
)
from ropa_kg.core.errors import RopaInputError, RopaUsageError

#: how many commits the record's table and an activity's history read
RECORD_LIMIT = 50
ACTIVITY_LIMIT = 10

record = page_setup("history.title")
folder = record_folder(record.paths)


@st.cache_data(max_entries=8, show_spinner=False)
def _record_history(folder_text: str, head: str) -> list[Commit]:
    del head  # part of the cache key only
    return record_history(folder_text, limit=RECORD_LIMIT)


@st.cache_data(max_entries=32, show_spinner=t("history.reading"))
def _activity_history(folder_text: str, iri: str, head: str) -> list[ActivityCommit]:
    del head
    return activity_history(folder_text, iri, limit=ACTIVITY_LIMIT)


if not is_repository(folder):
    st.info(t("history.no_repository", folder=folder))
    st.stop()

head = head_commit(folder)
try:
    commits = _record_history(str(folder), head)
except (RopaUsageError, RopaInputError) as exc:
    st.error(t("history.unreadable", error=exc))
    st.stop()

st.subheader(t("history.record"))
st.caption(t("history.record_caption", count=RECORD_LIMIT, folder=folder))
if commits:
    st.dataframe(history_rows(commits), hide_index=True)
else:
    st.markdown(t("history.no_commits"))

st.subheader(t("history.activity_heading"))
activity = st.selectbox(
    t("history.activity"), record.activities, format_func=record.name, key="history_activity"
)
if activity:
    try:
        changes = _activity_history(str(folder), activity, head)
    except (RopaUsageError, RopaInputError) as exc:
        st.error(t("history.activity_unreadable", error=exc))
        st.stop()
    st.caption(t("history.activity_caption", count=ACTIVITY_LIMIT))
    if not changes:
        st.markdown(t("history.no_changes"))
    for item in changes:
        c = item.commit
        status = t_or(f"history.status.{item.status}", item.status)
        st.markdown(
            t(
                "history.commit",
                date=c.date,
                author=c.author,
                email=c.email,
                short=c.short,
                status=status,
                message=c.message,
            )
        )
        st.markdown("\n".join(change_lines(item.fields)))
