"""Derived model tables, computed from the model tables rather than from the extracts, so the
same SQL builds them in any warehouse (a test's hand-made one included).

`index_offences` counts each person's proven offences around each date they can be indexed
on (a referral date, a comparison index date); `referral_activity` sums each referral's
contacts, onward referrals and reviews and carries its offence counts, so a measure reads
one row per referral instead of millions of contacts and offences;
`referral_contact_months` sums contacts per referral and month, for month-by-month views;
`record_keys` gives each person the fixed random key that cell-key perturbation sums
(metrics/cellkey.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).parent / "sql"
DERIVED_TABLES = ("record_keys", "index_offences", "referral_activity", "referral_contact_months")  # build order


def derive_record_key_secret(pseudonym_secret: bytes) -> str:
    """The secret the record keys are derived with: from the pseudonymisation key, but not it."""
    return hmac.new(pseudonym_secret, b"diversion-outcomes cell-key record keys", hashlib.sha256).hexdigest()


def build(con: duckdb.DuckDBPyConnection, as_of: dt.date, record_key_secret: str,
          into: str | None = None) -> None:
    """Create every derived table from the model tables the connection sees by their plain
    names (referrals, engagements...), in the attached database `into` (default: the
    connection's own). as_of: the warehouse's data cut-off (an event counts once proven by it);
    record_key_secret: what the persons' record keys are derived with (the ingest derives it
    from the pseudonymisation key, so keys are stable across ingests)."""
    prefix = f"{into}." if into else ""
    parameters = {"as_of": as_of, "record_key_secret": record_key_secret}
    for name in DERIVED_TABLES:
        sql = (SQL_DIR / f"{name}.sql").read_text()
        used = {k: v for k, v in parameters.items() if f"${k}" in sql}
        con.execute(f"create or replace table {prefix}{name} as {sql}", used or None)
        if into:  # the next derived table reads this one by its plain name
            con.execute(f"create or replace temp view {name} as select * from {prefix}{name}")
    if into:
        for name in DERIVED_TABLES:
            con.execute(f"drop view temp.{name}")
