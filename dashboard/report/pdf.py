"""The PDF board report: the report's data and SVG charts in an HTML/CSS template, laid out
on A4 by WeasyPrint.

Every value reaches the template as text that has been through disclosure control and is
HTML-escaped by Jinja's autoescape, so a hostile scheme or district name prints as
itself. WeasyPrint is given only the template folder and data: URLs (the SVG charts); it
fetches nothing else.
"""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2
import pandas as pd

from dashboard import presentation
from dashboard.report import present
from dashboard.report.build import (
    COMPARISON_IDS, DIMENSIONS, HEADLINE_IDS, REOFFENDING_IDS, SCHEME_TABLE_IDS, SUPPORT_IDS, ReportData,
)
from dashboard.report.charts import SvgRenderer, build_charts, render_svgs
from metrics.catalogue import GROUPS, definitions

TEMPLATES = Path(__file__).parent / "templates"
GROUP_TITLES = {"support": "Support and progress", "reoffending": "Reoffending",
                "comparison": "Cohort comparison", "uncertainty": "Honest uncertainty", "cost": "Cost"}
def html(data: ReportData, svgs: dict[str, str], captions: dict[str, str] | None = None,
         widths: dict[str, str] | None = None, alts: dict[str, str] | None = None) -> str:
    """The report as one HTML document (charts as SVG data: URLs)."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    charts = {key: {"src": "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii"),
                    "caption": (captions or {}).get(key, ""), "width": (widths or {}).get(key, "full"),
                    "alt": (alts or {}).get(key, "")}
              for key, svg in svgs.items()}
    return environment.get_template("report.html").render(
        data=data, charts=charts,
        headline=present.lines(data.summary, HEADLINE_IDS, data.situation),
        support=present.lines(data.summary, SUPPORT_IDS, data.situation),
        reoffending=present.lines(data.summary, REOFFENDING_IDS, data.situation),
        comparison=present.lines(data.summary, COMPARISON_IDS, data.situation),
        sentences=data.comparison_sentences,
        schemes=_scheme_table(data),
        cohort_label=DIMENSIONS["scheme"],
        quality=_quality_tables(data),
        definitions=_definitions(),
        generated_at=f"{data.generated_at:%-d %B %Y at %H:%M %Z}".strip(),
        as_of=f"{data.as_of:%-d %B %Y}",
    )


def pdf_bytes(data: ReportData, renderer: SvgRenderer | None = None) -> bytes:
    """The board report as PDF bytes; `renderer`: a browser session already started (optional)."""
    import weasyprint

    charts = build_charts(data)
    svgs = renderer.render(charts) if renderer else render_svgs(charts)
    document = html(data, svgs, captions={k: c.caption for k, c in charts.items()},
                    widths={k: "half" if c.width < 500 else "full" for k, c in charts.items()},
                    alts={k: c.alt for k, c in charts.items()})
    # tagged (PDF/UA-1): headings, tables and figures in a structure tree, each chart with its alt text
    return weasyprint.HTML(string=document, base_url=str(TEMPLATES), url_fetcher=_local_fetcher()).write_pdf(
        pdf_variant="pdf/ua-1")


def _local_fetcher():
    """Fetches the stylesheet and data: URLs (the charts) only; never the network."""
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file:") and not url.startswith(TEMPLATES.as_uri() + "/"):
                raise ValueError(f"the report reads no file outside its templates: {url}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols={"data", "file"}, fail_on_errors=True)


def _scheme_table(data: ReportData) -> dict:
    frame = pd.concat([data.breakdowns["scheme"], data.cost_by_scheme], ignore_index=True)
    ids = [*SCHEME_TABLE_IDS, "cost_per_referral", "cost_per_completion"]
    header, rows = present.cohort_table(frame, ids)
    return {"header": header, "rows": rows}


def _quality_tables(data: ReportData) -> dict | None:
    if data.data_quality is None:
        return None

    def rows(frame: pd.DataFrame, columns: list[str]) -> list[list[str]]:
        return presentation.counts_table(frame, headings=False, columns=columns).values.tolist()

    return {
        "extracts": rows(data.data_quality["extracts"],
                         ["extract", "file", "rows_read", "rows_loaded", "rows_quarantined"]),
        "quarantine": rows(data.data_quality["quarantine"], ["file", "reason", "rows"]),
    }


def _definitions() -> list[dict]:
    rows = definitions()
    return [{"title": GROUP_TITLES.get(group, group.capitalize()),
             "metrics": [dict(row, title=row["measure"], statistics=row["statistics"].capitalize())
                         for row in rows if row["group"] == group]} for group in GROUPS]
