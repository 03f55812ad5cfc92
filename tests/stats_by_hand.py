"""Textbook statistics worked by hand, for the expected values of the metrics tests."""

from __future__ import annotations

from scipy.stats import chi2


def logrank_by_hand(x: list[tuple[int, bool]], y: list[tuple[int, bool]]) -> float:
    """Textbook log-rank: sum over event times of observed - expected in x, and its variance."""
    observed_minus_expected, variance = 0.0, 0.0
    for t in sorted({t for t, e in x + y if e}):
        n1 = sum(1 for s, _ in x if s >= t)
        n2 = sum(1 for s, _ in y if s >= t)
        d1 = sum(1 for s, e in x if s == t and e)
        d = d1 + sum(1 for s, e in y if s == t and e)
        n = n1 + n2
        observed_minus_expected += d1 - n1 * d / n
        variance += n1 * n2 * d * (n - d) / (n * n * (n - 1)) if n > 1 else 0
    return float(chi2.sf(observed_minus_expected ** 2 / variance, 1))
