"""A chart's text alternative and the data behind it, read from the figure itself, so a
screen-reader user (or anyone who cannot see colour or hover) gets the same figures as the
picture: one table row per drawn point, values worded by the axis's unit."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from dashboard.presentation import units


def _title(axis) -> str:
    return (axis.title.text or "").strip() if axis is not None and axis.title is not None else ""


def _worded(value, tickformat: str | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no figure"
    if isinstance(value, (int, float)):
        if tickformat and "%" in tickformat:
            return units.share(value)
        return units.count(value) if float(value).is_integer() else f"{value:,.2f}"
    return str(value)


def chart_table(fig: go.Figure) -> pd.DataFrame:
    """Every drawn point of the figure: series, category (or x) and value, as text."""
    layout = fig.layout
    x_title, y_title = _title(layout.xaxis), _title(layout.yaxis)
    rows = []
    for trace in fig.data:
        if trace.showlegend is False and not getattr(trace, "name", None):
            continue  # an interval band drawn behind its series
        name = trace.name or ""
        if trace.type == "heatmap":
            for y, row in zip(trace.y, trace.z):
                for x, z in zip(trace.x, row):
                    rows.append({"series": name, y_title or "row": str(y), x_title or "column": str(x),
                                 "value": _worded(z, None)})
            continue
        xs, ys = list(trace.x if trace.x is not None else []), list(trace.y if trace.y is not None else [])
        horizontal = getattr(trace, "orientation", None) == "h" or (
            bool(ys) and all(isinstance(y, str) for y in ys) and not all(isinstance(x, str) for x in xs))
        categories, values = (ys, xs) if horizontal else (xs, ys)
        value_format = (layout.xaxis.tickformat if horizontal else layout.yaxis.tickformat)
        category_title = (y_title if horizontal else x_title) or "category"
        value_title = (x_title if horizontal else y_title) or "value"
        errors = getattr(trace, "error_x" if horizontal else "error_y", None)
        plus = list(errors.array) if errors is not None and errors.array is not None else None
        minus = list(errors.arrayminus) if errors is not None and errors.arrayminus is not None else plus
        for i, (category, value) in enumerate(zip(categories, values)):
            row = {"series": name, category_title: _worded(category, None), value_title: _worded(value, value_format)}
            if plus is not None and isinstance(value, (int, float)) and plus[i] is not None:
                row["95% interval"] = (f"{_worded(value - minus[i], value_format)} to "
                                       f"{_worded(value + plus[i], value_format)}")
            rows.append(row)
    frame = pd.DataFrame(rows)
    if not frame.empty and frame["series"].eq("").all():
        frame = frame.drop(columns="series")
    return frame.fillna("")


def chart_alt(fig: go.Figure) -> str:
    """One sentence: what the chart is, its series, and where its numbers are."""
    title = (fig.layout.title.text or "Chart").strip()
    series = [t.name for t in fig.data if t.name and t.showlegend is not False]
    drawn = f" It draws {', '.join(dict.fromkeys(series))}." if series else ""
    return f"Chart: {title}.{drawn} The data behind it is in the table that follows."
