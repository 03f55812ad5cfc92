"""The whole summary against an independent implementation of metrics.md
(tests/metrics_oracle.py) on random warehouses, with and without filters."""

from __future__ import annotations

from datetime import date

import pytest

from metrics import ANALYST, Filter, summary
from tests.metrics_fixtures import build
from tests.metrics_oracle import oracle, random_tables


# ---------------------------------------------------------------------------------------
# Property check: the whole summary against an independent implementation of metrics.md
# on random warehouses (support, reoffending, comparison, cost; with and without filters)
# ---------------------------------------------------------------------------------------

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
