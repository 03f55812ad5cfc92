"""A view's table of counts as every outlet shows it: categories and headings in words,
thousands separators, and "<5" or "*" where disclosure control removed a count (the markers
travel beside each count as data: metrics.disclosure.suppress_counts)."""

from __future__ import annotations

import pandas as pd

from dashboard.presentation import units
from dashboard.presentation.labels import column as column_label
from dashboard.presentation.labels import label
from metrics.disclosure import MARK_SUFFIX, marks, without_marks


def count_cells(frame: pd.DataFrame, column: str) -> list[str]:
    """One count column's cells as text: the marker where disclosure control removed it."""
    return [mark or units.number(value, "count") for value, mark in zip(frame[column], marks(frame, column))]


def counts_table(frame: pd.DataFrame, headings: bool = True, columns: list[str] | None = None) -> pd.DataFrame:
    """Every cell as text (counts, markers, labels); `columns` picks and orders them; with
    `headings`, the columns are named in words too."""
    counted = {c.removesuffix(MARK_SUFFIX) for c in frame.columns if c.endswith(MARK_SUFFIX)}
    out = without_marks(frame)
    out = out[columns] if columns is not None else out.copy()
    for name in out.columns:
        if name in counted:
            out[name] = count_cells(frame, name)
        elif out[name].dtype == object:
            out[name] = out[name].map(label)
    return out.rename(columns=column_label) if headings else out
