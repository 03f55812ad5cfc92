"""Statistical disclosure control (metrics.md "Disclosure control").

Outside the analyst role and in every export: a count from 1 to k − 1 becomes "<k"; a rate
whose numerator or denominator is from 1 to k − 1 becomes "*" (interval too); in a
breakdown where exactly one cell of a metric is suppressed, the next smallest cell is
suppressed too (marked "*"), and a count hidden in a cell is hidden in that cell's other
metrics as well. Zeros are shown. The numbers are removed from the returned values, not
just formatted away, so a suppressed number cannot reach a page or a file.
"""

from __future__ import annotations

import pandas as pd

from metrics.catalogue import BY_ID, DERIVED_FROM
from metrics.result import MetricValue

DEFAULT_K = 5
RATE_MARK = "*"
NUMBER_COLUMNS = ["value", "numerator", "denominator", "ci_low", "ci_high", "p_value"]
BREAKDOWN_COLUMNS = ["by", "cell", "label", "metric", *NUMBER_COLUMNS, "flags", "suppressed"]
SURVIVAL_COLUMNS = ["group", "time_days", "survival", "ci_low", "ci_high", "people", "events"]

# A metric is suppressed along with these (computed from the same few people).
FOLLOWS = {
    **DERIVED_FROM,
    "pre_post_change": ("reoffences_per_person", "prior_offences_per_person"),
}


def count_mark(k: int = DEFAULT_K) -> str:
    return f"<{k}"


def is_small(n, k: int = DEFAULT_K) -> bool:
    """1 to k − 1 (zero and unknown are not small)."""
    return n is not None and n == n and 0 < n < k


def _disclosed_counts(value: MetricValue) -> tuple:
    """The person/event counts a value discloses, by the catalogue's disclosure kind."""
    kind = BY_ID[value.id].disclosure
    if kind == "count":
        return (value.value,)
    if kind in ("rate", "median"):
        return (value.numerator, value.denominator)
    if kind == "money_rate":  # the numerator is £
        return (value.denominator,)
    if kind == "change":  # numerator = reoffences − prior, denominator = prior
        reoffences = None if value.numerator is None else value.numerator + (value.denominator or 0)
        return (reoffences, value.denominator)
    return ()


def _secret_counts(value: MetricValue, k: int) -> set:
    counts = _disclosed_counts(value)
    if BY_ID[value.id].disclosure == "count":
        return {n for n in counts if n}
    if not counts:
        return set()
    secret = {counts[0]} if len(counts) > 1 else set(counts)
    secret |= {n for n in counts[1:] if is_small(n, k)}
    return {n for n in secret if n}


def needs_suppression(value: MetricValue, k: int = DEFAULT_K) -> bool:
    return any(is_small(n, k) for n in _disclosed_counts(value))


def suppress_value(value: MetricValue, k: int = DEFAULT_K) -> MetricValue:
    """Primary suppression of one value."""
    if value.suppressed is not None or not needs_suppression(value, k):
        return value
    return _suppressed(value, k)


def _suppressed(value: MetricValue, k: int, secondary: bool = False) -> MetricValue:
    """Primary: a small count reads "<k", anything else "*". A value hidden only to protect
    another (secondary suppression) reads "*": it is not small, and "<k" would say it was."""
    small_count = BY_ID[value.id].disclosure == "count" and not secondary
    return value.without_numbers(count_mark(k) if small_count else RATE_MARK)


def suppress_summary(values: dict[str, MetricValue], k: int = DEFAULT_K) -> dict[str, MetricValue]:
    """Suppress a summary: each value, then the values that follow a suppressed one."""
    out = {metric_id: suppress_value(v, k) for metric_id, v in values.items()}
    for metric_id, sources in FOLLOWS.items():
        if metric_id in out and any(out.get(s) is not None and out[s].suppressed for s in sources):
            out[metric_id] = _suppressed(out[metric_id], k)
    return out


def suppress_breakdown(frame: pd.DataFrame, k: int = DEFAULT_K) -> pd.DataFrame:
    """Primary suppression per row, then secondary suppression per metric across cells."""
    frame = frame.copy()
    frame["suppressed"] = frame["suppressed"].astype(object)
    for column in NUMBER_COLUMNS:
        frame[column] = frame[column].astype(object)

    def value_of(index) -> MetricValue:
        row = frame.loc[index]
        return MetricValue(row["metric"], *(_none(row[c]) for c in NUMBER_COLUMNS),
                           flags=row["flags"], suppressed=row["suppressed"])

    def write(index, value: MetricValue) -> None:
        for column in NUMBER_COLUMNS:
            frame.at[index, column] = getattr(value, column)
        frame.at[index, "suppressed"] = value.suppressed

    # The counts each row discloses, and those that stay secret once it is suppressed (a
    # count's value; a rate's numerator, and its denominator too when that is small).
    disclosed_counts = {i: {n for n in _disclosed_counts(value_of(i)) if n} for i in frame.index}
    hidden_counts = {i: _secret_counts(value_of(i), k) for i in frame.index}

    # primary
    for index in frame.index:
        before = value_of(index)
        after = suppress_value(before, k)
        if after is not before:
            write(index, after)

    def follow() -> None:  # values that follow another metric of the same cell
        for metric_id, sources in FOLLOWS.items():
            for _, cell_rows in frame.groupby("cell", sort=False):
                if cell_rows.loc[cell_rows["metric"].isin(sources), "suppressed"].notna().any():
                    for index in cell_rows.index[cell_rows["metric"] == metric_id]:
                        if frame.at[index, "suppressed"] is None:
                            write(index, _suppressed(value_of(index), k))

    def secondary() -> bool:  # exactly one suppressed cell of a metric -> also the next smallest
        changed = False
        for metric_id, rows in frame.groupby("metric", sort=False):
            if BY_ID[metric_id].disclosure == "none":
                continue
            suppressed = rows["suppressed"].notna()
            if suppressed.sum() != 1:
                continue
            candidates = []
            for index in rows.index[~suppressed]:
                size = _cell_size(value_of(index))
                if size:  # zero or unknown cells protect nothing
                    candidates.append((size, str(frame.at[index, "cell"]), index))
            if candidates:
                index = min(candidates)[2]
                write(index, _suppressed(value_of(index), k, secondary=True))
                changed = True
        return changed

    def shared_counts() -> bool:
        """A count hidden in a cell stays hidden in that cell's other metrics: engaged = 7
        suppressed must not reappear as the numerator of the cell's engagement_rate."""
        changed = False
        for _, cell_rows in frame.groupby("cell", sort=False):
            hidden = set()
            for index in cell_rows.index[cell_rows["suppressed"].notna()]:
                hidden |= hidden_counts[index]
            for index in cell_rows.index[cell_rows["suppressed"].isna()]:
                if hidden & disclosed_counts[index]:
                    write(index, _suppressed(value_of(index), k, secondary=True))
                    changed = True
        return changed

    follow()
    # Secondary suppression and the cells' shared counts can each start the other: repeat
    # until neither suppresses anything more.
    while secondary() | shared_counts():
        follow()
    return frame


def suppress_survival(curves: pd.DataFrame, k: int = DEFAULT_K) -> pd.DataFrame:
    """Drop any curve over 1 to k − 1 people or events (each step is an individual)."""
    if curves.empty:
        return curves
    small = curves["people"].map(lambda n: is_small(n, k)) | curves["events"].map(
        lambda n: is_small(n, k))
    return curves[~small].reset_index(drop=True)


def display(value: MetricValue, decimals: int = 1) -> str:
    """The text a page or a report prints for a value."""
    if value.suppressed is not None:
        return value.suppressed
    if value.value is None:
        return "–"
    unit = BY_ID[value.id].unit
    if value.id == "rate_difference":
        return f"{value.value * 100:+.{decimals}f} pp"
    if value.id == "pre_post_change":  # a relative change
        return f"{value.value * 100:+.{decimals}f}%"
    if unit == "share":
        return f"{value.value * 100:.{decimals}f}%"
    if unit == "gbp":
        return f"£{value.value:,.0f}"
    if unit == "count":
        return f"{int(value.value):,}"
    if unit == "p_value":
        return "<0.001" if value.value < 0.001 else f"{value.value:.3f}"
    return f"{value.value:,.{decimals}f}"


def _cell_size(value: MetricValue):
    counts = [n for n in _disclosed_counts(value) if n is not None]
    if BY_ID[value.id].disclosure == "count":
        return counts[0] if counts else None
    return value.denominator if value.denominator is not None else (min(counts) if counts else None)


def _none(x):
    if x is None:
        return None
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    return x
