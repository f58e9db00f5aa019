"""History: who changed the record, when and what, from the git repository holding its files.

The computing is in :mod:`ropa_kg.app.history`; this page only renders it.
"""

from __future__ import annotations

import streamlit as st

from common import page_setup
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

record = page_setup("History")
folder = record_folder(record.paths)


@st.cache_data(max_entries=8, show_spinner=False)
def _record_history(folder_text: str, head: str) -> list[Commit]:
    del head  # part of the cache key only
    return record_history(folder_text, limit=RECORD_LIMIT)


@st.cache_data(max_entries=32, show_spinner="Reading the activity's history...")
def _activity_history(folder_text: str, iri: str, head: str) -> list[ActivityCommit]:
    del head
    return activity_history(folder_text, iri, limit=ACTIVITY_LIMIT)


if not is_repository(folder):
    st.info(
        f"The record folder {folder} is not a git repository, so it has no history to show. "
        "Keep the record's files in a git repository (git init) to see who changed what and when."
    )
    st.stop()

head = head_commit(folder)
try:
    commits = _record_history(str(folder), head)
except (RopaUsageError, RopaInputError) as exc:
    st.error(f"The history cannot be read: {exc}")
    st.stop()

st.subheader("Changes to the record")
st.caption(f"The last {RECORD_LIMIT} commits touching the record's files in {folder}, newest first.")
if commits:
    st.dataframe(history_rows(commits), hide_index=True)
else:
    st.markdown("No commit touches the record's files yet.")

st.subheader("An activity's history")
activity = st.selectbox("Activity", record.activities, format_func=record.name, key="history_activity")
if activity:
    try:
        changes = _activity_history(str(folder), activity, head)
    except (RopaUsageError, RopaInputError) as exc:
        st.error(f"The activity's history cannot be read: {exc}")
        st.stop()
    st.caption(
        f"The commits among the last {ACTIVITY_LIMIT} touching the files that mention this activity in "
        "which it changed, newest first; each compared with its parent commit."
    )
    if not changes:
        st.markdown("No commit changed this activity.")
    for item in changes:
        c = item.commit
        st.markdown(f"**{c.date}** · {c.author} <{c.email}> · `{c.short}` · {item.status}: {c.message}")
        st.markdown("\n".join(change_lines(item.fields)))
