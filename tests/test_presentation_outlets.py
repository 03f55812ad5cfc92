"""Every figure reads the same on screen, in the PDF, in the spreadsheet and on the command line.

The outlets take their words from one place (dashboard.presentation), so for the same filter
and role a measure's text is identical in each. A district commander's page, PDF and
spreadsheet are all disclosure-controlled the same way (suppressed, cell-key perturbed);
the command line's table is the analyst's exact view, so it is compared with the analyst's
page. Between them the measures cover every unit (share, points, relative change, per
person, per month, money, days, count, p-value) and every empty state (suppressed, not
applicable, too early, no data) and a median not reached.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import metrics
from dashboard import presentation
from dashboard.presentation.units import MINUS
from dashboard.report import build_files
from metrics import ANALYST, AccessScope, Filter
from tests.dashboard_fixtures import ROOT, build_demo_warehouse, cursor

MEASURE_PAGES = ["overview", "engagement", "onward", "completion", "reoffending"]
COMMANDER_DISTRICT = ("Nottinghamshire Police", "Ashfield")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_demo_warehouse(tmp_path_factory.mktemp("outlets"))


def page_tiles(at: AppTest, flt: Filter = Filter(), role: str = "analyst") -> dict[str, str]:
    """Every tile of the measure pages: title -> the text shown (AppTest, local mode, the
    sidebar's scheme and date filters set as a person would)."""
    at.run()
    if role != "analyst":
        force, district = COMMANDER_DISTRICT
        at.selectbox(key="_preview_role").set_value(role).run()
        at.selectbox(key="_preview_force").set_value(force).run()
        at.multiselect(key="_preview_districts").set_value([district]).run()
    if flt.schemes:
        at.multiselect(key="scheme").set_value(list(flt.schemes)).run()
    if flt.date_from:
        at.date_input(key="from").set_value(flt.date_from).run()
    if flt.date_to:
        at.date_input(key="to").set_value(flt.date_to).run()
    shown = {}
    for page in MEASURE_PAGES:
        if page != "overview":
            at.switch_page(f"dashboard/pages/{page}.py").run()
        assert not at.exception and not at.error, page
        shown.update({m.label: m.value for m in at.metric})
    return shown


def excel_text(value, number_format: str) -> str:
    """A cell as Excel shows it, for the number formats dashboard.presentation uses."""
    if isinstance(value, str):
        return value
    sections = number_format.split(";")
    if number_format.startswith("[<0.001]"):
        return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"
    section = sections[0] if value > 0 or len(sections) == 1 else sections[1] if value < 0 else sections[-1]
    literal = re.findall(r'"([^"]*)"', section)
    body = re.sub(r'"[^"]*"', "", section)
    percent = "%" in body
    number = abs(value) * (100 if percent else 1) if len(sections) > 1 else value * (100 if percent else 1)
    decimals = len(body.split(".")[1].rstrip("%")) if "." in body else 0
    text = f"{number:,.{decimals}f}" if "," in body else f"{number:.{decimals}f}"
    prefix = "+" if body.startswith("+") else ""
    prefix += "£" if "£" in body else ""
    sign = literal[0] if len(sections) > 1 and value < 0 and literal and literal[0] == MINUS else ""
    suffix = (literal[-1] if literal and literal[-1] != MINUS else "") + ("%" if percent else "")
    return f"{sign}{prefix}{text}{suffix}"


def xlsx_measures(content: bytes) -> dict[str, str]:
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Measures"]
    return {row[1].value: excel_text(row[3].value, row[3].number_format) for row in sheet.iter_rows(min_row=2)}


def pdf_lines(content: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return out.stdout.decode("utf-8").splitlines()


def pdf_value(lines: list[str], title: str, text: str) -> bool:
    """The measures table's row for `title` carries `text` as its value (a long title wraps
    in its column, so the row's first line holds the title's start: at least two words)."""
    for line in lines:
        start = re.split(r"\s{2,}", line.strip())[0]
        if (start == title or (title.startswith(start + " ") and " " in start)) and \
                re.search(rf"\s{re.escape(text)}(\s|$)", line):
            return True
    return False


def cli_table(warehouse, *args: str) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-m", "metrics", "summary", "--warehouse", str(warehouse), *args],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    rows = {}
    for line in done.stdout.splitlines():
        parts = re.split(r"\s{2,}", line.strip())
        if len(parts) >= 2:
            rows[parts[0]] = parts[1]
    return rows


UNITS_AND_STATES = {
    "referrals": "count", "engagement_rate": "share", "rate_difference": "points",
    "pre_post_change": "relative_change", "reoffences_per_person": "per_person",
    "median_contacts_per_month": "per_month", "cost_per_referral": "money",
    "median_days_to_first_contact": "days", "logrank_p_value": "p_value", "attendance_rate": "share",
    "completion_rate": "share", "onward_referral_rate": "share", "stepped_down": "count",
    "escalated": "count", "reoffending_eligible": "count", "people_needed": "count",
    "time_to_reoffence": "days",
}


def test_the_units_cover_every_formatter():
    assert set(UNITS_AND_STATES.values()) | {"relative_change"} >= set(presentation.units.FORMATTERS) - {"p_value"}
    assert presentation.units.points(-0.075) == f"{MINUS}7.5 points"
    assert presentation.units.relative_change(-0.45) == f"{MINUS}45%"
    assert presentation.units.p_value(0.0004) == "p < 0.001" and presentation.units.p_value(0.042) == "p = 0.042"
    assert presentation.units.money(2023.4) == "£2,023" and presentation.units.count(12345) == "12,345"
    assert presentation.interval(0.853, 0.878, "share") == "95% CI 85.3% to 87.8%"


def test_a_commanders_figures_read_the_same_on_the_page_in_the_pdf_and_in_the_spreadsheet(warehouse, app):
    force, district = COMMANDER_DISTRICT
    commander = AccessScope("district_commander", forces={force}, districts={district})
    flt = Filter(date_from=date(2024, 10, 1), date_to=date(2025, 12, 31))  # whole quarters: both outlets alike
    tiles = page_tiles(app, flt, "district_commander")
    files = build_files(warehouse, commander, flt, "District commander")
    lines, cells = pdf_lines(files["pdf"]), xlsx_measures(files["xlsx"])
    values = metrics.summary(cursor(warehouse), commander, flt)
    situation = presentation.Situation(**metrics.views.selection_facts(cursor(warehouse), commander, flt))
    compared, states = 0, set()
    for metric_id, value in values.items():
        shown = presentation.show(value, values, situation)
        if shown.title not in tiles:
            continue
        assert tiles[shown.title] == shown.text, metric_id
        assert cells[shown.title] == shown.text, metric_id
        assert pdf_value(lines, shown.title, shown.text), (metric_id, shown.text)
        compared += 1
        states.add(shown.state.name if shown.state else "figure")
    assert compared >= 15
    assert {"figure", "suppressed", "too_early"} <= states, states


def test_an_analysts_figures_read_the_same_on_the_page_and_on_the_command_line(warehouse, app):
    tiles = page_tiles(app)
    table = cli_table(warehouse, "--analyst")
    values = metrics.summary(cursor(warehouse), ANALYST, Filter())
    compared, units_seen = 0, set()
    for metric_id, value in values.items():
        shown = presentation.show(value, values)
        if shown.title in tiles:
            assert tiles[shown.title] == table[metric_id] == shown.text, metric_id
            compared += 1
            units_seen.add(presentation.unit_of(metric_id))
    assert compared >= 15
    assert {"share", "points", "relative_change", "per_person", "per_month", "days", "count",
            "p_value"} <= units_seen
    assert tiles["Median days to first proven reoffence"] == "not reached"


def test_a_scheme_without_a_contact_target_says_so_in_every_outlet(warehouse, app):
    flt = Filter(schemes=("CAM-HUB",), date_from=date(2024, 10, 1), date_to=date(2025, 12, 31))
    tiles = page_tiles(app, flt)
    assert tiles["Contact target met"] == "no target"
    assert tiles["One-year proven reoffending rate"] == "too early"
    files = build_files(warehouse, ANALYST, flt, "Analyst")
    cells = xlsx_measures(files["xlsx"])
    assert cells["Contact target met"] == "no target" and cells["One-year proven reoffending rate"] == "too early"
    lines = pdf_lines(files["pdf"])
    assert pdf_value(lines, "Contact target met", "no target")
    table = cli_table(warehouse, "--analyst", "--scheme", "CAM-HUB", "--from", "2024-10-01", "--to", "2025-12-31")
    assert table["contact_target_met_rate"] == "no target"
    assert table["reoffending_rate"] == "too early"
