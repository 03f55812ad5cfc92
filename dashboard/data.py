"""The pages' only way to the numbers: cached calls into metrics/, keyed by warehouse version,
access scope and filter.

One read-only DuckDB database per process (st.cache_resource) and a fresh cursor per call,
so concurrent sessions never share a cursor. Results are cached (st.cache_data) on the
warehouse's version, the viewer's scope and the filter: two viewers with different scopes
never share an entry, and a newly published warehouse is a new key. Disclosure control is
applied inside metrics/ for the scope's role, before anything is cached or returned, so a
suppressed number never reaches a page.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

import metrics
from dashboard.warehouse import WarehouseFile, open_read_only
from metrics import AccessScope, Filter, views


@st.cache_resource(max_entries=2, show_spinner=False)
def _database(path: str, version: tuple[int, int]) -> duckdb.DuckDBPyConnection:
    return open_read_only(Path(path), version)


def _cursor(warehouse: WarehouseFile) -> duckdb.DuckDBPyConnection:
    return _database(str(warehouse.path), warehouse.version).cursor()


def _call(function, warehouse: WarehouseFile, *args):
    with closing(_cursor(warehouse)) as cursor:
        return function(cursor, *args)


@st.cache_data(max_entries=64, show_spinner=False)
def _warehouse_info(path: str, version) -> dict:
    return _call(metrics.warehouse_info, WarehouseFile(Path(path), False))


def warehouse_info(warehouse: WarehouseFile) -> dict:
    return _warehouse_info(str(warehouse.path), warehouse.version)


@st.cache_data(max_entries=256, show_spinner=False)
def _filter_options(path: str, version, scope: AccessScope) -> dict:
    return _call(views.filter_options, WarehouseFile(Path(path), False), scope)


def filter_options(warehouse: WarehouseFile, scope: AccessScope) -> dict:
    return _filter_options(str(warehouse.path), warehouse.version, scope)


@st.cache_data(max_entries=512, show_spinner="Computing measures...")
def _summary(path: str, version, scope: AccessScope, flt: Filter) -> dict:
    return _call(metrics.summary, WarehouseFile(Path(path), False), scope, flt)  # suppressed per scope


def summary(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> dict:
    return _summary(str(warehouse.path), warehouse.version, scope, flt)


@st.cache_data(max_entries=512, show_spinner="Computing cohorts...")
def _breakdown(path: str, version, scope: AccessScope, flt: Filter, by: str, ids: tuple[str, ...]) -> pd.DataFrame:
    return _call(metrics.breakdown, WarehouseFile(Path(path), False), scope, flt, by, list(ids))


def breakdown(warehouse: WarehouseFile, scope: AccessScope, flt: Filter, by: str, ids) -> pd.DataFrame:
    return _breakdown(str(warehouse.path), warehouse.version, scope, flt, by, tuple(ids))


# The page-level views of metrics/ (survival curves, distributions, the cohort review...).
# Each applies the scope's disclosure control itself; the cache key names the view.
VIEWS = {
    "survival_curves": metrics.survival_curves,
    "selection_facts": views.selection_facts,
    "scheme_targets": views.scheme_targets,
    "contacts_by_month": views.contacts_by_month,
    "onward_by_agency": views.onward_by_agency,
    "exit_reasons": views.exit_reasons,
    "completion_funnel_plot": views.completion_funnel_plot,
    "cost_by_scheme": views.cost_by_scheme,
    "cohort_review": views.cohort_review,
    "cohort_review_counts": views.cohort_review_counts,
    "data_quality": views.data_quality,
}


@st.cache_data(max_entries=256, show_spinner=False)
def _view(path: str, version, name: str, scope: AccessScope, flt: Filter):
    return _call(VIEWS[name], WarehouseFile(Path(path), False), scope, flt)


def _cached(name: str, warehouse: WarehouseFile, scope: AccessScope, flt: Filter):
    return _view(str(warehouse.path), warehouse.version, name, scope, flt)


def survival_curves(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    return _cached("survival_curves", warehouse, scope, flt)


def selection_facts(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> dict:
    return _cached("selection_facts", warehouse, scope, flt)


def scheme_targets(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    return _cached("scheme_targets", warehouse, scope, flt)


def contacts_by_month(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    return _cached("contacts_by_month", warehouse, scope, flt)


def onward_by_agency(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    return _cached("onward_by_agency", warehouse, scope, flt)


def exit_reasons(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    return _cached("exit_reasons", warehouse, scope, flt)


def completion_funnel_plot(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> dict:
    return _cached("completion_funnel_plot", warehouse, scope, flt)


def cost_by_scheme(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    return _cached("cost_by_scheme", warehouse, scope, flt)


def cohort_review(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    return _cached("cohort_review", warehouse, scope, flt)


def cohort_review_counts(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    return _cached("cohort_review_counts", warehouse, scope, flt)


def data_quality(warehouse: WarehouseFile, scope: AccessScope, flt: Filter) -> dict[str, pd.DataFrame]:
    return _cached("data_quality", warehouse, scope, flt)
