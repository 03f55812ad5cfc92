"""Issue 10: the demo key only for the sealed synthetic sample, referral ids pseudonymised,
and warehouse files readable by their owner only."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dashboard import warehouse as dashboard_warehouse
from dashboard.warehouse import WarehouseFile, ensure_sample_warehouse, open_read_only, sample_needs_build
from pipelines import files
from pipelines.ingest import ingest
from pipelines.pseudonym import PERSON, REFERRAL, SAMPLE_SEAL, PseudonymKey
from sample_data.output import DEMO_PSEUDONYM_KEY
from tests.source_factory import DEMO_KEY, base_rows, referral_pseudonym, reseal, rows_of, write_source

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "sample_data" / "demo"
NOT_THE_SAMPLE = "manifest.json carries demo_pseudonym_key, but"


@pytest.fixture(autouse=True)
def no_configured_key(monkeypatch):
    monkeypatch.delenv("OUTCOMES_PSEUDONYM_KEY", raising=False)


def cli(source: Path, warehouse: Path) -> tuple[int, dict]:
    result = subprocess.run([sys.executable, "-m", "pipelines", "ingest", str(source), "--warehouse",
                             str(warehouse), "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    return result.returncode, json.loads(result.stdout)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def real_extracts(folder: Path) -> Path:
    """A hand-made folder standing for real extracts: no demo key, no seal."""
    write_source(folder, manifest={"as_of": "2024-12-31", "source": "Force export"})
    (folder / SAMPLE_SEAL).unlink()
    return folder


# --- the demo key -----------------------------------------------------------------------------

def test_the_sample_manifest_copied_onto_real_extracts_fails_and_leaves_the_warehouse(tmp_path):
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    assert ingest(write_source(tmp_path / "earlier"), warehouse).status == "ok"
    before = warehouse.read_bytes()
    source = real_extracts(tmp_path / "real")
    shutil.copy(DEMO / "manifest.json", source / "manifest.json")
    code, report = cli(source, warehouse)
    assert code != 0 and report["status"] == "failed"
    assert report["error"].startswith(f"{NOT_THE_SAMPLE} {source} is not the bundled synthetic sample")
    assert "OUTCOMES_PSEUDONYM_KEY" in report["error"]
    assert warehouse.read_bytes() == before


def test_the_sample_manifest_and_seal_copied_onto_real_extracts_fail(tmp_path):
    source = real_extracts(tmp_path / "real")
    for name in ("manifest.json", SAMPLE_SEAL):
        shutil.copy(DEMO / name, source / name)
    code, report = cli(source, tmp_path / "wh.duckdb")
    assert code != 0 and NOT_THE_SAMPLE in report["error"] and "schemes.csv differs" in report["error"]
    assert not (tmp_path / "wh.duckdb").exists()


def test_an_edited_sample_file_fails(tmp_path):
    source = tmp_path / "demo"
    shutil.copytree(DEMO, source)
    with open(source / "exits.csv", "a") as handle:
        handle.write("R0000001,2025-01-01,completed\n")
    report = ingest(source, tmp_path / "wh.duckdb")
    assert report.status == "failed" and NOT_THE_SAMPLE in report.error and "exits.csv differs" in report.error


def test_an_extract_file_the_seal_does_not_list_fails(tmp_path):
    source = write_source(tmp_path / "src", skip=("reviews",))
    (source / "reviews.csv").write_text("referral_id,review_date,risk_level,decision\n")
    report = ingest(source, tmp_path / "wh.duckdb")
    assert report.status == "failed" and "reviews.csv is not a file of the sample" in report.error


def test_the_bundled_sample_without_its_seal_fails_even_with_a_configured_key(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_PSEUDONYM_KEY", "a-real-secret")
    source = write_source(tmp_path / "src")
    (source / SAMPLE_SEAL).unlink()
    report = ingest(source, tmp_path / "wh.duckdb", bundled_sample=True)
    assert report.status == "failed" and NOT_THE_SAMPLE in report.error
    assert ingest(source, tmp_path / "real.duckdb").status == "ok"  # a configured key ignores the demo key
    assert rows_of(tmp_path / "real.duckdb", "select demo from warehouse_meta") == [(False,)]


def test_the_real_sample_ingests_and_is_marked_demo(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    code, report = cli(DEMO, warehouse)
    assert code == 0 and report["status"] == "ok"
    assert rows_of(warehouse, "select demo from warehouse_meta") == [(True,)]
    copy = tmp_path / "copy"  # the sample's own bytes anywhere are still the synthetic sample
    shutil.copytree(DEMO, copy)
    assert ingest(copy, tmp_path / "copy.duckdb").status == "ok"
    assert ingest(ROOT / "sample_data" / "bad", tmp_path / "bad.duckdb").status == "ok"


# --- referral ids ---------------------------------------------------------------------------

def test_referral_ids_are_pseudonymised_everywhere_and_still_join(tmp_path):
    rows = base_rows()
    case = {"R1": "TVP-CASE-2023-004417", "R2": "TVP-CASE-2023-004418", "R3": "NOT-CASE-2023-009001"}
    for table in ("referrals", "engagements", "onward_referrals", "exits", "reviews"):
        for row in rows[table]:
            row["referral_id"] = case[row["referral_id"]]
    rows["engagements"].append(dict(rows["engagements"][0], referral_id="TVP-CASE-2023-999999"))  # line 5
    rows["exits"].append(dict(rows["exits"][0], exit_reason="disengaged"))  # line 3: duplicate
    source = write_source(tmp_path / "src", rows)
    with open(source / "reviews.csv", "a") as handle:
        handle.write("NOT-CASE-2023-009001,2023-08-02,low,continue,ragged\n")  # line 3: bad_row
    warehouse = tmp_path / "wh.duckdb"
    assert ingest(reseal(source), warehouse).status == "ok"
    content = warehouse.read_bytes()
    for raw in [*case.values(), "TVP-CASE-2023-999999"]:
        assert raw.encode() not in content
    assert rows_of(warehouse, "select extract, line, reason from quarantine order by all") == [
        ("engagements", 5, "unknown_referral"), ("exits", 3, "duplicate_key"), ("reviews", 3, "bad_row")]
    raw_values = dict(rows_of(warehouse, "select extract, raw_values from quarantine"))
    assert json.loads(raw_values["engagements"])["referral_id"] == referral_pseudonym("TVP-CASE-2023-999999")
    assert json.loads(raw_values["exits"])["referral_id"] == referral_pseudonym(case["R1"])
    assert "NOT-CASE" not in raw_values["reviews"]
    assert rows_of(warehouse, "select count(*) from engagements join referrals using (referral_id)") == [(3,)]
    assert rows_of(warehouse, "select contacts_attended from referral_activity where referral_id = ?",
                   [referral_pseudonym(case["R1"])]) == [(1,)]


def test_a_referral_pseudonym_never_equals_a_person_pseudonym():
    key = PseudonymKey(DEMO_KEY.encode(), demo=False)
    assert key.pseudonym("X-17", REFERRAL) != key.pseudonym("X-17", PERSON)
    assert key.pseudonym("X-17", PERSON) == PseudonymKey(DEMO_KEY.encode(), demo=True).pseudonym(" X-17 ")
    assert len(key.pseudonym("X-17", REFERRAL)) == 64


def test_a_warehouse_with_raw_referral_ids_is_rebuilt_from_the_folder(tmp_path):
    source = write_source(tmp_path / "src")
    warehouse = tmp_path / "wh.duckdb"
    assert ingest(source, warehouse).status == "ok"
    with duckdb.connect(str(warehouse)) as con:  # as an earlier version left it
        con.execute("alter table warehouse_meta drop column pseudonymised")
        con.execute("update exits set referral_id = 'R1'")
    assert sample_needs_build(warehouse)
    report = ingest(source, warehouse)
    assert report.status == "ok" and not any(f.skipped for f in report.files)
    assert rows_of(warehouse, "select referral_id from exits") == [(referral_pseudonym("R1"),)]
    assert rows_of(warehouse, "select count(*) from ingest_log") == [(18,)]  # the log is kept
    assert rows_of(warehouse, "select pseudonymised from warehouse_meta") == [("person_id,referral_id",)]


# --- file modes -------------------------------------------------------------------------------

def test_the_warehouse_is_0600_in_a_0700_folder_the_ingest_creates(tmp_path):
    warehouse = tmp_path / "srv" / "outcomes" / "warehouse.duckdb"
    report = ingest(write_source(tmp_path / "src"), warehouse)
    assert report.status == "ok" and report.warnings == []
    assert mode(warehouse) == 0o600
    assert mode(warehouse.parent) == 0o700 and mode(warehouse.parent.parent) == 0o700
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["warehouse.duckdb"]  # no build files left


def test_an_existing_open_folder_is_left_as_it_is_with_a_warning(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    report = ingest(write_source(tmp_path / "src"), folder / "wh.duckdb")
    assert report.status == "ok" and mode(folder) == 0o755 and mode(folder / "wh.duckdb") == 0o600
    assert len(report.warnings) == 1 and str(folder) in report.warnings[0]


def test_a_killed_ingests_build_folder_is_cleared(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    stale = tmp_path / ".wh.duckdb.building-99999999"
    stale.mkdir()
    (stale / "wh.duckdb").write_bytes(b"half")
    assert ingest(write_source(tmp_path / "src"), warehouse).status == "ok"
    assert not stale.exists()


def test_reader_links_are_private_and_stale_ones_removed(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    assert ingest(write_source(tmp_path / "src"), warehouse).status == "ok"
    first = WarehouseFile(warehouse, False).version
    old = open_read_only(warehouse, first)
    readers = files.readers_folder(warehouse)
    (link,) = readers.iterdir()
    assert mode(readers) == 0o700 and mode(link) == 0o600
    rows = base_rows()
    rows["exits"] = []
    assert ingest(write_source(tmp_path / "src2", rows), warehouse).status == "ok"
    assert list(readers.iterdir()) == []  # the publish removed the old version's link
    assert old.execute("select count(*) from exits").fetchall() == [(1,)]  # still open: still reads
    new = open_read_only(warehouse, WarehouseFile(warehouse, False).version)
    assert [p.name for p in readers.iterdir()] == ["{}-{}.duckdb".format(*WarehouseFile(warehouse, False).version)]
    assert new.execute("select count(*) from exits").fetchall() == [(0,)]
    stray = readers / "1-2.duckdb"
    stray.write_bytes(b"an older copy")
    new.close()
    open_read_only(warehouse, WarehouseFile(warehouse, False).version).close()
    assert not stray.exists()
    old.close()


def test_a_deleted_warehouse_takes_its_reader_links_with_it(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    assert ingest(write_source(tmp_path / "src"), warehouse).status == "ok"
    open_read_only(warehouse, WarehouseFile(warehouse, False).version).close()
    readers = files.readers_folder(warehouse)
    assert len(list(readers.iterdir())) == 1  # a full copy of the warehouse, by another name
    warehouse.unlink()
    with pytest.raises(FileNotFoundError):
        WarehouseFile(warehouse, False).version  # what every page run asks first
    assert list(readers.iterdir()) == []


def test_the_bundled_demo_warehouse_follows_the_same_modes(tmp_path, monkeypatch):
    target = tmp_path / "data" / "demo_warehouse.duckdb"
    assert ensure_sample_warehouse(target)
    assert mode(target) == 0o600 and mode(target.parent) == 0o700
    assert rows_of(target, "select demo from warehouse_meta") == [(True,)]
    assert not ensure_sample_warehouse(target)
    assert dashboard_warehouse.SAMPLE_SOURCE == DEMO
    assert json.loads((DEMO / "manifest.json").read_text())["demo_pseudonym_key"] == DEMO_PSEUDONYM_KEY
