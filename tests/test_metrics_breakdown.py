"""Breakdowns: every cell is the selection narrowed to that category."""

from __future__ import annotations

from datetime import date

import pytest

import metrics
from metrics import ANALYST, Filter
from tests.metrics_fixtures import (
    build,
    contact,
    make_warehouse,
    offence,
    open_warehouse,
    referral,
    scheme,
    tables_for,
)

# The Filter field that narrows the selection to one cell of each breakdown.
CELL_FILTER = {"scheme": "schemes", "district": "districts", "pathway": "pathways",
               "primary_need": "needs", "sex": "sexes", "age_band": "age_bands"}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = tmp_path_factory.mktemp("breakdown") / "w.duckdb"
    return open_warehouse(make_warehouse(path, "2025-06-30", **tables_for(("North", "South", "East"))))


@pytest.mark.parametrize("by", list(CELL_FILTER))
def test_each_cell_equals_the_summary_filtered_to_that_cell(con, by):
    frame = metrics.breakdown(con, ANALYST, Filter(), by)
    assert set(frame["metric"]) == set(metrics.BREAKDOWN_IDS)
    for cell, part in frame.groupby("cell"):
        expected = metrics.summary(con, ANALYST, Filter(**{CELL_FILTER[by]: (cell,)}))
        for row in part.itertuples():
            want = expected[row.metric]
            for column in ("value", "numerator", "denominator", "ci_low", "ci_high", "p_value"):
                got = getattr(row, column)
                got = None if got != got else got  # NaN -> None
                assert got == pytest.approx(getattr(want, column)), (cell, row.metric, column)
            assert row.flags == want.flags


def records(frame) -> list[dict]:
    """The frame's rows, with NaN and None alike (a column of blanks is None, not NaN)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@pytest.mark.parametrize("by", ["scheme", "district", "age_band"])
@pytest.mark.parametrize("suppress", [False, True], ids=["unsuppressed", "suppressed"])
@pytest.mark.parametrize("metric_ids", [(m,) for m in metrics.BREAKDOWN_IDS]
                         + [("completion_rate", "reoffences_per_person")])
def test_asking_for_some_metrics_gives_the_same_rows_as_asking_for_all(con, metric_ids, suppress, by):
    """A breakdown skips the statistics of metrics it was not asked for, not their values; and
    suppressed, a page asking for one metric hides what the full breakdown (the report) hides."""
    everything = metrics.breakdown(con, ANALYST, Filter(), by, suppress=suppress)
    some = metrics.breakdown(con, ANALYST, Filter(), by, metric_ids, suppress=suppress)
    expected = everything[everything["metric"].isin(metric_ids)].reset_index(drop=True)
    assert len(some) == len(expected) > 0
    assert everything["suppressed"].notna().any() == suppress
    assert records(some) == records(expected)


def test_intake_quarter_cells_are_calendar_quarters_of_referral_date(con):
    frame = metrics.breakdown(con, ANALYST, Filter(), "intake_quarter", ["referrals"])
    q2 = frame[frame["cell"] == "2023-Q2"]["value"].item()
    expected = metrics.summary(con, ANALYST, Filter(date_from=date(2023, 4, 1), date_to=date(2023, 6, 30)))
    assert q2 == expected["referrals"].value
    assert frame["cell"].tolist() == sorted(frame["cell"])


def test_support_cells_add_up_to_the_total(con):
    frame = metrics.breakdown(con, ANALYST, Filter(), "district", ["referrals", "engaged"])
    total = metrics.summary(con, ANALYST)
    for metric_id in ("referrals", "engaged"):
        assert frame[frame["metric"] == metric_id]["value"].sum() == total[metric_id].value


def test_person_counts_in_every_cell_they_were_referred_in_indexed_within_it(tmp_path):
    con = build(tmp_path, "2025-06-30", schemes=[scheme("A"), scheme("B")],
                referrals=[referral("R1", "p1", "2022-01-01", scheme_id="A"),
                           referral("R2", "p1", "2023-01-01", scheme_id="B")],
                engagements=[contact("R2", "2023-01-02")],
                offences=[offence("p1", "2022-06-01", "2022-07-01")])
    frame = metrics.breakdown(con, ANALYST, Filter(), "scheme",
                              ["reoffending_eligible", "reoffences_per_person", "prior_offences_per_person"])
    got = {(r.cell, r.metric): r.numerator if r.metric != "reoffending_eligible" else r.value
           for r in frame.itertuples()}
    assert got == {("A", "reoffending_eligible"): 1, ("A", "reoffences_per_person"): 1,
                   ("A", "prior_offences_per_person"): 0,
                   ("B", "reoffending_eligible"): 1, ("B", "reoffences_per_person"): 0,
                   ("B", "prior_offences_per_person"): 1}


def test_age_bands_come_in_their_natural_order(tmp_path):
    con = build(tmp_path, "2025-06-30",
                referrals=[referral(f"R{a}", f"p{a}", "2024-01-01", age_at_referral=a)
                           for a in (60, 17, 40, 20, 50, 30)])
    frame = metrics.breakdown(con, ANALYST, Filter(), "age_band", ["referrals"])
    assert frame["cell"].tolist() == ["under 18", "18-24", "25-34", "35-44", "45-54", "55+"]


def test_scheme_cells_carry_the_scheme_name(tmp_path):
    con = build(tmp_path, "2025-06-30", schemes=[scheme("S1", scheme_name="Checkpoint")],
                referrals=[referral("R1", "p1", "2024-01-01")])
    frame = metrics.breakdown(con, ANALYST, Filter(), "scheme", ["referrals"])
    assert frame[["by", "cell", "label", "metric", "value"]].values.tolist() == [
        ["scheme", "S1", "Checkpoint", "referrals", 1]]


def test_breakdown_refuses_unknown_dimensions_and_metrics(con):
    with pytest.raises(ValueError):
        metrics.breakdown(con, ANALYST, Filter(), "ethnicity")
    with pytest.raises(ValueError):
        metrics.breakdown(con, ANALYST, Filter(), "scheme", ["rate_difference"])


def test_breakdown_of_an_empty_selection_has_no_rows(con):
    frame = metrics.breakdown(con, ANALYST, Filter(districts=("Nowhere",)), "scheme")
    assert frame.empty
    assert list(frame.columns) == ["by", "cell", "label", "metric", "value", "numerator",
                                   "denominator", "ci_low", "ci_high", "p_value", "flags",
                                   "suppressed"]


def test_every_breakdown_has_the_words_the_pages_and_the_report_label_it_with():
    assert metrics.BREAKDOWN_LABELS.keys() == metrics.BREAKDOWNS.keys()
