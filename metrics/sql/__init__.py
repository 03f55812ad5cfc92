"""The SQL of the metrics, one CTE per `.sql` file, composed into queries here.

A file `name.sql` holds the body of the CTE `name` (or, for `cost.sql`, a whole query).
`{cell}` is the only text substitution: a breakdown column chosen from a fixed list in
`metrics.measures`, never a value. Values always travel as `$name` parameters.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import duckdb

_HERE = Path(__file__).parent
_PARAM = re.compile(r"\$([a-z_]+)")


@cache
def text(name: str) -> str:
    return (_HERE / f"{name}.sql").read_text(encoding="utf-8")


def compose(ctes: list[str], final: str, cell: str = "'all'",
            bodies: dict[str, str] | None = None) -> str:
    """WITH <each cte> AS (...) <final>; `final` and each CTE name a file, unless `bodies`
    gives that name's SQL."""
    bodies = bodies or {}
    parts = [f"{name} AS (\n{bodies.get(name) or text(name)}\n)" for name in ctes]
    sql = "WITH " + ",\n".join(parts) + "\n" + (bodies.get(final) or text(final))
    return sql.replace("{cell}", cell)


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> duckdb.DuckDBPyConnection:
    """Execute with only the parameters the query names (DuckDB rejects extra ones)."""
    used = {name: params[name] for name in set(_PARAM.findall(sql))}
    return con.execute(sql, used)
