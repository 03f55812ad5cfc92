"""Per-call fact tables: one row per selected referral, then one per person.

Each public measure builds these once, as TEMP tables on the caller's cursor (allowed on a
read-only warehouse, private to that cursor), runs its aggregate queries over them and
drops them. Contacts come summed per referral, and offences counted per referral and
comparison index date, at ingest (the warehouse's referral_activity and index_offences), so
no call scans contacts or offences.
Use one cursor per call; a cursor is never used by two calls at once.
"""

from __future__ import annotations

import duckdb

from metrics import sql

_REFERRAL_CTES = ["selected_referrals"]
_PERSON_CTES = ["selected_people", "people"]


class Facts:
    """with Facts(con, params, cell, people=..., comparison=...) as facts: facts.rows("...")"""

    def __init__(self, con: duckdb.DuckDBPyConnection, params: dict, cell: str = "'all'", *,
                 people: bool = True, comparison: bool = False):
        self.con, self.params = con, params
        self._cell, self._people, self._comparison = cell, people, comparison
        self._tables: list[str] = []

    def __enter__(self) -> Facts:
        try:
            self._create("referral_facts", sql.compose(_REFERRAL_CTES, "referral_facts", self._cell))
            if self._people:
                ctes = list(_PERSON_CTES)
                people = "SELECT * FROM selected_people"
                if self._comparison:
                    ctes.insert(1, "comparison_people")
                    people += "\nUNION ALL\nSELECT * FROM comparison_people"
                self._create("person_facts", sql.compose(ctes, "person_facts",
                                                         bodies={"people": people}))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def rows(self, name: str) -> list[dict]:
        """Rows of sql/<name>.sql, run over the fact tables."""
        cur = sql.run(self.con, sql.text(name), self.params)
        columns = [d[0] for d in cur.description]
        return [dict(zip(columns, row)) for row in cur.fetchall()]

    def close(self) -> None:
        while self._tables:
            self.con.execute(f"DROP TABLE IF EXISTS temp.{self._tables.pop()}")

    def _create(self, table: str, query: str) -> None:
        sql.run(self.con, f"CREATE OR REPLACE TEMP TABLE {table} AS\n{query}", self.params)
        self._tables.append(table)
