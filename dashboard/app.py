"""The ropa-kg dashboard: routing only. Each view lives in ``views/``; shared code in ``common.py``.

Run with ``ropa dashboard`` (or ``make run``); it listens on 127.0.0.1 unless told otherwise.
"""

import streamlit as st

# No page_icon and no page icons: Streamlit fetches Material and emoji favicons from a CDN.
st.set_page_config(page_title="ropa-kg: record of processing activities", layout="wide")

PAGES = [
    st.Page("views/overview.py", title="Overview", default=True),
    st.Page("views/activities.py", title="Activities"),
    st.Page("views/activity.py", title="Activity detail"),
    st.Page("views/edit.py", title="Edit an activity"),
    st.Page("views/parties.py", title="Parties"),
    st.Page("views/recipients.py", title="Recipients and transfers"),
    st.Page("views/flows.py", title="Data flows"),
    st.Page("views/compliance.py", title="Compliance"),
    st.Page("views/console.py", title="Query console"),
    st.Page("views/export.py", title="Export"),
    st.Page("views/importer.py", title="Import"),
    st.Page("views/history.py", title="History"),
]

st.navigation(PAGES).run()
