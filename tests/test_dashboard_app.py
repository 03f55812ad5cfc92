"""The dashboard under Streamlit's AppTest: every page opens, filters change what is shown,
and every figure shown equals the metrics module's own output for the same filter."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

import metrics
from dashboard.presentation import number as fmt
from dashboard.presentation import label, show
from metrics import ANALYST, Filter
from tests.dashboard_fixtures import PAGES, ROOT, TITLES, app_env, build_demo_warehouse, cursor

DRUGLINK = "TVP-DRUGLINK"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_demo_warehouse(tmp_path_factory.mktemp("dashboard"))


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def expected(warehouse, flt: Filter = Filter(), scope=ANALYST) -> dict[str, str]:
    values = metrics.summary(cursor(warehouse), scope, flt)
    return {metrics.BY_ID[i].title: show(v).text for i, v in values.items()}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_without_an_exception(app, page):
    app.run()
    if page != "overview":
        app.switch_page(f"dashboard/pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert TITLES[page] in [t.value for t in app.title]


def test_overview_tiles_equal_the_metrics_module(app, warehouse):
    app.run()
    assert not app.exception
    want = expected(warehouse)
    shown_tiles = tiles(app)
    for title in ("Referrals", "Engagement rate", "Attendance rate", "Completion rate", "Open referrals"):
        assert shown_tiles[title] == want[title]
    assert shown_tiles["Referrals"] == "2,932"


def test_every_tile_on_every_page_equals_the_metrics_module(app, warehouse):
    want = expected(warehouse)
    app.run()
    checked = 0
    for page in PAGES:
        if page != "overview":
            app.switch_page(f"dashboard/pages/{page}.py").run()
        assert not app.exception
        for title, value in tiles(app).items():
            if title in want:
                assert value == want[title], (page, title)
                checked += 1
    assert checked >= 30


def test_choosing_a_scheme_updates_the_tiles(app, warehouse):
    app.run()
    app.multiselect(key="scheme").set_value([DRUGLINK]).run()
    assert not app.exception
    want = expected(warehouse, Filter(schemes=(DRUGLINK,)))
    assert tiles(app)["Referrals"] == want["Referrals"] == "520"
    assert tiles(app)["Completion rate"] == want["Completion rate"]
    completion = metrics.summary(cursor(warehouse), ANALYST, Filter(schemes=(DRUGLINK,)))["completion_rate"]
    assert 0.90 < completion.value < 0.96  # the Druglink story: about 93% complete


def test_the_filter_travels_in_the_url_and_a_link_opens_the_filtered_view(app, warehouse):
    app.query_params["scheme"] = "Druglink"  # bound widgets put the option's label in the URL
    app.query_params["from"] = "2023-01-01"
    app.run()
    assert not app.exception
    want = expected(warehouse, Filter(schemes=(DRUGLINK,), date_from=dt.date(2023, 1, 1)))
    assert tiles(app)["Referrals"] == want["Referrals"]
    assert app.multiselect(key="scheme").value == [DRUGLINK]


def test_filters_persist_across_pages(app, warehouse):
    app.run()
    app.multiselect(key="district").set_value(["Kettering"]).run()
    app.switch_page("dashboard/pages/completion.py").run()
    want = expected(warehouse, Filter(districts=("Kettering",)))
    assert tiles(app)["Stepped down"] == want["Stepped down"] == "5"
    assert tiles(app)["Escalated"] == want["Escalated"] == "5"


def test_compare_by_shows_each_cohort_with_its_numbers(app, warehouse):
    app.run()
    app.segmented_control(key="compare_overview").set_value("sex").run()
    assert not app.exception
    frame = metrics.breakdown(cursor(warehouse), ANALYST, Filter(), "sex", ["completion_rate"])
    table = app.dataframe[-1].value
    rows = table[table["Measure"] == "Completion rate"]
    assert sorted(rows["Sex"]) == sorted(frame["label"].map(label))  # in words: "Female", not "female"
    female = frame[frame["cell"] == "female"].iloc[0]
    assert rows[rows["Sex"] == "Female"]["Value"].iloc[0] == fmt(female["value"], "share")


def test_the_cohort_review_lists_open_referrals_by_pseudonym(app, warehouse):
    app.run()
    app.switch_page("dashboard/pages/cohort_review.py").run()
    review = app.dataframe[0].value
    open_referrals = metrics.summary(cursor(warehouse), ANALYST, Filter())["open_referrals"].value
    assert len(review) == open_referrals
    assert review["Person (pseudonym)"].str.fullmatch(r"[0-9a-f]{12}").all()
    assert not review["Person (pseudonym)"].str.startswith("P").any()


def test_the_demo_banner_says_the_data_is_synthetic(app):
    app.run()
    assert any("Synthetic demo data" in i.value for i in app.info)


def test_the_app_reopens_the_warehouse_when_the_pipeline_replaces_it(tmp_path, monkeypatch):
    from pipelines.ingest import ingest

    warehouse = build_demo_warehouse(tmp_path)
    for name, value in app_env(warehouse).items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert tiles(at)["Referrals"] == "2,932"
    # A new publish with an earlier cut-off: later referrals are quarantined (date_after_as_of).
    report = ingest(ROOT / "sample_data" / "demo", warehouse, as_of=dt.date(2023, 12, 31), bundled_sample=True)
    assert report.status == "ok"
    at.run()
    assert not at.exception
    assert tiles(at)["Referrals"] == expected(warehouse)["Referrals"] != "2,932"


def test_the_embedded_sample_is_rebuilt_when_an_earlier_version_built_it(tmp_path):
    import duckdb

    from dashboard.warehouse import ensure_sample_warehouse, sample_needs_build

    target = tmp_path / "demo_warehouse.duckdb"
    assert sample_needs_build(target)
    assert ensure_sample_warehouse(target) is True
    assert not sample_needs_build(target) and ensure_sample_warehouse(target) is False
    with duckdb.connect(str(target)) as con:  # as an earlier version left it: no index_offences
        con.execute("drop table index_offences")
    assert sample_needs_build(target)
    assert ensure_sample_warehouse(target) is True
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select count(*) from index_offences").fetchone()[0] > 2932
