"""Small hand-made warehouses for the metrics tests.

`make_warehouse(path, as_of, schemes=[...], referrals=[...], ...)` writes a DuckDB file with
the model tables of pipelines/WAREHOUSE.md (columns and types from pipelines/contracts.py)
and the given rows. Derived columns are filled the way the warehouse fills them:
referrals.force (the scheme's force), referrals.age_band, referrals.intake_quarter and
comparison.age_band; the derived tables (referral_activity) are built by the pipeline's own SQL.
Columns a test does not care about get a plain default. Kept a single
function so that it can later go through the real ingest instead.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines import derived as derived_tables
from pipelines.contracts import AGE_BANDS, BY_NAME, EXTRACTS

DEFAULTS = {
    "schemes": {"scheme_name": None, "force": "Force A", "district": None,
                "launch_date": "2020-01-01", "planned_duration_weeks": None,
                "target_contacts_per_month": None},
    "funding": {"funder": "PCC"},
    "referrals": {"scheme_id": "S1", "district": "North", "referral_source": "police",
                  "pathway": "voluntary", "age_at_referral": 30, "sex": "male",
                  "ethnicity": "unknown", "primary_need": "drugs", "risk_level": "unknown"},
    "engagements": {"contact_type": "appointment", "outcome": "attended",
                    "duration_minutes": 30, "staff_role": "support_worker"},
    "onward_referrals": {"agency_type": "drug_treatment", "outcome": "accepted",
                         "funded_place": False, "place_taken_up": None},
    "exits": {"exit_reason": "completed"},
    "reviews": {"risk_level": "medium", "decision": "continue"},
    "offences": {"offence_group": "theft", "proven": True, "outcome_date": None},
    "comparison": {"cohort_label": "neighbouring district", "district": "North",
                   "age_at_index": 30, "sex": "male", "primary_need": "drugs"},
}

# The hand-made warehouses' record keys (cell-key perturbation) are derived with this.
RECORD_KEY_SECRET = "test fixture record keys"

DERIVED = {
    "referrals": (("force", "VARCHAR"), ("age_band", "VARCHAR"), ("intake_quarter", "VARCHAR")),
    "comparison": (("age_band", "VARCHAR"),),
}


def age_band(age: int) -> str:
    if age < 18:
        return AGE_BANDS[0]
    for band, upper in zip(AGE_BANDS[1:], (24, 34, 44, 54)):
        if age <= upper:
            return band
    return AGE_BANDS[-1]


def intake_quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def make_warehouse(path: str | Path, as_of: str | date, *, source: str = "test fixture",
                   demo: bool = False, **tables: list[dict]) -> Path:
    """Create the warehouse at `path` holding `tables` (extract name -> list of row dicts)."""
    unknown = set(tables) - set(BY_NAME)
    if unknown:
        raise ValueError(f"no such extract: {unknown}")
    path = Path(path)
    if path.exists():
        path.unlink()
    as_of = _date(as_of)
    con = duckdb.connect(str(path))
    try:
        schemes = {row["scheme_id"]: {**DEFAULTS["schemes"], **row} for row in tables.get("schemes", [])}
        for extract in EXTRACTS:
            columns = [(c.name, c.sql_type, c.type) for c in extract.columns]
            derived = DERIVED.get(extract.name, ())
            ddl = ", ".join([f"{n} {t}" for n, t, _ in columns] + [f"{n} {t}" for n, t in derived])
            con.execute(f"CREATE TABLE {extract.name} ({ddl})")
            rows = []
            for given in tables.get(extract.name, []):
                row = {**DEFAULTS[extract.name], **given}
                if extract.name == "schemes" and row["scheme_name"] is None:
                    row["scheme_name"] = f"Scheme {row['scheme_id']}"
                for name, _, kind in columns:
                    if kind == "date":
                        row[name] = _date(row.get(name))
                if extract.name == "offences" and row["proven"] and row["outcome_date"] is None:
                    row["outcome_date"] = row["offence_date"]
                if extract.name == "referrals":
                    row["force"] = schemes[row["scheme_id"]]["force"]
                    row["age_band"] = age_band(row["age_at_referral"])
                    row["intake_quarter"] = intake_quarter(row["referral_date"])
                if extract.name == "comparison":
                    row["age_band"] = age_band(row["age_at_index"])
                names = [n for n, _, _ in columns] + [n for n, _ in derived]
                rows.append([row.get(n) for n in names])
            if rows:
                names = [n for n, _, _ in columns] + [n for n, _ in derived]
                placeholders = ", ".join("?" for _ in names)
                con.executemany(
                    f"INSERT INTO {extract.name} ({', '.join(names)}) VALUES ({placeholders})", rows)
        derived_tables.build(con, as_of, RECORD_KEY_SECRET)  # index_offences, referral_activity..., as the ingest builds them
        con.execute("CREATE TABLE warehouse_meta (as_of DATE, source VARCHAR, demo BOOLEAN, "
                    "built_at TIMESTAMP)")
        con.execute("INSERT INTO warehouse_meta VALUES (?, ?, ?, ?)",
                    [as_of, source, demo, datetime(2000, 1, 1)])
        con.execute("CREATE TABLE quarantine (extract VARCHAR, file VARCHAR, line INTEGER, "
                    "reason VARCHAR, raw_values VARCHAR)")
        con.execute("CREATE TABLE ingest_log (file VARCHAR, content_hash VARCHAR, extract VARCHAR, "
                    "rows_read INTEGER, rows_loaded INTEGER, rows_quarantined INTEGER, "
                    "loaded_at TIMESTAMP)")
    finally:
        con.close()
    return path


def scheme(scheme_id: str = "S1", **columns) -> dict:
    return {"scheme_id": scheme_id, **columns}


def referral(referral_id: str, person_id: str, referral_date: str, **columns) -> dict:
    return {"referral_id": referral_id, "person_id": person_id, "referral_date": referral_date,
            **columns}


def contact(referral_id: str, contact_date: str, outcome: str = "attended", **columns) -> dict:
    return {"referral_id": referral_id, "contact_date": contact_date, "outcome": outcome, **columns}


def offence(person_id: str, offence_date: str, outcome_date: str | None = None,
            proven: bool = True, **columns) -> dict:
    return {"person_id": person_id, "offence_date": offence_date, "proven": proven,
            "outcome_date": outcome_date if proven else None, **columns}


def open_warehouse(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A cursor on the warehouse, opened read-only as the dashboard opens it."""
    return duckdb.connect(str(path), read_only=True).cursor()


def build(tmp_path: Path, as_of: str, name: str = "warehouse.duckdb", **tables) -> duckdb.DuckDBPyConnection:
    """make_warehouse in a test's tmp_path, then open it. Every table defaults to no rows,
    schemes to one scheme S1 of Force A."""
    tables.setdefault("schemes", [scheme("S1")])
    return open_warehouse(make_warehouse(tmp_path / name, as_of, **tables))


# Three districts for scope and breakdown tests: North and South (Force A), East (Force B).
DISTRICT_SCHEMES = [
    scheme("SN", force="Force A", district="North"),
    scheme("SS", force="Force A", district="South", target_contacts_per_month=2),
    scheme("SF", force="Force A", district=None, planned_duration_weeks=8),  # force-wide
    scheme("SE", force="Force B", district="East"),
]
DISTRICT_FUNDING = [{"scheme_id": s["scheme_id"], "financial_year_start": f"{y}-04-01", "amount_gbp": a}
           for s, a in zip(DISTRICT_SCHEMES, (50_000, 70_000, 90_000, 30_000)) for y in (2022, 2023, 2024)]
HOME_SCHEMES = {"North": ("SN", "SF"), "South": ("SS", "SF"), "East": ("SE",)}
SIZES = {"North": 23, "South": 31, "East": 17}


def district_rows(district: str) -> dict[str, list[dict]]:
    """Varied, deterministic rows for one district's referrals and comparison people."""
    rows = {k: [] for k in ("referrals", "engagements", "onward_referrals", "exits", "reviews",
                            "offences", "comparison")}
    start = date(2022, 1, 1)
    for i in range(SIZES[district]):
        rid, person = f"{district[0]}R{i}", f"{district[0]}p{i % 19}"  # some people twice
        referred = start + timedelta(days=37 * i)
        rows["referrals"].append({
            "referral_id": rid, "person_id": person, "referral_date": referred.isoformat(),
            "district": district, "scheme_id": HOME_SCHEMES[district][i % len(HOME_SCHEMES[district])],
            "sex": ("male", "female")[i % 2], "age_at_referral": 16 + 3 * i % 50,
            "primary_need": ("drugs", "alcohol", "housing")[i % 3],
            "pathway": ("voluntary", "conditional_caution")[i % 2],
        })
        for j in range(i % 5):
            rows["engagements"].append({
                "referral_id": rid, "contact_date": (referred + timedelta(days=3 + 9 * j)).isoformat(),
                "outcome": ("attended", "did_not_attend", "attended", "cancelled_by_service")[(i + j) % 4]})
        if i % 3:
            rows["exits"].append({"referral_id": rid,
                                  "exit_date": (referred + timedelta(days=90)).isoformat(),
                                  "exit_reason": ("completed", "disengaged", "moved_away")[i % 3]})
        if i % 4 == 1:
            rows["onward_referrals"].append({
                "referral_id": rid, "referred_on_date": (referred + timedelta(days=20)).isoformat(),
                "outcome": ("accepted", "declined")[i % 2], "funded_place": bool(i % 3),
                "place_taken_up": True})
        if i % 6 == 1:
            rows["reviews"].append({"referral_id": rid,
                                    "review_date": (referred + timedelta(days=40)).isoformat(),
                                    "decision": ("step_down", "escalate")[i % 2]})
        if i % 4 == 0:
            rows["offences"].append({"person_id": person,
                                     "offence_date": (referred + timedelta(days=30 + i)).isoformat(),
                                     "proven": True,
                                     "outcome_date": (referred + timedelta(days=80 + i)).isoformat()})
        if i % 5 == 0:
            rows["offences"].append({"person_id": person,
                                     "offence_date": (referred - timedelta(days=50)).isoformat(),
                                     "proven": True,
                                     "outcome_date": (referred - timedelta(days=20)).isoformat()})
    for i in range(12):
        person, index = f"{district[0]}c{i}", start + timedelta(days=61 * i)
        rows["comparison"].append({"person_id": person, "index_date": index.isoformat(),
                                   "district": district, "sex": ("male", "female")[i % 2],
                                   "age_at_index": 16 + 3 * i % 50,
                                   "primary_need": ("drugs", "alcohol", "housing")[i % 3]})
        if i % 3 == 0:
            rows["offences"].append({"person_id": person,
                                     "offence_date": (index + timedelta(days=40)).isoformat(),
                                     "proven": True,
                                     "outcome_date": (index + timedelta(days=70)).isoformat()})
    return rows


# A person referred in North and, earlier, in South: a North scope indexes them on North.
SHARED = {
    "referrals": [
        {"referral_id": "XN", "person_id": "shared", "referral_date": "2023-06-01",
         "district": "North", "scheme_id": "SN"},
        {"referral_id": "XS", "person_id": "shared", "referral_date": "2022-06-01",
         "district": "South", "scheme_id": "SS"},
    ],
    "engagements": [{"referral_id": "XN", "contact_date": "2023-06-02", "outcome": "attended"},
                    {"referral_id": "XS", "contact_date": "2022-06-02", "outcome": "attended"}],
    "offences": [{"person_id": "shared", "offence_date": "2023-01-01", "proven": True,
                  "outcome_date": "2023-02-01"}],  # South: a reoffence; North: a prior offence
}


def tables_for(districts) -> dict[str, list[dict]]:
    tables = {"schemes": DISTRICT_SCHEMES, "funding": DISTRICT_FUNDING}
    for district in districts:
        for name, rows in district_rows(district).items():
            tables.setdefault(name, []).extend(rows)
    for name, rows in SHARED.items():
        keep = [r for r in rows if name == "offences" or
                next(x for x in SHARED["referrals"] if x["referral_id"] == r["referral_id"])["district"]
                in districts]
        tables.setdefault(name, []).extend(keep)
    return tables
