"""Cost metrics: funding prorated by day onto the date range (financial year 1 Apr - 31 Mar)."""

from __future__ import annotations

from datetime import date

import pytest

from metrics import ANALYST, Filter, summary
from tests.metrics_fixtures import build, referral, scheme

FUNDING = [
    {"scheme_id": "S1", "financial_year_start": "2023-04-01", "amount_gbp": 36_600},  # 366 days
    {"scheme_id": "S1", "financial_year_start": "2024-04-01", "amount_gbp": 36_500},  # 365 days
]


@pytest.fixture
def con(tmp_path):
    return build(
        tmp_path, "2025-06-30",
        schemes=[scheme("S1"), scheme("S2"), scheme("S3")],
        funding=FUNDING + [{"scheme_id": "S3", "financial_year_start": "2024-04-01", "amount_gbp": 0}],
        referrals=[
            referral("R1", "p1", "2024-01-15"), referral("R2", "p2", "2024-02-01", district="South"),
            referral("R3", "p3", "2024-05-01", sex="female"), referral("R4", "p4", "2024-06-30"),
            referral("R5", "p5", "2023-12-31"),  # before the range below
            referral("R6", "p6", "2024-03-01", scheme_id="S2"),  # unfunded scheme
            referral("R7", "p7", "2024-05-01", scheme_id="S3"),  # £0 funding
        ],
        exits=[{"referral_id": "R1", "exit_date": "2024-03-01", "exit_reason": "completed"},
               {"referral_id": "R3", "exit_date": "2024-08-01", "exit_reason": "completed"},
               {"referral_id": "R4", "exit_date": "2024-08-01", "exit_reason": "disengaged"},
               {"referral_id": "R5", "exit_date": "2024-03-01", "exit_reason": "completed"}],
    )


H1_2024 = Filter(schemes=("S1",), date_from=date(2024, 1, 1), date_to=date(2024, 6, 30))


def test_funding_years_partly_inside_the_range_are_prorated_by_day(con):
    values = summary(con, ANALYST, H1_2024)
    # 2023-24: 1 Jan - 31 Mar = 91 of 366 days; 2024-25: 1 Apr - 30 Jun = 91 of 365 days
    funding = 36_600 * 91 / 366 + 36_500 * 91 / 365
    assert funding == pytest.approx(18_200)
    per_referral = values["cost_per_referral"]
    assert per_referral.numerator == pytest.approx(funding)
    assert per_referral.denominator == 4  # R1-R4; R5 is before the range
    assert per_referral.value == pytest.approx(funding / 4)
    per_completion = values["cost_per_completion"]
    assert per_completion.denominator == 2  # R1 and R3 completed; R5's completion is not in range
    assert per_completion.value == pytest.approx(funding / 2)
    assert per_referral.ci_low is None and per_referral.ci_high is None


def test_open_end_takes_everything_from_the_start_date(con):
    values = summary(con, ANALYST, Filter(schemes=("S1",), date_from=date(2024, 1, 1)))
    assert values["cost_per_referral"].numerator == pytest.approx(36_600 * 91 / 366 + 36_500)


def test_no_date_filter_takes_all_funding(con):
    values = summary(con, ANALYST, Filter(schemes=("S1",)))
    assert values["cost_per_referral"].numerator == pytest.approx(36_600 + 36_500)
    assert values["cost_per_referral"].denominator == 5


def test_no_scheme_filter_counts_every_schemes_referrals_funded_or_not(con):
    values = summary(con, ANALYST)
    assert values["cost_per_referral"].numerator == pytest.approx(36_600 + 36_500)
    assert values["cost_per_referral"].denominator == 7


def test_zero_funding_row_that_overlaps_applies(con):
    value = summary(con, ANALYST, Filter(schemes=("S3",)))["cost_per_referral"]
    assert (value.value, value.numerator, value.denominator) == (0, 0, 1)


def test_no_funding_row_in_range_gives_null(con):
    values = summary(con, ANALYST, Filter(schemes=("S1",), date_to=date(2023, 3, 31)))
    assert values["cost_per_referral"].value is None
    unfunded = summary(con, ANALYST, Filter(schemes=("S2",)))["cost_per_referral"]
    assert unfunded.value is None and unfunded.denominator == 1


def test_zero_completions_give_null(con):
    value = summary(con, ANALYST, Filter(schemes=("S3",)))["cost_per_completion"]
    assert value.value is None and value.denominator == 0 and value.flags is None


def test_district_and_demographic_filters_do_not_change_cost(con):
    plain = summary(con, ANALYST, H1_2024)
    narrowed = summary(con, ANALYST, H1_2024.with_(districts=("South",), sexes=("female",),
                                                    pathways=("other",)))
    assert narrowed["referrals"].value == 0
    for metric_id in ("cost_per_referral", "cost_per_completion"):
        assert narrowed[metric_id] == plain[metric_id]


def test_range_wholly_inside_one_leap_financial_year(con):
    # 1 Feb - 29 Feb 2024: 29 of the 366 days of 2023-24
    values = summary(con, ANALYST, Filter(schemes=("S1",), date_from=date(2024, 2, 1),
                                          date_to=date(2024, 2, 29)))
    assert values["cost_per_referral"].numerator == pytest.approx(36_600 * 29 / 366)
    assert values["cost_per_referral"].denominator == 1
