"""Pure figure builders: `figure_*(result) -> go.Figure`, no data access, no streamlit.

The pages and the PDF board report call the same builders, so a chart looks the same on
screen and on paper. One look throughout: the Okabe–Ito colour-blind-safe palette,
labelled axes, shares shown as percentages, categorical quarters (no fractional years).
A suppressed value arrives as None and is drawn as a gap with a note, never as zero.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.presentation import label

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
PARTICIPANTS, COMPARISON = PALETTE[0], PALETTE[1]
FONT = "DejaVu Sans, Arial, sans-serif"


# The value axis of each presentation unit (dashboard.presentation.units).
AXIS_TITLES = {"share": "share", "points": "difference (percentage points)", "relative_change": "change",
               "per_person": "per person", "per_month": "attended contacts per month", "money": "£",
               "days": "days", "count": "number", "p_value": "p-value"}


def _empty_words(hidden: pd.DataFrame) -> list[str]:
    """What to print where a cell has no figure: its empty state's words (cohort_cells)."""
    words = hidden["empty"] if "empty" in hidden else pd.Series(["no figure"] * len(hidden))
    return [w or "no figure" for w in words]


def _layout(fig: go.Figure, title: str, height: int = 360) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        template="simple_white",
        colorway=PALETTE,
        font={"family": FONT, "size": 12},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
    )
    return fig


def _share_axis(fig: go.Figure, axis: str = "x") -> None:
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(tickformat=".0%", rangemode="tozero")


def figure_rate_by_cohort(cells: pd.DataFrame, title: str, cohort_label: str) -> go.Figure:
    """Horizontal dots with 95% intervals, one row per cohort cell.

    cells: columns cell, value, ci_low, ci_high, numerator, denominator (value None = suppressed).
    """
    shown = cells[cells["value"].notna()]
    hidden = cells[cells["value"].isna()]
    fig = go.Figure(go.Scatter(
        x=shown["value"], y=shown["cell"].astype(str), mode="markers",
        marker={"size": 10, "color": PARTICIPANTS},
        error_x={"type": "data", "symmetric": False,
                 "array": (shown["ci_high"] - shown["value"]).fillna(0),
                 "arrayminus": (shown["value"] - shown["ci_low"]).fillna(0), "thickness": 1.5},
        customdata=shown[["numerator", "denominator"]].astype(str).values,
        hovertemplate="%{y}: %{x:.1%} (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        name="rate",
    ))
    for cell, empty in zip(hidden["cell"].astype(str), _empty_words(hidden)):
        fig.add_annotation(x=0, y=cell, text=empty, showarrow=False, xanchor="left", font={"color": "#595959"})
    _share_axis(fig, "x")
    fig.update_xaxes(title="share, with 95% interval", range=[0, 1.02])
    fig.update_yaxes(title=cohort_label, type="category", categoryorder="array",
                     categoryarray=list(cells["cell"].astype(str))[::-1])
    return _layout(fig, title, height=max(240, 60 + 34 * len(cells)))


def figure_value_by_cohort(cells: pd.DataFrame, title: str, cohort_label: str, axis_title: str,
                           targets: pd.DataFrame | None = None) -> go.Figure:
    """Bars of a count, median or ratio per cohort cell (value None = suppressed: no bar);
    optional targets (label, target) drawn as markers against the bars."""
    fig = go.Figure(go.Bar(x=cells["value"], y=cells["cell"].astype(str), orientation="h", name="median",
                           marker_color=PARTICIPANTS, hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    if targets is not None and not targets.empty:
        fig.add_scatter(x=targets["target"], y=targets["label"].astype(str), mode="markers", name="target",
                        marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": COMPARISON}},
                        hovertemplate="%{y}: target %{x}<extra></extra>")
    fig.update_xaxes(title=axis_title, rangemode="tozero")
    fig.update_yaxes(title=cohort_label, type="category", categoryorder="array",
                     categoryarray=list(cells["cell"].astype(str))[::-1])
    return _layout(fig, title, height=max(240, 60 + 34 * len(cells)))


def figure_funnel(stages: list[tuple[str, float | None, str]], title: str = "Referral to completion") -> go.Figure:
    """stages: (stage, count, text) from dashboard.presentation.funnel_stages; the text says
    what each stage's share is of."""
    shown = [stage for stage in stages if stage[1] is not None]
    fig = go.Figure(go.Funnel(y=[s[0] for s in shown], x=[s[1] for s in shown], text=[s[2] for s in shown],
                              textinfo="text", hovertemplate="%{y}: %{text}<extra></extra>",
                              marker={"color": PALETTE[: len(shown)]}))
    return _layout(fig, title, height=300)


def figure_trend(cells: pd.DataFrame, title: str) -> go.Figure:
    """A share by intake quarter with its 95% interval as a band; quarters are categories."""
    cells = cells.sort_values("cell")
    x = cells["cell"].astype(str)
    fig = go.Figure([
        go.Scatter(x=x, y=cells["ci_high"], mode="lines", line={"width": 0}, showlegend=False,
                   hoverinfo="skip"),
        go.Scatter(x=x, y=cells["ci_low"], mode="lines", line={"width": 0}, fill="tonexty",
                   fillcolor="rgba(0,114,178,0.18)", name="95% interval", hoverinfo="skip"),
        go.Scatter(x=x, y=cells["value"], mode="lines+markers", line={"color": PARTICIPANTS}, name="rate",
                   connectgaps=False, hovertemplate="%{x}: %{y:.1%}<extra></extra>"),
    ])
    _share_axis(fig, "y")
    fig.update_yaxes(title="share", range=[0, 1.02])
    fig.update_xaxes(title="intake quarter", type="category")
    return _layout(fig, title)


def figure_counts(frame: pd.DataFrame, category: str, count: str, title: str, axis_title: str,
                  colour: str | None = None) -> go.Figure:
    """Horizontal bars of counts per category, optionally stacked by `colour`; categories and
    colours are labelled in words (dashboard.presentation.label)."""
    fig = go.Figure()
    if colour:
        for i, (group, rows) in enumerate(frame.groupby(colour, sort=False)):
            fig.add_bar(x=rows[count], y=rows[category].map(label), name=label(group),
                        orientation="h", marker_color=PALETTE[i % len(PALETTE)])
        fig.update_layout(barmode="stack")
    else:
        fig.add_bar(x=frame[count], y=frame[category].map(label), orientation="h", marker_color=PARTICIPANTS)
    fig.update_xaxes(title=axis_title, rangemode="tozero")
    fig.update_yaxes(title=None, type="category")
    return _layout(fig, title, height=max(260, 60 + 30 * frame[category].nunique()))


def figure_heatmap(frame: pd.DataFrame, x: str, y: str, z: str, title: str, z_title: str) -> go.Figure:
    table = frame.pivot_table(index=y, columns=x, values=z, aggfunc="sum")
    fig = go.Figure(go.Heatmap(z=table.values, x=[str(c) for c in table.columns], y=[str(i) for i in table.index],
                               colorscale="Blues", colorbar={"title": z_title},
                               hovertemplate="%{y}, %{x}: %{z}<extra></extra>"))
    fig.update_xaxes(title="month", type="category")
    fig.update_yaxes(title=None, type="category")
    return _layout(fig, title, height=max(260, 80 + 30 * len(table.index)))


def figure_survival(curves: pd.DataFrame, title: str = "Time to first proven reoffence") -> go.Figure:
    """Kaplan–Meier step curves; curves: group, time_days, survival."""
    fig = go.Figure()
    colours = {"participants": PARTICIPANTS, "comparison": COMPARISON}
    for i, (group, rows) in enumerate(curves.groupby("group", sort=False)):
        fig.add_scatter(x=rows["time_days"], y=rows["survival"], mode="lines", line_shape="hv",
                        name=str(group).capitalize(), line={"color": colours.get(group, PALETTE[i])},
                        hovertemplate="day %{x}: %{y:.1%} not yet reoffended<extra></extra>")
    _share_axis(fig, "y")
    fig.update_yaxes(title="not yet proven to have reoffended", range=[0, 1.02])
    fig.update_xaxes(title="days since index date", range=[0, 365], dtick=60)
    return _layout(fig, title)


def figure_comparison(rows: pd.DataFrame, title: str = "One-year proven reoffending") -> go.Figure:
    """Participants against the (matched) comparison: rows label, value, ci_low, ci_high."""
    fig = go.Figure()
    for i, row in enumerate(rows.itertuples()):
        if row.value is None or pd.isna(row.value):
            continue
        has_ci = row.ci_low is not None and not pd.isna(row.ci_low)
        fig.add_bar(
            x=[row.label], y=[row.value], name=row.label, marker_color=[PARTICIPANTS, COMPARISON, PALETTE[4]][i % 3],
            error_y={"type": "data", "symmetric": False, "array": [row.ci_high - row.value if has_ci else 0],
                     "arrayminus": [row.value - row.ci_low if has_ci else 0], "visible": has_ci},
            hovertemplate="%{x}: %{y:.1%}<extra></extra>", showlegend=False,
        )
    _share_axis(fig, "y")
    fig.update_yaxes(title="reoffended within a year", range=[0, 1.02])
    return _layout(fig, title)


def figure_pre_post(prior: float | None, after: float | None, title: str = "Proven offences per person") -> go.Figure:
    fig = go.Figure(go.Bar(x=["Year before", "Year after"], y=[prior, after], marker_color=[COMPARISON, PARTICIPANTS],
                           text=[f"{v:.2f}" if v is not None else "suppressed" for v in (prior, after)],
                           textposition="outside"))
    fig.update_yaxes(title="proven offences per person", rangemode="tozero")
    return _layout(fig, title, height=300)


def figure_funnel_plot(points: pd.DataFrame, limits: pd.DataFrame, overall: float,
                       title: str = "Completion against caseload") -> go.Figure:
    """Schemes' completion rates against their denominators, with 95% and 99.8% control limits.

    points: label, denominator, value, outside_95. limits: denominator, low95, high95, low998, high998.
    """
    fig = go.Figure()
    for name, low, high, dash in (("95% limits", "low95", "high95", "dash"),
                                  ("99.8% limits", "low998", "high998", "dot")):
        fig.add_scatter(x=limits["denominator"], y=limits[high], mode="lines", name=name,
                        line={"color": "#666", "dash": dash, "width": 1})
        fig.add_scatter(x=limits["denominator"], y=limits[low], mode="lines", showlegend=False,
                        line={"color": "#666", "dash": dash, "width": 1})
    fig.add_hline(y=overall, line={"color": "#999", "width": 1}, annotation_text="all schemes",
                  annotation_position="top left")
    # Label only the schemes outside the 95% limits: the ones a commissioner should ask about.
    outside = points["outside_95"]
    x_max = 1.3 * max(points["denominator"].max(), 1)  # room on the right for the largest scheme's label
    labels = points["label"].where(outside, "")
    fig.add_scatter(x=points["denominator"], y=points["value"], mode="markers+text",
                    text=labels, customdata=points["label"],
                    textposition=label_positions(points["denominator"], points["value"], labels, x_max),
                    marker={"size": 10, "color": PARTICIPANTS}, name="scheme",
                    hovertemplate="%{customdata}: %{y:.1%} of %{x:,}<extra></extra>")
    _share_axis(fig, "y")
    fig.update_yaxes(title="completion rate", range=[0, 1.05])
    fig.update_xaxes(title="exits counted (completion denominator)", range=[0, x_max])
    return _layout(fig, title, height=420)


_LABEL_PLACES = ("top right", "bottom right", "middle right", "top left", "bottom left", "middle left")


def label_positions(x: pd.Series, y: pd.Series, labels: pd.Series, x_max: float,
                     width: float = 760, height: float = 300) -> list[str]:
    """A text position per point such that labels do not print over each other, found
    greedily in order of x on a plot of about width x height pixels (a 12 px font is about
    6.5 px a character)."""
    placed: list[tuple[float, float, float, float]] = []
    positions = ["top right"] * len(x)
    for i in sorted(range(len(x)), key=lambda i: x.iloc[i]):
        label = labels.iloc[i]
        if not label or pd.isna(y.iloc[i]):
            continue
        px, py = x.iloc[i] / x_max * width, y.iloc[i] / 1.05 * height
        w, h = 6.5 * len(label) + 6, 14
        for place in _LABEL_PLACES:
            vertical, horizontal = place.split()
            left = px + 4 if horizontal == "right" else px - 4 - w
            bottom = {"top": py + 5, "bottom": py - 5 - h, "middle": py - h / 2}[vertical]
            box = (left, bottom, left + w, bottom + h)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                positions[i] = place
                placed.append(box)
                break
    return positions
