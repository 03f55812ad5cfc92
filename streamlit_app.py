"""Diversion Outcomes: the front door. Page config, sign-in, this viewer's pages."""

import streamlit as st

from dashboard import session
from dashboard.pages_catalogue import PAGES_DIR, pages_for

st.set_page_config(page_title="Diversion Outcomes", page_icon=":material/insights:", layout="wide")

viewer = session.sign_in()  # stops the script with a sign-in or refusal page when needed
pages = [
    st.Page(PAGES_DIR / spec.file, title=spec.title, icon=spec.icon, url_path=spec.url_path,
            default=(i == 0))
    for i, spec in enumerate(pages_for(viewer.scope.role))
]
navigation = st.navigation(pages)
session.sidebar(viewer)
navigation.run()
