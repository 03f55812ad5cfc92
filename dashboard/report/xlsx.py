"""The spreadsheet: the report's numbers for analysts to re-use (xlsxwriter).

Sheets: Summary, Measures, Breakdowns, Comparison, Definitions and, for analysts, Data
quality. Numbers are written as numbers with formats (percent for shares, £ for money);
a value removed by disclosure control is written as its marker text ("<5" or "*"), never as
a number. Text from the extracts (scheme and district names, file names) can be hostile,
so every text cell goes through `SafeSheet.text`: written with write_string (never parsed
as a formula, URL or number; the workbook also turns those conversions off) and, when it
starts with = + - @ tab or carriage return (OWASP's CSV-injection list), prefixed with an
apostrophe so it stays inert if it is copied out into a CSV file.
"""

from __future__ import annotations

import io
import math

import pandas as pd
import xlsxwriter

from dashboard import presentation
from dashboard.presentation import FLAG_TEXT, Situation
from dashboard.report.build import COMPARISON_IDS, DIMENSIONS, HEADLINE_IDS, REOFFENDING_IDS, ReportData
from metrics import BY_ID, MetricValue
from metrics.catalogue import CATALOGUE, RELIABILITY_RULE, definitions

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "nan_inf_to_errors": False, "in_memory": True}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_WIDTH = 10  # characters: a number column is at least this wide

# Number formats by presentation unit: a cell shows the same text as the page.
NUMBER_FORMATS = presentation.EXCEL_FORMATS


def neutralise(text: str) -> str:
    """Text that a spreadsheet could read as a formula, made inert with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class SafeSheet:
    """A worksheet that writes text only as inert strings and numbers only as numbers."""

    def __init__(self, workbook: xlsxwriter.Workbook, name: str, formats: dict):
        self.sheet = workbook.add_worksheet(name)
        self.formats = formats
        self.widths: dict[int, float] = {}

    def text(self, row: int, col: int, value, style: str | None = None) -> None:
        text = "" if value is None else str(value)
        self._width(col, text)
        if text == "":
            self.sheet.write_blank(row, col, None, self.formats.get(style))
        else:
            self.sheet.write_string(row, col, neutralise(text), self.formats.get(style))

    def number(self, row: int, col: int, value, unit: str | None = None) -> None:
        if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
            self.sheet.write_blank(row, col, None)
            return
        if col not in self.widths:
            self.widths[col] = NUMBER_WIDTH
        self.sheet.write_number(row, col, float(value), self.formats.get(unit))

    def value(self, row: int, col: int, value, unit: str | None = None) -> None:
        """A number, or text (a disclosure-control marker, a label)."""
        if isinstance(value, str):
            self.text(row, col, value, "marker" if value in ("*",) or value.startswith("<") else None)
        else:
            self.number(row, col, value, unit)

    def header(self, row: int, columns: list[str], freeze: bool = True) -> None:
        for col, title in enumerate(columns):
            self.text(row, col, title, "header")
        if freeze:
            self.sheet.freeze_panes(row + 1, 0)

    def finish(self, max_width: float = 60, wrap: dict[int, float] | None = None) -> None:
        for col, width in self.widths.items():
            if wrap and col in wrap:
                self.sheet.set_column(col, col, wrap[col], self.formats["wrap"])
            else:
                self.sheet.set_column(col, col, min(max(width + 2, 8), max_width))

    def _width(self, col: int, text: str) -> None:
        longest = len(text) if "\n" not in text else max(len(line) for line in text.splitlines())
        if longest > self.widths.get(col, 0):
            self.widths[col] = longest


def xlsx_bytes(data: ReportData) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    workbook.set_properties({"title": data.title, "subject": "Diversion Outcomes board report",
                             "comments": data.suppression_note})
    formats = {unit: workbook.add_format({"num_format": fmt}) for unit, fmt in NUMBER_FORMATS.items()}
    formats.update({
        "header": workbook.add_format({"bold": True, "bg_color": "#EAF1F8", "font_color": "#0B3A5C",
                                       "bottom": 1, "text_wrap": True, "valign": "bottom"}),
        "title": workbook.add_format({"bold": True, "font_size": 14, "font_color": "#0B3A5C"}),
        "bold": workbook.add_format({"bold": True}),
        "marker": workbook.add_format({"align": "right", "font_color": "#555555"}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "note": workbook.add_format({"italic": True, "font_color": "#555555", "text_wrap": True, "valign": "top"}),
    })
    _summary(SafeSheet(workbook, "Summary", formats), data)
    _measures(SafeSheet(workbook, "Measures", formats), data)
    _breakdowns(SafeSheet(workbook, "Breakdowns", formats), data)
    _comparison(SafeSheet(workbook, "Comparison", formats), data)
    _definitions(SafeSheet(workbook, "Definitions", formats), data)
    if data.data_quality is not None:
        _data_quality(SafeSheet(workbook, "Data quality", formats), data)
    workbook.close()
    return buffer.getvalue()


# --- one value in the Measures layout ----------------------------------------------------

MEASURE_COLUMNS = ["id", "measure", "value", "numerator", "denominator", "ci_low", "ci_high", "p_value",
                   "flags", "suppressed"]


def _value_cells(sheet: SafeSheet, row: int, col: int, value: MetricValue,
                 results: dict[str, MetricValue] | None = None, situation: Situation = Situation()) -> None:
    """value, numerator, denominator, ci_low, ci_high, p_value, flags, suppressed from `col` on:
    only the fields this measure carries (the CLI contract's keys); a value with no figure gets
    its empty state's words (the page's), and a suppressed one its marker in `suppressed` too."""
    metric = BY_ID[value.id]
    keys = metric.json_keys()
    unit = presentation.unit_of(value.id)
    state = presentation.state_of(value, results, situation)
    if state is not None:
        sheet.text(row, col, state.words, "marker")
        if value.suppressed:
            sheet.text(row, col + 7, value.suppressed)
        return
    sheet.number(row, col, presentation.excel_value(value.value, unit), unit)
    if "numerator" in keys:
        sheet.number(row, col + 1, value.numerator, "money" if metric.unit == "gbp" else "count")
        sheet.number(row, col + 2, value.denominator, "count")
    if "ci_low" in keys:
        sheet.number(row, col + 3, presentation.excel_value(value.ci_low, unit), unit)
        sheet.number(row, col + 4, presentation.excel_value(value.ci_high, unit), unit)
    if "p_value" in keys:
        sheet.number(row, col + 5, value.p_value, "p_value")
    sheet.text(row, col + 6, ", ".join(value.flags or ()))


# --- sheets ------------------------------------------------------------------------------

def _summary(sheet: SafeSheet, data: ReportData) -> None:
    sheet.text(0, 0, data.title, "title")
    facts = [("Schemes", data.schemes_text), ("Districts", data.districts_text),
             ("Force and access", data.scope_text), ("Period", data.period_text), *data.other_filters,
             ("Data up to (as_of)", data.as_of.isoformat()),
             ("Generated", data.generated_at.isoformat(timespec="minutes")),
             ("Generated by", data.generated_by)]
    if data.demo:
        facts.insert(0, ("Data", "Synthetic demo data: every person and number is invented."))
    row = 2
    for label, text in facts:
        sheet.text(row, 0, label, "bold")
        sheet.text(row, 1, text)
        row += 1
    row += 1
    sheet.text(row, 0, "Disclosure control", "bold")
    sheet.sheet.merge_range(row, 1, row, 6, "", sheet.formats["note"])
    sheet.text(row, 1, data.suppression_note, "note")
    sheet.sheet.set_row(row, 75)
    row += 2
    sheet.text(row, 0, "Headline measures", "title")
    row += 1
    sheet.header(row, ["measure", "value", "95% CI low", "95% CI high", "numerator", "denominator", "flags"],
                 freeze=False)
    for metric_id in HEADLINE_IDS:
        row += 1
        value = data.summary[metric_id]
        metric = BY_ID[metric_id]
        unit = presentation.unit_of(metric_id)
        sheet.text(row, 0, metric.title)
        state = presentation.state_of(value, data.summary, data.situation)
        if state is not None:
            sheet.text(row, 1, state.words, "marker")
            continue
        sheet.number(row, 1, presentation.excel_value(value.value, unit), unit)
        sheet.number(row, 2, presentation.excel_value(value.ci_low, unit), unit)
        sheet.number(row, 3, presentation.excel_value(value.ci_high, unit), unit)
        if metric.ratio:
            sheet.number(row, 4, value.numerator, "count")
            sheet.number(row, 5, value.denominator, "count")
        sheet.text(row, 6, "; ".join(FLAG_TEXT.get(f, f) for f in value.flags or ()))
    sheet.widths[1] = max(sheet.widths.get(1, 0), 14)
    sheet.finish(max_width=50, wrap={1: 50})


def _measures(sheet: SafeSheet, data: ReportData) -> None:
    sheet.header(0, [*MEASURE_COLUMNS[:2], "group", *MEASURE_COLUMNS[2:]])
    for row, (metric_id, value) in enumerate(data.summary.items(), start=1):
        metric = BY_ID[metric_id]
        sheet.text(row, 0, metric_id)
        sheet.text(row, 1, metric.title)
        sheet.text(row, 2, metric.group)
        _value_cells(sheet, row, 3, value, data.summary, data.situation)
    sheet.sheet.autofilter(0, 0, len(data.summary), len(MEASURE_COLUMNS))
    sheet.finish(max_width=45)


def _breakdowns(sheet: SafeSheet, data: ReportData) -> None:
    sheet.header(0, ["breakdown", "cell", "label", *MEASURE_COLUMNS])
    row = 0
    for by, frame in data.breakdowns.items():
        for cell in frame.itertuples():
            row += 1
            sheet.text(row, 0, DIMENSIONS[by])
            sheet.text(row, 1, cell.cell)
            sheet.text(row, 2, presentation.label(cell.label))
            sheet.text(row, 3, cell.metric)
            sheet.text(row, 4, BY_ID[cell.metric].title)
            value = MetricValue(cell.metric, *(_none(getattr(cell, c)) for c in
                                               ("value", "numerator", "denominator", "ci_low", "ci_high",
                                                "p_value")),
                                flags=cell.flags if isinstance(cell.flags, tuple) else None,
                                suppressed=cell.suppressed if isinstance(cell.suppressed, str) else None)
            _value_cells(sheet, row, 5, value)
    sheet.sheet.autofilter(0, 0, max(row, 1), 2 + len(MEASURE_COLUMNS))
    sheet.finish(max_width=40)


def _comparison(sheet: SafeSheet, data: ReportData) -> None:
    sheet.text(0, 0, "Participants against the matched comparison group", "title")
    row = 2
    for sentence in data.comparison_sentences:
        sheet.sheet.merge_range(row, 0, row, 7, "", sheet.formats["note"])
        sheet.text(row, 0, sentence, "wrap")
        sheet.sheet.set_row(row, 30)
        row += 1
    row += 1
    sheet.header(row, MEASURE_COLUMNS, freeze=False)
    for metric_id in (*COMPARISON_IDS, *REOFFENDING_IDS):
        row += 1
        sheet.text(row, 0, metric_id)
        sheet.text(row, 1, BY_ID[metric_id].title)
        _value_cells(sheet, row, 2, data.summary[metric_id], data.summary, data.situation)
    row += 2
    sheet.text(row, 0, "Time to first proven reoffence (Kaplan–Meier)", "title")
    row += 1
    sheet.text(row, 0, "A curve over fewer than 5 people or events is left out (disclosure control).", "note")
    row += 1
    sheet.header(row, ["group", "day", "survival", "ci_low", "ci_high", "people", "events"], freeze=False)
    for step in data.survival.itertuples():
        row += 1
        sheet.text(row, 0, step.group)
        sheet.number(row, 1, step.time_days, "count")
        for col, name in ((2, "survival"), (3, "ci_low"), (4, "ci_high")):
            sheet.number(row, col, getattr(step, name), "share")
        sheet.number(row, 5, step.people, "count")
        sheet.number(row, 6, step.events, "count")
    sheet.widths[0] = 26
    sheet.finish(max_width=45)


def _definitions(sheet: SafeSheet, data: ReportData) -> None:
    rows = definitions()
    columns = list(rows[0])
    sheet.header(0, [presentation.column(c) for c in columns])
    for row, entry in enumerate(rows, start=1):
        for col, name in enumerate(columns):
            sheet.text(row, col, entry[name])
    row = len(CATALOGUE) + 2
    notes = [("Reliability flags", RELIABILITY_RULE),
             ("Disclosure control", data.suppression_note)]
    for label, text in notes:
        sheet.text(row, 0, label, "bold")
        sheet.text(row, 3, text, "wrap")
        row += 1
    sheet.finish(max_width=40, wrap={3: 70, 4: 30, 5: 30})


def _data_quality(sheet: SafeSheet, data: ReportData) -> None:
    quality = data.data_quality
    row = 0
    for title, name in (("Rows per extract (latest ingest)", "extracts"),
                        ("Quarantined rows by file and reason", "quarantine"), ("Ingest runs", "ingest_log")):
        frame = quality[name]
        shown = presentation.counts_table(frame, headings=False)  # words and markers, as on the page
        sheet.text(row, 0, title, "title")
        row += 1
        sheet.header(row, [presentation.column(c) for c in shown.columns], freeze=False)
        counts = set(shown.columns) & {"rows", "rows_read", "rows_loaded", "rows_quarantined"}
        for i in range(len(shown)):
            row += 1
            for col, column in enumerate(shown.columns):
                cell = frame[column].iloc[i]
                if column in counts:  # a number, unless disclosure control removed it ("<5", "*")
                    sheet.value(row, col, shown[column].iloc[i] if pd.isna(cell) else cell, "count")
                else:
                    sheet.text(row, col, _plain_text(shown[column].iloc[i]))
        if frame.empty:
            row += 1
            sheet.text(row, 0, "none", "note")
        row += 2
    sheet.finish(max_width=40)


def _plain_text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="seconds") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def _none(value):
    if value is None:
        return None
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


__all__ = ["neutralise", "xlsx_bytes"]
