"""The board report files, read back: the PDF's text (pdftotext, pypdf) and the XLSX cells
(openpyxl) carry the metrics module's figures for the same filter, small numbers never
reach either file, and hostile names from the extracts come out as inert text."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import date

import openpyxl
import pypdf
import pytest

import metrics
from dashboard.presentation import number as fmt
from dashboard.report import build_files
from dashboard.report.xlsx import FORMULA_TRIGGERS, neutralise
from metrics import ANALYST, AccessScope, Filter, views
from tests.dashboard_fixtures import build_demo_warehouse, cursor
from tests.report_fixtures import CMD, HYPERLINK, MINUS, SUM, build_tiny_warehouse

DEMO_FILTER = Filter(schemes=("TVP-DRUGLINK", "DUR-CHECKPOINT"), date_from=date(2022, 4, 1))
COUNT_UNITS = {"count"}


# --- fixtures: each set of files is built once ---------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_warehouse(tmp_path_factory.mktemp("report_demo"))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_warehouse(tmp_path_factory.mktemp("report_tiny"))


@pytest.fixture(scope="module")
def demo_files(demo):
    return build_files(demo, ANALYST, DEMO_FILTER, "Analyst (command line)")


@pytest.fixture(scope="module")
def tiny_files(tiny):
    return build_files(tiny, ANALYST, Filter(), "Analyst")


@pytest.fixture(scope="module")
def small_scheme_files(tiny):
    return build_files(tiny, ANALYST, Filter(schemes=("S1",), districts=(SUM,)), "Analyst")  # S1's only district


@pytest.fixture(scope="module")
def viewer_files(tiny):
    return build_files(tiny, AccessScope("viewer", forces={"Thames Valley"}), Filter(), "Viewer")


# --- reading the files back ----------------------------------------------------------------

def pdf_text(content: bytes, layout: bool = True) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=content, capture_output=True, check=True).stdout.decode("utf-8")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def sheet_rows(book, name: str) -> list[dict]:
    """A sheet whose first row is its header, as dicts (cells as openpyxl Cell objects)."""
    rows = list(book[name].iter_rows())
    header = [cell.value for cell in rows[0]]
    return [dict(zip(header, row)) for row in rows[1:]]


def measures(book) -> dict[str, dict]:
    return {row["id"].value: row for row in sheet_rows(book, "Measures")}


def table_row(text: str, title: str) -> str:
    """The line of a measures table (pdftotext -layout) that starts with `title` and a value."""
    match = re.search(rf"^\s*{re.escape(title)}\s{{2,}}(?:<5|\*|–|[-\d,.]+%?)(?: days)?.*$", text, re.M)
    assert match, f"no table row for {title!r}"
    return match.group(0)


def small_counts_in(book) -> list[str]:
    """Every number in the workbook that is a count of people or events from 1 to 4."""
    found = []

    def check(sheet_name: str, cells) -> None:
        found.extend(f"{sheet_name}!{c.coordinate}={c.value}" for c in cells
                     if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and 1 <= c.value <= 4)

    def measure_counts(row: dict) -> list:
        metric = metrics.BY_ID[row["id"].value]
        cells = [row["denominator"]] + ([row["numerator"]] if metric.unit != "gbp" else [])
        return cells + ([row["value"]] if metric.unit in COUNT_UNITS else [])

    for name in ("Measures", "Breakdowns"):
        for row in sheet_rows(book, name):
            check(name, measure_counts(row))
    header = None
    for cells in book["Comparison"].iter_rows():  # a table of measures, then the Kaplan–Meier steps
        values = [c.value for c in cells]
        if values[:2] in (["id", "measure"], ["group", "day"]):
            header = values
        elif header and header[0] == "id" and values[0] in metrics.BY_ID:
            check("Comparison", measure_counts(dict(zip(header, cells))))
        elif header and header[0] == "group" and values[0]:
            row = dict(zip(header, cells))
            check("Comparison", [row["people"], row["events"]])
    if "Data quality" in book.sheetnames:
        for cells in book["Data quality"].iter_rows():
            check("Data quality", cells)
    return found


# --- the same figures as the metrics module ------------------------------------------------

def test_the_pdf_carries_the_metrics_modules_figures_for_the_filter(demo, demo_files):
    expected = metrics.summary(cursor(demo), ANALYST, DEMO_FILTER, suppress=True)
    text = pdf_text(demo_files["pdf"])
    referrals = expected["referrals"].value
    assert re.search(rf"Referrals\s+{referrals:,}\b", text)
    completion = expected["completion_rate"]
    row = table_row(text, "Completion rate")
    assert fmt(completion.value, "share") in row  # e.g. 81.8%, as on the pages
    assert f"{fmt(completion.ci_low, 'share')} to {fmt(completion.ci_high, 'share')}" in row  # Wilson ends
    assert f"{completion.numerator:,} of {completion.denominator:,}" in row
    engagement = expected["engagement_rate"]
    assert f"95% CI {fmt(engagement.ci_low, 'share')} to {fmt(engagement.ci_high, 'share')}" in flat(text)


def test_the_spreadsheet_carries_the_metrics_modules_figures_for_the_filter(demo, demo_files):
    expected = metrics.summary(cursor(demo), ANALYST, DEMO_FILTER, suppress=True)
    rows = measures(workbook(demo_files["xlsx"]))
    assert set(rows) == set(metrics.IDS)
    assert rows["referrals"]["value"].value == expected["referrals"].value
    for metric_id in ("completion_rate", "engagement_rate", "reoffending_rate"):
        value, row = expected[metric_id], rows[metric_id]
        assert row["value"].value == pytest.approx(value.value)
        assert row["ci_low"].value == pytest.approx(value.ci_low)
        assert row["ci_high"].value == pytest.approx(value.ci_high)
        assert (row["numerator"].value, row["denominator"].value) == (value.numerator, value.denominator)
        assert row["value"].number_format == "0.0%"  # shares as percentages
    assert rows["cost_per_referral"]["value"].value == pytest.approx(expected["cost_per_referral"].value)
    assert rows["cost_per_referral"]["value"].number_format.startswith("£")


def test_every_breakdown_cell_in_the_spreadsheet_matches_metrics_breakdown(demo, demo_files):
    rows = sheet_rows(workbook(demo_files["xlsx"]), "Breakdowns")
    expected = []
    for by in metrics.BREAKDOWNS:
        expected += metrics.breakdown(cursor(demo), ANALYST, DEMO_FILTER, by, suppress=True).to_dict("records")
    assert len(rows) == len(expected)
    for row, cell in zip(rows, expected):
        assert (row["cell"].value, row["id"].value) == (str(cell["cell"]), cell["metric"])
        if cell["suppressed"]:
            assert row["value"].value == cell["suppressed"] and row["value"].data_type == "s"
        elif cell["value"] is not None and cell["value"] == cell["value"]:
            assert row["value"].value == pytest.approx(cell["value"])


def test_the_cover_names_the_selection_the_data_cut_off_and_who_made_it(demo_files):
    cover = flat(pdf_text(demo_files["pdf"]).split("Page 1 of")[0])
    assert "Schemes Checkpoint, Druglink" in cover or "Schemes Druglink, Checkpoint" in cover
    assert "Referred from 1 April 2022 to the data cut-off" in cover
    assert "Data up to (as_of) 31 December 2025" in cover
    assert "Generated by Analyst (command line)" in cover
    assert "Synthetic demo data" in cover


def test_the_pdf_has_page_numbers_and_a_methods_appendix_from_the_catalogue(demo_files):
    pages = len(pypdf.PdfReader(io.BytesIO(demo_files["pdf"])).pages)
    text = flat(pdf_text(demo_files["pdf"]))
    assert [f"Page {n} of {pages}" in text for n in range(1, pages + 1)] == [True] * pages
    appendix = text.split("Methods and definitions")[-1]
    missing = [m.title for m in metrics.CATALOGUE if m.title not in appendix or m.id not in appendix]
    assert missing == []


def test_both_files_state_the_suppression_rule(demo_files):
    assert "counts from 1 to 4 are shown as <5" in flat(pdf_text(demo_files["pdf"]))
    summary_sheet = workbook(demo_files["xlsx"])["Summary"]
    assert any("counts from 1 to 4 are shown as <5" in str(c.value) for row in summary_sheet.iter_rows() for c in row)


def test_the_charts_are_vector_graphics_from_the_pages_figure_builders(demo_files):
    text = pdf_text(demo_files["pdf"])
    # Chart titles and axis labels are text in the PDF, not pixels.
    for words in ("Completion rate by intake quarter", "Time to first proven reoffence", "Completion against caseload",
                  "days since index date"):
        assert words in text
    reader = pypdf.PdfReader(io.BytesIO(demo_files["pdf"]))
    images = [name for page in reader.pages for name in page.images]
    assert images == []  # no raster charts


def test_the_comparison_is_in_plain_words_with_its_interval_significance_and_people_needed(demo, demo_files):
    from dashboard.narrative import comparison_sentences

    expected = metrics.summary(cursor(demo), ANALYST, DEMO_FILTER, suppress=True)
    text = flat(pdf_text(demo_files["pdf"], layout=False))
    for sentence in comparison_sentences(expected):
        assert flat(sentence) in text
    book = workbook(demo_files["xlsx"])
    sheet_text = " ".join(str(c.value) for row in book["Comparison"].iter_rows() for c in row if c.value)
    assert comparison_sentences(expected)[0] in sheet_text


# --- disclosure control: always on, whatever the role ---------------------------------------

def test_a_count_below_the_threshold_never_reaches_either_file(tiny, tiny_files):
    # the analyst's own view has the 3 (pages are unsuppressed for analysts) ...
    cells = metrics.breakdown(cursor(tiny), ANALYST, Filter(), "scheme", ["referrals"])
    assert cells.set_index("cell").loc["S1", "value"] == 3
    # ... the analyst's export has "<5"
    book = workbook(tiny_files["xlsx"])
    s1 = [r for r in sheet_rows(book, "Breakdowns")
          if r["breakdown"].value == "Scheme" and r["cell"].value == "S1" and r["id"].value == "referrals"]
    assert [(r["value"].value, r["value"].data_type) for r in s1] == [("<5", "s")]
    assert small_counts_in(book) == []
    text = pdf_text(tiny_files["pdf"])
    line = next(line for line in text.splitlines() if line.strip().startswith("=HYPERLINK(") and "<5" in line)
    assert not re.search(r"(?<![\d.])3(?![\d.%])", line)


def test_a_selection_of_only_the_small_scheme_shows_markers_not_numbers(small_scheme_files):
    text = pdf_text(small_scheme_files["pdf"])
    assert "<5" in table_row(text, "Referrals")
    assert "*" in table_row(text, "Completion rate")
    assert not re.search(r"Referrals\s+3\b", text)
    book = workbook(small_scheme_files["xlsx"])
    rows = measures(book)
    assert rows["referrals"]["value"].value == "<5" and rows["referrals"]["suppressed"].value == "<5"
    assert rows["completion_rate"]["value"].value == "*"
    assert rows["completion_rate"]["numerator"].value is None and rows["completion_rate"]["ci_low"].value is None
    assert small_counts_in(book) == []


def test_a_schemes_cost_cannot_give_back_a_suppressed_referral_count(tiny, tiny_files):
    # @cmd has 12 referrals, suppressed beside the 3 so the 3 cannot be worked out from the total;
    # £50,000 / its cost per referral would give the 12 back, so its costs go too.
    costs = views.cost_by_scheme(cursor(tiny), AccessScope("viewer", forces={"Thames Valley"}), Filter())
    assert costs.loc[costs["cell"] == "S2", "suppressed"].tolist() == ["*", "*"]
    assert costs.loc[costs["cell"] == "S2", "denominator"].isna().all()
    line = next(line for line in pdf_text(tiny_files["pdf"]).splitlines() if line.strip().startswith(CMD))
    assert "£" not in line


def test_data_quality_is_in_the_analysts_report_only(tiny_files, viewer_files):
    assert "Data quality" in workbook(tiny_files["xlsx"]).sheetnames
    assert "Data quality" not in workbook(viewer_files["xlsx"]).sheetnames
    assert "Rows read" in pdf_text(tiny_files["pdf"])
    viewer_text = flat(pdf_text(viewer_files["pdf"]))
    assert "reviewed by analysts" in viewer_text and "Rows read" not in viewer_text


def test_a_viewers_report_stays_inside_their_scope(demo):
    scope = AccessScope("viewer", forces={"Thames Valley Police"})
    files = build_files(demo, scope, Filter(), "Viewer", kinds=("xlsx",))
    rows = sheet_rows(workbook(files["xlsx"]), "Breakdowns")
    assert {r["cell"].value for r in rows if r["breakdown"].value == "Scheme"} == {"TVP-DRUGLINK"}
    expected = metrics.summary(cursor(demo), scope, Filter(), suppress=True)["referrals"].value
    assert measures(workbook(files["xlsx"]))["referrals"]["value"].value == expected


# --- hostile values from the extracts -------------------------------------------------------

HOSTILE = (HYPERLINK, SUM, CMD, MINUS)


def test_hostile_names_are_inert_text_in_the_spreadsheet(tiny_files):
    book = workbook(tiny_files["xlsx"])
    seen = set()
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
                for name in HOSTILE:
                    if isinstance(cell.value, str) and name in cell.value:
                        assert cell.data_type == "s"
                        if cell.value.lstrip("'").startswith(name):
                            assert cell.value == "'" + name, cell.value  # neutralised, otherwise unchanged
                        seen.add(name)
        assert not sheet._hyperlinks
    assert seen == set(HOSTILE)
    with zipfile.ZipFile(io.BytesIO(tiny_files["xlsx"])) as archive:
        for name in archive.namelist():
            xml = archive.read(name).decode("utf-8")
            assert "<f>" not in xml and "<f " not in xml, name  # no formula anywhere
            assert "<hyperlink" not in xml and "relationships/hyperlink" not in xml, name  # no live link


def test_hostile_names_print_as_themselves_in_the_pdf_and_make_no_link(tiny_files, small_scheme_files):
    assert HYPERLINK in pdf_text(tiny_files["pdf"]) and CMD in pdf_text(tiny_files["pdf"])
    cover = flat(pdf_text(small_scheme_files["pdf"]).split("Page 1 of")[0])
    assert f"Schemes {HYPERLINK} Districts {SUM}" in cover
    for content in (tiny_files["pdf"], small_scheme_files["pdf"]):
        for page in pypdf.PdfReader(io.BytesIO(content)).pages:
            for annotation in page.get("/Annots") or []:
                assert "/URI" not in str(annotation.get_object().get("/A", {}))


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_read_as_a_formula_is_prefixed(text):
    assert text[0] in FORMULA_TRIGGERS
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Druglink", "#Citadel", "55+", "2023-Q1", "under 18", "", "–"])
def test_ordinary_text_is_written_unchanged(text):
    assert neutralise(text) == text


def structure(content: bytes) -> list[tuple[str, str | None]]:
    """The tagged PDF's structure elements, in order: (type, alt text)."""

    found = []

    def walk(node):
        node = node.get_object()
        if "/S" in node:
            found.append((str(node["/S"]), node.get("/Alt")))
        kids = node.get("/K")
        kids = kids.get_object() if kids is not None else []
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid.get_object(), dict):
                walk(kid)

    walk(pypdf.PdfReader(io.BytesIO(content)).trailer["/Root"]["/StructTreeRoot"])
    return found


def test_the_pdf_is_tagged_and_every_chart_has_its_text_alternative(demo, demo_files):
    from dashboard.report.build import collect
    from dashboard.report.charts import build_charts

    charts = build_charts(collect(cursor(demo), ANALYST, DEMO_FILTER, generated_by="Analyst"))
    elements = structure(demo_files["pdf"])
    figures = [alt for kind, alt in elements if kind == "/Figure"]
    assert len(figures) == len(charts) >= 5
    assert sorted(figures) == sorted(chart.alt for chart in charts.values())
    assert all(alt.startswith("Chart: ") and "tables of this report" in alt for alt in figures)
    assert {"/H1", "/Table", "/TH", "/TD"} <= {kind for kind, _ in elements}
