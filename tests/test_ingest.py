"""The ingest contract of extracts.md, pinned on small hand-made source folders."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.contracts import EXTRACTS, REASON_CODES
from pipelines.ingest import ingest
from tests.source_factory import DEMO_KEY, base_rows, referral_pseudonym as ref, reseal, write_source
from tests.source_factory import quarantine, rows_of

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_configured_key(monkeypatch):
    monkeypatch.delenv("OUTCOMES_PSEUDONYM_KEY", raising=False)


def file_report(report, extract: str):
    return next(f for f in report.files if f.extract == extract)


def all_tables(warehouse: Path) -> dict[str, list[tuple]]:
    names = [e.name for e in EXTRACTS] + ["quarantine", "ingest_log", "warehouse_meta"]
    return {n: rows_of(warehouse, f"select * from {n} order by all") for n in names}


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=300)


# --- the happy path and idempotence ---------------------------------------------------

def test_clean_folder_loads_every_row_and_reports_the_contract_json(tmp_path):
    source = write_source(tmp_path / "src")
    result = cli("ingest", str(source), "--warehouse", str(tmp_path / "wh.duckdb"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "ok" and report["error"] is None
    assert report["as_of"] == "2024-12-31"
    assert report["unlinked_offence_people"] == 1  # P-ECHO-005 is in neither referrals nor comparison
    by_extract = {f["extract"]: f for f in report["files"]}
    assert by_extract["referrals"] == {
        "extract": "referrals", "file": "referrals.csv", "skipped": False, "rows_read": 3, "rows_loaded": 3,
        "rows_quarantined": 0, "reasons": dict.fromkeys(REASON_CODES, 0), "unknown_columns": [],
    }
    assert by_extract["engagements"]["rows_loaded"] == 3
    assert rows_of(tmp_path / "wh.duckdb", "select count(*) from referrals") == [(3,)]


def test_ingesting_the_same_folder_twice_changes_nothing(tmp_path):
    source = write_source(tmp_path / "src")
    warehouse = tmp_path / "wh.duckdb"
    first = ingest(source, warehouse)
    before_bytes = warehouse.read_bytes()
    second = ingest(source, warehouse)
    assert first.status == second.status == "ok"
    assert all(f.skipped and f.rows_read == 0 and f.rows_loaded == 0 for f in second.files)
    assert warehouse.read_bytes() == before_bytes
    assert rows_of(warehouse, "select count(*) from ingest_log") == [(len(EXTRACTS),)]


def test_model_tables_carry_derived_columns(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    ingest(write_source(tmp_path / "src"), warehouse)
    assert rows_of(warehouse, "select referral_id, force, age_band, intake_quarter, ethnicity, risk_level "
                              "from referrals order by referral_date") == [
        (ref("R1"), "Thames Valley", "25-34", "2023-Q2", "white", "low"),
        (ref("R2"), "Thames Valley", "18-24", "2023-Q2", "unknown", "unknown"),
        (ref("R3"), "Nottinghamshire", "45-54", "2023-Q3", "black", "high"),
    ]
    assert rows_of(warehouse, "select staff_role from engagements order by contact_date") == [
        ("support_worker",), ("other",), ("police",)]


# --- quarantine: every reason code, with file and physical line ---------------------------

def test_every_reason_code_quarantines_the_right_row(tmp_path):
    rows = base_rows()
    rows["referrals"] += [
        dict(rows["referrals"][0], referral_id="R4", sex=""),  # line 5: missing_value
        dict(rows["referrals"][0], referral_id="R5", referral_date="2023-02-30"),  # line 6: bad_date
        dict(rows["referrals"][0], referral_id="R6", age_at_referral="9"),  # line 7: bad_number (range)
        dict(rows["referrals"][0], referral_id="R7", pathway="diversion"),  # line 8: bad_category
        dict(rows["referrals"][0], referral_id="R1"),  # line 9: duplicate_key
        dict(rows["referrals"][0], referral_id="R8", scheme_id="S9"),  # line 10: unknown_scheme
        dict(rows["referrals"][0], referral_id="R9", referral_date="2025-01-01"),  # line 11: date_after_as_of
    ]
    rows["engagements"] += [
        dict(rows["engagements"][0], referral_id="R99"),  # line 5: unknown_referral
        dict(rows["engagements"][0], referral_id="R5"),  # line 6: points at a quarantined referral
        dict(rows["engagements"][0], contact_date="2023-04-30"),  # line 7: date_before_referral
        dict(rows["engagements"][0], duration_minutes="-5"),  # line 8: negative_value
        dict(rows["engagements"][0], age="x", duration_minutes="4.5"),  # line 9: bad_number
    ]
    rows["funding"] += [
        dict(rows["funding"][0], financial_year_start="2024-04-02"),  # line 3: bad_date (not 1 April)
        dict(rows["funding"][0], financial_year_start="2022-04-01", amount_gbp="-1"),  # line 4: negative_value
    ]
    rows["offences"] += [
        dict(rows["offences"][0], outcome_date=""),  # line 5: proven without outcome date
        dict(rows["offences"][1], outcome_date="not a date"),  # line 6: not proven: outcome ignored, loaded
        dict(rows["offences"][0], proven="maybe"),  # line 7: bad_category
    ]
    rows["comparison"] += [
        dict(rows["comparison"][0], index_date="2025-02-01"),  # line 3: date_after_as_of
    ]
    warehouse = tmp_path / "wh.duckdb"
    report = ingest(write_source(tmp_path / "src", rows), warehouse)
    assert report.status == "ok", report.error
    assert quarantine(warehouse) == [
        ("comparison", "comparison.csv", 3, "date_after_as_of"),
        ("engagements", "engagements.csv", 5, "unknown_referral"),
        ("engagements", "engagements.csv", 6, "unknown_referral"),
        ("engagements", "engagements.csv", 7, "date_before_referral"),
        ("engagements", "engagements.csv", 8, "negative_value"),
        ("engagements", "engagements.csv", 9, "bad_number"),
        ("funding", "funding.csv", 3, "bad_date"),
        ("funding", "funding.csv", 4, "negative_value"),
        ("offences", "offences.csv", 5, "missing_value"),
        ("offences", "offences.csv", 7, "bad_category"),
        ("referrals", "referrals.csv", 5, "missing_value"),
        ("referrals", "referrals.csv", 6, "bad_date"),
        ("referrals", "referrals.csv", 7, "bad_number"),
        ("referrals", "referrals.csv", 8, "bad_category"),
        ("referrals", "referrals.csv", 9, "duplicate_key"),
        ("referrals", "referrals.csv", 10, "unknown_scheme"),
        ("referrals", "referrals.csv", 11, "date_after_as_of"),
    ]
    referrals = file_report(report, "referrals")
    assert (referrals.rows_read, referrals.rows_loaded, referrals.rows_quarantined) == (10, 3, 7)
    assert referrals.reasons == dict(dict.fromkeys(REASON_CODES, 0), missing_value=1, bad_date=1, bad_number=1,
                                     bad_category=1, duplicate_key=1, unknown_scheme=1, date_after_as_of=1)
    for f in report.files:
        assert f.rows_read == f.rows_loaded + f.rows_quarantined
    # The unproven offence with a garbage outcome date loads, with its outcome date ignored.
    assert rows_of(warehouse, "select count(*), count(outcome_date) from offences where not proven") == [(2, 0)]


def test_duplicate_key_keeps_the_first_row_in_file_order(tmp_path):
    rows = base_rows()
    rows["exits"] += [dict(rows["exits"][0], exit_reason="disengaged")]
    warehouse = tmp_path / "wh.duckdb"
    ingest(write_source(tmp_path / "src", rows), warehouse)
    assert rows_of(warehouse, "select referral_id, exit_reason from exits") == [(ref("R1"), "completed")]
    assert quarantine(warehouse) == [("exits", "exits.csv", 3, "duplicate_key")]


def test_quarantine_keeps_raw_values_with_the_identifiers_pseudonymised(tmp_path):
    rows = base_rows()
    rows["referrals"].append(dict(rows["referrals"][0], referral_id="R4", person_id="P-ZULU-999", sex="  "))
    warehouse = tmp_path / "wh.duckdb"
    ingest(write_source(tmp_path / "src", rows), warehouse)
    (raw,) = rows_of(warehouse, "select raw_values from quarantine")[0]
    values = json.loads(raw)
    assert values["referral_id"] == ref("R4") and values["sex"] == "  "
    assert len(values["person_id"]) == 64 and "ZULU" not in raw


def test_categories_booleans_and_dates_are_normalised(tmp_path):
    rows = base_rows()
    rows["engagements"][0].update(contact_type=" Home-Visit ", outcome="Did not attend",
                                  contact_date="3/5/2023")
    rows["engagements"][1].update(contact_date="2023-05-10 00:00:00", outcome="ATTENDED")
    rows["onward_referrals"][0].update(funded_place="Y", place_taken_up="No")
    warehouse = tmp_path / "wh.duckdb"
    report = ingest(write_source(tmp_path / "src", rows), warehouse)
    assert file_report(report, "engagements").rows_quarantined == 0
    assert rows_of(warehouse, "select contact_date, contact_type, outcome from engagements "
                              "where referral_id = ? order by 1", [ref("R1")]) == [
        (dt.date(2023, 5, 3), "home_visit", "did_not_attend"),
        (dt.date(2023, 5, 10), "appointment", "attended"),
    ]
    assert rows_of(warehouse, "select funded_place, place_taken_up from onward_referrals") == [(True, False)]


@pytest.mark.parametrize("value", ["2023-5-3", "05-03-2023", "2023/05/03", "3 May 2023", "2023-05-03T10:00:00"])
def test_dates_in_other_formats_are_bad_dates(tmp_path, value):
    rows = base_rows()
    rows["engagements"][0]["contact_date"] = value
    warehouse = tmp_path / "wh.duckdb"
    ingest(write_source(tmp_path / "src", rows), warehouse)
    assert quarantine(warehouse) == [("engagements", "engagements.csv", 2, "bad_date")]


def test_unknown_columns_are_ignored_and_reported(tmp_path):
    source = write_source(tmp_path / "src")
    text = (source / "exits.csv").read_text().splitlines()
    text[0] += ",Caseworker Notes"
    text[1] += ",free text"
    (source / "exits.csv").write_text("\n".join(text) + "\n")
    report = ingest(reseal(source), tmp_path / "wh.duckdb")
    assert file_report(report, "exits").unknown_columns == ["Caseworker Notes"]
    assert file_report(report, "exits").rows_loaded == 1


def test_header_matches_case_insensitively_and_optional_columns_may_be_absent(tmp_path):
    source = write_source(tmp_path / "src")
    (source / "engagements.csv").write_text(
        " Referral_ID ,CONTACT_DATE,contact_type,Outcome\nR1,2023-05-03,phone,attended\n")
    warehouse = tmp_path / "wh.duckdb"
    report = ingest(reseal(source), warehouse)
    assert report.status == "ok", report.error
    assert rows_of(warehouse, "select duration_minutes, staff_role from engagements") == [(None, "other")]


def test_a_record_with_a_quoted_line_break_is_numbered_by_its_first_line(tmp_path):
    source = write_source(tmp_path / "src")
    (source / "schemes.csv").write_text(
        "scheme_id,scheme_name,force,district,launch_date,planned_duration_weeks,target_contacts_per_month\n"
        'S1,"Druglink\nCourse",Thames Valley,Oxford,2019-01-01,6,4\n'
        "S2,VASS,Nottinghamshire,Ashfield,2019-06-01,,2\n"
        "S3,Broken,Nottinghamshire,Ashfield,not-a-date,,2\n")
    warehouse = tmp_path / "wh.duckdb"
    ingest(reseal(source), warehouse)
    assert quarantine(warehouse) == [("schemes", "schemes.csv", 5, "bad_date")]
    assert rows_of(warehouse, "select scheme_name from schemes where scheme_id = 'S1'") == [("Druglink\nCourse",)]


def test_a_row_with_the_wrong_number_of_fields_is_quarantined_not_dropped(tmp_path):
    source = write_source(tmp_path / "src")
    with open(source / "exits.csv", "a") as handle:
        handle.write("R3,2023-08-01,completed,surplus\n")
    warehouse = tmp_path / "wh.duckdb"
    report = ingest(reseal(source), warehouse)
    exits = file_report(report, "exits")
    assert (exits.rows_read, exits.rows_loaded, exits.rows_quarantined) == (2, 1, 1)
    assert exits.reasons["bad_row"] == 1
    assert quarantine(warehouse) == [("exits", "exits.csv", 3, "bad_row")]


# --- snapshots --------------------------------------------------------------------------

def test_a_newer_snapshot_replaces_the_extract_and_its_quarantine(tmp_path):
    rows = base_rows()
    rows["exits"].append({"referral_id": "R2", "exit_date": "2023-01-01", "exit_reason": "completed"})
    warehouse = tmp_path / "wh.duckdb"
    ingest(write_source(tmp_path / "src", rows), warehouse)
    assert quarantine(warehouse) == [("exits", "exits.csv", 3, "date_before_referral")]
    newer = base_rows()
    newer["exits"] = [{"referral_id": "R3", "exit_date": "2023-09-01", "exit_reason": "disengaged"}]
    report = ingest(write_source(tmp_path / "src2", newer), warehouse)
    assert file_report(report, "exits").skipped is False
    assert file_report(report, "referrals").skipped is True
    assert quarantine(warehouse) == []
    assert rows_of(warehouse, "select referral_id from exits") == [(ref("R3"),)]


def test_unchanged_extracts_are_revalidated_against_a_new_referrals_snapshot(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    ingest(write_source(tmp_path / "src"), warehouse)
    newer = base_rows()
    newer["referrals"] = [r for r in newer["referrals"] if r["referral_id"] != "R3"]
    ingest(write_source(tmp_path / "src2", newer), warehouse)
    assert ("engagements", "engagements.csv", 4, "unknown_referral") in quarantine(warehouse)
    assert rows_of(warehouse, "select count(*) from engagements where referral_id = ?", [ref("R3")]) == [(0,)]
    assert rows_of(warehouse, "select count(*) from engagements where referral_id = ?", [ref("R1")]) == [(2,)]


def test_optional_extracts_absent_from_a_later_folder_keep_their_rows(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    ingest(write_source(tmp_path / "src"), warehouse)
    report = ingest(write_source(tmp_path / "src2", skip=("funding", "reviews")), warehouse)
    assert report.status == "ok"
    assert rows_of(warehouse, "select count(*) from funding") == [(1,)]
    assert rows_of(warehouse, "select count(*) from reviews") == [(1,)]


def test_a_header_only_file_is_a_valid_empty_snapshot(tmp_path):
    rows = base_rows()
    rows["reviews"] = []
    warehouse = tmp_path / "wh.duckdb"
    report = ingest(write_source(tmp_path / "src", rows), warehouse)
    assert report.status == "ok"
    assert rows_of(warehouse, "select count(*) from reviews") == [(0,)]


# --- as_of --------------------------------------------------------------------------------

def test_as_of_defaults_to_the_latest_date_and_the_flag_overrides_the_manifest(tmp_path):
    source = write_source(tmp_path / "src", manifest={"demo_pseudonym_key": DEMO_KEY})
    assert ingest(source, tmp_path / "a.duckdb").as_of == "2023-10-01"  # latest proven outcome date
    with_manifest = write_source(tmp_path / "src2")
    assert ingest(with_manifest, tmp_path / "b.duckdb").as_of == "2024-12-31"
    flagged = ingest(with_manifest, tmp_path / "c.duckdb", as_of=dt.date(2023, 7, 1))
    assert flagged.as_of == "2023-07-01"
    # Contacts and exits after the flag's cut-off are quarantined.
    assert ("engagements", "engagements.csv", 4, "date_after_as_of") in quarantine(tmp_path / "c.duckdb")


# --- fatal errors: named file and column, warehouse untouched ------------------------------

def _loaded(tmp_path) -> tuple[Path, dict]:
    warehouse = tmp_path / "wh.duckdb"
    assert ingest(write_source(tmp_path / "good"), warehouse).status == "ok"
    return warehouse, all_tables(warehouse)


def _fails(tmp_path, source: Path, warehouse: Path, *expected_words: str) -> None:
    result = cli("ingest", str(source), "--warehouse", str(warehouse), "--json")
    assert result.returncode != 0
    report = json.loads(result.stdout)
    assert report["status"] == "failed"
    for word in expected_words:
        assert word in report["error"]


def test_a_missing_required_file_is_fatal_and_leaves_the_warehouse_as_it_was(tmp_path):
    warehouse, before = _loaded(tmp_path)
    source = write_source(tmp_path / "src", skip=("engagements",))
    _fails(tmp_path, source, warehouse, "engagements", "engagements.csv", "engagements.xlsx")
    assert all_tables(warehouse) == before


def test_a_missing_required_column_is_fatal_naming_file_and_column(tmp_path):
    warehouse, before = _loaded(tmp_path)
    source = write_source(tmp_path / "src")
    (source / "exits.csv").write_text("referral_id,exit_reason\nR1,completed\n")
    _fails(tmp_path, source, warehouse, "exits.csv", "exit_date")
    assert all_tables(warehouse) == before


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff\xfe garbage \x00" * 50, b"\n\n"])
def test_an_empty_or_garbage_file_is_fatal_naming_the_file(tmp_path, content):
    warehouse, before = _loaded(tmp_path)
    source = write_source(tmp_path / "src")
    (source / "referrals.csv").write_bytes(content)
    _fails(tmp_path, source, warehouse, "referrals.csv")
    assert all_tables(warehouse) == before


def test_a_garbage_xlsx_is_fatal_naming_the_file(tmp_path):
    warehouse, before = _loaded(tmp_path)
    source = write_source(tmp_path / "src", skip=("reviews",))
    (source / "reviews.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    _fails(tmp_path, source, warehouse, "reviews.xlsx")
    assert all_tables(warehouse) == before


def test_an_unreadable_file_is_fatal_naming_the_file(tmp_path, monkeypatch):
    warehouse, before = _loaded(tmp_path)
    source = write_source(tmp_path / "src")
    read_bytes = Path.read_bytes

    def refuse(path):  # as a file without read permission (the tests may run as root)
        if path.name == "reviews.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    report = ingest(source, warehouse)
    assert (report.status, report.error) == ("failed", "reviews.csv: cannot be read (Permission denied)")
    assert all_tables(warehouse) == before


def test_two_files_for_one_extract_is_fatal(tmp_path):
    source = write_source(tmp_path / "src")
    (source / "exits.xlsx").write_bytes(b"whatever")
    _fails(tmp_path, source, tmp_path / "wh.duckdb", "exits.csv", "exits.xlsx")
    assert not (tmp_path / "wh.duckdb").exists()


def test_a_failed_first_ingest_does_not_create_the_warehouse(tmp_path):
    source = write_source(tmp_path / "src")
    (source / "exits.csv").write_text("referral_id\n")
    _fails(tmp_path, source, tmp_path / "wh.duckdb", "exits.csv", "exit_date")
    assert not (tmp_path / "wh.duckdb").exists()


def test_real_data_without_a_key_is_refused(tmp_path):
    source = write_source(tmp_path / "src", manifest={"as_of": "2024-12-31"})
    _fails(tmp_path, source, tmp_path / "wh.duckdb", "OUTCOMES_PSEUDONYM_KEY")
    assert not (tmp_path / "wh.duckdb").exists()


def test_a_warehouse_refuses_a_second_key(tmp_path, monkeypatch):
    warehouse, before = _loaded(tmp_path)
    monkeypatch.setenv("OUTCOMES_PSEUDONYM_KEY", "another-key")
    rows = base_rows()
    rows["exits"] = []
    report = ingest(write_source(tmp_path / "src", rows), warehouse)
    assert report.status == "failed" and "different pseudonymisation key" in report.error
    assert all_tables(warehouse) == before


# --- formats ------------------------------------------------------------------------------

def test_xlsx_with_real_date_cells_loads_with_sheet_rows_as_lines(tmp_path):
    import openpyxl

    source = write_source(tmp_path / "src", skip=("engagements",))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["referral_id", "contact_date", "contact_type", "outcome", "duration_minutes"])
    sheet.append(["R1", dt.datetime(2023, 5, 3), "Appointment", "Attended", 45])
    sheet.append(["R1", "10/05/2023", "phone", "did not attend", None])
    sheet.append([None, None, None, None, None])  # blank row: skipped
    sheet.append(["R3", "yesterday", "phone", "attended", 10])
    book.save(source / "engagements.xlsx")
    warehouse = tmp_path / "wh.duckdb"
    report = ingest(reseal(source), warehouse)
    assert report.status == "ok", report.error
    assert rows_of(warehouse, "select contact_date, outcome, duration_minutes from engagements order by 1") == [
        (dt.date(2023, 5, 3), "attended", 45), (dt.date(2023, 5, 10), "did_not_attend", None)]
    assert quarantine(warehouse) == [("engagements", "engagements.xlsx", 5, "bad_date")]


def test_parquet_loads(tmp_path):
    import pandas as pd

    source = write_source(tmp_path / "src", skip=("exits",))
    pd.DataFrame({"referral_id": ["R1", "R3"], "exit_date": pd.to_datetime(["2023-06-15", "2023-09-01"]),
                  "exit_reason": ["completed", "Moved Away"]}).to_parquet(source / "exits.parquet")
    warehouse = tmp_path / "wh.duckdb"
    assert ingest(reseal(source), warehouse).status == "ok"
    assert rows_of(warehouse, "select referral_id, exit_date, exit_reason from exits order by 2") == [
        (ref("R1"), dt.date(2023, 6, 15), "completed"), (ref("R3"), dt.date(2023, 9, 1), "moved_away")]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_bom_and_windows_1252_csv_load_with_their_text_intact(tmp_path, encoding):
    rows = base_rows()
    rows["schemes"][0]["scheme_name"] = "Café Druglink – Oxford’s course"
    warehouse = tmp_path / "wh.duckdb"
    report = ingest(write_source(tmp_path / "src", rows, encoding=encoding), warehouse)
    assert report.status == "ok", report.error
    assert rows_of(warehouse, "select scheme_name from schemes where scheme_id = 'S1'") == [
        ("Café Druglink – Oxford’s course",)]


# --- hostile input --------------------------------------------------------------------------

def test_hostile_cells_load_as_inert_text(tmp_path):
    rows = base_rows()
    rows["schemes"][0]["scheme_name"] = '=HYPERLINK("http://evil.example","click")'
    rows["schemes"][1]["scheme_name"] = "x" * 100_000
    rows["referrals"][0]["referral_id"] = "R1'; DROP TABLE referrals; --"
    for table in ("engagements", "onward_referrals", "exits"):
        for row in rows[table]:
            if row["referral_id"] == "R1":
                row["referral_id"] = "R1'; DROP TABLE referrals; --"
    warehouse = tmp_path / "wh.duckdb"
    report = ingest(write_source(tmp_path / "src", rows), warehouse)
    assert report.status == "ok"
    assert rows_of(warehouse, "select scheme_name from schemes order by scheme_id") == [
        ('=HYPERLINK("http://evil.example","click")',), ("x" * 100_000,)]
    assert rows_of(warehouse, "select count(*) from referrals") == [(3,)]
    assert rows_of(warehouse, "select count(*) from engagements where referral_id = ?",
                   [ref("R1'; DROP TABLE referrals; --")]) == [(2,)]


# --- pseudonymisation ---------------------------------------------------------------------------

RAW_IDS = ("P-ALPHA-001", "P-BRAVO-002", "P-CHARLIE-003", "P-DELTA-004", "P-ECHO-005", "P-ZULU-999")


def test_raw_person_identifiers_never_reach_the_warehouse_file(tmp_path):
    rows = base_rows()
    rows["referrals"].append(dict(rows["referrals"][0], referral_id="R4", person_id="P-ZULU-999", sex="?"))
    source = write_source(tmp_path / "src", rows)
    with open(source / "offences.csv", "a") as handle:
        handle.write("P-ZULU-999,2023-01-01,theft,true,2023-02-01,extra-field\n")  # a ragged row
    warehouse = tmp_path / "wh.duckdb"
    assert ingest(reseal(source), warehouse).status == "ok"
    content = warehouse.read_bytes()
    for raw in RAW_IDS:
        assert raw.encode() not in content and raw.encode("utf-16-le") not in content
    assert rows_of(warehouse, "select count(*) from quarantine where extract in ('referrals', 'offences')") == [(2,)]


def test_the_same_key_gives_the_same_pseudonyms_across_runs(tmp_path, monkeypatch):
    source = write_source(tmp_path / "src")
    ingest(source, tmp_path / "a.duckdb")
    ingest(source, tmp_path / "b.duckdb")
    query = "select referral_id, person_id from referrals order by 1"
    first = rows_of(tmp_path / "a.duckdb", query)
    assert first == rows_of(tmp_path / "b.duckdb", query)
    assert all(len(p) == 64 for _, p in first)
    # Offences and comparison rows of one person join to the same pseudonym.
    assert rows_of(tmp_path / "a.duckdb", "select count(*) from offences join referrals using (person_id)") == [(1,)]
    monkeypatch.setenv("OUTCOMES_PSEUDONYM_KEY", "a-real-secret")
    ingest(source, tmp_path / "c.duckdb")
    assert set(rows_of(tmp_path / "c.duckdb", query)).isdisjoint(first)
    assert rows_of(tmp_path / "c.duckdb", "select demo from warehouse_meta") == [(False,)]
    assert rows_of(tmp_path / "a.duckdb", "select demo from warehouse_meta") == [(True,)]


# --- the bundled samples --------------------------------------------------------------------

def test_the_bad_sample_quarantines_exactly_the_rows_it_lists(tmp_path):
    from sample_data import bad_rows

    warehouse = tmp_path / "wh.duckdb"
    report = ingest(ROOT / "sample_data" / "bad", warehouse)
    assert report.status == "ok"
    assert rows_of(warehouse, "select file, line, reason from quarantine order by all") == sorted(
        bad_rows.expected_quarantine())
    assert report.unlinked_offence_people == bad_rows.UNLINKED_OFFENCE_PEOPLE
    assert file_report(report, "referrals").unknown_columns == ["officer_notes"]


def test_the_demo_sample_loads_cleanly_and_twice_changes_nothing(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    first = cli("ingest", str(ROOT / "sample_data" / "demo"), "--warehouse", str(warehouse), "--json")
    report = json.loads(first.stdout)
    assert first.returncode == 0 and report["status"] == "ok" and report["as_of"] == "2025-12-31"
    assert sum(f["rows_quarantined"] for f in report["files"]) == 0
    assert {f["extract"]: f["rows_loaded"] for f in report["files"]}["referrals"] == 2932
    content = warehouse.read_bytes()
    again = json.loads(cli("ingest", str(ROOT / "sample_data" / "demo"), "--warehouse", str(warehouse),
                           "--json").stdout)
    assert all(f["skipped"] for f in again["files"]) and warehouse.read_bytes() == content
    assert rows_of(warehouse, "select demo, source from warehouse_meta")[0][0] is True
