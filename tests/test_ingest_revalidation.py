"""Unchanged extracts are re-validated from the warehouse itself (model rows with their source
line, plus the quarantine), so the warehouse carries no second, text copy of every file."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipelines.contracts import EXTRACTS
from pipelines.ingest import ingest
from tests.source_factory import base_rows, referral_pseudonym as ref, write_source
from tests.source_factory import quarantine, rows_of


@pytest.fixture(autouse=True)
def no_configured_key(monkeypatch):
    monkeypatch.delenv("OUTCOMES_PSEUDONYM_KEY", raising=False)


def test_model_tables_carry_each_rows_source_line_and_no_text_copies(tmp_path):
    rows = base_rows()
    rows["engagements"].insert(1, dict(rows["engagements"][0], contact_date="not a date"))  # line 3
    warehouse = tmp_path / "wh.duckdb"
    ingest(write_source(tmp_path / "src", rows), warehouse)
    assert rows_of(warehouse, "select referral_id, contact_date::varchar, source_line from engagements") == [
        (ref("R1"), "2023-05-03", 2), (ref("R1"), "2023-05-10", 4), (ref("R3"), "2023-07-05", 5)]
    tables = {name for (name,) in rows_of(warehouse, "select table_name from duckdb_tables()")}
    assert not {t for t in tables if t.startswith("staged_")}
    assert {e.name for e in EXTRACTS} <= tables


def test_a_row_of_an_unchanged_file_loads_once_a_newer_referrals_file_has_its_referral(tmp_path):
    rows = base_rows()
    rows["engagements"].append(dict(rows["engagements"][0], referral_id="R4", outcome="Did not attend"))  # line 5
    warehouse = tmp_path / "wh.duckdb"
    ingest(write_source(tmp_path / "src", rows), warehouse)
    assert quarantine(warehouse) == [("engagements", "engagements.csv", 5, "unknown_referral")]

    newer = base_rows()
    newer["referrals"].append(dict(newer["referrals"][0], referral_id="R4"))
    newer["engagements"] = rows["engagements"]  # the same bytes: skipped, then re-validated
    report = ingest(write_source(tmp_path / "src2", newer), warehouse)
    assert next(f for f in report.files if f.extract == "engagements").skipped
    assert quarantine(warehouse) == []
    assert rows_of(warehouse, "select outcome, source_line from engagements where referral_id = ?", [ref("R4")]) == [
        ("did_not_attend", 5)]


def test_quarantined_rows_of_an_unchanged_file_keep_their_raw_values(tmp_path):
    rows = base_rows()
    rows["engagements"].append(dict(rows["engagements"][0], contact_date="31/02/2023", outcome=" Attended "))
    warehouse = tmp_path / "wh.duckdb"
    ingest(write_source(tmp_path / "src", rows), warehouse)
    before = rows_of(warehouse, "select line, reason, raw_values from quarantine")
    newer = base_rows()
    newer["engagements"] = rows["engagements"]
    newer["exits"] = []  # a new exits snapshot: every other extract is re-validated
    ingest(write_source(tmp_path / "src2", newer), warehouse)
    assert rows_of(warehouse, "select line, reason, raw_values from quarantine") == before
    assert json.loads(before[0][2])["contact_date"] == "31/02/2023"


def test_a_loaded_row_quarantined_by_a_newer_file_shows_its_values_as_loaded(tmp_path):
    rows = base_rows()
    rows["engagements"][0].update(contact_date="3/5/2023", contact_type="Home-Visit")
    warehouse = tmp_path / "wh.duckdb"
    ingest(write_source(tmp_path / "src", rows), warehouse)
    newer = base_rows()
    newer["engagements"] = rows["engagements"]
    newer["referrals"] = [r for r in newer["referrals"] if r["referral_id"] != "R1"]
    newer["exits"] = newer["onward_referrals"] = []
    ingest(write_source(tmp_path / "src2", newer), warehouse)
    raw = dict(rows_of(warehouse, "select line, raw_values from quarantine where extract = 'engagements'"))
    assert sorted(raw) == [2, 3]
    assert json.loads(raw[2]) == {"referral_id": ref("R1"), "contact_date": "2023-05-03", "contact_type": "home_visit",
                                  "outcome": "attended", "duration_minutes": "45", "staff_role": "support_worker"}


def test_a_new_as_of_revalidates_every_extract_from_the_warehouse(tmp_path):
    source = write_source(tmp_path / "src")
    warehouse = tmp_path / "wh.duckdb"
    ingest(source, warehouse)
    report = ingest(source, warehouse, as_of=dt.date(2023, 7, 1))
    assert report.status == "ok" and all(f.skipped for f in report.files)
    assert ("engagements", "engagements.csv", 4, "date_after_as_of") in quarantine(warehouse)
    assert rows_of(warehouse, "select count(*) from engagements") == [(2,)]
