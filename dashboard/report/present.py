"""How the PDF lays out a measure: the presentation layer's words in table rows.

Words only from dashboard.presentation (the pages use the same), on values that have been
through disclosure control: a suppressed value prints its marker and no number.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard import presentation
from dashboard.presentation import Situation
from metrics import BY_ID, MetricValue


@dataclass(frozen=True)
class Line:
    """One measure as the report prints it."""

    id: str
    title: str
    value: str
    interval: str  # "85.3% to 87.8%" (the template says "95% CI")
    counts: str
    notes: str
    definition: str
    suppressed: bool  # no figure, for whatever reason (the value says which)


def line(v: MetricValue, results: dict[str, MetricValue] | None = None,
         situation: Situation = Situation()) -> Line:
    shown = presentation.show(v, results, situation)
    notes = "; ".join((shown.state.tooltip,) if shown.state else shown.notes)
    return Line(v.id, shown.title, shown.text, shown.interval.removeprefix("95% CI "), shown.counts, notes,
                shown.definition, shown.state is not None)


def lines(values: dict[str, MetricValue], ids, situation: Situation = Situation()) -> list[Line]:
    return [line(values[metric_id], values, situation) for metric_id in ids]


def cohort_table(frame: pd.DataFrame, metric_ids) -> tuple[list[str], list[list[str]]]:
    """A breakdown as rows of cohorts and columns of measures: (header, rows)."""
    header = [BY_ID[m].title for m in metric_ids]
    rows: dict[str, dict[str, str]] = {}
    for row in frame[frame["metric"].isin(metric_ids)].itertuples():
        shown = presentation.cell(row)
        text = shown.text + (f" ({shown.interval.removeprefix('95% CI ')})" if shown.interval else "")
        rows.setdefault(presentation.label(row.label), {})[row.metric] = text
    return header, [[label, *(cells.get(m, "–") for m in metric_ids)] for label, cells in rows.items()]
