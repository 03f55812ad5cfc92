"""Plain words inside the tables too: the browser cannot read a data grid (it draws on a
canvas), so AppTest reads every table's headings and text cells on every page, for the
analyst and for a district commander. No snake_case code reaches a person, except metric ids
shown as ids on Definitions; pseudonyms (hex) and numbers are not codes."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.pages_catalogue import pages_for
from metrics import BREAKDOWN_LABELS
from tests.dashboard_fixtures import build_demo_warehouse
from tests.words import codes


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_demo_warehouse(tmp_path_factory.mktemp("words_app"))


def table_codes(frame: pd.DataFrame, page: str) -> list[str]:
    found = [f"{page}: heading {c!r}" for c in map(str, frame.columns) if codes(c)]
    for name in frame.columns:
        if page == "Definitions" and str(name).lower() in ("id", "metric id"):
            continue
        if frame[name].dtype == object:
            for value in frame[name].dropna().astype(str).unique():
                found += [f"{page}: {name!r} cell {value[:60]!r}" for _ in codes(value)[:1]]
    return found


def tables_of_every_page(at: AppTest, role: str) -> tuple[int, list[str]]:
    seen, found = 0, []
    for spec in pages_for(role):
        at.switch_page(f"dashboard/pages/{spec.file}").run()
        assert not at.exception, spec.title
        for segment in at.get("segmented_control"):  # every compare-by choice draws its own table
            for option in BREAKDOWN_LABELS:
                segment.set_value(option).run()
                for frame in at.dataframe:
                    seen += 1
                    found += table_codes(frame.value, f"{spec.title} by {option}")
        for frame in list(at.dataframe) + list(at.table):
            seen += 1
            found += table_codes(frame.value, spec.title)
    return seen, sorted(set(found))


@pytest.mark.parametrize("role", ["analyst", "district_commander"])
def test_no_table_on_any_page_shows_a_raw_code(app, role):
    at = app
    at.run()
    if role != "analyst":
        at.selectbox(key="_preview_role").set_value(role).run()
    seen, found = tables_of_every_page(at, role)
    assert seen >= 10
    assert not found, "\n".join(found)
