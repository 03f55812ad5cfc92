"""Cohort comparison: matched strata, direct standardisation, log-rank, people needed."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from scipy.stats import norm

from metrics import ANALYST, Filter, summary
from tests.metrics_fixtures import build, contact, offence, referral, scheme
from tests.stats_by_hand import logrank_by_hand  # the textbook log-rank

INDEX = date(2023, 1, 1)
AS_OF = "2025-06-30"


def day(n: int) -> str:
    return (INDEX + timedelta(days=n)).isoformat()


class Cohort:
    """Builds participants and comparison people with given strata and outcomes."""

    def __init__(self):
        self.referrals, self.engagements, self.comparison, self.offences = [], [], [], []
        self.n = 0

    def participant(self, reoffends=False, prior=0, engaged=True, index=INDEX, event_day=10,
                    **attributes):
        self.n += 1
        person = f"t{self.n}"
        self.referrals.append(referral(f"R{self.n}", person, index.isoformat(), **attributes))
        outcome = "attended" if engaged else "did_not_attend"
        self.engagements.append(contact(f"R{self.n}", index.isoformat(), outcome))
        self._offences(person, index, reoffends, prior, event_day)

    def comparator(self, reoffends=False, prior=0, index=INDEX, event_day=10, **attributes):
        self.n += 1
        person = f"c{self.n}"
        self.comparison.append({"person_id": person, "index_date": index.isoformat(), **attributes})
        self._offences(person, index, reoffends, prior, event_day)

    def _offences(self, person, index, reoffends, prior, event_day):
        if reoffends:
            self.offences.append(offence(person, (index + timedelta(days=event_day)).isoformat(),
                                         (index + timedelta(days=event_day + 1)).isoformat()))
        for j in range(prior):
            self.offences.append(offence(person, (index - timedelta(days=10 + j)).isoformat(),
                                         (index - timedelta(days=5)).isoformat()))

    def warehouse(self, tmp_path, as_of=AS_OF, name="warehouse.duckdb", **tables):
        return build(tmp_path, as_of, name, schemes=tables.pop("schemes", [scheme("S1")]),
                     referrals=self.referrals, engagements=self.engagements,
                     comparison=self.comparison, offences=self.offences, **tables)


MALE_25 = {"sex": "male", "age_at_referral": 30, "primary_need": "drugs"}
FEMALE_25 = {"sex": "female", "age_at_referral": 30, "primary_need": "drugs"}
MALE_45 = {"sex": "male", "age_at_referral": 50, "primary_need": "alcohol"}


def comparison_attributes(attributes):
    return {("age_at_index" if k == "age_at_referral" else k): v for k, v in attributes.items()}


@pytest.fixture
def hand_worked(tmp_path):
    """s1 (male 25-34 drugs, prior 0): 4 participants (1 reoffends) vs 2 comparison (1).
    s2 (female 25-34 drugs, prior 0): 2 participants (2) vs 4 comparison (1).
    s3 (male 45-54 alcohol): 1 participant, no comparison -> unmatched.
    s4 (female 18-24 alcohol): 3 comparison only. Also: a participant not engaged, and a
    participant not yet eligible, both in s1 -> left out."""
    c = Cohort()
    for reoffends in (True, False, False, False):
        c.participant(reoffends, **MALE_25)
    for _ in range(2):
        c.participant(True, **FEMALE_25)
    c.participant(True, **MALE_45)
    c.participant(True, engaged=False, **MALE_25)
    c.participant(True, index=date(2025, 1, 1), **MALE_25)
    for reoffends in (True, False):
        c.comparator(reoffends, **comparison_attributes(MALE_25))
    for reoffends in (True, False, False, False):
        c.comparator(reoffends, **comparison_attributes(FEMALE_25))
    for _ in range(3):
        c.comparator(False, sex="female", age_at_index=20, primary_need="alcohol")
    return c.warehouse(tmp_path)


def test_matched_comparison_by_direct_standardisation(hand_worked):
    values = summary(hand_worked, ANALYST)
    assert values["matched_participants"].value == 6
    assert values["unmatched_participants"].value == 1
    p_t = 3 / 6
    p_c = 4 / 6 * (1 / 2) + 2 / 6 * (1 / 4)
    rate = values["participant_matched_rate"]
    assert (rate.numerator, rate.denominator, rate.value) == (3, 6, p_t)
    assert values["matched_comparison_rate"].value == pytest.approx(p_c)
    se = math.sqrt(p_t * (1 - p_t) / 6 + (4 / 6) ** 2 * 0.25 / 2 + (2 / 6) ** 2 * 0.1875 / 4)
    d = p_t - p_c
    difference = values["rate_difference"]
    assert difference.value == pytest.approx(d)
    assert difference.ci_low == pytest.approx(d - 1.959964 * se)
    assert difference.ci_high == pytest.approx(d + 1.959964 * se)
    assert difference.p_value == pytest.approx(2 * (1 - norm.cdf(abs(d) / se)))
    p_bar = (p_t + p_c) / 2
    n = (1.959964 * math.sqrt(2 * p_bar * (1 - p_bar))
         + 0.841621 * math.sqrt(p_t * (1 - p_t) + p_c * (1 - p_c))) ** 2 / d ** 2
    assert values["people_needed"].value == math.ceil(n)


def test_raw_comparison_rate_uses_every_eligible_comparison_person(hand_worked):
    values = summary(hand_worked, ANALYST)
    assert values["comparison_eligible"].value == 9
    rate = values["comparison_reoffending_rate"]
    assert (rate.numerator, rate.denominator) == (2, 9)


def test_strata_without_comparison_people_leave_everything_null(tmp_path):
    c = Cohort()
    c.participant(True, **MALE_25)
    c.comparator(True, **comparison_attributes(FEMALE_25))
    values = summary(c.warehouse(tmp_path), ANALYST)
    assert values["matched_participants"].value == 0
    assert values["unmatched_participants"].value == 1
    for metric_id in ("participant_matched_rate", "matched_comparison_rate", "rate_difference",
                      "people_needed"):
        assert values[metric_id].value is None, metric_id
    assert values["rate_difference"].ci_low is None and values["rate_difference"].p_value is None


def test_prior_offence_bands_separate_strata(tmp_path):
    c = Cohort()
    c.participant(prior=4, **MALE_25)  # band 2-4: matches the comparison person with 2
    c.participant(prior=5, **MALE_25)  # band 5+: no match
    c.participant(prior=1, **MALE_25)  # band 1: no match
    c.comparator(prior=2, **comparison_attributes(MALE_25))
    values = summary(c.warehouse(tmp_path), ANALYST)
    assert values["matched_participants"].value == 1
    assert values["unmatched_participants"].value == 2


def test_zero_standard_error_gives_a_point_interval_and_no_p_value(tmp_path):
    c = Cohort()
    c.participant(False, **MALE_25)
    c.comparator(False, **comparison_attributes(MALE_25))
    values = summary(c.warehouse(tmp_path), ANALYST)
    difference = values["rate_difference"]
    assert (difference.value, difference.ci_low, difference.ci_high) == (0, 0, 0)
    assert difference.p_value is None
    assert values["people_needed"].value is None


def test_comparison_cohort_follows_district_dates_and_demographics_but_not_scheme(tmp_path):
    c = Cohort()
    c.participant(**MALE_25)
    c.comparator(**comparison_attributes(MALE_25))  # North, index 2023-01-01
    c.comparator(district="South", **comparison_attributes(MALE_25))
    c.comparator(index=date(2022, 1, 1), **comparison_attributes(MALE_25))
    c.comparator(**comparison_attributes(FEMALE_25))
    con = c.warehouse(tmp_path, schemes=[scheme("S1"), scheme("S2")])

    def eligible(**kw):
        return summary(con, ANALYST, Filter(**kw))["comparison_eligible"].value

    assert eligible() == 4
    assert eligible(schemes=("S2",), pathways=("other",)) == 4  # no referral selected, same cohort
    assert eligible(districts=("North",)) == 3
    assert eligible(date_from=date(2022, 6, 1)) == 3
    assert eligible(sexes=("male",)) == 3
    assert eligible(needs=("alcohol",)) == 0
    assert eligible(age_bands=("25-34",)) == 4


def test_comparison_person_is_indexed_on_earliest_selected_index_date(tmp_path):
    c = Cohort()
    c.comparison = [
        {"person_id": "c1", "index_date": "2022-01-01", "sex": "female"},
        {"person_id": "c1", "index_date": "2023-01-01", "sex": "male"},
    ]
    c.offences = [offence("c1", "2022-06-01", "2022-07-01")]
    con = c.warehouse(tmp_path)
    everyone = summary(con, ANALYST)
    assert everyone["comparison_eligible"].value == 1
    assert everyone["comparison_reoffending_rate"].numerator == 1
    later = summary(con, ANALYST, Filter(date_from=date(2022, 6, 1)))
    assert later["comparison_reoffending_rate"].numerator == 0  # the offence is now prior
    assert summary(con, ANALYST, Filter(sexes=("male",)))["comparison_eligible"].value == 1


def test_logrank_compares_all_participants_with_all_comparison_people(tmp_path):
    c = Cohort()
    c.participant(True, event_day=10, **MALE_25)
    c.participant(True, event_day=20, **MALE_25)
    c.participant(False, **MALE_25)
    c.participant(True, event_day=5, index=date(2025, 1, 1), **MALE_25)  # not eligible: still in
    c.participant(True, event_day=1, engaged=False, **MALE_25)  # not a participant
    c.comparator(True, event_day=15, **comparison_attributes(FEMALE_25))
    c.comparator(False, **comparison_attributes(FEMALE_25))
    c.comparator(False, **comparison_attributes(FEMALE_25))
    # the participant indexed 2025-01-01 (not eligible) reoffends on day 5, proven on day 6
    expected = logrank_by_hand([(10, True), (20, True), (365, False), (5, True)],
                               [(15, True), (365, False), (365, False)])
    assert summary(c.warehouse(tmp_path), ANALYST)["logrank_p_value"].value == pytest.approx(expected)


def test_logrank_is_null_without_comparison_people_or_without_events(tmp_path):
    c = Cohort()
    c.participant(True, **MALE_25)
    assert summary(c.warehouse(tmp_path), ANALYST)["logrank_p_value"].value is None
    c = Cohort()
    c.participant(False, **MALE_25)
    c.comparator(False, **comparison_attributes(MALE_25))
    assert summary(c.warehouse(tmp_path, name="second.duckdb"), ANALYST)["logrank_p_value"].value is None
