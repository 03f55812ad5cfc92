"""python -m metrics summary --analyst ... --json: the CLI contract of metrics.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import metrics
from metrics import ANALYST, Filter
from tests.metrics_fixtures import make_warehouse, open_warehouse, tables_for

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "w.duckdb"
    return make_warehouse(path, "2025-06-30", **tables_for(("North", "South", "East")))


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "OUTCOMES_ANALYST"}
    return subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False, env={**environment, **env})


def run(*args: str) -> subprocess.CompletedProcess:
    """As an analyst who has said so (`summary --analyst`)."""
    if args and args[0] == "summary":
        args = ("summary", "--analyst", *args[1:])
    return run_cli(*args)


def summary_json(warehouse, *args: str) -> dict:
    done = run("summary", "--warehouse", str(warehouse), *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_summary_json_has_every_catalogue_id_with_its_keys(warehouse):
    out = summary_json(warehouse)
    assert out["as_of"] == "2025-06-30"
    assert out["filters"] == {"schemes": [], "districts": [], "date_from": None, "date_to": None}
    assert list(out["metrics"]) == list(metrics.IDS)
    for metric_id, value in out["metrics"].items():
        assert tuple(value) == metrics.BY_ID[metric_id].json_keys(), metric_id
    rate = out["metrics"]["engagement_rate"]
    assert 0 <= rate["value"] <= 1 and isinstance(rate["flags"], list)


def test_summary_json_equals_the_library_call(warehouse):
    out = summary_json(warehouse, "--scheme", "SN", "SF", "--from", "2022-03-01", "--to", "2024-12-31")
    expected = metrics.summary(open_warehouse(warehouse), ANALYST,
                               Filter(schemes=("SN", "SF"), date_from=date(2022, 3, 1),
                                      date_to=date(2024, 12, 31)))
    assert out["metrics"] == json.loads(json.dumps({k: v.to_json() for k, v in expected.items()}))


def test_repeated_and_space_separated_options_are_the_same(warehouse):
    a = summary_json(warehouse, "--scheme", "SN", "SS", "--district", "North", "South")
    b = summary_json(warehouse, "--scheme", "SN", "--scheme", "SS", "--district", "North",
                     "--district", "South")
    assert a == b
    assert a["filters"]["schemes"] == ["SN", "SS"] and a["filters"]["districts"] == ["North", "South"]


def test_cli_is_the_analyst_view_without_suppression(warehouse):
    out = summary_json(warehouse, "--scheme", "SE", "--from", "2023-01-01", "--to", "2023-03-31")
    assert 0 < out["metrics"]["referrals"]["value"] < 5
    assert all("suppressed" not in v for v in out["metrics"].values())


def test_summary_without_json_prints_a_table(warehouse):
    done = run("summary", "--warehouse", str(warehouse))
    assert done.returncode == 0, done.stderr
    assert "engagement_rate" in done.stdout and "as_of 2025-06-30" in done.stdout


def test_bad_date_and_missing_warehouse_fail_cleanly(tmp_path):
    assert run("summary", "--warehouse", "x.duckdb", "--from", "2024-13-01", "--json").returncode == 2
    missing = run("summary", "--warehouse", str(tmp_path / "none.duckdb"), "--json")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr


def test_catalogue_markdown(tmp_path):
    done = run("catalogue", "--markdown")
    assert done.returncode == 0
    assert done.stdout.strip() == metrics.catalogue.markdown().strip()


def test_a_scheme_or_district_with_no_referrals_is_warned_about_but_still_summarised(warehouse):
    done = run("summary", "--warehouse", str(warehouse), "--scheme", "SX", "--district", "Nowhere", "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["metrics"]["referrals"] == {"value": 0}
    assert done.stderr.splitlines() == [
        "warning: no referrals for scheme 'SX'; scheme ids with referrals: SE, SF, SN, SS",
        "warning: no referrals in district 'Nowhere'; districts with referrals: East, North, South",
    ]
    assert run("summary", "--warehouse", str(warehouse), "--scheme", "SN", "--json").stderr == ""


def test_summary_is_refused_without_saying_it_is_for_an_analyst(warehouse):
    refused = run_cli("summary", "--warehouse", str(warehouse), "--json")
    assert refused.returncode == 2 and refused.stdout == ""
    assert "--analyst" in refused.stderr and "Traceback" not in refused.stderr
    confirmed = run_cli("summary", "--warehouse", str(warehouse), "--json", OUTCOMES_ANALYST="1")
    assert confirmed.returncode == 0
    assert json.loads(confirmed.stdout) == summary_json(warehouse)
    assert run_cli("catalogue", "--json").returncode == 0  # definitions only: no flag needed
