"""The per-session context every page reads: viewer, warehouse, filter."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard import auth, data
from dashboard.filters import sidebar_filter
from dashboard.report.buttons import export_buttons
from dashboard.viewer import Viewer
from dashboard.warehouse import WarehouseFile, configured_warehouse, ensure_sample_warehouse, sample_needs_build
from metrics import Filter


@dataclass(frozen=True)
class Context:
    viewer: Viewer
    warehouse: WarehouseFile
    filter: Filter

    @property
    def scope(self):
        return self.viewer.scope


def _warehouse() -> WarehouseFile:
    warehouse = configured_warehouse(st.secrets.get("warehouse_path") if _has_secrets() else None)
    if warehouse.bundled_sample and sample_needs_build(warehouse.path):
        with st.spinner("Building the warehouse from the bundled synthetic sample "
                        "(first start, or new tables after an upgrade)..."):
            ensure_sample_warehouse(warehouse.path)
        st.session_state["built_sample_now"] = True
    return warehouse


def _has_secrets() -> bool:
    try:
        return len(st.secrets) > 0
    except Exception:  # no secrets.toml at all
        return False


def sign_in() -> Viewer:
    warehouse = _warehouse()
    viewer = auth.resolve_viewer(warehouse)
    if not warehouse.path.exists():  # said only after sign-in: the path is not for strangers
        st.error(f"No warehouse at {warehouse.path}. Run the ingest first (see the README).")
        st.stop()
    st.session_state["_viewer"] = viewer
    st.session_state["_warehouse"] = warehouse
    return viewer


def sidebar(viewer: Viewer) -> None:
    warehouse: WarehouseFile = st.session_state["_warehouse"]
    info = data.warehouse_info(warehouse)
    flt = sidebar_filter(data.filter_options(warehouse, viewer.scope), whole_months=viewer.scope.suppress)
    with st.sidebar:
        st.caption(f"Data up to **{info['as_of']:%d %b %Y}** · {viewer.label}")
        if info["demo"]:
            st.info("Synthetic demo data: every person and number is invented.", icon=":material/science:")
        if st.session_state.pop("built_sample_now", False):
            st.success("Built the warehouse from the bundled sample just now.")
        if viewer.local_mode:
            st.warning("Local mode: no sign-in configured.", icon=":material/lock_open:")
    st.session_state["_context"] = Context(viewer, warehouse, flt)
    export_buttons(st.session_state["_context"])  # PDF and XLSX of this view, built on click


def context() -> Context:
    return st.session_state["_context"]
