"""The presentation layer: between metrics/ and its four outlets (pages, the PDF, the
spreadsheet and the command line's table). It knows units, labels and the empty states,
and imports no Streamlit, so every outlet words a figure the same way."""

from dashboard.presentation.charts import chart_alt, chart_table
from dashboard.presentation.labels import column, label
from dashboard.presentation.tables import count_cells, counts_table
from dashboard.presentation.units import EXCEL_FORMATS, MINUS, excel_value, interval, number, unit_of
from dashboard.presentation.values import FLAG_TEXT, Shown, Situation, State, cell, cohort_cells, funnel_stages, show, state_of

__all__ = ["chart_alt", "chart_table", "count_cells", "counts_table", "EXCEL_FORMATS", "FLAG_TEXT", "MINUS", "Shown", "Situation", "State", "cell", "cohort_cells", "column", "funnel_stages",
           "excel_value", "interval", "label", "number", "show", "state_of", "unit_of"]
