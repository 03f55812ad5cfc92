"""Disclosure control: small counts and the rates built on them never leave metrics/."""

from __future__ import annotations

import json

import pytest

import metrics
from metrics import ANALYST, AccessScope, Filter, MetricValue, display
from tests.metrics_fixtures import build, contact, offence, referral, scheme

VIEWER = AccessScope("viewer")

# These tests pin the suppression rules alone, on fixtures of a handful of people: without the
# minimum selection size and the cell-key perturbation (tests/test_disclosure_differencing.py).
RULES_ONLY = {"min_people": 1, "perturb": False}


def summary(*args, **kwargs):
    return metrics.summary(*args, **RULES_ONLY, **kwargs)


def breakdown(*args, **kwargs):
    return metrics.breakdown(*args, **RULES_ONLY, **kwargs)


def survival_curves(*args, **kwargs):
    return metrics.survival_curves(*args, **RULES_ONLY, **kwargs)


def referrals_of(scheme_id, n, engaged, start=0):
    return ([referral(f"{scheme_id}{i}", f"{scheme_id}p{i}", "2023-01-01", scheme_id=scheme_id)
             for i in range(start, start + n)],
            [contact(f"{scheme_id}{i}", "2023-01-02") for i in range(start, start + engaged)])


@pytest.fixture
def four_schemes(tmp_path):
    """Referrals / engaged: A 3/3, B 7/7, C 20/20, D 6/0."""
    referrals, engagements = [], []
    for scheme_id, n, engaged in (("A", 3, 3), ("B", 7, 7), ("C", 20, 20), ("D", 6, 0)):
        r, e = referrals_of(scheme_id, n, engaged)
        referrals += r
        engagements += e
    return build(tmp_path, "2025-06-30", schemes=[scheme(s) for s in "ABCD"],
                 referrals=referrals, engagements=engagements)


def test_small_counts_are_shown_as_less_than_k_and_zeros_are_shown(four_schemes):
    values = summary(four_schemes, VIEWER, Filter(schemes=("A",)))
    referrals = values["referrals"]
    assert referrals.value is None and referrals.suppressed == "<5"
    assert values["open_referrals"].suppressed == "<5"
    assert values["stepped_down"].value == 0 and values["stepped_down"].suppressed is None


def test_rate_on_a_small_numerator_or_denominator_is_suppressed_with_its_interval(four_schemes):
    rate = summary(four_schemes, VIEWER, Filter(schemes=("A",)))["engagement_rate"]
    assert rate.suppressed == "*"
    assert (rate.value, rate.numerator, rate.denominator, rate.ci_low, rate.ci_high) == (None,) * 5
    # 0 of 6: zero is shown, the denominator is not small
    shown = summary(four_schemes, VIEWER, Filter(schemes=("D",)))["engagement_rate"]
    assert (shown.value, shown.numerator, shown.denominator) == (0, 0, 6)
    assert shown.suppressed is None


def test_analyst_sees_everything_and_exports_are_suppressed(four_schemes):
    a = Filter(schemes=("A",))
    assert summary(four_schemes, ANALYST, a)["referrals"].value == 3
    assert summary(four_schemes, ANALYST, a, suppress=True)["referrals"].suppressed == "<5"


def test_threshold_k_is_configurable(four_schemes):
    b = Filter(schemes=("B",))
    assert summary(four_schemes, VIEWER, b)["referrals"].value == 7
    assert summary(four_schemes, VIEWER, b, k=10)["referrals"].suppressed == "<10"


def test_suppressed_value_carries_no_number_into_json(four_schemes):
    values = summary(four_schemes, VIEWER, Filter(schemes=("A",)))
    for metric_id in ("referrals", "engaged", "engagement_rate"):
        out = values[metric_id].to_json()
        numbers = {k: v for k, v in out.items() if k not in ("flags", "suppressed")}
        assert set(numbers.values()) == {None}, metric_id
    text = json.dumps({k: v.to_json() for k, v in values.items()})
    assert '"value": 3' not in text and '"numerator": 3' not in text


def rows(frame, metric_id):
    part = frame[frame["metric"] == metric_id]
    return {cell: (value, mark) for cell, value, mark in zip(part["cell"], part["value"], part["suppressed"])}


def test_one_suppressed_cell_forces_the_next_smallest_to_be_suppressed(four_schemes):
    frame = breakdown(four_schemes, VIEWER, Filter(), "scheme",
                              ["referrals", "engaged", "engagement_rate"])
    # referrals 3, 7, 20, 6: A is small, D (6) is the next smallest (marked "*": not small)
    # engaged 3, 7, 20, 0: A is small; the zero protects nothing, so B goes
    assert rows(frame, "engaged") == {"A": (None, "<5"), "B": (None, "*"), "C": (20, None),
                                      "D": (0, None)}
    # B's hidden engaged count (7) must not reappear in B's other metrics: its rate (7/7) and
    # its referrals (7, which with a 100% rate would give it away) are hidden too.
    assert rows(frame, "referrals") == {"A": (None, "<5"), "B": (None, "*"), "C": (20, None),
                                        "D": (None, "*")}
    # rates: A 3/3 is small; next smallest denominator is D's 6; B follows its engaged count
    rates = rows(frame, "engagement_rate")
    assert rates["A"] == (None, "*") and rates["D"] == (None, "*") and rates["B"] == (None, "*")
    assert rates["C"] == (1.0, None)
    suppressed = frame[frame["suppressed"].notna()]
    assert suppressed[["value", "numerator", "denominator", "ci_low", "ci_high"]].isna().all().all()


def test_two_suppressed_cells_need_no_secondary_suppression(tmp_path):
    referrals = []
    for scheme_id, n in (("A", 3), ("E", 2), ("D", 6), ("C", 20)):
        r, _ = referrals_of(scheme_id, n, 0)
        referrals += r
    con = build(tmp_path, "2025-06-30", schemes=[scheme(s) for s in "ACDE"], referrals=referrals)
    frame = breakdown(con, VIEWER, Filter(), "scheme", ["referrals"])
    assert rows(frame, "referrals") == {"A": (None, "<5"), "C": (20, None), "D": (6, None),
                                        "E": (None, "<5")}


def test_analyst_breakdown_is_not_suppressed_but_an_export_is(four_schemes):
    plain = breakdown(four_schemes, ANALYST, Filter(), "scheme", ["referrals"])
    assert rows(plain, "referrals")["A"] == (3, None)
    export = breakdown(four_schemes, ANALYST, Filter(), "scheme", ["referrals"], suppress=True)
    assert rows(export, "referrals")["A"] == (None, "<5")


def test_pre_post_change_is_suppressed_with_the_per_person_rates_it_is_built_from(tmp_path):
    # 3 eligible people, 12 reoffences and 10 prior offences: the sums are large, the people few
    refs = [referral(f"R{i}", f"p{i}", "2023-01-01") for i in range(3)]
    offences = [offence(f"p{i}", f"2023-02-{1 + j:02d}", "2023-03-01") for i in range(3) for j in range(4)]
    offences += [offence(f"p{i}", f"2022-06-{1 + j:02d}", "2022-07-01") for i in range(2) for j in range(5)]
    con = build(tmp_path, "2025-06-30", referrals=refs, offences=offences)
    values = summary(con, VIEWER)
    assert values["reoffences_per_person"].suppressed == "*"
    change = values["pre_post_change"]
    assert change.suppressed == "*" and change.value is None and change.p_value is None
    frame = breakdown(con, VIEWER, Filter(), "scheme", ["pre_post_change"])
    assert list(frame["metric"]) == ["pre_post_change"]
    assert frame["suppressed"].tolist() == ["*"]


def test_survival_curve_of_few_people_is_dropped(tmp_path):
    refs = [referral(f"R{i}", f"p{i}", "2023-01-01") for i in range(3)]
    con = build(tmp_path, "2025-06-30", referrals=refs,
                offences=[offence("p0", "2023-02-01", "2023-02-02")])
    assert set(survival_curves(con, ANALYST)["group"]) == {"selected"}
    assert survival_curves(con, VIEWER).empty


def test_display_strings():
    assert display(MetricValue("referrals", None, suppressed="<5")) == "<5"
    assert display(MetricValue("engagement_rate", 0.25, 1, 4)) == "25.0%"
    assert display(MetricValue("cost_per_referral", 1234.4, 1234.4, 1)) == "£1,234"
    assert display(MetricValue("referrals", 12345)) == "12,345"
    assert display(MetricValue("engagement_rate", None, 0, 0, flags=None)) == "–"


def _hidden(frame, column):
    return frame[frame[column].isna()].index.tolist()


def test_a_tables_row_total_cannot_give_back_a_suppressed_part():
    import pandas as pd

    from metrics.disclosure import suppress_counts

    agencies = pd.DataFrame({"agency_type": ["housing", "education"], "onward_referrals": [20, 30],
                             "accepted": [12, 20], "declined": [6, 10], "pending": [0, 0], "not_known": [2, 0]})
    parts = ["accepted", "declined", "pending", "not_known"]
    out = suppress_counts(agencies, ["onward_referrals", *parts], VIEWER,
                          row_totals={"onward_referrals": parts})
    # not_known 2 is small; without a second cell in its row, 20 - 12 - 6 - 0 would give it
    # back. Declined 6 goes with it; then declined 10 (alone in its column), then accepted 20
    # (30 - 0 - 0 - ? would give back declined 10), then accepted 12 (alone in its column).
    assert out["onward_referrals"].tolist() == [20, 30]
    assert _hidden(out, "not_known") == [0]
    assert _hidden(out, "declined") == [0, 1] and _hidden(out, "accepted") == [0, 1]
    assert out["pending"].tolist() == [0, 0]  # zeros are shown
    # no row's parts and total have exactly one missing cell
    for row in range(2):
        assert out.loc[row, ["onward_referrals", *parts]].isna().sum() != 1
    assert suppress_counts(agencies, parts, ANALYST).equals(agencies)  # analysts see everything


def test_exit_reasons_counted_in_completion_cannot_give_back_a_suppressed_reason():
    import pandas as pd

    from metrics.catalogue import NEUTRAL_EXITS
    from metrics.disclosure import marks, suppress_counts

    reasons = pd.DataFrame({"exit_reason": ["completed", "disengaged", "transferred", "moved_away", "custody"],
                            "exits": [20, 10, 8, 6, 1]})
    neutral = reasons["exit_reason"].isin(NEUTRAL_EXITS)
    out = suppress_counts(reasons, ["exits"], VIEWER, row_groups=[~neutral, neutral])
    # custody (1) is small; completion's denominator (completed + disengaged + custody) is on
    # the page, so disengaged goes too; in the whole column moved_away goes, and then its
    # neutral partner transferred
    assert sorted(out.loc[out["exits"].isna(), "exit_reason"]) == ["custody", "disengaged", "moved_away",
                                                                   "transferred"]
    assert out.loc[0, "exits"] == 20
    # what a table shows: "<5" for the small count, "*" for the ones hidden to protect it
    assert marks(out, "exits") == ["", "*", "*", "*", "<5"]  # carried as data, beside the counts
    from dashboard.presentation import counts_table  # every outlet's table

    assert counts_table(out, headings=False)["exits"].tolist() == ["20", "*", "*", "*", "<5"]
