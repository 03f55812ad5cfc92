"""Diversion Outcomes: the front door. Page config, sign-in, this viewer's pages."""

from pathlib import Path

import streamlit as st

from dashboard import media, session
from dashboard.incident import incident_guard
from dashboard.pages_catalogue import PAGES_DIR, pages_for

# The favicon is served from this server (a material icon would be fetched from an outside font host)
FAVICON = Path(__file__).parent / "dashboard" / "static" / "favicon.png"
st.set_page_config(page_title="Diversion Outcomes", page_icon=str(FAVICON), layout="wide")
# Captions and detail lines in GOV.UK's secondary text colour: 7:1 on white, where the
# theme's faded grey falls below the 4.5:1 WCAG 2.2 AA asks of text.
st.html("<style>[data-testid='stCaptionContainer'] { color: #505a5f; opacity: 1; }</style>")
media.serve_exports_once()  # export files are fetchable once, briefly (see dashboard/media.py)

viewer = session.sign_in()  # stops the script with a sign-in or refusal page when needed
pages = [
    # The first page is the default, served at the root URL.
    st.Page(PAGES_DIR / spec.file, title=spec.title, icon=spec.icon, default=(i == 0),
            url_path=None if i == 0 else spec.url_path)
    for i, spec in enumerate(pages_for(viewer.scope.role))
]
navigation = st.navigation(pages)
with incident_guard():  # an unexpected error shows an incident id, never a traceback
    session.sidebar(viewer)
    navigation.run()
