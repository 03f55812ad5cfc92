"""Every chart on every page has a text alternative and the data behind it in a table that
a keyboard and a screen reader reach (WCAG 1.1.1): read through AppTest for the analyst."""

from __future__ import annotations

import json

import pytest

from dashboard import figures, presentation
from dashboard.pages_catalogue import pages_for
from tests.dashboard_fixtures import build_demo_warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_demo_warehouse(tmp_path_factory.mktemp("charts"))


def test_the_data_behind_a_chart_is_its_figures_in_words():
    stages = [("Referred", 2932, "2,932"), ("Engaged", 2539, "2,539 (86.6% of referred)")]
    table = presentation.chart_table(figures.figure_funnel(stages))
    assert table.to_dict("records") == [{"category": "Referred", "value": "2,932"},
                                        {"category": "Engaged", "value": "2,539"}]
    assert presentation.chart_alt(figures.figure_funnel(stages)).startswith("Chart: Referral to completion.")


def test_every_chart_on_every_page_has_an_alternative_and_its_data(app):
    app.run()
    charts = 0
    for spec in pages_for("analyst"):
        app.switch_page(f"dashboard/pages/{spec.file}").run()
        assert not app.exception, spec.title
        for chart in app.get("plotly_chart"):
            charts += 1
            alt = chart.proto.alt
            title = json.loads(chart.proto.spec)["layout"]["title"]["text"]
            assert alt.startswith(f"Chart: {title}."), (spec.title, alt)
        expanders = [e for e in app.expander if e.label == "Data behind this chart"]
        assert len(expanders) == len(app.get("plotly_chart")), spec.title
        for expander in expanders:
            (table,) = expander.dataframe
            assert len(table.value) > 0, spec.title
    assert charts >= 12
