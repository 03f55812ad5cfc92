"""Support and progress measures (per referral), on hand-made warehouses."""

from __future__ import annotations

import math
from datetime import date

import pytest

from metrics import ANALYST, Filter, summary
from tests.metrics_fixtures import build, contact, referral, scheme

Z = 1.959964


def wilson_by_hand(x: int, n: int) -> tuple[float, float]:
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture
def contacts_warehouse(tmp_path):
    return build(
        tmp_path, "2025-06-30",
        referrals=[referral("R1", "p1", "2024-01-01"), referral("R2", "p2", "2024-01-01"),
                   referral("R3", "p3", "2024-01-01"), referral("R4", "p4", "2024-01-01")],
        engagements=[
            contact("R1", "2024-01-03", "did_not_attend"), contact("R1", "2024-01-05"),
            contact("R1", "2024-01-10"),
            contact("R2", "2024-01-08", "cancelled_by_participant"), contact("R2", "2024-01-11"),
            contact("R3", "2024-01-02", "cancelled_by_service"),
        ],
    )


def test_referral_is_engaged_only_with_an_attended_contact(contacts_warehouse):
    values = summary(contacts_warehouse, ANALYST)
    assert values["referrals"].value == 4
    assert values["engaged"].value == 2  # R3 had only a service cancellation, R4 nothing
    rate = values["engagement_rate"]
    assert (rate.value, rate.numerator, rate.denominator) == (0.5, 2, 4)
    assert (rate.ci_low, rate.ci_high) == pytest.approx(wilson_by_hand(2, 4), abs=1e-12)
    assert (rate.ci_low, rate.ci_high) == pytest.approx((0.150039, 0.849961), abs=1e-6)


def test_median_of_even_count_is_mean_of_middle_two(contacts_warehouse):
    # first attended contact 4 and 10 days after referral
    assert summary(contacts_warehouse, ANALYST)["median_days_to_first_contact"].value == 7.0


def test_attendance_leaves_out_cancelled_by_service(contacts_warehouse):
    rate = summary(contacts_warehouse, ANALYST)["attendance_rate"]
    # attended 3; did not attend 1; cancelled by participant 1; cancelled by service ignored
    assert (rate.numerator, rate.denominator) == (3, 5)
    assert rate.value == pytest.approx(0.6)


def test_contacts_per_month_uses_at_least_one_month_and_exit_or_as_of(tmp_path):
    con = build(
        tmp_path, "2024-12-31",
        schemes=[scheme("T", target_contacts_per_month=4), scheme("S1")],
        referrals=[referral("R1", "p1", "2024-01-01", scheme_id="T"),
                   referral("R2", "p2", "2024-01-01", scheme_id="T"),
                   referral("R3", "p3", "2024-06-01")],
        engagements=[contact("R1", d) for d in ("2024-01-10", "2024-01-17", "2024-01-24", "2024-01-31")]
        + [contact("R2", "2024-01-01"), contact("R2", "2024-03-01"), contact("R3", "2024-06-01")],
        exits=[{"referral_id": "R1", "exit_date": "2024-02-08"},
               {"referral_id": "R2", "exit_date": "2024-03-31"}],
    )
    values = summary(con, ANALYST)
    # R1: 30 active days -> 1 month (not 0.986) -> 4 a month; R2: 91 days -> 2 / (91/30.4375);
    # R3 open: 214 days to as_of -> 1 / (214/30.4375). Median is R2's.
    assert values["median_contacts_per_month"].value == pytest.approx(2 * 30.4375 / 91)
    target = values["contact_target_met_rate"]
    # only scheme T has a target: R1 meets 4 exactly (>=), R2 does not
    assert (target.numerator, target.denominator) == (1, 2)


def test_onward_referrals_count_engaged_referrals_and_all_selected_decisions(tmp_path):
    con = build(
        tmp_path, "2025-06-30",
        referrals=[referral("R1", "p1", "2024-01-01"), referral("R2", "p2", "2024-01-01"),
                   referral("R3", "p3", "2024-01-01")],
        engagements=[contact("R1", "2024-01-02"), contact("R2", "2024-01-02"),
                     contact("R3", "2024-01-02", "did_not_attend")],
        onward_referrals=[
            {"referral_id": "R1", "referred_on_date": "2024-02-01", "outcome": "accepted",
             "funded_place": True, "place_taken_up": True},
            {"referral_id": "R1", "referred_on_date": "2024-02-01", "outcome": "declined",
             "funded_place": True, "place_taken_up": None},
            {"referral_id": "R1", "referred_on_date": "2024-02-01", "outcome": "pending"},
            {"referral_id": "R3", "referred_on_date": "2024-02-01", "outcome": "accepted",
             "funded_place": True, "place_taken_up": True},
        ],
    )
    values = summary(con, ANALYST)
    rate = values["onward_referral_rate"]
    assert (rate.numerator, rate.denominator) == (1, 2)  # R1 of the engaged R1, R2
    per = values["onward_referrals_per_engaged"]
    assert (per.value, per.numerator, per.denominator) == (1.5, 3, 2)  # R3 is not engaged
    assert per.ci_low is None and per.ci_high is None
    acceptance = values["onward_acceptance_rate"]
    assert (acceptance.numerator, acceptance.denominator) == (2, 3)  # pending left out
    assert values["pathway_places_taken"].value == 2
    uptake = values["pathway_uptake_rate"]
    assert (uptake.numerator, uptake.denominator) == (2, 3)  # unknown take-up stays in the denominator


def test_completion_rate_leaves_out_neutral_exits_and_open_referrals(tmp_path):
    reasons = ["completed", "disengaged", "transferred", "moved_away", "deceased", "custody",
               "non_compliance", "other"]
    con = build(
        tmp_path, "2025-06-30",
        referrals=[referral(f"R{i}", f"p{i}", "2024-01-01") for i in range(len(reasons) + 1)],
        exits=[{"referral_id": f"R{i}", "exit_date": "2024-06-01", "exit_reason": reason}
               for i, reason in enumerate(reasons)],
    )
    values = summary(con, ANALYST)
    rate = values["completion_rate"]
    assert (rate.numerator, rate.denominator) == (1, 5)
    assert values["open_referrals"].value == 1


def test_retention_counts_attended_contacts_strictly_after_a_passed_planned_end(tmp_path):
    con = build(
        tmp_path, "2024-12-31",
        schemes=[scheme("W", planned_duration_weeks=4), scheme("S1")],
        referrals=[referral(f"R{i}", f"p{i}", "2024-01-01", scheme_id="W") for i in range(1, 6)]
        + [referral("R6", "p6", "2024-01-01")],
        engagements=[
            contact("R1", "2024-01-01"), contact("R1", "2024-01-29"),  # on the planned end: no
            contact("R2", "2024-01-01"), contact("R2", "2024-01-30"),  # after it: retained
            contact("R3", "2024-01-01"), contact("R3", "2024-02-15", "did_not_attend"),
            contact("R4", "2024-12-10"),  # planned end 2025-01-07 is after as_of: left out
            contact("R5", "2024-12-03"),  # planned end 2024-12-31 = as_of: counted
            contact("R6", "2024-01-01"), contact("R6", "2024-06-01"),  # open-ended scheme
        ],
    )
    rate = summary(con, ANALYST)["retention_beyond_planned_rate"]
    assert (rate.numerator, rate.denominator) == (1, 4)


def test_reviews_count_only_engaged_referrals_once_each(tmp_path):
    con = build(
        tmp_path, "2025-06-30",
        referrals=[referral("R1", "p1", "2024-01-01"), referral("R2", "p2", "2024-01-01"),
                   referral("R3", "p3", "2024-01-01")],
        engagements=[contact("R1", "2024-01-02"), contact("R3", "2024-01-02")],
        reviews=[{"referral_id": "R1", "review_date": "2024-02-01", "decision": d}
                 for d in ("step_down", "escalate", "step_down")]
        + [{"referral_id": "R2", "review_date": "2024-02-01", "decision": "step_down"},
           {"referral_id": "R3", "review_date": "2024-02-01", "decision": "continue"}],
    )
    values = summary(con, ANALYST)
    assert values["stepped_down"].value == 1
    assert values["escalated"].value == 1


def test_zero_denominator_gives_null_value_interval_and_flags(tmp_path):
    values = summary(build(tmp_path, "2025-06-30"), ANALYST)
    assert values["referrals"].value == 0
    for metric_id in ("engagement_rate", "attendance_rate", "completion_rate",
                      "onward_referrals_per_engaged", "reoffending_rate", "pre_post_change"):
        v = values[metric_id]
        assert (v.value, v.ci_low, v.ci_high, v.flags) == (None, None, None, None), metric_id
    assert values["median_days_to_first_contact"].value is None
    assert values["time_to_reoffence"].value is None


@pytest.mark.parametrize("referrals, engaged, flags", [
    (29, 10, ("low_n",)), (30, 9, ("few_events",)), (30, 10, ()), (5, 0, ("low_n", "few_events")),
])
def test_reliability_flags_at_their_thresholds(tmp_path, referrals, engaged, flags):
    con = build(
        tmp_path, "2025-06-30",
        referrals=[referral(f"R{i}", f"p{i}", "2024-01-01") for i in range(referrals)],
        engagements=[contact(f"R{i}", "2024-01-02") for i in range(engaged)],
    )
    assert summary(con, ANALYST)["engagement_rate"].flags == flags


def test_filters_select_referrals_by_every_dimension(tmp_path):
    con = build(
        tmp_path, "2025-06-30",
        schemes=[scheme("S1"), scheme("S2")],
        referrals=[
            referral("R1", "p1", "2024-01-01"),
            referral("R2", "p2", "2024-03-01", scheme_id="S2"),
            referral("R3", "p3", "2024-05-01", district="South"),
            referral("R4", "p4", "2024-01-01", pathway="conditional_caution"),
            referral("R5", "p5", "2024-01-01", sex="female"),
            referral("R6", "p6", "2024-01-01", age_at_referral=17),
            referral("R7", "p7", "2024-01-01", primary_need="alcohol"),
        ],
    )

    def n(**kw):
        return summary(con, ANALYST, Filter(**kw))["referrals"].value

    assert n() == 7
    assert n(schemes=("S2",)) == 1
    assert n(districts=("South",)) == 1
    assert n(date_from=date(2024, 3, 1)) == 2
    assert n(date_to=date(2024, 3, 1)) == 6
    assert n(date_from=date(2024, 3, 1), date_to=date(2024, 3, 1)) == 1
    assert n(pathways=("conditional_caution",)) == 1
    assert n(sexes=("female",)) == 1
    assert n(age_bands=("under 18",)) == 1
    assert n(needs=("alcohol",)) == 1
    assert n(schemes=("S1",), sexes=("male",), needs=("drugs",)) == 4


def test_filter_values_are_parameters_not_sql(tmp_path):
    con = build(tmp_path, "2025-06-30", referrals=[referral("R1", "p1", "2024-01-01")])
    assert summary(con, ANALYST, Filter(districts=("North' OR '1'='1",)))["referrals"].value == 0

