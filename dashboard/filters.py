"""The global filters: sidebar widgets bound to the URL, so a filtered view is a link.

Widgets only choose among values inside the viewer's access scope (the options come from a
scoped query), and the scope itself is never a widget: a URL naming another district
selects nothing the data layer would return.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from metrics import Filter, disclosure
from metrics.views import AGE_BANDS

BOUND = {"bind": "query-params", "persist_state": "session"}


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def sidebar_filter(options: dict[str, list], whole_months: bool = False) -> Filter:
    """Draw the filters; `options` is metrics.filter_options(...) for this viewer.

    whole_months: the viewer's figures are disclosure-controlled, so metrics/ widens the dates
    to whole months (two views a day apart would otherwise differ by one day's people); the
    sidebar says which months are used."""
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
        if date_from and date_to and date_from > date_to:
            st.error("'Referred from' is after 'Referred to', so no dates are applied. Swap or clear them.",
                     icon=":material/event_busy:")
            date_from = date_to = None
        elif whole_months and (date_from or date_to):
            st.caption("For your role, figures cover whole months: "
                       f"{_period(disclosure.period_start(date_from), disclosure.period_end(date_to))}.")
    return Filter(
        schemes=tuple(schemes), districts=tuple(districts), date_from=date_from, date_to=date_to,
        pathways=tuple(pathways), sexes=tuple(sexes), age_bands=tuple(age_bands), needs=tuple(needs),
    )


def _period(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f"{start:%-d %b %Y} to {end:%-d %b %Y}"
    return f"from {start:%-d %b %Y}" if start else f"up to {end:%-d %b %Y}"
