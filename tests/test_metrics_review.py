"""Review of metrics/ against shared/spec/metrics.md, with independent expected values.

Every expected number is worked out here (by hand, numpy, statsmodels, or scipy called
directly as the spec prescribes), never by calling metrics.stats. Only cases that the
other tests/test_metrics_*.py do not already pin are here.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats as sps

import metrics
from metrics import ANALYST, AccessScope, Filter, summary, survival_curves
from tests.metrics_fixtures import build, contact, offence, referral, scheme
from tests.test_metrics_comparison import logrank_by_hand  # the textbook log-rank

Z = 1.959964
AS_OF = "2025-06-30"
INDEX = date(2023, 1, 1)  # INDEX + 547 = 2024-07-01 <= AS_OF: eligible
LATE = date(2025, 1, 1)  # LATE + 547 > AS_OF: pending
VIEWER = AccessScope("viewer")
# The suppression rules alone (no minimum selection size, no cell-key perturbation).
RULES_ONLY = {"min_people": 1, "perturb": False}

WILSON_RATES = (
    "engagement_rate", "attendance_rate", "contact_target_met_rate", "onward_referral_rate",
    "onward_acceptance_rate", "pathway_uptake_rate", "completion_rate",
    "retention_beyond_planned_rate", "reoffending_rate", "comparison_reoffending_rate",
    "participant_matched_rate",
)


def day(n: int, start: date = INDEX) -> str:
    return (start + timedelta(days=n)).isoformat()


def wilson_statsmodels(x: int, n: int) -> tuple[float, float]:
    from statsmodels.stats.proportion import proportion_confint

    # statsmodels takes alpha; this alpha gives exactly the spec's z = 1.959964
    low, high = proportion_confint(x, n, alpha=2 * sps.norm.sf(Z), method="wilson")
    return float(low), float(high)


def cmp(person: str, index: date = INDEX, **attributes) -> dict:
    return {"person_id": person, "index_date": index.isoformat(), **attributes}


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

M = {"sex": "male", "age_at_referral": 30, "primary_need": "drugs"}
F = {"sex": "female", "age_at_referral": 30, "primary_need": "drugs"}
MC = {"sex": "male", "age_at_index": 30, "primary_need": "drugs"}
FC = {"sex": "female", "age_at_index": 30, "primary_need": "drugs"}


def matched_by_hand(strata):
    """strata: list of (n_t, r_t, n_c, r_c), matched strata only."""
    a = np.array(strata, dtype=float)
    n_t, r_t, n_c, r_c = a.T
    big_n = n_t.sum()
    w = n_t / big_n
    p_cs = r_c / n_c
    p_t = r_t.sum() / big_n
    p_c = (w * p_cs).sum()
    d = p_t - p_c
    se = math.sqrt(p_t * (1 - p_t) / big_n + (w ** 2 * p_cs * (1 - p_cs) / n_c).sum())
    p_bar = (p_t + p_c) / 2
    need = (math.ceil((Z * math.sqrt(2 * p_bar * (1 - p_bar))
                       + 0.841621 * math.sqrt(p_t * (1 - p_t) + p_c * (1 - p_c))) ** 2 / d ** 2)
            if abs(d) >= 1e-12 else None)
    p = 2 * (1 - sps.norm.cdf(abs(d) / se)) if se > 0 else None
    return p_t, p_c, d, se, p, need


@pytest.fixture
def strata_warehouse(tmp_path):
    """Strata (sex x age band x need x prior band):
    A male/25-34/drugs/0:  participants pA1 (reoffends), pA2, pA3; comparison cA1 (reoffends), cA2-4
    B female/25-34/drugs/0: pB1, pB2; comparison cB1, cB2 (reoffend), cB3
       pB1 has two selected referrals: R_B1a (INDEX, female, NOT engaged) and R_B1b (INDEX+20,
       male, engaged). Participant (one engaged referral), indexed on R_B1a: female, and the
       offence on day 14 is a reoffence (had R_B1b been the index: male, prior band 1, no
       reoffence -> stratum C).
    C male/25-34/drugs/1:  pC1 (reoffends); comparison cC1 (reoffends), cC2
    D male/25-34/drugs/2-4: pD1; comparison only cD1, who is NOT eligible -> pD1 unmatched.
    Left out: pX (not engaged, reoffends), pY (engaged, not eligible)."""
    refs, eng, offs = [], [], []

    def participant(pid, attrs, reoffends=False, prior=0, engaged=True, index=INDEX):
        refs.append(referral(f"R_{pid}", pid, index.isoformat(), **attrs))
        eng.append(contact(f"R_{pid}", day(1, index), "attended" if engaged else "did_not_attend"))
        if reoffends:
            offs.append(offence(pid, day(40, index), day(50, index)))
        offs.extend(offence(pid, day(-20 - j, index), day(-10, index)) for j in range(prior))

    participant("pA1", M, True)
    participant("pA2", M)
    participant("pA3", M)
    refs.append(referral("R_B1a", "pB1", day(0), **F))
    refs.append(referral("R_B1b", "pB1", day(20), **M))
    eng.append(contact("R_B1a", day(1), "did_not_attend"))
    eng.append(contact("R_B1b", day(21)))
    offs.append(offence("pB1", day(14), day(16)))
    participant("pB2", F)
    participant("pC1", M, True, prior=1)
    participant("pD1", M, prior=3)
    participant("pX", M, True, engaged=False)
    participant("pY", M, True, index=LATE)

    comparison = []

    def comparator(pid, attrs, reoffends=False, prior=0, index=INDEX):
        comparison.append(cmp(pid, index, **attrs))
        if reoffends:
            offs.append(offence(pid, day(40, index), day(50, index)))
        offs.extend(offence(pid, day(-20 - j, index), day(-10, index)) for j in range(prior))

    comparator("cA1", MC, True)
    for i in (2, 3, 4):
        comparator(f"cA{i}", MC)
    comparator("cB1", FC, True)
    comparator("cB2", FC, True)
    comparator("cB3", FC)
    comparator("cC1", MC, True, prior=1)
    comparator("cC2", MC, prior=1)
    comparator("cD1", MC, True, prior=3, index=LATE)
    return build(tmp_path, AS_OF, referrals=refs, engagements=eng, offences=offs,
                 comparison=comparison)


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

def km_by_hand(rows):
    """rows: (time, event). Returns {event time: S(t)}; censored at t are at risk at t."""
    s, out = 1.0, {}
    for t in sorted({t for t, e in rows if e}):
        at_risk = sum(1 for u, _ in rows if u >= t)
        deaths = sum(1 for u, e in rows if u == t and e)
        s *= 1 - deaths / at_risk
        out[t] = s
    return out


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


# ---------------------------------------------------------------------------------------
# 9. Disclosure control
# ---------------------------------------------------------------------------------------

def test_k_boundary_for_counts_and_rates(tmp_path):
    # scheme A: 4 referrals, 4 engaged.  B: 5 referrals, 0 engaged.  C: 40 referrals, 4 engaged.
    # D: 40 referrals, 5 engaged.
    refs, eng = [], []
    for s, n, e in (("A", 4, 4), ("B", 5, 0), ("C", 40, 4), ("D", 40, 5)):
        refs += [referral(f"{s}{i}", f"{s}p{i}", day(0), scheme_id=s) for i in range(n)]
        eng += [contact(f"{s}{i}", day(1)) for i in range(e)]
    con = build(tmp_path, AS_OF, schemes=[scheme(s) for s in "ABCD"], referrals=refs,
                engagements=eng)

    def of(s):
        return summary(con, VIEWER, Filter(schemes=(s,)), **RULES_ONLY)

    a, b, c, d = of("A"), of("B"), of("C"), of("D")
    assert a["referrals"].suppressed == "<5" and a["referrals"].value is None
    assert b["referrals"].value == 5 and b["referrals"].suppressed is None
    assert b["engaged"].value == 0 and b["engaged"].suppressed is None
    assert (b["engagement_rate"].value, b["engagement_rate"].suppressed) == (0, None)
    assert c["engagement_rate"].suppressed == "*"  # numerator 4 of 40
    assert c["engagement_rate"].denominator is None and c["engagement_rate"].ci_low is None
    assert d["engagement_rate"].value == pytest.approx(5 / 40) and d["engagement_rate"].suppressed is None


def test_suppressed_values_carry_no_numbers_anywhere(strata_warehouse):
    values = summary(strata_warehouse, VIEWER, **RULES_ONLY)
    suppressed = {k: v for k, v in values.items() if v.suppressed is not None}
    # participant_matched_rate is 3/6: numerator 3 -> "*", and what is derived from it follows
    for metric_id in ("participant_matched_rate", "matched_comparison_rate", "rate_difference",
                      "people_needed", "unmatched_participants"):
        assert metric_id in suppressed, metric_id
    for metric_id, v in suppressed.items():
        assert (v.value, v.numerator, v.denominator, v.ci_low, v.ci_high, v.p_value) == (None,) * 6
        assert all(x is None for k, x in v.to_json().items() if k not in ("flags", "suppressed"))
    frame = metrics.breakdown(strata_warehouse, VIEWER, Filter(), "sex", **RULES_ONLY)
    gone = frame[frame["suppressed"].notna()]
    assert not gone.empty
    assert gone[["value", "numerator", "denominator", "ci_low", "ci_high", "p_value"]].isna().all().all()


def test_secondary_suppression_of_a_rate_uses_the_next_smallest_denominator(tmp_path):
    # engaged / referrals: A 2/50 (numerator small), B 10/20, C 30/60, D 12/40
    refs, eng = [], []
    for s, n, e in (("A", 50, 2), ("B", 20, 10), ("C", 60, 30), ("D", 40, 12)):
        refs += [referral(f"{s}{i}", f"{s}p{i}", day(0), scheme_id=s) for i in range(n)]
        eng += [contact(f"{s}{i}", day(1)) for i in range(e)]
    con = build(tmp_path, AS_OF, schemes=[scheme(s) for s in "ABCD"], referrals=refs,
                engagements=eng)
    frame = metrics.breakdown(con, VIEWER, Filter(), "scheme", ["engaged", "engagement_rate"], **RULES_ONLY)
    rate = frame[frame["metric"] == "engagement_rate"].set_index("cell")["suppressed"]
    assert rate.to_dict() == {"A": "*", "B": "*", "C": None, "D": None}
    engaged = frame[frame["metric"] == "engaged"].set_index("cell")
    # engaged 2, 10, 30, 12: A is small, the next smallest is B (10), marked "*" (it is not small)
    assert engaged["suppressed"].to_dict() == {"A": "<5", "B": "*", "C": None, "D": None}


def test_secondary_suppression_cannot_be_undone_through_the_same_cells_rate(tmp_path):
    refs, eng = [], []
    for s, n, e in (("A", 3, 3), ("B", 7, 7), ("C", 20, 20), ("D", 6, 0)):
        refs += [referral(f"{s}{i}", f"{s}p{i}", day(0), scheme_id=s) for i in range(n)]
        eng += [contact(f"{s}{i}", day(1)) for i in range(e)]
    con = build(tmp_path, AS_OF, schemes=[scheme(s) for s in "ABCD"], referrals=refs,
                engagements=eng)
    total = summary(con, VIEWER, **RULES_ONLY)["engaged"].value
    assert total == 30  # the total is shown
    frame = metrics.breakdown(con, VIEWER, Filter(), "scheme", ["engaged", "engagement_rate"], **RULES_ONLY)
    known = {}
    for cell, part in frame.groupby("cell"):
        rows = part.set_index("metric")
        if rows.at["engaged", "suppressed"] is None:
            known[cell] = rows.at["engaged", "value"]
        elif rows.at["engagement_rate", "suppressed"] is None:
            known[cell] = rows.at["engagement_rate", "numerator"]  # the count, by another route
        else:
            known[cell] = None
    unknown = [c for c, v in known.items() if v is None]
    # exactly one unknown cell would be total - sum(known): the suppressed count itself
    assert len(unknown) != 1, (known, total - sum(v for v in known.values() if v is not None))


# ---------------------------------------------------------------------------------------
# Property check: the whole summary against an independent implementation of metrics.md
# on random warehouses (support, reoffending, comparison, cost; with and without filters)
# ---------------------------------------------------------------------------------------

def random_tables(seed: int):
    import random

    rng = random.Random(seed)
    as_of, start = date(2025, 6, 30), date(2022, 1, 1)
    span = (as_of - start).days
    schemes = [scheme("T", target_contacts_per_month=2.5, planned_duration_weeks=6),
               scheme("U", planned_duration_weeks=10), scheme("V")]
    t = {k: [] for k in ("referrals", "engagements", "onward_referrals", "exits", "reviews",
                         "offences", "comparison", "funding")}
    used = set()
    for i in range(160):
        pid = f"p{rng.randrange(110)}"
        while True:
            rd = start + timedelta(days=rng.randrange(span - 10))
            if (pid, rd) not in used:  # no same-day ties (the spec leaves their order open)
                break
        used.add((pid, rd))
        rid = f"R{i:03d}"
        t["referrals"].append(referral(rid, pid, rd.isoformat(), scheme_id=rng.choice("TUV"),
                                       sex=rng.choice(["male", "female"]),
                                       age_at_referral=rng.choice([20, 30, 40]),
                                       primary_need=rng.choice(["drugs", "alcohol"])))
        for _ in range(rng.randrange(6)):
            cd = rd + timedelta(days=rng.randrange(200))
            if cd <= as_of:
                t["engagements"].append(contact(rid, cd.isoformat(), rng.choice(
                    ["attended", "attended", "did_not_attend", "cancelled_by_participant",
                     "cancelled_by_service"])))
        if rng.random() < 0.6:
            t["exits"].append({"referral_id": rid,
                               "exit_date": min(as_of, rd + timedelta(days=rng.randrange(250))).isoformat(),
                               "exit_reason": rng.choice(["completed", "completed", "disengaged",
                                                          "non_compliance", "custody", "transferred",
                                                          "moved_away", "deceased", "other"])})
        for _ in range(rng.randrange(3)):
            funded = rng.random() < 0.5
            t["onward_referrals"].append({
                "referral_id": rid, "referred_on_date": rd.isoformat(),
                "outcome": rng.choice(["accepted", "declined", "pending", "not_known"]),
                "funded_place": funded,
                "place_taken_up": rng.choice([True, False, None]) if funded else None})
        for _ in range(rng.randrange(3)):
            t["reviews"].append({"referral_id": rid, "review_date": rd.isoformat(),
                                 "decision": rng.choice(["continue", "step_down", "escalate", "close"])})
    comparison = {}
    for k in range(90):
        for _ in range(rng.choice([1, 1, 2])):
            idx = start + timedelta(days=rng.randrange(span))
            comparison[(f"c{k}", idx)] = cmp(f"c{k}", idx, sex=rng.choice(["male", "female"]),
                                             age_at_index=rng.choice([20, 30, 40]),
                                             primary_need=rng.choice(["drugs", "alcohol"]))
    t["comparison"] = list(comparison.values())
    people = sorted({r["person_id"] for r in t["referrals"]}) + [f"c{k}" for k in range(90)]
    for pid in people:
        for _ in range(rng.randrange(5)):
            od = start + timedelta(days=rng.randrange(-400, span))
            if od > as_of:
                continue
            if rng.random() < 0.8:
                oc = min(as_of, od + timedelta(days=rng.randrange(300)))
                t["offences"].append(offence(pid, od.isoformat(), oc.isoformat()))
            else:
                t["offences"].append(offence(pid, od.isoformat(), proven=False))
    t["funding"] = [{"scheme_id": s, "financial_year_start": f"{y}-04-01",
                     "amount_gbp": rng.choice([0, 10_000, 36_600, 50_000])}
                    for s in "TU" for y in (2021, 2022, 2023, 2024) if rng.random() < 0.8]
    return as_of, schemes, t


def oracle(as_of, schemes, t, flt: Filter):
    """metrics.md, written out directly over the rows (no SQL, no metrics.stats)."""
    from tests.metrics_fixtures import age_band

    D = date.fromisoformat
    lo, hi = flt.date_from, flt.date_to
    in_dates = lambda d: (lo is None or d >= lo) and (hi is None or d <= hi)  # noqa: E731
    sch = {s["scheme_id"]: {"target_contacts_per_month": None, "planned_duration_weeks": None, **s}
           for s in schemes}
    refs = [r for r in t["referrals"] if (not flt.schemes or r["scheme_id"] in flt.schemes)
            and in_dates(D(r["referral_date"]))]
    ids = {r["referral_id"] for r in refs}
    exits = {e["referral_id"]: e for e in t["exits"] if e["referral_id"] in ids}
    onward = [o for o in t["onward_referrals"] if o["referral_id"] in ids]
    contacts = {}
    for c in t["engagements"]:
        if c["referral_id"] in ids:
            contacts.setdefault(c["referral_id"], []).append(c)
    out = {}
    engaged, first_days, per_month = set(), [], []
    att = base = tgt_n = tgt_x = ret_n = ret_x = 0
    for r in refs:
        cs = contacts.get(r["referral_id"], [])
        attended = sorted(D(c["contact_date"]) for c in cs if c["outcome"] == "attended")
        att += len(attended)
        base += sum(c["outcome"] != "cancelled_by_service" for c in cs)
        if not attended:
            continue
        engaged.add(r["referral_id"])
        first_days.append((attended[0] - D(r["referral_date"])).days)
        end = D(exits[r["referral_id"]]["exit_date"]) if r["referral_id"] in exits else as_of
        cpm = len(attended) / max(1, ((end - attended[0]).days + 1) / 30.4375)
        per_month.append(cpm)
        s = sch[r["scheme_id"]]
        if s["target_contacts_per_month"] is not None:
            tgt_n += 1
            tgt_x += cpm >= s["target_contacts_per_month"]
        if s["planned_duration_weeks"] is not None:
            planned_end = attended[0] + timedelta(days=7 * s["planned_duration_weeks"])
            if planned_end <= as_of:
                ret_n += 1
                ret_x += attended[-1] > planned_end
    reasons = [e["exit_reason"] for e in exits.values()]
    out.update({
        "referrals": len(refs), "engaged": len(engaged),
        "engagement_rate": (len(engaged), len(refs)),
        "attendance_rate": (att, base),
        "median_days_to_first_contact": float(np.median(first_days)) if first_days else None,
        "median_contacts_per_month": float(np.median(per_month)) if per_month else None,
        "contact_target_met_rate": (tgt_x, tgt_n),
        "retention_beyond_planned_rate": (ret_x, ret_n),
        "onward_referral_rate": (len({o["referral_id"] for o in onward} & engaged), len(engaged)),
        "onward_referrals_per_engaged": (sum(o["referral_id"] in engaged for o in onward), len(engaged)),
        "onward_acceptance_rate": (sum(o["outcome"] == "accepted" for o in onward),
                                   sum(o["outcome"] in ("accepted", "declined") for o in onward)),
        "pathway_places_taken": sum(bool(o["funded_place"]) and o["place_taken_up"] is True for o in onward),
        "pathway_uptake_rate": (sum(bool(o["funded_place"]) and o["place_taken_up"] is True for o in onward),
                                sum(bool(o["funded_place"]) for o in onward)),
        "completion_rate": (reasons.count("completed"),
                            sum(x in ("completed", "disengaged", "non_compliance", "custody", "other")
                                for x in reasons)),
        "stepped_down": len({v["referral_id"] for v in t["reviews"]
                             if v["decision"] == "step_down" and v["referral_id"] in engaged}),
        "escalated": len({v["referral_id"] for v in t["reviews"]
                          if v["decision"] == "escalate" and v["referral_id"] in engaged}),
        "open_referrals": sum(r["referral_id"] not in exits for r in refs),
    })

    proven = {}
    for o in t["offences"]:
        if o["proven"]:
            proven.setdefault(o["person_id"], []).append((D(o["offence_date"]), D(o["outcome_date"])))

    def follow_up(pid, idx):
        offs = proven.get(pid, [])
        window = lambda od: idx + timedelta(1) <= od <= idx + timedelta(365)  # noqa: E731
        events = [od for od, oc in offs if window(od) and oc <= min(idx + timedelta(547), as_of)]
        prior = sum(idx - timedelta(365) <= od <= idx - timedelta(1) for od, _ in offs)
        return {"eligible": idx + timedelta(547) <= as_of, "prior": prior,
                "re": sum(window(od) and oc <= idx + timedelta(547) for od, oc in offs),
                "time": (min(events) - idx).days if events else min(365, (as_of - idx).days),
                "event": bool(events),
                "band": "0" if prior == 0 else "1" if prior == 1 else "2-4" if prior <= 4 else "5+"}

    P = {}
    for r in sorted(refs, key=lambda r: (r["referral_date"], r["referral_id"])):
        p = P.setdefault(r["person_id"], {"idx": D(r["referral_date"]), "part": False,
                                          "key": (r["sex"], age_band(r["age_at_referral"]),
                                                  r["primary_need"])})
        p["part"] |= r["referral_id"] in engaged
    C = {}
    for c in sorted(t["comparison"], key=lambda c: c["index_date"]):
        if in_dates(D(c["index_date"])):
            C.setdefault(c["person_id"], {"idx": D(c["index_date"]), "key": (
                c["sex"], age_band(c["age_at_index"]), c["primary_need"])})
    for group in (P, C):
        for pid, p in group.items():
            p.update(follow_up(pid, p["idx"]))

    eligible = [p for p in P.values() if p["eligible"]]
    d = np.array([p["re"] - p["prior"] for p in eligible])
    out.update({
        "reoffending_eligible": len(eligible), "reoffending_pending": len(P) - len(eligible),
        "reoffending_rate": (sum(p["re"] > 0 for p in eligible), len(eligible)),
        "reoffences_per_person": (sum(p["re"] for p in eligible), len(eligible)),
        "prior_offences_per_person": (sum(p["prior"] for p in eligible), len(eligible)),
        "pre_post_change": (int(d.sum()), sum(p["prior"] for p in eligible)),
        "pre_post_p": (float(sps.wilcoxon(d, zero_method="wilcox", correction=False,
                                          method="asymptotic").pvalue) if np.any(d != 0) else None),
    })
    curve = km_by_hand([(p["time"], p["event"]) for p in P.values()])
    out["time_to_reoffence"] = next((tt for tt, s in curve.items() if s <= 0.5 + 1e-12), None)

    c_eligible = [p for p in C.values() if p["eligible"]]
    out["comparison_reoffending_rate"] = (sum(p["re"] > 0 for p in c_eligible), len(c_eligible))
    cs, ts = {}, {}
    for p in c_eligible:
        cs.setdefault(p["key"] + (p["band"],), []).append(p["re"] > 0)
    for p in eligible:
        if p["part"]:
            ts.setdefault(p["key"] + (p["band"],), []).append(p["re"] > 0)
    matched = [(len(v), sum(v), len(cs[k]), sum(cs[k])) for k, v in ts.items() if k in cs]
    out["matched_participants"] = sum(m[0] for m in matched)
    out["unmatched_participants"] = sum(len(v) for k, v in ts.items() if k not in cs)
    if matched:
        p_t, p_c, diff, se, p, need = matched_by_hand(matched)
        out["participant_matched_rate"] = (sum(m[1] for m in matched), out["matched_participants"])
        out["matched_comparison_rate"] = p_c
        out["rate_difference"] = (diff, diff - Z * se, diff + Z * se, p)
        out["people_needed"] = need
    x = [(p["time"], p["event"]) for p in P.values() if p["part"]]
    y = [(p["time"], p["event"]) for p in C.values()]
    out["logrank_p_value"] = logrank_by_hand(x, y) if x and y and any(e for _, e in x + y) else None

    funding, applies = 0.0, False
    for f in t["funding"]:
        if flt.schemes and f["scheme_id"] not in flt.schemes:
            continue
        ys = D(f["financial_year_start"])
        ye = date(ys.year + 1, 4, 1) - timedelta(1)
        a, b = max(ys, lo or ys), min(ye, hi or ye)
        if b >= a:
            applies = True
            funding += f["amount_gbp"] * ((b - a).days + 1) / ((ye - ys).days + 1)
    completions = reasons.count("completed")
    out["cost_per_referral"] = (funding / len(refs)) if applies and refs else None
    out["cost_per_completion"] = (funding / completions) if applies and completions else None
    return out


@pytest.mark.parametrize("seed, flt", [
    (0, Filter()),
    (1, Filter()),
    (2, Filter(schemes=("T", "V"), date_from=date(2022, 5, 1), date_to=date(2024, 2, 29))),
    (3, Filter(schemes=("U",), date_from=date(2023, 3, 15))),
])
def test_summary_equals_an_independent_implementation(tmp_path, seed, flt):
    as_of, schemes, t = random_tables(seed)
    con = build(tmp_path, as_of.isoformat(), schemes=schemes, **t)
    got = summary(con, ANALYST, flt)
    want = oracle(as_of, schemes, t, flt)
    assert want["referrals"] > 10 and want["matched_participants"] > 3  # a meaningful draw
    for key, expected in want.items():
        if key == "pre_post_p":
            assert got["pre_post_change"].p_value == pytest.approx(expected, rel=1e-9), key
        elif key == "rate_difference":
            v = got[key]
            assert (v.value, v.ci_low, v.ci_high) == pytest.approx(expected[:3], rel=1e-9, abs=1e-12)
            if expected[3] is None:
                assert v.p_value is None
            else:
                assert v.p_value == pytest.approx(expected[3], rel=1e-9)
        elif isinstance(expected, tuple):
            v = got[key]
            assert (v.numerator, v.denominator) == expected, key
            if expected[1]:
                assert v.value == pytest.approx(expected[0] / expected[1], rel=1e-12), key
            else:
                assert v.value is None, key
        elif expected is None:
            assert got[key].value is None, key
        else:
            assert got[key].value == pytest.approx(expected, rel=1e-9), key


def test_matched_comparison_rate_on_few_comparison_people_is_suppressed(tmp_path):
    refs = [referral(f"R{i}", f"p{i}", day(0)) for i in range(12)]  # male 25-34 drugs, prior 0
    offs = [offence(f"p{i}", day(31), day(40)) for i in range(6)] + [offence("c1", day(31), day(40))]
    comparison = [cmp("c1", **MC), cmp("c2", **MC)] + [cmp(f"d{i}", **FC) for i in range(10)]
    con = build(tmp_path, AS_OF, referrals=refs, offences=offs, comparison=comparison,
                engagements=[contact(f"R{i}", day(1)) for i in range(12)])
    analyst = summary(con, ANALYST)
    assert analyst["matched_comparison_rate"].value == 0.5  # 1 of the 2 matched comparison people
    diff = analyst["rate_difference"]
    half = (diff.ci_high - diff.ci_low) / 2 / Z
    n_c = 0.25 / (half ** 2 - 0.25 / 12)  # se^2 = p_t(1-p_t)/N_t + p_c(1-p_c)/n_c
    assert n_c == pytest.approx(2)  # ...and the count is recoverable from the interval
    viewer = summary(con, VIEWER, **RULES_ONLY)
    assert viewer["comparison_reoffending_rate"].suppressed == "*"  # the raw rate is protected
    assert viewer["participant_matched_rate"].suppressed is None  # 6 of 12: not small
    assert viewer["matched_comparison_rate"].suppressed == "*"
    assert viewer["rate_difference"].suppressed == "*"
