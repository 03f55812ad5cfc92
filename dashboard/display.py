"""How a measure is shown: tiles with intervals and reliability flags, and the
"compare by" control that puts cohorts side by side. Formatting only; every number comes
from metrics/ through dashboard.data."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, figures
from metrics import BY_ID as CATALOGUE
from metrics import BREAKDOWN_LABELS, MetricValue

COMPARE_BY = BREAKDOWN_LABELS

FLAG_TEXT = {
    "low_n": "fewer than 30 in the denominator: treat with caution",
    "few_events": "fewer than 10 events: treat with caution",
}


def fmt(value, unit: str) -> str:
    """A number in the users' terms: shares as percentages, money in pounds, days whole."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, str):  # already a disclosure-control marker such as "<5" or "*"
        return value
    if unit == "share":
        return f"{value:.1%}"
    if unit == "gbp":
        return f"£{value:,.0f}"
    if unit in ("count", "people"):
        return f"{value:,.0f}"
    if unit == "days":
        return f"{value:,.1f} days" if value % 1 else f"{value:,.0f} days"
    if unit == "p_value":
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    if unit == "change":
        return f"{value:+.1%}"
    return f"{value:,.2f}"


def shown(result: MetricValue) -> str:
    """The headline figure, or the disclosure-control marker that replaced it."""
    if result.suppressed:
        return result.suppressed
    return fmt(result.value, CATALOGUE[result.id].unit)


def detail_line(result: MetricValue) -> str:
    entry = CATALOGUE[result.id]
    parts = []
    if result.ci_low is not None and result.ci_high is not None:
        parts.append(f"95% CI {fmt(result.ci_low, entry.unit)} to {fmt(result.ci_high, entry.unit)}")
    if entry.ratio and result.numerator is not None and result.denominator is not None:
        unit = "gbp" if entry.unit == "gbp" else "count"
        parts.append(f"{fmt(result.numerator, unit)} / {fmt(result.denominator, 'count')}")
    if result.p_value is not None:
        parts.append(f"p = {fmt(result.p_value, 'p_value')}")
    parts += [FLAG_TEXT.get(flag, flag) for flag in result.flags or ()]
    return " · ".join(parts)


def tile(result: MetricValue, column=None) -> None:
    entry = CATALOGUE[result.id]
    target = column or st
    target.metric(entry.title, shown(result), help=entry.definition, border=True)
    line = detail_line(result)
    if line:
        target.caption(line)


def tiles(results: dict[str, MetricValue], ids: list[str], per_row: int = 4) -> None:
    for start in range(0, len(ids), per_row):
        columns = st.columns(per_row)
        for column, metric_id in zip(columns, ids[start: start + per_row]):
            tile(results[metric_id], column)


def cells(frame: pd.DataFrame, metric_id: str) -> pd.DataFrame:
    """One metric's cells of a breakdown, in the shape the figure builders take."""
    rows = frame[frame["metric"] == metric_id].copy()
    rows["cell"] = rows["label"].astype(str)
    for column in ("value", "ci_low", "ci_high", "numerator", "denominator"):
        rows[column] = pd.to_numeric(rows[column], errors="coerce")
    return rows


def compare_by(ctx, metric_ids: list[str], key: str, default: str = "scheme") -> None:
    """The cohorts side by side for each measure, with numerators, denominators and intervals."""
    st.subheader("Compare cohorts")
    by = st.segmented_control("Compare by", list(COMPARE_BY), format_func=COMPARE_BY.get, default=default,
                              key=f"compare_{key}", persist_state="session") or default
    frame = data.breakdown(ctx.warehouse, ctx.scope, ctx.filter, by, metric_ids)
    for metric_id in metric_ids:
        entry = CATALOGUE[metric_id]
        rows = cells(frame, metric_id)
        if rows.empty:
            st.info(f"No {entry.title.lower()} for this selection.")
            continue
        if entry.unit == "share":
            fig = figures.figure_rate_by_cohort(rows, entry.title, COMPARE_BY[by])
        else:
            fig = figures.figure_value_by_cohort(rows, entry.title, COMPARE_BY[by], entry.unit)
        st.plotly_chart(fig, key=f"{key}_{metric_id}_{by}")
    with st.expander("The numbers behind these charts"):
        st.dataframe(table(frame), hide_index=True)


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """A breakdown as a readable table: formatted values, intervals, flags."""
    out = pd.DataFrame({
        "cohort": frame["label"].astype(str),
        "measure": [CATALOGUE[m].title for m in frame["metric"]],
        "value": [_cell_text(r) for r in frame.itertuples()],
        "numerator": frame["numerator"].map(lambda v: fmt(v, "count")),
        "denominator": frame["denominator"].map(lambda v: fmt(v, "count")),
        "95% interval": [
            f"{fmt(r.ci_low, CATALOGUE[r.metric].unit)} to {fmt(r.ci_high, CATALOGUE[r.metric].unit)}"
            if r.ci_low is not None and not pd.isna(r.ci_low) else "" for r in frame.itertuples()
        ],
        "flags": [", ".join(FLAG_TEXT.get(f, f) for f in (r.flags or ())) for r in frame.itertuples()],
    })
    return out


def side_by_side(frame: pd.DataFrame) -> pd.DataFrame:
    """Cohorts as rows and measures as columns ("77.0% (75.4% to 78.6%)"), for comparing
    cohorts at a glance; `table` keeps the numerators and denominators."""
    rows: dict[str, dict[str, str]] = {}
    for r in frame.itertuples():
        unit = CATALOGUE[r.metric].unit
        text = _cell_text(r)
        if r.ci_low is not None and not pd.isna(r.ci_low) and not r.suppressed:
            text += f" ({fmt(r.ci_low, unit)} to {fmt(r.ci_high, unit)})"
        rows.setdefault(str(r.label), {})[CATALOGUE[r.metric].title] = text
    header = COMPARE_BY.get(frame["by"].iloc[0], "cohort") if len(frame) else "cohort"
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(header).reset_index()


def _cell_text(row) -> str:
    if isinstance(row.suppressed, str) and row.suppressed:
        return row.suppressed
    return fmt(row.value, CATALOGUE[row.metric].unit)


def counts_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A view's counts for st.dataframe: thousands separators, and "<5" or "*" where
    disclosure control removed a count (metrics.views.suppress_counts)."""
    out = frame.copy()
    for column, marks in frame.attrs.get("suppressed", {}).items():
        out[column] = [mark or fmt(value, "count") for value, mark in zip(frame[column], marks)]
    return out
