"""How the PDF words a measure: value, interval, counts, flags, in the pages' formats.

Formatting only, on values that have already been through disclosure control: a
suppressed value carries its marker ("<5" or "*") and no numbers, so it prints the marker.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.display import FLAG_TEXT, fmt
from metrics import BY_ID, MetricValue

# Measures whose unit in words differs from the catalogue's unit for printing.
PRINT_UNIT = {"pre_post_change": "change"}


@dataclass(frozen=True)
class Line:
    """One measure as the report prints it."""

    id: str
    title: str
    value: str
    interval: str
    counts: str
    notes: str
    definition: str
    suppressed: bool


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and pd.isna(x))


def value_text(v: MetricValue) -> str:
    if v.suppressed:
        return v.suppressed
    if v.id == "rate_difference" and not _missing(v.value):
        return f"{v.value * 100:+.1f} points"
    if v.id == "time_to_reoffence" and _missing(v.value):
        return "not reached" if v.denominator else "–"
    return fmt(None if _missing(v.value) else v.value, PRINT_UNIT.get(v.id, BY_ID[v.id].unit))


def interval_text(v: MetricValue) -> str:
    if v.suppressed or _missing(v.ci_low) or _missing(v.ci_high):
        return ""
    if v.id == "rate_difference":
        return f"{v.ci_low * 100:+.1f} to {v.ci_high * 100:+.1f} points"
    unit = BY_ID[v.id].unit
    return f"{fmt(v.ci_low, unit)} to {fmt(v.ci_high, unit)}"


def counts_text(v: MetricValue) -> str:
    """'numerator of denominator' for shares, 'numerator / denominator' for other ratios."""
    metric = BY_ID[v.id]
    if v.suppressed or not metric.ratio or _missing(v.numerator) or _missing(v.denominator):
        return ""
    if v.id == "pre_post_change":  # numerator = reoffences − prior, denominator = prior
        return f"{fmt(v.numerator + v.denominator, 'count')} after, {fmt(v.denominator, 'count')} before"
    numerator_unit = "gbp" if metric.unit == "gbp" else "count"
    joiner = " of " if metric.unit == "share" else " / "
    return f"{fmt(v.numerator, numerator_unit)}{joiner}{fmt(v.denominator, 'count')}"


def notes_text(v: MetricValue) -> str:
    parts = []
    if v.suppressed:
        parts.append("suppressed: small numbers")
    if not _missing(v.p_value):
        parts.append("p < 0.001" if v.p_value < 0.001 else f"p = {v.p_value:.3f}")
    if v.id == "time_to_reoffence" and not v.suppressed and _missing(v.value) and v.denominator:
        parts.append("fewer than half reoffended within the year")
    parts += [FLAG_TEXT.get(flag, flag) for flag in (v.flags or ()) if not v.suppressed]
    return "; ".join(parts)


def line(v: MetricValue) -> Line:
    metric = BY_ID[v.id]
    return Line(v.id, metric.title, value_text(v), interval_text(v), counts_text(v), notes_text(v),
                metric.definition, bool(v.suppressed))


def lines(values: dict[str, MetricValue], ids) -> list[Line]:
    return [line(values[metric_id]) for metric_id in ids]


def cell_text(row) -> str:
    """One cell of a breakdown frame (value, or its marker)."""
    if isinstance(row.suppressed, str) and row.suppressed:
        return row.suppressed
    value = None if _missing(row.value) else row.value
    return fmt(value, PRINT_UNIT.get(row.metric, BY_ID[row.metric].unit))


def cohort_table(frame: pd.DataFrame, metric_ids) -> tuple[list[str], list[list[str]]]:
    """A breakdown as rows of cohorts and columns of measures: (header, rows)."""
    header = [BY_ID[m].title for m in metric_ids]
    rows: dict[str, dict[str, str]] = {}
    for row in frame[frame["metric"].isin(metric_ids)].itertuples():
        rows.setdefault(str(row.label), {})[row.metric] = cell_text(row)
    return header, [[label, *(cells.get(m, "–") for m in metric_ids)] for label, cells in rows.items()]
