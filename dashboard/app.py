"""The ropa-kg dashboard: routing only. Each view lives in ``views/``; shared code in ``common.py``.

Run with ``ropa dashboard`` (or ``make run``); it listens on 127.0.0.1 unless told otherwise. The
navigation is titled in the language chosen in the sidebar (``common.current_language``); the views'
files and addresses are the same in every language.
"""

import streamlit as st

from common import current_language, t

# No page_icon and no page icons: Streamlit fetches Material and emoji favicons from a CDN.
st.set_page_config(page_title=t("app.page_title"), layout="wide")

#: the views, titled in English (tests/test_browser.py reads these titles)
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
#: the view the default page (address ``/``) shows
DEFAULT_VIEW = "overview"


def localised(page: st.Page) -> st.Page:
    """``page`` titled in the session's language (its view and address unchanged)."""
    view = page.url_path or DEFAULT_VIEW
    return st.Page(f"views/{view}.py", title=t(f"nav.{view}"), default=not page.url_path)


st.navigation(PAGES if current_language() == "en" else [localised(p) for p in PAGES]).run()
