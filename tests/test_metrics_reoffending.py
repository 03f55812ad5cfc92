"""Reoffending measures (per person, indexed on the earliest selected referral)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from scipy.stats import norm

from metrics import ANALYST, Filter, summary, survival_curves
from tests.metrics_fixtures import build, contact, offence, referral, scheme

INDEX = date(2023, 1, 1)
AS_OF = "2025-06-30"  # INDEX + 547 = 2024-07-01: everyone indexed on INDEX is eligible


def day(n: int) -> str:
    """INDEX + n days, as ISO text."""
    return (INDEX + timedelta(days=n)).isoformat()


def one_person(tmp_path, offences, as_of=AS_OF):
    return build(tmp_path, as_of, referrals=[referral("R1", "p1", day(0))],
                 offences=[offence("p1", *o) if isinstance(o, tuple) else o for o in offences])


def reoffences(con, flt=Filter()):
    return summary(con, ANALYST, flt)["reoffences_per_person"].numerator


def priors(con, flt=Filter()):
    return summary(con, ANALYST, flt)["prior_offences_per_person"].numerator


def test_offence_on_index_date_is_not_a_reoffence(tmp_path):
    con = one_person(tmp_path, [(day(0), day(10))])
    assert reoffences(con) == 0
    assert priors(con) == 0


def test_offence_on_the_365th_day_is_a_reoffence_and_the_366th_is_not(tmp_path):
    con = one_person(tmp_path, [(day(365), day(400)), (day(366), day(400))])
    assert reoffences(con) == 1
    assert summary(con, ANALYST)["reoffending_rate"].numerator == 1


def test_outcome_on_day_547_counts_and_a_day_later_does_not(tmp_path):
    con = one_person(tmp_path, [(day(100), day(547)), (day(101), day(548))])
    assert reoffences(con) == 1


def test_unproven_offence_is_never_counted(tmp_path):
    con = one_person(tmp_path, [offence("p1", day(10), proven=False), offence("p1", day(-10), proven=False)])
    assert reoffences(con) == 0
    assert priors(con) == 0


def test_prior_offences_are_the_year_before_whenever_proven(tmp_path):
    con = one_person(tmp_path, [
        (day(-365), day(-300)),  # first day of the prior year
        (day(-1), day(200)),  # proven after the index date: still prior
        (day(-366), day(-300)),  # too early
    ])
    assert priors(con) == 2


def test_person_exactly_at_the_eligibility_boundary_is_eligible(tmp_path):
    on_boundary = one_person(tmp_path, [(day(10), day(20))], as_of=day(547))
    values = summary(on_boundary, ANALYST)
    assert values["reoffending_eligible"].value == 1
    assert values["reoffending_pending"].value == 0
    assert values["reoffending_rate"].numerator == 1


def test_person_a_day_short_of_eligibility_is_pending(tmp_path):
    con = one_person(tmp_path, [(day(10), day(20))], as_of=day(546))
    values = summary(con, ANALYST)
    assert values["reoffending_eligible"].value == 0
    assert values["reoffending_pending"].value == 1
    assert values["reoffending_rate"].value is None
    assert values["reoffending_rate"].flags is None


def test_person_with_two_referrals_is_indexed_on_the_earliest_selected_one(tmp_path):
    con = build(
        tmp_path, AS_OF, schemes=[scheme("A"), scheme("B")],
        referrals=[referral("R1", "p1", "2022-01-01", scheme_id="A"),
                   referral("R2", "p1", "2023-01-01", scheme_id="B")],
        offences=[offence("p1", "2022-06-01", "2022-07-01")],
    )
    # both selected: indexed 2022-01-01, the offence is a reoffence; one person, not two
    values = summary(con, ANALYST)
    assert values["reoffending_eligible"].value == 1
    assert values["reoffending_rate"].numerator == 1
    # only the second referral selected: indexed 2023-01-01, the same offence is prior
    for flt in (Filter(schemes=("B",)), Filter(date_from=date(2022, 6, 1))):
        assert reoffences(con, flt) == 0
        assert priors(con, flt) == 1


def wilcoxon_by_hand(d: list[int]) -> float:
    """Tie-corrected normal approximation of the signed-rank test, zeros dropped."""
    d = [x for x in d if x != 0]
    n = len(d)
    magnitudes = sorted(abs(x) for x in d)
    rank = {}
    for m in set(magnitudes):
        positions = [i + 1 for i, v in enumerate(magnitudes) if v == m]
        rank[m] = sum(positions) / len(positions)
    r_plus = sum(rank[abs(x)] for x in d if x > 0)
    mean = n * (n + 1) / 4
    ties = sum(t ** 3 - t for t in (magnitudes.count(m) for m in set(magnitudes)))
    var = n * (n + 1) * (2 * n + 1) / 24 - ties / 48
    return 2 * norm.sf(abs(r_plus - mean) / math.sqrt(var))


def people_with(tmp_path, counts: list[tuple[int, int]]):
    """One eligible person per (reoffences, prior offences)."""
    referrals, offences = [], []
    for i, (post, pre) in enumerate(counts):
        referrals.append(referral(f"R{i}", f"p{i}", day(0)))
        offences += [offence(f"p{i}", day(10 + j), day(20 + j)) for j in range(post)]
        offences += [offence(f"p{i}", day(-10 - j), day(-5)) for j in range(pre)]
    return build(tmp_path, AS_OF, referrals=referrals, offences=offences)


def test_pre_post_change_and_its_wilcoxon_p_value(tmp_path):
    con = people_with(tmp_path, [(2, 0), (0, 1), (3, 1), (1, 1), (0, 3), (4, 0)])
    change = summary(con, ANALYST)["pre_post_change"]
    assert (change.numerator, change.denominator) == (10 - 6, 6)
    assert change.value == pytest.approx(4 / 6)
    # d = 2, -1, 2, 0, -3, 4: ranks 2.5, 1, 2.5, -, 4, 5; W+ = 10, var = 13.75 - 6/48
    assert change.p_value == pytest.approx(wilcoxon_by_hand([2, -1, 2, 0, -3, 4]), rel=1e-9)
    assert change.p_value == pytest.approx(2 * norm.sf(2.5 / math.sqrt(13.625)), rel=1e-9)


def test_all_zero_differences_give_a_null_p_value(tmp_path):
    change = summary(people_with(tmp_path, [(1, 1), (0, 0), (2, 2)]), ANALYST)["pre_post_change"]
    assert change.value == 0.0
    assert change.p_value is None


def test_pre_post_change_without_prior_offences_is_null_but_keeps_its_test(tmp_path):
    change = summary(people_with(tmp_path, [(1, 0), (0, 0)]), ANALYST)["pre_post_change"]
    assert change.value is None and change.flags is None
    assert (change.numerator, change.denominator) == (1, 0)
    assert change.p_value == pytest.approx(2 * norm.sf(0.5 / math.sqrt(0.25)))  # one difference, +1


@pytest.fixture
def survival_warehouse(tmp_path):
    """A, B reoffend on day 10; D on day 200; C never (censored at 365); E was indexed 100
    days before as_of (censored at 100); F's offence was proven after day 547 (censored)."""
    as_of = date(2025, 6, 30)
    e_index = (as_of - timedelta(days=100)).isoformat()
    return build(
        tmp_path, as_of.isoformat(),
        referrals=[referral(f"R{p}", p, day(0)) for p in "ABCDF"] + [referral("RE", "E", e_index)],
        offences=[offence("A", day(10), day(40)), offence("A", day(50), day(60)),
                  offence("B", day(10), day(11)), offence("D", day(200), day(300)),
                  offence("F", day(300), day(560))],
    )


def test_kaplan_meier_median_is_first_event_time_with_survival_at_or_below_half(survival_warehouse):
    # at risk 6: two events on day 10 -> S = 4/6; day 100 E censored; day 200: 3 at risk
    # (C, D, F), one event -> S = 4/6 * 2/3 = 0.444 <= 0.5
    value = summary(survival_warehouse, ANALYST)["time_to_reoffence"]
    assert value.value == 200
    assert (value.numerator, value.denominator) == (3, 6)  # events, people


def test_survival_curve_steps_match_a_hand_calculation(survival_warehouse):
    curves = survival_curves(survival_warehouse, ANALYST)
    selected = curves[curves["group"] == "selected"]
    steps = dict(zip(selected["time_days"], selected["survival"]))
    assert steps[0] == 1.0
    assert steps[10] == pytest.approx(4 / 6)
    assert steps[200] == pytest.approx(4 / 6 * 2 / 3)
    assert steps[365] == pytest.approx(4 / 6 * 2 / 3)
    assert set(selected["people"]) == {6} and set(selected["events"]) == {3}


def test_survival_of_exactly_one_half_reaches_the_median(tmp_path):
    con = build(tmp_path, AS_OF, referrals=[referral("R1", "p1", day(0)), referral("R2", "p2", day(0))],
                offences=[offence("p1", day(30), day(31))])
    assert summary(con, ANALYST)["time_to_reoffence"].value == 30


def test_median_is_null_when_survival_never_falls_to_one_half(tmp_path):
    con = build(tmp_path, AS_OF, referrals=[referral(f"R{i}", f"p{i}", day(0)) for i in range(3)],
                offences=[offence("p0", day(30), day(31))])
    assert summary(con, ANALYST)["time_to_reoffence"].value is None


def test_event_must_be_proven_by_as_of_for_people_not_yet_eligible(tmp_path):
    # indexed 60 days before as_of; the offence on day 20 is proven on as_of: an event
    as_of = date(2025, 6, 30)
    index = as_of - timedelta(days=60)
    con = build(tmp_path, as_of.isoformat(), referrals=[referral("R1", "p1", index.isoformat())],
                offences=[offence("p1", (index + timedelta(days=20)).isoformat(), as_of.isoformat())])
    value = summary(con, ANALYST)["time_to_reoffence"]
    assert value.value == 20
    assert summary(con, ANALYST)["reoffending_eligible"].value == 0


def test_reoffending_counts_people_not_referrals(tmp_path):
    con = build(tmp_path, AS_OF,
                referrals=[referral("R1", "p1", day(0)), referral("R2", "p1", day(30)),
                           referral("R3", "p2", day(0))],
                engagements=[contact("R2", day(31))],
                offences=[offence("p1", day(5), day(6)), offence("p1", day(40), day(41))])
    values = summary(con, ANALYST)
    assert values["reoffending_eligible"].value == 2
    assert (values["reoffending_rate"].numerator, values["reoffending_rate"].denominator) == (1, 2)
    assert values["reoffences_per_person"].value == 1.0  # 2 reoffences / 2 people
