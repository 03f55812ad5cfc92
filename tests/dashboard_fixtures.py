"""A warehouse built from the bundled demo sample, shared by the dashboard tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.ingest import ingest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["overview", "engagement", "onward", "completion", "reoffending", "schemes", "cohort_review",
         "data_quality", "definitions"]
TITLES = {
    "overview": "Overview", "engagement": "Engagement", "onward": "Onward referrals and pathways",
    "completion": "Completion and progression", "reoffending": "Reoffending and comparison",
    "schemes": "Scheme comparison", "cohort_review": "Cohort review", "data_quality": "Data quality",
    "definitions": "Definitions",
}


def build_demo_warehouse(folder: Path) -> Path:
    warehouse = folder / "demo.duckdb"
    report = ingest(ROOT / "sample_data" / "demo", warehouse, bundled_sample=True)
    assert report.status == "ok", report.error
    return warehouse


def cursor(warehouse: Path):
    return duckdb.connect(str(warehouse), read_only=True).cursor()


def app_env(warehouse: Path) -> dict[str, str]:
    """Local mode on a test warehouse, auditing beside it (never into the repo's data/)."""
    return {"OUTCOMES_WAREHOUSE": str(warehouse), "OUTCOMES_ALLOW_UNAUTHENTICATED_LOCAL": "1",
            "OUTCOMES_AUDIT_LOG": str(warehouse.parent / "audit.log")}
