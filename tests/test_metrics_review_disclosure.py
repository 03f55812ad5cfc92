"""Review of disclosure control against shared/spec/metrics.md: the k boundary, suppressed
values carrying no numbers, and secondary suppression that cannot be undone."""

from __future__ import annotations


import pytest

import metrics
from metrics import ANALYST, Filter, summary
from tests.metrics_fixtures import build, contact, offence, referral, scheme
from tests.review_fixtures import Z, AS_OF, VIEWER, RULES_ONLY, day, cmp, MC, FC


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
