"""Derived model tables, computed from the model tables rather than from the extracts, so the
same SQL builds them in any warehouse (a test's hand-made one included).

`referral_activity` sums each referral's contacts, onward referrals and reviews once, at
ingest, so a measure reads one row per referral instead of millions of contacts;
`referral_contact_months` does the same per referral and month, for month-by-month views.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).parent / "sql"
DERIVED_TABLES = ("referral_activity", "referral_contact_months")


def build(con: duckdb.DuckDBPyConnection, into: str | None = None) -> None:
    """Create every derived table from the model tables the connection sees by their plain
    names (referrals, engagements...), in the attached database `into` (default: the
    connection's own)."""
    prefix = f"{into}." if into else ""
    for name in DERIVED_TABLES:
        con.execute(f"create or replace table {prefix}{name} as {(SQL_DIR / f'{name}.sql').read_text()}")
