"""The global filters: sidebar widgets bound to the URL, so a filtered view is a link.

Widgets only choose among values inside the viewer's access scope (the options come from a
scoped query), and the scope itself is never a widget: a URL naming another district
selects nothing the data layer would return.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from metrics import Filter
from metrics.views import AGE_BANDS

BOUND = {"bind": "query-params", "persist_state": "session"}


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def sidebar_filter(options: dict[str, list]) -> Filter:
    """Draw the filters; `options` is metrics.filter_options(...) for this viewer."""
    with st.sidebar:
        st.header("Filters")
        scheme_names = dict(options["schemes"])
        schemes = st.multiselect("Scheme", list(scheme_names), key="scheme", format_func=scheme_names.get,
                                 placeholder="All schemes", **BOUND)
        districts = st.multiselect("District (where dealt with)", options["districts"], key="district",
                                   placeholder="All districts", **BOUND)
        col_from, col_to = st.columns(2)
        date_from = col_from.date_input("Referred from", value=None, key="from", min_value=dt.date(2000, 1, 1),
                                        format="DD/MM/YYYY", **BOUND)
        date_to = col_to.date_input("Referred to", value=None, key="to", min_value=dt.date(2000, 1, 1),
                                    format="DD/MM/YYYY", **BOUND)
        with st.expander("Pathway and people"):
            pathways = st.multiselect("Pathway", options["pathways"], key="pathway", format_func=_label,
                                      placeholder="All pathways", **BOUND)
            needs = st.multiselect("Primary need", options["needs"], key="need", format_func=_label,
                                   placeholder="All needs", **BOUND)
            sexes = st.multiselect("Sex", options["sexes"], key="sex", format_func=_label,
                                   placeholder="All", **BOUND)
            age_bands = st.multiselect("Age band", list(AGE_BANDS), key="age", placeholder="All ages", **BOUND)
    return Filter(
        schemes=tuple(schemes), districts=tuple(districts), date_from=date_from, date_to=date_to,
        pathways=tuple(pathways), sexes=tuple(sexes), age_bands=tuple(age_bands), needs=tuple(needs),
    )
