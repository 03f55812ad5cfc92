"""The statistics against independent calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from metrics import stats


@pytest.mark.parametrize("x, n", [(0, 1), (1, 1), (2, 4), (3, 17), (17, 17), (57979, 155122)])
def test_wilson_interval_matches_statsmodels(x, n):
    proportion_confint = pytest.importorskip("statsmodels.stats.proportion").proportion_confint
    expected = proportion_confint(x, n, alpha=0.05, method="wilson")
    assert stats.wilson_interval(x, n) == pytest.approx(expected, abs=1e-7)


def test_wilson_interval_of_nothing_is_null():
    assert stats.wilson_interval(0, 0) == (None, None)


def test_wilcoxon_uses_counts_as_repeated_differences():
    by_rows = stats.wilcoxon_p_value(np.array([2, -1, 2, 0, -3, 4]))
    by_counts = stats.wilcoxon_p_value(np.array([-3, -1, 0, 2, 4]), np.array([1, 1, 1, 2, 1]))
    assert by_rows == pytest.approx(by_counts)
    assert by_rows == pytest.approx(2 * norm.sf(2.5 / math.sqrt(13.625)))


def test_wilcoxon_is_null_without_nonzero_differences():
    assert stats.wilcoxon_p_value(np.array([])) is None
    assert stats.wilcoxon_p_value(np.array([0, 0]), np.array([3, 4])) is None


def test_kaplan_meier_median_and_curve_by_hand():
    # events at 3, 3, 8; censored at 5, 10: S(3) = 3/5, S(8) = 3/5 * 1/2 = 0.3
    times, events = np.array([3, 3, 8, 5, 10]), np.array([1, 1, 1, 0, 0], dtype=bool)
    curve = stats.kaplan_meier(times, events)
    survival = dict(zip(curve["time_days"], curve["survival"]))
    assert survival[3] == pytest.approx(0.6) and survival[8] == pytest.approx(0.3)
    assert stats.km_median(times, events) == 8


def test_kaplan_meier_without_events_never_reaches_its_median():
    assert stats.km_median(np.array([365, 100]), np.array([False, False])) is None
    assert stats.kaplan_meier(np.array([]), np.array([], dtype=bool)) is None


def test_matched_comparison_leaves_out_strata_without_comparison_people():
    result = stats.matched_comparison(n_t=[4, 2, 1], r_t=[1, 2, 1], n_c=[2, 4, 0], r_c=[1, 1, 0])
    assert (result["matched"], result["unmatched"], result["reoffenders"]) == (6, 1, 3)
    assert result["p_c"] == pytest.approx(4 / 6 * 0.5 + 2 / 6 * 0.25)
    se = math.sqrt(0.25 / 6 + (4 / 6) ** 2 * 0.25 / 2 + (2 / 6) ** 2 * 0.1875 / 4)
    assert result["se"] == pytest.approx(se)


def test_people_needed_formula_and_its_nulls():
    p_t, p_c = 0.30, 0.40
    p_bar = 0.35
    n = (1.959964 * math.sqrt(2 * p_bar * (1 - p_bar))
         + 0.841621 * math.sqrt(p_t * (1 - p_t) + p_c * (1 - p_c))) ** 2 / 0.1 ** 2
    # (1.959964·0.674537 + 0.841621·0.670820)² / 0.01 = 355.94 -> 356
    assert stats.people_needed(p_t, p_c) == math.ceil(n) == 356
    assert stats.people_needed(0.3, 0.3) is None
    assert stats.people_needed(None, 0.3) is None
