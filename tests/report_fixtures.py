"""A tiny warehouse for the report tests: one scheme with 3 referrals (below the disclosure
threshold) and hostile names from the extracts (spreadsheet formulas)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pipelines.ingest import ingest
from tests.source_factory import base_rows, write_source

HYPERLINK = '=HYPERLINK("http://x","y")'
SUM = "+SUM(A1)"
CMD = "@cmd"
MINUS = "-2+3"
FORCE = "Thames Valley"
# scheme id -> (name, district of its referrals, referrals): S1 is below the threshold of 5.
SCHEMES = {"S1": (HYPERLINK, SUM, 3), "S2": (CMD, MINUS, 12), "S3": ("Druglink", "Reading", 20)}


def tiny_rows() -> dict[str, list[dict]]:
    rows = base_rows()
    rows["schemes"] = [
        {"scheme_id": scheme_id, "scheme_name": name, "force": FORCE, "district": district,
         "launch_date": "2020-01-01", "planned_duration_weeks": "6", "target_contacts_per_month": "2"}
        for scheme_id, (name, district, _) in SCHEMES.items()
    ]
    rows["funding"] = [{"scheme_id": s, "financial_year_start": "2023-04-01", "amount_gbp": "50000", "funder": "PCC"}
                       for s in SCHEMES]
    referrals, engagements, exits = [], [], []
    for scheme_id, (_, district, count) in SCHEMES.items():
        for i in range(count):
            referral_id = f"{scheme_id}-R{i}"
            day = date(2023, 1, 5) + timedelta(days=9 * i)
            referrals.append({
                "referral_id": referral_id, "person_id": f"P-{scheme_id}-{i:03d}", "scheme_id": scheme_id,
                "referral_date": day.isoformat(), "district": district, "referral_source": "police",
                "pathway": "voluntary", "age_at_referral": str(20 + i), "sex": "male" if i % 2 else "female",
                "ethnicity": "", "primary_need": "drugs", "risk_level": "low"})
            engagements.append({"referral_id": referral_id, "contact_date": (day + timedelta(days=3)).isoformat(),
                                "contact_type": "appointment", "outcome": "attended", "duration_minutes": "30",
                                "staff_role": "support_worker"})
            exits.append({"referral_id": referral_id, "exit_date": (day + timedelta(days=60)).isoformat(),
                          "exit_reason": "completed" if i % 3 else "disengaged"})
    rows.update(referrals=referrals, engagements=engagements, exits=exits, onward_referrals=[], reviews=[],
                offences=[], comparison=rows["comparison"])
    return rows


def build_tiny_warehouse(folder: Path) -> Path:
    source = write_source(folder / "source", tiny_rows())
    warehouse = folder / "tiny.duckdb"
    report = ingest(source, warehouse, bundled_sample=True)
    assert report.status == "ok", report.error
    return warehouse
