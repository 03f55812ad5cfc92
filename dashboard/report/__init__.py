"""Board reports: a PDF for boards and PCC accountability meetings, a spreadsheet for analysts.

Both are built from one collection of metrics calls (build.collect) for one access scope
and filter, with disclosure control always on, whatever the role: the spec's "every
export". The dashboard's download buttons (buttons.py) and the command line
(`python -m dashboard.report`) call `build_files`.

    from dashboard.report import build_files
    files = build_files(Path("warehouse.duckdb"), metrics.ANALYST, metrics.Filter(), "Analyst",
                        kinds=("pdf", "xlsx"))
    files["pdf"]  # bytes
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

from dashboard.report.build import ReportData, collect, role_words
from dashboard.warehouse import open_read_only
from metrics import AccessScope, Filter

KINDS = {"pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def report_data(warehouse: Path, scope: AccessScope, flt: Filter, generated_by: str) -> ReportData:
    """Every number the report needs, from a read-only connection of its own."""
    with closing(open_read_only(Path(warehouse))) as connection, closing(connection.cursor()) as cursor:
        return collect(cursor, scope, flt, generated_by=generated_by)


def render(data: ReportData, kind: str, renderer=None) -> bytes:
    """One file from the collected data; `renderer`: a charts.SvgRenderer already started."""
    if kind == "pdf":
        from dashboard.report.pdf import pdf_bytes

        return pdf_bytes(data, renderer)
    if kind == "xlsx":
        from dashboard.report.xlsx import xlsx_bytes

        return xlsx_bytes(data)
    raise ValueError(f"unknown report kind {kind!r}; one of {tuple(KINDS)}")


def build_files(warehouse: Path, scope: AccessScope, flt: Filter, generated_by: str,
                kinds=("pdf", "xlsx")) -> dict[str, bytes]:
    """The requested files, from one collection of the data. For a PDF the charts' browser
    starts first, so it warms up while the numbers are collected."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown report kind(s) {sorted(unknown)}; one of {tuple(KINDS)}")
    if "pdf" not in kinds:
        data = report_data(warehouse, scope, flt, generated_by)
        return {kind: render(data, kind) for kind in kinds}
    from dashboard.report.charts import SvgRenderer

    with SvgRenderer() as renderer, ThreadPoolExecutor(max_workers=1) as pool:
        data = report_data(warehouse, scope, flt, generated_by)
        # the spreadsheet is written while the PDF's charts are drawn in Chromium
        others = {kind: pool.submit(render, data, kind) for kind in kinds if kind != "pdf"}
        files = {"pdf": render(data, "pdf", renderer)}
        files.update({kind: future.result() for kind, future in others.items()})
    return {kind: files[kind] for kind in kinds}


__all__ = ["KINDS", "ReportData", "build_files", "collect", "render", "report_data", "role_words"]
