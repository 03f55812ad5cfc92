"""Review of metrics/ against shared/spec/metrics.md: reoffending windows at their
boundaries, contacts per month, and cost prorated across financial years, worked by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from metrics import ANALYST, Filter, summary
from tests.metrics_fixtures import build, contact, offence, referral, scheme
from tests.review_fixtures import AS_OF, day


# ---------------------------------------------------------------------------------------
# 6. Reoffending windows
# ---------------------------------------------------------------------------------------

def test_outcome_on_as_of_at_the_eligibility_boundary(tmp_path):
    # as_of = index + 547; offence on day 365 proven on day 547 (= as_of): eligible reoffence,
    # and a KM event at 365
    con = build(tmp_path, day(547), referrals=[referral("R1", "p1", day(0))],
                offences=[offence("p1", day(365), day(547))])
    values = summary(con, ANALYST)
    assert values["reoffending_eligible"].value == 1
    assert values["reoffending_rate"].numerator == 1
    assert values["time_to_reoffence"].numerator == 1


def test_later_selected_referral_can_make_a_person_pending(tmp_path):
    con = build(tmp_path, AS_OF, schemes=[scheme("A"), scheme("B")],
                referrals=[referral("R1", "p1", "2022-01-01", scheme_id="A"),
                           referral("R2", "p1", "2024-06-01", scheme_id="B")])
    assert summary(con, ANALYST)["reoffending_eligible"].value == 1
    only_b = summary(con, ANALYST, Filter(schemes=("B",)))  # 2024-06-01 + 547 > as_of
    assert (only_b["reoffending_eligible"].value, only_b["reoffending_pending"].value) == (0, 1)


# ---------------------------------------------------------------------------------------
# 7. Support measures
# ---------------------------------------------------------------------------------------

def test_contacts_per_month_thirty_vs_thirty_one_active_days(tmp_path):
    con = build(
        tmp_path, "2024-12-31", schemes=[scheme("T", target_contacts_per_month=2)],
        referrals=[referral(f"R{i}", f"p{i}", "2024-01-01", scheme_id="T") for i in range(1, 5)],
        engagements=[contact("R1", "2024-01-01"), contact("R1", "2024-01-31"),  # 31 days
                     contact("R2", "2024-01-01"), contact("R2", "2024-01-30"),  # 30 days
                     contact("R3", "2024-01-01"), contact("R3", "2024-02-01"),  # one after exit
                     contact("R4", "2024-06-01")],  # open: 214 days to as_of
        exits=[{"referral_id": "R1", "exit_date": "2024-01-31"},
               {"referral_id": "R2", "exit_date": "2024-01-30"},
               {"referral_id": "R3", "exit_date": "2024-01-10"}],
    )
    per_month = [2 / (31 / 30.4375), 2.0, 2.0, 1 / (214 / 30.4375)]
    values = summary(con, ANALYST)
    assert values["median_contacts_per_month"].value == pytest.approx(np.median(per_month), abs=1e-12)
    target = values["contact_target_met_rate"]
    assert (target.numerator, target.denominator) == (2, 4)  # R2, R3; R1 is 1.964


# ---------------------------------------------------------------------------------------
# 8. Cost
# ---------------------------------------------------------------------------------------

@pytest.fixture
def cost_con(tmp_path):
    return build(
        tmp_path, AS_OF, schemes=[scheme("S1"), scheme("S3")],
        funding=[{"scheme_id": "S1", "financial_year_start": "2022-04-01", "amount_gbp": 73_000},
                 {"scheme_id": "S1", "financial_year_start": "2023-04-01", "amount_gbp": 36_600},
                 {"scheme_id": "S1", "financial_year_start": "2024-04-01", "amount_gbp": 36_500},
                 {"scheme_id": "S3", "financial_year_start": "2023-04-01", "amount_gbp": 0}],
        referrals=[referral("R1", "p1", "2023-03-15"), referral("R2", "p2", "2024-03-31"),
                   referral("R3", "p3", "2024-04-01"), referral("R4", "p4", "2024-04-30"),
                   referral("R5", "p5", "2023-06-01", scheme_id="S3")],
        exits=[{"referral_id": "R1", "exit_date": "2025-01-01", "exit_reason": "completed"},
               {"referral_id": "R2", "exit_date": "2024-05-01", "exit_reason": "completed"},
               {"referral_id": "R5", "exit_date": "2024-05-01", "exit_reason": "completed"}],
    )


def test_cost_two_days_across_a_leap_and_a_normal_year(cost_con):
    values = summary(cost_con, ANALYST, Filter(schemes=("S1",), date_from=date(2024, 3, 31),
                                               date_to=date(2024, 4, 1)))
    cost = values["cost_per_referral"]
    assert cost.numerator == pytest.approx(36_600 / 366 + 36_500 / 365)  # 100 + 100
    assert cost.denominator == 2 and cost.value == pytest.approx(100)
    assert values["cost_per_completion"].denominator == 1  # R2, completed after the range


def test_cost_over_three_financial_years(cost_con):
    values = summary(cost_con, ANALYST, Filter(schemes=("S1",), date_from=date(2023, 3, 1),
                                               date_to=date(2024, 4, 30)))
    # 2022-23: 1-31 Mar 2023 = 31 of 365; 2023-24 whole (366 of 366); 2024-25: 30 of 365
    funding = 73_000 * 31 / 365 + 36_600 + 36_500 * 30 / 365
    assert funding == pytest.approx(45_800)
    cost = values["cost_per_referral"]
    assert cost.numerator == pytest.approx(funding) and cost.denominator == 4


def test_cost_zero_row_with_a_funded_scheme_and_funding_without_referrals(cost_con):
    both = summary(cost_con, ANALYST, Filter(schemes=("S1", "S3"), date_from=date(2023, 4, 1),
                                             date_to=date(2024, 3, 31)))["cost_per_referral"]
    assert both.numerator == pytest.approx(36_600) and both.denominator == 2  # R2 and R5 (S3, £0)
    empty = summary(cost_con, ANALYST, Filter(schemes=("S1",), date_from=date(2025, 1, 1)))
    assert empty["cost_per_referral"].value is None and empty["cost_per_referral"].denominator == 0
    assert empty["cost_per_completion"].value is None
