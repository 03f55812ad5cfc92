"""Shared values and hand-worked helpers of the metrics review tests
(tests/test_metrics_review_*.py): dates, the spec's z, and the textbook formulas the
expected numbers are worked out with (never metrics.stats)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
from scipy import stats as sps

from metrics import AccessScope


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


def km_by_hand(rows):
    """rows: (time, event). Returns {event time: S(t)}; censored at t are at risk at t."""
    s, out = 1.0, {}
    for t in sorted({t for t, e in rows if e}):
        at_risk = sum(1 for u, _ in rows if u >= t)
        deaths = sum(1 for u, e in rows if u == t and e)
        s *= 1 - deaths / at_risk
        out[t] = s
    return out
