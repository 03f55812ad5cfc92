"""How a measure is laid out on a page: tiles with intervals and reliability flags, and the
"compare by" control that puts cohorts side by side. Layout only: every number comes from
metrics/ through dashboard.data, and every word of it from dashboard.presentation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, figures, presentation
from dashboard.presentation import Shown, Situation
from metrics import BREAKDOWN_LABELS, MetricValue
from metrics.disclosure import MIN_PEOPLE, TOO_FEW_MARK

COMPARE_BY = BREAKDOWN_LABELS
cells = presentation.cohort_cells


def situation(ctx) -> Situation:
    """Whether the selection's schemes have targets and when follow-up results are due."""
    return Situation(**data.selection_facts(ctx.warehouse, ctx.scope, ctx.filter))


def chart(fig, key: str, target=None) -> None:
    """A chart with its text alternative, and the data behind it in a table that a keyboard and
    a screen reader reach (dashboard.presentation.charts reads both from the figure)."""
    target = target or st
    target.plotly_chart(fig, key=key, alt=presentation.chart_alt(fig))
    with target.expander("Data behind this chart"):
        st.dataframe(presentation.chart_table(fig), hide_index=True)


def tile(shown: Shown, column=None) -> None:
    target = column or st
    target.metric(shown.title, shown.text, help=shown.tooltip, border=True)
    if shown.detail:
        target.caption(shown.detail)


def tiles(results: dict[str, MetricValue], ids: list[str], per_row: int = 4) -> None:
    if any(r.suppressed == TOO_FEW_MARK for r in results.values()):
        st.warning(f"Fewer than {MIN_PEOPLE} people are in this selection. To protect them, no figures are "
                   "shown for your role: widen the filters (more schemes, districts or months, or fewer "
                   "people filters).", icon=":material/group_off:")
        st.stop()
    from dashboard import session  # the page's context: which schemes, which dates

    about = situation(session.context())
    for start in range(0, len(ids), per_row):
        columns = st.columns(per_row)
        for column, metric_id in zip(columns, ids[start: start + per_row]):
            tile(presentation.show(results[metric_id], results, about), column)


def compare_by(ctx, metric_ids: list[str], key: str, default: str = "scheme") -> None:
    """The cohorts side by side for each measure, with numerators, denominators and intervals."""
    st.subheader("Compare cohorts")
    by = st.segmented_control("Compare by", list(COMPARE_BY), format_func=COMPARE_BY.get, default=default,
                              key=f"compare_{key}", persist_state="session") or default
    frame = data.breakdown(ctx.warehouse, ctx.scope, ctx.filter, by, metric_ids)
    for metric_id in metric_ids:
        rows = cells(frame, metric_id)
        title = presentation.show(MetricValue(metric_id, None)).title
        if rows.empty:
            st.info(f"No {title.lower()} for this selection.")
            continue
        unit = presentation.unit_of(metric_id)
        if unit == "share":
            fig = figures.figure_rate_by_cohort(rows, title, COMPARE_BY[by])
        else:
            fig = figures.figure_value_by_cohort(rows, title, COMPARE_BY[by], figures.AXIS_TITLES[unit])
        chart(fig, f"{key}_{metric_id}_{by}")
    with st.expander("The numbers behind these charts"):
        st.dataframe(table(frame), hide_index=True)


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """A breakdown as a readable table: the figure, its interval, counts and notes."""
    shown = [presentation.cell(r) for r in frame.itertuples()]
    return pd.DataFrame({
        COMPARE_BY.get(frame["by"].iloc[0], "Cohort") if len(frame) else "Cohort": frame["label"].map(presentation.label),
        "Measure": [s.title for s in shown],
        "Value": [s.text for s in shown],
        "95% interval": [s.interval.removeprefix("95% CI ") for s in shown],
        "Counts": [s.counts for s in shown],
        "Notes": ["; ".join(s.notes) for s in shown],
    })


def side_by_side(frame: pd.DataFrame) -> pd.DataFrame:
    """Cohorts as rows and measures as columns ("77.0% (75.4% to 78.6%)"), for comparing
    cohorts at a glance; `table` keeps the numerators and denominators."""
    rows: dict[str, dict[str, str]] = {}
    for r in frame.itertuples():
        shown = presentation.cell(r)
        text = shown.text + (f" ({shown.interval.removeprefix('95% CI ')})" if shown.interval else "")
        rows.setdefault(presentation.label(r.label), {})[shown.title] = text
    header = COMPARE_BY.get(frame["by"].iloc[0], "Cohort") if len(frame) else "Cohort"
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(header).reset_index()


counts_table = presentation.counts_table
