"""What a non-analyst sees on the pages when disclosure control steps in, and the dates the
board report uses: the messages are on the page, in words, and the figures follow the rule."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

import metrics
from dashboard.report.build import collect
from metrics import ANALYST, AccessScope, Filter, disclosure
from tests.dashboard_fixtures import build_demo_warehouse, cursor

FORCE, DISTRICT = "Nottinghamshire Police", "Ashfield"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_demo_warehouse(tmp_path_factory.mktemp("disclosure_pages"))


def as_commander(at: AppTest) -> AppTest:
    at.run()
    at.selectbox(key="_preview_role").set_value("district_commander").run()
    at.selectbox(key="_preview_force").set_value(FORCE).run()
    at.multiselect(key="_preview_districts").set_value([DISTRICT]).run()
    return at


def test_dates_the_wrong_way_round_say_so_and_apply_no_dates(app, warehouse):
    app.query_params["from"] = "2025-02-01"
    app.query_params["to"] = "2025-01-01"
    app.run()
    assert not app.exception
    assert any("'Referred from' is after 'Referred to'" in e.value for e in app.error)
    everything = metrics.summary(cursor(warehouse), ANALYST, Filter())["referrals"].value
    assert {m.label: m.value for m in app.metric}["Referrals"] == f"{everything:,}"


def small_month(warehouse) -> dt.date:
    """A month of Ashfield's referrals with 1 to 9 people: too few for a commander's figures."""
    commander = AccessScope("district_commander", forces={FORCE}, districts={DISTRICT})
    months = cursor(warehouse).execute("""
        SELECT date_trunc('month', referral_date)::DATE AS month FROM referrals WHERE district = ?
        GROUP BY 1 HAVING count(DISTINCT person_id) BETWEEN 1 AND ? ORDER BY 1""",
        [DISTRICT, disclosure.MIN_PEOPLE - 1]).fetchall()
    for (month,) in months:
        flt = Filter(date_from=month, date_to=disclosure.period_end(month))
        values = metrics.summary(cursor(warehouse), commander, flt)
        if any(v.suppressed == disclosure.TOO_FEW_MARK for v in values.values()):
            assert all(v.value is None for v in values.values())
            return month
    raise AssertionError("the demo has no small month in Ashfield")


def test_a_commanders_selection_of_too_few_people_shows_no_figures(app, warehouse):
    month = small_month(warehouse)
    at = as_commander(app)
    at.date_input(key="from").set_value(month).run()
    at.date_input(key="to").set_value(disclosure.period_end(month)).run()
    assert not at.exception
    assert any(f"Fewer than {disclosure.MIN_PEOPLE} people are in this selection" in w.value for w in at.warning)
    assert len(at.metric) == 0  # not one tile: the page stops before any figure


def test_the_cohort_review_says_which_filters_it_ignores(app, warehouse):
    at = as_commander(app)
    at.multiselect(key="sex").set_value(["female"]).run()
    at.switch_page("dashboard/pages/cohort_review.py").run()
    assert not at.exception
    notes = [i.value for i in at.info]
    assert any("it ignores the sex filter" in note for note in notes), notes
    commander = AccessScope("district_commander", forces={FORCE}, districts={DISTRICT})
    assert len(at.dataframe[0].value) == len(metrics.views.cohort_review(cursor(warehouse), commander, Filter()))


def test_a_board_report_covers_whole_quarters(warehouse):
    commander = AccessScope("district_commander", forces={FORCE}, districts={DISTRICT})
    flt = Filter(date_from=dt.date(2024, 5, 17), date_to=dt.date(2025, 2, 3))
    data = collect(cursor(warehouse), commander, flt, generated_by="test")
    # financial quarters: April-June 2024 to January-March 2025, the financial year 2024/25
    assert (data.filter.date_from, data.filter.date_to) == (dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    quarter = Filter(date_from=dt.date(2024, 4, 1), date_to=dt.date(2025, 3, 31))
    assert data.summary == metrics.summary(cursor(warehouse), commander, quarter, suppress=True)


def test_every_export_carries_the_method_and_the_perturbation_table_parameters(warehouse):
    import io
    import subprocess

    import openpyxl

    from dashboard.report import build_files
    from metrics import cellkey

    commander = AccessScope("district_commander", forces={FORCE}, districts={DISTRICT})
    files = build_files(warehouse, commander, Filter(), "District commander")
    pdf = subprocess.run(["pdftotext", "-", "-"], input=files["pdf"], capture_output=True, check=True).stdout.decode()
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    cells = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value)
    for text in (" ".join(pdf.split()), cells):
        assert "cell-key method" in text
        assert f"between −{cellkey.MAX_ADJUSTMENT} and +{cellkey.MAX_ADJUSTMENT}" in text
        assert "variance 0.99" in text
        assert "none is dropped" in text
