"""A process killed part-way through a large ingest leaves the live warehouse untouched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from pipelines.ingest import ingest
from tests.source_factory import reseal, write_source

ROOT = Path(__file__).resolve().parents[1]


def _large_engagements(path: Path, rows: int) -> None:
    rng = np.random.default_rng(7)
    days = rng.integers(0, 200, rows)
    dates = (np.datetime64("2023-07-01") + days).astype(str)
    table = pa.table({
        "referral_id": pa.array(np.where(rng.random(rows) < 0.5, "R1", "R3")),
        "contact_date": pa.array(dates),
        "contact_type": pa.array(np.full(rows, "phone")),
        "outcome": pa.array(np.where(rng.random(rows) < 0.8, "attended", "did_not_attend")),
    })
    pacsv.write_csv(table, path)


def test_sigkill_during_a_large_ingest_leaves_the_old_warehouse(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    assert ingest(write_source(tmp_path / "old"), warehouse).status == "ok"
    before = duckdb.connect(str(warehouse), read_only=True).execute(
        "select count(*) from engagements").fetchall()
    big = write_source(tmp_path / "big")
    _large_engagements(big / "engagements.csv", 1_500_000)
    reseal(big)

    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "ingest", str(big), "--warehouse", str(warehouse), "--json"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    # Kill it while it is writing the next warehouse: the most dangerous moment.
    while not list(tmp_path.glob(".wh.duckdb.building-*")) and time.monotonic() < deadline:
        assert process.poll() is None, "the ingest finished before it could be killed"
        time.sleep(0.01)
    time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from engagements").fetchall() == before == [(3,)]
    con.close()
    # The next ingest clears the half-written file and completes.
    report = ingest(big, warehouse)
    assert report.status == "ok"
    assert not list(tmp_path.glob(".wh.duckdb.building-*"))
    con = duckdb.connect(str(warehouse), read_only=True)
    loaded = next(f for f in report.files if f.extract == "engagements")
    assert loaded.rows_read == 1_500_000 == loaded.rows_loaded + loaded.rows_quarantined
    assert con.execute("select count(*) from engagements").fetchall() == [(loaded.rows_loaded,)]
