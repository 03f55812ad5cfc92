"""The value of one metric, as every caller receives it."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from metrics.catalogue import BY_ID, FEW_EVENTS, LOW_N


@dataclass(frozen=True)
class MetricValue:
    """One metric. Fields that do not apply (see the catalogue) are None.

    `flags` is None where a rate's denominator is 0 (metrics.md) and () where no flag
    applies. `suppressed` is the display string ("<5" or "*") when disclosure control has
    removed the numbers, else None. For medians, `denominator` holds the number of values
    (and for time_to_reoffence `numerator` the number of events): they are not part of the
    CLI JSON, but disclosure control needs them.
    """

    id: str
    value: float | int | None
    numerator: float | int | None = None
    denominator: float | int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    flags: tuple[str, ...] | None = ()
    suppressed: str | None = None

    @property
    def metric(self):
        return BY_ID[self.id]

    def to_json(self) -> dict:
        """The CLI contract shape: only the keys that apply to this metric (metrics.md)."""
        out = {}
        for key in self.metric.json_keys():
            value = getattr(self, key)
            if key == "flags":
                value = None if value is None else list(value)
            else:
                value = _plain(value)
            out[key] = value
        if self.suppressed is not None:
            out["suppressed"] = self.suppressed
        return out

    def without_numbers(self, marker: str) -> MetricValue:
        return replace(self, value=None, numerator=None, denominator=None, ci_low=None,
                       ci_high=None, p_value=None, suppressed=marker)


def _plain(value):
    """numpy scalars to Python numbers; NaN to None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def reliability_flags(numerator, denominator) -> tuple[str, ...] | None:
    if not denominator:
        return None
    flags = []
    if denominator < LOW_N:
        flags.append("low_n")
    if numerator is not None and numerator < FEW_EVENTS:
        flags.append("few_events")
    return tuple(flags)


def count(metric_id: str, n) -> MetricValue:
    return MetricValue(metric_id, int(n or 0))


def share(metric_id: str, numerator, denominator) -> MetricValue:
    """A share with its Wilson interval; value, interval and flags null when denominator is 0."""
    from metrics.stats import wilson_interval

    numerator, denominator = int(numerator or 0), int(denominator or 0)
    if denominator == 0:
        return MetricValue(metric_id, None, numerator, 0, flags=None)
    low, high = wilson_interval(numerator, denominator)
    return MetricValue(metric_id, numerator / denominator, numerator, denominator, low, high,
                       flags=reliability_flags(numerator, denominator))


def ratio(metric_id: str, numerator, denominator) -> MetricValue:
    """A ratio that is not a share: numerator and denominator, no interval."""
    denominator = denominator or 0
    if not denominator:
        return MetricValue(metric_id, None, numerator, denominator, flags=None)
    return MetricValue(metric_id, numerator / denominator, numerator, denominator,
                       flags=reliability_flags(numerator, denominator))


def median(metric_id: str, value, n, events=None) -> MetricValue:
    """A median; `n` (values it is over) and `events` are kept for disclosure control only."""
    value = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    return MetricValue(metric_id, value, numerator=events, denominator=int(n or 0))
