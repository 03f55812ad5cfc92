"""The statistics of metrics.md, on small summaries that the SQL returns.

Everything here takes counts or (value, count) tables, never warehouse rows.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats

Z95 = 1.959964  # two-sided 95%
Z80_POWER = 0.841621  # one-sided 80% power

# S(t) <= 0.5 with a little room for floating point in the Kaplan–Meier product.
_HALF = 0.5 + 1e-12


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | tuple[None, None]:
    """Wilson score interval for a share; (None, None) when trials = 0."""
    if not trials:
        return None, None
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, centre - half), min(1.0, centre + half)


def wilcoxon_p_value(differences: np.ndarray, counts: np.ndarray | None = None) -> float | None:
    """Two-sided Wilcoxon signed-rank p-value exactly as metrics.md calls it.

    `differences` (with optional `counts` of each) are every eligible person's
    (reoffences − prior offences). None when there are none or every difference is 0.
    """
    d = _expand(differences, counts)
    if d.size == 0 or not np.any(d != 0):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.wilcoxon(d, zero_method="wilcox", correction=False, method="asymptotic")
    p = float(result.pvalue)
    return None if math.isnan(p) else p


def censored_data(times: np.ndarray, events: np.ndarray, counts: np.ndarray | None = None):
    """scipy CensoredData from (time, event) rows, optionally with a count per row."""
    t = _expand(np.asarray(times, dtype=float), counts)
    e = _expand(np.asarray(events, dtype=bool), counts)
    return stats.CensoredData(uncensored=t[e], right=t[~e])


def kaplan_meier(times, events, counts=None):
    """Kaplan–Meier survival as (time, survival, ci_low, ci_high, at_risk, events) arrays.

    None when there is nobody. Uses scipy.stats.ecdf(CensoredData).sf as metrics.md asks.
    """
    data = censored_data(times, events, counts)
    if len(data) == 0:
        return None
    result = stats.ecdf(data)
    sf = result.sf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            ci = sf.confidence_interval(0.95)
            low, high = ci.low.probabilities, ci.high.probabilities
        except Exception:  # a curve with no events has no interval
            low = high = np.full(sf.quantiles.shape, np.nan)
    return {
        "time_days": sf.quantiles,
        "survival": sf.probabilities,
        "ci_low": low,
        "ci_high": high,
    }


def km_median(times, events, counts=None) -> float | None:
    """The smallest event time t with S(t) <= 0.5; None when survival never falls to 0.5."""
    curve = kaplan_meier(times, events, counts)
    if curve is None:
        return None
    below = np.nonzero(curve["survival"] <= _HALF)[0]
    if below.size == 0:
        return None
    return float(curve["time_days"][below[0]])


def logrank_p_value(x_times, x_events, x_counts, y_times, y_events, y_counts) -> float | None:
    """Two-sided log-rank p-value; None when a group is empty or neither has an event."""
    x = censored_data(x_times, x_events, x_counts)
    y = censored_data(y_times, y_events, y_counts)
    events = (len(x) - x.num_censored()) + (len(y) - y.num_censored())
    if len(x) == 0 or len(y) == 0 or events == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(stats.logrank(x, y, alternative="two-sided").pvalue)
    return None if math.isnan(p) else p


def matched_comparison(n_t, r_t, n_c, r_c) -> dict:
    """Direct standardisation of the comparison rate to the participants' strata.

    Arrays per stratum: participants (n_t) and their reoffenders (r_t), comparison people
    (n_c) and theirs (r_c). Strata with n_c = 0 are unmatched and left out.
    """
    n_t, r_t, n_c, r_c = (np.asarray(a, dtype=float) for a in (n_t, r_t, n_c, r_c))
    matched = (n_c > 0) & (n_t > 0)
    out = {"matched": int(n_t[n_c > 0].sum()), "unmatched": int(n_t[n_c == 0].sum()),
           "reoffenders": int(r_t[matched].sum()),
           "comparison_people": int(n_c[matched].sum()),
           "comparison_reoffenders": int(r_c[matched].sum()),
           "p_t": None, "p_c": None, "comparison_variance": None, "d": None, "se": None,
           "ci_low": None, "ci_high": None, "p_value": None}
    big_n = n_t[matched].sum()
    if big_n == 0:
        return out
    w = n_t[matched] / big_n
    p_cs = r_c[matched] / n_c[matched]
    # exactly rounded sums (math.fsum): the figure does not depend on the order of the strata
    p_c = math.fsum(w * p_cs)
    variance = math.fsum(w * w * p_cs * (1 - p_cs) / n_c[matched])
    out.update(p_c=p_c, comparison_variance=variance)
    out.update(rate_difference(int(r_t[matched].sum()), int(big_n), p_c, variance))
    return out


def rate_difference(reoffenders: int, participants: int, p_c: float, comparison_variance: float) -> dict:
    """d = p_t − p_c with se = sqrt(p_t(1 − p_t)/N_t + the comparison's variance), its 95%
    interval and two-sided p-value (metrics.md "Cohort comparison")."""
    p_t = reoffenders / participants
    d = p_t - p_c
    se = math.sqrt(p_t * (1 - p_t) / participants + comparison_variance)
    out = {"p_t": float(p_t), "d": float(d), "se": se}
    if se == 0:
        out.update(ci_low=float(d), ci_high=float(d), p_value=None)
    else:
        out.update(ci_low=float(d - Z95 * se), ci_high=float(d + Z95 * se),
                   p_value=float(2 * stats.norm.sf(abs(d) / se)))  # = 2(1 − Φ(|d|/se))
    return out


def people_needed(p_t: float | None, p_c: float | None) -> int | None:
    """People per group for 80% power at two-sided alpha 0.05 (metrics.md formula)."""
    if p_t is None or p_c is None or abs(p_t - p_c) < 1e-12:
        return None
    p_bar = (p_t + p_c) / 2
    n = (Z95 * math.sqrt(2 * p_bar * (1 - p_bar))
         + Z80_POWER * math.sqrt(p_t * (1 - p_t) + p_c * (1 - p_c))) ** 2 / (p_t - p_c) ** 2
    return math.ceil(n)


def _expand(values, counts):
    values = np.asarray(values)
    if counts is None:
        return values
    return np.repeat(values, np.asarray(counts, dtype=np.int64))
