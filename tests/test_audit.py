"""The audit log: append-only JSON lines, durable, no person identifiers, export hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import stat

import pytest

from dashboard import audit
from dashboard.access_policy import AUDIT_LOG_ENV, scope_for
from dashboard.viewer import Viewer
from metrics import Filter


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "logs" / "audit.log"
    audit.configure(path)
    yield path
    audit.configure(None)


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_row_is_one_json_object_on_one_line_with_who_and_when(log):
    audit.record("sign_in", "d.commander@force.police.uk", "district_commander", scope={"forces": ["F"]})
    [row] = lines(log)
    assert row["event"] == "sign_in" and row["email"] == "d.commander@force.police.uk"
    assert row["role"] == "district_commander" and row["scope"] == {"forces": ["F"]}
    when = dt.datetime.fromisoformat(row["ts"])
    assert when.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.UTC) - when).total_seconds()) < 60
    assert log.read_text(encoding="utf-8").endswith("\n")


def test_rows_are_appended_and_earlier_bytes_never_change(log):
    audit.record("sign_in", "a@b.uk", "analyst")
    before = log.read_bytes()
    audit.record("refused", "x@y.uk", None, reason="not_in_access_policy")
    audit.record("sign_out", "a@b.uk", "analyst")
    after = log.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    assert [row["event"] for row in lines(log)] == ["sign_in", "refused", "sign_out"]


def test_the_file_is_opened_for_append_only_and_fsynced_before_returning(log, monkeypatch):
    opened, synced = [], []
    real_open, real_fsync = os.open, os.fsync

    def spy_open(path, flags, *args):
        fd = real_open(path, flags, *args)
        opened.append((str(path), flags, fd))
        return fd

    def spy_fsync(fd):
        synced.append(fd)
        return real_fsync(fd)

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(os, "fsync", spy_fsync)
    audit.record("sign_in", "a@b.uk", "analyst")
    [(path, flags, fd)] = opened
    assert path == str(log)
    assert flags & os.O_APPEND and not flags & os.O_TRUNC
    assert synced == [fd]


def test_rows_written_by_another_process_are_kept(log):
    log.parent.mkdir(parents=True)
    log.write_text('{"event": "sign_in", "note": "written earlier"}\n')
    audit.record("sign_out", "a@b.uk", "analyst")
    assert [row["event"] for row in lines(log)] == ["sign_in", "sign_out"]


def test_the_log_is_readable_by_its_owner_only(log):
    audit.record("sign_in", "a@b.uk", "analyst")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def _write_many(path: str, writer: int) -> None:
    audit.configure(path)
    for n in range(100):
        audit.record("sign_in", f"writer{writer}@b.uk", "analyst", n=n, padding="x" * 500)


def test_concurrent_writers_never_interleave_a_line(log):
    log.parent.mkdir(parents=True)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_many, args=(str(log), w)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    rows = lines(log)
    assert len(rows) == 400
    for w in range(4):
        assert [row["n"] for row in rows if row["email"] == f"writer{w}@b.uk"] == list(range(100))


@pytest.mark.parametrize("details", [
    {"person_id": "P1234567"},
    {"referral_id": "R1"},
    {"filters": {"districts": ["Oxford"], "nhs_number": "9434765919"}},
    {"Date_Of_Birth": "1990-01-01"},
])
def test_person_identifiers_are_refused_and_nothing_is_written(log, details):
    with pytest.raises(ValueError, match="never carry person identifiers"):
        audit.record("export", "a@b.uk", "analyst", **details)
    assert not log.exists()


def test_an_unknown_event_is_refused(log):
    with pytest.raises(ValueError, match="unknown audit event"):
        audit.record("login", "a@b.uk", "analyst")


def test_an_unwritable_log_is_an_audit_error(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    audit.configure(blocker / "audit.log")
    try:
        with pytest.raises(audit.AuditError, match="cannot write the audit log"):
            audit.record("sign_in", "a@b.uk", "analyst")
    finally:
        audit.configure(None)


def test_an_export_row_carries_the_files_sha256_filters_and_scope(log):
    viewer = Viewer(scope=scope_for("district_commander", "Thames Valley Police", ["Oxford"]),
                    email="d.commander@force.police.uk")
    flt = Filter(schemes=("TVP-DRUGLINK",), districts=("Oxford",), date_from=dt.date(2024, 4, 1))
    pdf = b"%PDF-1.7 board report bytes"
    digest = audit.record_export(viewer, flt, "pdf", pdf)
    assert digest == hashlib.sha256(pdf).hexdigest()
    [row] = lines(log)
    assert row["event"] == "export" and row["kind"] == "pdf" and row["sha256"] == digest
    assert row["bytes"] == len(pdf)
    assert row["email"] == "d.commander@force.police.uk" and row["role"] == "district_commander"
    assert row["filters"]["schemes"] == ["TVP-DRUGLINK"] and row["filters"]["date_from"] == "2024-04-01"
    assert row["scope"] == {"forces": ["Thames Valley Police"], "districts": ["Oxford"]}
    assert pdf.decode() not in log.read_text()  # the hash, never the content


def test_without_configuration_the_environment_names_the_log(tmp_path, monkeypatch):
    audit.configure(None)
    monkeypatch.setenv(AUDIT_LOG_ENV, str(tmp_path / "env-audit.log"))
    audit.record("sign_in", "a@b.uk", "analyst")
    assert audit.read_rows(tmp_path / "env-audit.log")[0]["email"] == "a@b.uk"


def test_whether_a_row_could_be_written_is_checked_without_writing_one(log, tmp_path):
    audit.check_writable()
    assert log.exists() and log.read_bytes() == b""
    audit.configure(tmp_path / "logs")  # a directory: cannot be appended to
    with pytest.raises(audit.AuditError):
        audit.check_writable()


def test_a_refused_export_is_recorded_with_its_reason(log):
    viewer = Viewer(scope=scope_for("viewer", "Thames Valley Police"), email="v@force.police.uk")
    audit.record_export_refused(viewer, Filter(), "pdf", "signed_out")
    [row] = lines(log)
    assert (row["event"], row["email"], row["role"], row["kind"], row["reason"]) == (
        "export_refused", "v@force.police.uk", "viewer", "pdf", "signed_out")
    assert row["scope"] == {"forces": ["Thames Valley Police"], "districts": "all"}
