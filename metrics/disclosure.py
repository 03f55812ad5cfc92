"""Statistical disclosure control (metrics.md "Disclosure control").

Outside the analyst role and in every export: a count from 1 to k − 1 becomes "<k"; a rate
whose numerator or denominator is from 1 to k − 1 becomes "*" (interval too); in a
breakdown where exactly one cell of a metric is suppressed, the next smallest cell is
suppressed too (marked "*"), and a count hidden in a cell is hidden in that cell's other
metrics as well. Zeros are shown. The numbers are removed from the returned values, not
just formatted away, so a suppressed number cannot reach a page or a file.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from metrics.catalogue import BY_ID, DERIVED_FROM
from metrics.result import MetricValue

if TYPE_CHECKING:
    from metrics.scope import AccessScope

DEFAULT_K = 5
# A selection (or a breakdown cell) of fewer people than this shows no figures outside the
# analyst view: with free filters, a handful of people is one person away from a record.
MIN_PEOPLE = 10
TOO_FEW_MARK = "too few"
RATE_MARK = "*"
MARK_SUFFIX = "__mark"  # a table's column of markers beside its count column (suppress_counts)
NUMBER_COLUMNS = ["value", "numerator", "denominator", "ci_low", "ci_high", "p_value"]
BREAKDOWN_COLUMNS = ["by", "cell", "label", "metric", *NUMBER_COLUMNS, "flags", "suppressed"]
SURVIVAL_COLUMNS = ["group", "time_days", "survival", "ci_low", "ci_high", "people", "events"]

# A metric is suppressed along with these (computed from the same few people).
FOLLOWS = {
    **DERIVED_FROM,
    "pre_post_change": ("reoffences_per_person", "prior_offences_per_person"),
}


def too_few(people, min_people: int = MIN_PEOPLE) -> bool:
    """A selection of 1 to min_people − 1 people (none at all is "no data", not a secret)."""
    return people is not None and 0 < people < min_people


def coarsen(flt, period: str = "month"):
    """The filter with its dates widened to whole months (pages) or quarters (board reports),
    so two views can never differ by a day's referrals."""
    return replace(flt, date_from=period_start(flt.date_from, period), date_to=period_end(flt.date_to, period))


def period_start(day: dt.date | None, period: str = "month") -> dt.date | None:
    if day is None:
        return None
    month = day.month if period == "month" else 3 * ((day.month - 1) // 3) + 1
    return dt.date(day.year, month, 1)


def period_end(day: dt.date | None, period: str = "month") -> dt.date | None:
    if day is None:
        return None
    month = day.month if period == "month" else 3 * ((day.month - 1) // 3) + 3
    return dt.date(day.year, month, calendar.monthrange(day.year, month)[1])


def too_few_value(value: MetricValue, k: int = DEFAULT_K) -> MetricValue:
    """A value of a selection with too few people: its primary suppression mark where it has
    one ("<5", "*"), else TOO_FEW_MARK; never a number."""
    if needs_suppression(value, k):
        return suppress_value(value, k)
    return value.without_numbers(TOO_FEW_MARK)


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
    """Primary suppression per row, then secondary suppression per metric across cells.

    Works on one MetricValue per row (plain Python, not pandas row access: a national
    breakdown has thousands of rows) and writes the suppressed rows back at the end.
    """
    frame = frame.copy()
    frame["suppressed"] = frame["suppressed"].astype(object)
    for column in NUMBER_COLUMNS:
        frame[column] = frame[column].astype(object)
    labels, cells, metric_ids = list(frame.index), frame["cell"].tolist(), frame["metric"].tolist()
    numbers = [frame[column].tolist() for column in NUMBER_COLUMNS]
    flags, marks = frame["flags"].tolist(), frame["suppressed"].tolist()
    given = [MetricValue(metric_ids[i], *(_none(column[i]) for column in numbers), flags=flags[i],
                         suppressed=marks[i]) for i in range(len(labels))]
    values = list(given)
    by_cell = _positions(cells)
    by_metric = _positions(metric_ids)

    def hidden(i) -> bool:
        return not _is_na(values[i].suppressed)

    # The counts each row discloses, and those that stay secret once it is suppressed (a
    # count's value; a rate's numerator, and its denominator too when that is small).
    disclosed_counts = [{n for n in _disclosed_counts(v) if n} for v in given]
    hidden_counts = [_secret_counts(v, k) for v in given]

    # primary
    values = [suppress_value(v, k) for v in values]

    def follow() -> None:  # values that follow another metric of the same cell
        for metric_id, sources in FOLLOWS.items():
            for positions in by_cell.values():
                if any(metric_ids[i] in sources and hidden(i) for i in positions):
                    for i in positions:
                        if metric_ids[i] == metric_id and values[i].suppressed is None:
                            values[i] = _suppressed(values[i], k)

    def secondary() -> bool:  # exactly one suppressed cell of a metric -> also the next smallest
        changed = False
        for metric_id, positions in by_metric.items():
            if BY_ID[metric_id].disclosure == "none":
                continue
            shown = [i for i in positions if not hidden(i)]
            if len(positions) - len(shown) != 1:
                continue
            candidates = []
            for i in shown:
                size = _cell_size(values[i])
                if size:  # zero or unknown cells protect nothing
                    candidates.append((size, str(cells[i]), labels[i], i))
            if candidates:
                i = min(candidates)[3]
                values[i] = _suppressed(values[i], k, secondary=True)
                changed = True
        return changed

    def shared_counts() -> bool:
        """A count hidden in a cell stays hidden in that cell's other metrics: engaged = 7
        suppressed must not reappear as the numerator of the cell's engagement_rate."""
        changed = False
        for positions in by_cell.values():
            secret = set()
            for i in positions:
                if hidden(i):
                    secret |= hidden_counts[i]
            for i in [i for i in positions if not hidden(i)]:
                if secret & disclosed_counts[i]:
                    values[i] = _suppressed(values[i], k, secondary=True)
                    changed = True
        return changed

    follow()
    # Secondary suppression and the cells' shared counts can each start the other: repeat
    # until neither suppresses anything more.
    while secondary() | shared_counts():
        follow()
    for i, value in enumerate(values):
        if value is not given[i]:
            for column in NUMBER_COLUMNS:
                frame.at[labels[i], column] = getattr(value, column)
            frame.at[labels[i], "suppressed"] = value.suppressed
    return frame


def _positions(keys: list) -> dict:
    """Row positions per key, in order of first appearance (a groupby without sorting; a
    missing key belongs to no group)."""
    groups: dict = {}
    for i, key in enumerate(keys):
        if not _is_na(key):
            groups.setdefault(key, []).append(i)
    return groups


def _is_na(x) -> bool:
    return _none(x) is None


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


def suppress_counts(frame: pd.DataFrame, columns: list[str], scope: AccessScope,
                    k: int = DEFAULT_K, *, suppress: bool | None = None,
                    row_totals: dict[str, list[str]] | None = None,
                    row_groups: list[pd.Series] | None = None,
                    caps: dict[str, str] | None = None) -> pd.DataFrame:
    """Counts from 1 to k − 1 become missing (primary suppression, shown as "<5"). Then, until nothing
    changes: wherever exactly one cell of a set of cells that adds up to a total the reader
    can see or work out is missing, the smallest non-zero other cell of the set goes too, so
    the missing one cannot be worked out by subtraction (secondary suppression, shown as
    "*"). Each suppressed column `c` gets a column `c__mark` beside it: the marker to show in
    each row ("<5", "*", or "" where the count is shown), as data (marks()).

    The sets: each column (its total is shown elsewhere, e.g. a tile); in each row, a total
    column with its parts (`row_totals`: total -> parts); and, in each column, the rows of
    each of `row_groups` (boolean masks of rows that add up to a shown total). Analysts see
    everything, except in exports (`suppress=True`, as for the measures).

    Before that, each count column `c` with a cell-key column `c__key` is perturbed
    (metrics/cellkey.py), and each column of `caps` is capped at its partner (numerator ->
    denominator); the key columns never leave this function.
    """
    from metrics import cellkey  # cellkey imports this module

    keys = [c for c in frame.columns if c.endswith("__key")]
    if not (scope.suppress if suppress is None else suppress) or frame.empty:
        return frame.drop(columns=keys)
    frame = frame.copy()
    for column in columns:  # cell-key perturbation (metrics/cellkey.py), before suppression
        if f"{column}__key" in frame:
            frame[column] = [cellkey.perturb(n, key, k) for n, key in zip(frame[column], frame[f"{column}__key"])]
    for numerator, denominator in (caps or {}).items():
        frame[numerator] = frame[[numerator, denominator]].min(axis=1)
    frame = frame.drop(columns=keys)
    values = {c: pd.to_numeric(frame[c], errors="coerce").astype("float").to_numpy() for c in columns}
    primary = {c: np.array([is_small(n, k) for n in values[c]]) for c in columns}
    hidden = {c: primary[c].copy() for c in columns}
    rows = range(len(frame))
    sets = [[(i, c) for i in rows] for c in columns]
    for total, parts in (row_totals or {}).items():
        sets += [[(i, total)] + [(i, p) for p in parts] for i in rows]
    for group in row_groups or []:
        members = np.flatnonzero(np.asarray(group))
        sets += [[(i, c) for i in members] for c in columns]
    changed = True
    while changed:
        changed = False
        for cells in sets:
            if sum(hidden[c][i] for i, c in cells) != 1:
                continue
            shown = [(values[c][i], i, c) for i, c in cells if not hidden[c][i] and values[c][i] > 0]
            if shown:
                _, i, c = min(shown)
                hidden[c][i] = True
                changed = True
    for c in columns:
        frame[c] = np.where(hidden[c], np.nan, values[c])
    # what a table shows instead of each missing count, by column and row position
    for c in columns:
        frame[c + MARK_SUFFIX] = np.where(primary[c], count_mark(k), np.where(hidden[c], RATE_MARK, "")).tolist()
    return frame


def marks(frame: pd.DataFrame, column: str) -> list[str]:
    """What a table shows instead of each row's count of `column` ("" where it is shown)."""
    if column + MARK_SUFFIX in frame:
        return list(frame[column + MARK_SUFFIX])
    return [""] * len(frame)


def without_marks(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in frame.columns if c.endswith(MARK_SUFFIX)])
