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


@st.cache_data(max_entries=256, show_spinner=False)
def _detail(path: str, version, name: str, scope: AccessScope, flt: Filter, extra: tuple):
    function = getattr(metrics, name, None) or getattr(views, name)
    return _call(function, WarehouseFile(Path(path), False), scope, flt, *extra)


def detail(warehouse: WarehouseFile, name: str, scope: AccessScope, flt: Filter, *extra):
    """Page-level views of metrics/ (survival curves, distributions, cohort review...).

    Each of those functions applies the scope's disclosure control itself.
    """
    return _detail(str(warehouse.path), warehouse.version, name, scope, flt, tuple(extra))
