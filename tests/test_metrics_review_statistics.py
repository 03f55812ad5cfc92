"""Review of metrics/ against shared/spec/metrics.md: Wilson intervals, the matched comparison,
people needed, the Wilcoxon test, Kaplan-Meier and log-rank, with independent expected
values (by hand, statsmodels, or scipy as the spec prescribes), never metrics.stats."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats as sps

from metrics import ANALYST, Filter, summary, survival_curves
from tests.metrics_fixtures import build, contact, offence, referral, scheme
from tests.stats_by_hand import logrank_by_hand  # the textbook log-rank
from tests.review_fixtures import Z, AS_OF, LATE, WILSON_RATES, day, wilson_statsmodels, cmp, MC, matched_by_hand, km_by_hand


# ---------------------------------------------------------------------------------------
# 1. Wilson interval on every listed rate; nulls on a zero denominator
# ---------------------------------------------------------------------------------------

@pytest.fixture
def mixed(tmp_path):
    """Five referrals (all indexed INDEX, all eligible) touching every Wilson rate.

    T: target 2 contacts a month, planned 4 weeks.  S1: neither.
    R1 (T): attended d1, d9, d45 (after planned end d29: retained), DNA d19; completed d59.
            active days d59 - d1 + 1 = 59 -> 3 / (59/30.4375) = 1.55 < 2: target not met.
    R2 (T): attended d4, d11, d18; cancelled_by_service d24; disengaged d19.
            active days 16 -> 1 month -> 3 >= 2: met. Last attended d18 < planned end d31.
    R3 (S1): attended d2, cancelled_by_participant d3; moved_away (neutral).
            onward: accepted funded taken, declined funded (take-up unknown), pending.
    R4 (S1): no contact; custody. onward: accepted funded not taken up.
    R5 (S1): DNA only; open.
    Offences: p1 d10, p3 d100 (reoffences). Comparison: c1..c4 eligible (c1 reoffends),
    c5 pending and reoffends (not counted)."""
    return build(
        tmp_path, AS_OF,
        schemes=[scheme("T", target_contacts_per_month=2, planned_duration_weeks=4), scheme("S1")],
        referrals=[referral("R1", "p1", day(0), scheme_id="T"),
                   referral("R2", "p2", day(0), scheme_id="T"),
                   referral("R3", "p3", day(0)), referral("R4", "p4", day(0)),
                   referral("R5", "p5", day(0))],
        engagements=[contact("R1", day(1)), contact("R1", day(9)), contact("R1", day(45)),
                     contact("R1", day(19), "did_not_attend"),
                     contact("R2", day(4)), contact("R2", day(11)), contact("R2", day(18)),
                     contact("R2", day(24), "cancelled_by_service"),
                     contact("R3", day(2)), contact("R3", day(3), "cancelled_by_participant"),
                     contact("R5", day(2), "did_not_attend")],
        exits=[{"referral_id": "R1", "exit_date": day(59), "exit_reason": "completed"},
               {"referral_id": "R2", "exit_date": day(19), "exit_reason": "disengaged"},
               {"referral_id": "R3", "exit_date": day(30), "exit_reason": "moved_away"},
               {"referral_id": "R4", "exit_date": day(30), "exit_reason": "custody"}],
        onward_referrals=[
            {"referral_id": "R3", "referred_on_date": day(5), "outcome": "accepted",
             "funded_place": True, "place_taken_up": True},
            {"referral_id": "R3", "referred_on_date": day(5), "outcome": "declined",
             "funded_place": True, "place_taken_up": None},
            {"referral_id": "R3", "referred_on_date": day(5), "outcome": "pending"},
            {"referral_id": "R4", "referred_on_date": day(5), "outcome": "accepted",
             "funded_place": True, "place_taken_up": False},
        ],
        offences=[offence("p1", day(10), day(20)), offence("p3", day(100), day(120)),
                  offence("c1", day(50), day(60)), offence("c5", day(5, LATE), day(6, LATE))],
        comparison=[cmp(f"c{i}") for i in range(1, 5)] + [cmp("c5", LATE)],
    )


MIXED_EXPECTED = {
    "engagement_rate": (3, 5),
    "attendance_rate": (7, 10),
    "contact_target_met_rate": (1, 2),
    "onward_referral_rate": (1, 3),
    "onward_acceptance_rate": (2, 3),
    "pathway_uptake_rate": (1, 3),
    "completion_rate": (1, 3),
    "retention_beyond_planned_rate": (1, 2),
    "reoffending_rate": (2, 5),
    "comparison_reoffending_rate": (1, 4),
    "participant_matched_rate": (2, 3),  # participants p1, p2, p3 all match c1..c4
}


@pytest.mark.parametrize("metric_id", WILSON_RATES)
def test_every_listed_rate_carries_the_wilson_interval(mixed, metric_id):
    value = summary(mixed, ANALYST)[metric_id]
    x, n = MIXED_EXPECTED[metric_id]
    assert (value.numerator, value.denominator) == (x, n)
    assert value.value == pytest.approx(x / n, abs=1e-15)
    assert (value.ci_low, value.ci_high) == pytest.approx(wilson_statsmodels(x, n), abs=1e-9)
    assert value.flags is not None and "low_n" in value.flags


def test_wilson_at_the_extremes_stays_inside_zero_one(tmp_path):
    # 0 of 7 and 7 of 7 engaged in two schemes
    con = build(tmp_path, AS_OF, schemes=[scheme("A"), scheme("B")],
                referrals=[referral(f"A{i}", f"a{i}", day(0), scheme_id="A") for i in range(7)]
                + [referral(f"B{i}", f"b{i}", day(0), scheme_id="B") for i in range(7)],
                engagements=[contact(f"B{i}", day(1)) for i in range(7)])
    none = summary(con, ANALYST, Filter(schemes=("A",)))["engagement_rate"]
    every = summary(con, ANALYST, Filter(schemes=("B",)))["engagement_rate"]
    assert none.ci_low == pytest.approx(0, abs=1e-12) and none.ci_low >= 0
    assert none.ci_high == pytest.approx(Z * Z / (7 + Z * Z), abs=1e-12)  # closed form at x = 0
    assert every.ci_high == pytest.approx(1, abs=1e-12) and every.ci_high <= 1
    assert every.ci_low == pytest.approx(7 / (7 + Z * Z), abs=1e-12)


def test_every_listed_rate_is_null_with_a_zero_denominator(tmp_path):
    values = summary(build(tmp_path, AS_OF), ANALYST)
    for metric_id in WILSON_RATES:
        v = values[metric_id]
        assert (v.value, v.ci_low, v.ci_high, v.flags) == (None, None, None, None), metric_id


# ---------------------------------------------------------------------------------------
# 2-3. Matched comparison and people_needed
# ---------------------------------------------------------------------------------------

def test_matched_comparison_across_strata_by_hand(strata_warehouse):
    values = summary(strata_warehouse, ANALYST)
    p_t, p_c, d, se, p, need = matched_by_hand([(3, 1, 4, 1), (2, 1, 3, 2), (1, 1, 2, 1)])
    assert values["matched_participants"].value == 6
    assert values["unmatched_participants"].value == 1  # pD1: only an ineligible comparator
    assert values["comparison_eligible"].value == 9
    raw = values["comparison_reoffending_rate"]
    assert (raw.numerator, raw.denominator) == (4, 9)
    rate = values["participant_matched_rate"]
    assert (rate.numerator, rate.denominator) == (3, 6) and rate.value == pytest.approx(p_t)
    assert (rate.ci_low, rate.ci_high) == pytest.approx(wilson_statsmodels(3, 6), abs=1e-9)
    assert values["matched_comparison_rate"].value == pytest.approx(p_c, abs=1e-12)
    diff = values["rate_difference"]
    assert diff.value == pytest.approx(d, abs=1e-12)
    assert (diff.ci_low, diff.ci_high) == pytest.approx((d - Z * se, d + Z * se), abs=1e-12)
    assert diff.p_value == pytest.approx(p, rel=1e-9)
    assert values["people_needed"].value == need


def test_zero_se_with_a_nonzero_difference(tmp_path):
    # participant reoffends (p_t = 1), comparison does not (p_c = 0): d = 1, se = 0
    con = build(tmp_path, AS_OF, referrals=[referral("R1", "p1", day(0))],
                engagements=[contact("R1", day(1))],
                offences=[offence("p1", day(10), day(11))], comparison=[cmp("c1", **MC)])
    values = summary(con, ANALYST)
    diff = values["rate_difference"]
    assert (diff.value, diff.ci_low, diff.ci_high, diff.p_value) == (1.0, 1.0, 1.0, None)
    # n = (1.959964 * sqrt(2 * 0.25))^2 / 1 = 1.9207 -> 2
    assert values["people_needed"].value == math.ceil(Z ** 2 * 0.5) == 2


def test_participant_only_through_a_selected_engaged_referral(tmp_path):
    # the engaged referral (scheme A, 2022) is not selected; the selected one (B) is not engaged
    con = build(tmp_path, AS_OF, schemes=[scheme("A"), scheme("B")],
                referrals=[referral("R1", "p1", "2022-01-01", scheme_id="A"),
                           referral("R2", "p1", day(0), scheme_id="B")],
                engagements=[contact("R1", "2022-01-02")], comparison=[cmp("c1", **MC)])
    everyone = summary(con, ANALYST)
    assert everyone["matched_participants"].value == 1
    only_b = summary(con, ANALYST, Filter(schemes=("B",)))
    assert only_b["matched_participants"].value == 0
    assert only_b["unmatched_participants"].value == 0
    assert only_b["rate_difference"].value is None and only_b["people_needed"].value is None


# ---------------------------------------------------------------------------------------
# 4. pre_post_change: Wilcoxon over eligible people only
# ---------------------------------------------------------------------------------------

def test_wilcoxon_uses_eligible_people_only_and_negative_differences(tmp_path):
    # eligible (reoffences, prior): (0,2), (0,1), (1,3), (0,0), (0,1); pending: (5,0)
    people = [(0, 2), (0, 1), (1, 3), (0, 0), (0, 1)]
    refs, offs = [], []
    for i, (post, pre) in enumerate(people):
        refs.append(referral(f"R{i}", f"p{i}", day(0)))
        offs += [offence(f"p{i}", day(10 + j), day(20 + j)) for j in range(post)]
        offs += [offence(f"p{i}", day(-10 - j), day(-5)) for j in range(pre)]
    refs.append(referral("RL", "pl", LATE.isoformat()))
    offs += [offence("pl", day(10 + j, LATE), day(11 + j, LATE)) for j in range(5)]
    con = build(tmp_path, AS_OF, referrals=refs, offences=offs)
    change = summary(con, ANALYST)["pre_post_change"]
    assert (change.numerator, change.denominator) == (1 - 7, 7)
    assert change.value == pytest.approx(-6 / 7)
    d = np.array([post - pre for post, pre in people])
    expected = sps.wilcoxon(d, zero_method="wilcox", correction=False, method="asymptotic").pvalue
    # by hand: nonzero d = -2, -1, -2, -1 -> ranks 3.5, 1.5, 3.5, 1.5; W+ = 0, mean 5,
    # var = 4*5*9/24 - (2*(2^3-2))/48 = 7.5 - 0.25
    assert expected == pytest.approx(2 * sps.norm.sf(5 / math.sqrt(7.25)), rel=1e-12)
    assert change.p_value == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------------------
# 5. Kaplan-Meier and log-rank
# ---------------------------------------------------------------------------------------

@pytest.fixture
def km_warehouse(tmp_path):
    """A: offence d50 proven d600 (too late: no event), offence d120 proven d130 -> event 120.
    B: event 120.  C: no offence -> censored 365.  D: indexed 120 days before as_of -> censored
    at 120 (a tie with the events).  E: event 300.  F: event 10.  G: unproven offence d5."""
    as_of = date.fromisoformat(AS_OF)
    d_index = as_of - timedelta(days=120)
    return build(
        tmp_path, AS_OF,
        referrals=[referral(f"R{p}", p, day(0)) for p in "ABCEFG"]
        + [referral("RD", "D", d_index.isoformat())],
        offences=[offence("A", day(50), day(600)), offence("A", day(120), day(130)),
                  offence("B", day(120), day(121)), offence("E", day(300), day(301)),
                  offence("F", day(10), day(12)), offence("G", day(5), proven=False)],
    )


KM_ROWS = [(120, True), (120, True), (365, False), (120, False), (300, True), (10, True),
           (365, False)]


def test_kaplan_meier_ties_and_first_qualifying_event(km_warehouse):
    expected = km_by_hand(KM_ROWS)
    # 10: 7 at risk -> 6/7; 120: 6 at risk (D censored on 120 still in), 2 events -> 6/7*4/6
    assert expected[120] == pytest.approx(4 / 7)
    assert expected[300] == pytest.approx(4 / 7 * 2 / 3)
    curves = survival_curves(km_warehouse, ANALYST)
    steps = dict(zip(curves[curves["group"] == "selected"]["time_days"],
                     curves[curves["group"] == "selected"]["survival"]))
    for t, s in expected.items():
        assert steps[t] == pytest.approx(s, abs=1e-12), t
    assert 50 not in steps
    value = summary(km_warehouse, ANALYST)["time_to_reoffence"]
    assert value.value == 300  # S(120) = 0.571 > 0.5; S(300) = 0.381
    assert (value.numerator, value.denominator) == (4, 7)


def test_logrank_with_events_in_one_group_only_is_not_null(tmp_path):
    con = build(tmp_path, AS_OF,
                referrals=[referral("R1", "p1", day(0)), referral("R2", "p2", day(0))],
                engagements=[contact("R1", day(1)), contact("R2", day(1))],
                offences=[offence("p1", day(30), day(31))],
                comparison=[cmp("c1", **MC), cmp("c2", **MC)])
    expected = logrank_by_hand([(30, True), (365, False)], [(365, False), (365, False)])
    assert summary(con, ANALYST)["logrank_p_value"].value == pytest.approx(expected, rel=1e-9)
