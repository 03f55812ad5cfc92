"""Hand-made source folders for pipeline tests: a few valid rows per extract, editable.

They are synthetic, so they carry a demo key in their manifest and are sealed as a sample
(SAMPLE.sha256, as sample_data/ seals its folders): the ingest honours a demo key only on
a sealed folder whose files are unchanged. A test that edits a folder's files after
write_source seals it again (`reseal`), or ingests with a configured key.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb

from pipelines.contracts import BY_NAME
from pipelines.pseudonym import REFERRAL, PseudonymKey
from sample_data.output import write_seal

DEMO_KEY = "test-key-not-secret"


def base_rows() -> dict[str, list[dict]]:
    """Two schemes, three referrals, a few rows of every other extract; all valid."""
    return {
        "schemes": [
            {"scheme_id": "S1", "scheme_name": "Druglink", "force": "Thames Valley", "district": "Oxford",
             "launch_date": "2019-01-01", "planned_duration_weeks": "6", "target_contacts_per_month": "4"},
            {"scheme_id": "S2", "scheme_name": "VASS", "force": "Nottinghamshire", "district": "Ashfield",
             "launch_date": "2019-06-01", "planned_duration_weeks": "", "target_contacts_per_month": "2"},
        ],
        "funding": [
            {"scheme_id": "S1", "financial_year_start": "2023-04-01", "amount_gbp": "120000", "funder": "PCC"},
        ],
        "referrals": [
            {"referral_id": "R1", "person_id": "P-ALPHA-001", "scheme_id": "S1", "referral_date": "2023-05-01",
             "district": "Oxford", "referral_source": "police", "pathway": "voluntary", "age_at_referral": "30",
             "sex": "male", "ethnicity": "white", "primary_need": "drugs", "risk_level": "low"},
            {"referral_id": "R2", "person_id": "P-BRAVO-002", "scheme_id": "S1", "referral_date": "2023-06-01",
             "district": "Oxford", "referral_source": "custody", "pathway": "conditional_caution",
             "age_at_referral": "22", "sex": "female", "ethnicity": "", "primary_need": "alcohol",
             "risk_level": ""},
            {"referral_id": "R3", "person_id": "P-CHARLIE-003", "scheme_id": "S2", "referral_date": "2023-07-01",
             "district": "Ashfield", "referral_source": "self", "pathway": "voluntary", "age_at_referral": "45",
             "sex": "male", "ethnicity": "black", "primary_need": "gambling", "risk_level": "high"},
        ],
        "engagements": [
            {"referral_id": "R1", "contact_date": "2023-05-03", "contact_type": "appointment",
             "outcome": "attended", "duration_minutes": "45", "staff_role": "support_worker"},
            {"referral_id": "R1", "contact_date": "2023-05-10", "contact_type": "appointment",
             "outcome": "did_not_attend", "duration_minutes": "", "staff_role": ""},
            {"referral_id": "R3", "contact_date": "2023-07-05", "contact_type": "home_visit",
             "outcome": "attended", "duration_minutes": "60", "staff_role": "police"},
        ],
        "onward_referrals": [
            {"referral_id": "R1", "referred_on_date": "2023-05-20", "agency_type": "education",
             "outcome": "accepted", "funded_place": "true", "place_taken_up": "yes"},
        ],
        "exits": [
            {"referral_id": "R1", "exit_date": "2023-06-15", "exit_reason": "completed"},
        ],
        "reviews": [
            {"referral_id": "R3", "review_date": "2023-08-01", "risk_level": "medium", "decision": "step_down"},
        ],
        "offences": [
            {"person_id": "P-ALPHA-001", "offence_date": "2023-01-10", "offence_group": "theft",
             "proven": "true", "outcome_date": "2023-03-01"},
            {"person_id": "P-DELTA-004", "offence_date": "2023-02-10", "offence_group": "drugs",
             "proven": "false", "outcome_date": ""},
            {"person_id": "P-ECHO-005", "offence_date": "2023-08-10", "offence_group": "fraud",
             "proven": "true", "outcome_date": "2023-10-01"},
        ],
        "comparison": [
            {"person_id": "P-DELTA-004", "cohort_label": "pre-launch 2019", "index_date": "2023-03-01",
             "district": "Oxford", "age_at_index": "31", "sex": "male", "primary_need": "unknown"},
        ],
    }


def write_source(folder: Path, rows: dict[str, list[dict]] | None = None, manifest: dict | None = None,
                 encoding: str = "utf-8", skip: tuple[str, ...] = ()) -> Path:
    """Write each extract as CSV with the contract's header (every column, in contract order)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = base_rows() if rows is None else rows
    for name, records in rows.items():
        if name in skip:
            continue
        header = [c.name for c in BY_NAME[name].columns]
        with open(folder / f"{name}.csv", "w", newline="", encoding=encoding) as handle:
            writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
            writer.writeheader()
            for record in records:
                writer.writerow({k: record.get(k, "") for k in header})
    manifest = {"as_of": "2024-12-31", "demo_pseudonym_key": DEMO_KEY} if manifest is None else manifest
    (folder / "manifest.json").write_text(json.dumps(manifest))
    write_seal(folder)
    return folder


def referral_pseudonym(raw: str, key: str = DEMO_KEY) -> str:
    """What the warehouse holds for a referral id sent as `raw` (with the folders' demo key)."""
    return PseudonymKey(key.encode("utf-8"), demo=False).pseudonym(raw, REFERRAL)


def reseal(folder: Path) -> Path:
    """After a test edited the files of a hand-made (synthetic) folder."""
    write_seal(folder)
    return folder


def rows_of(warehouse: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, parameters).fetchall()
    finally:
        con.close()


def quarantine(warehouse: Path) -> list[tuple]:
    return rows_of(warehouse, "select extract, file, line, reason from quarantine order by extract, line")
