"""Data contracts checked after every load, before anything is published.

Each audit is a query returning the offending rows (pass = zero rows), generated from the
contract table: keys unique, required values present, categories accepted, references
resolved. A failing audit is a bug in the pipeline, so the publish stops.
"""

from __future__ import annotations

from pipelines.contracts import EXTRACTS, Extract
from pipelines.readers import FatalError


def audit_queries(extract: Extract, table: str) -> dict[str, str]:
    queries = {}
    if extract.key:
        key = ", ".join(f'"{k}"' for k in extract.key)
        queries["unique key"] = f"select {key} from {table} group by {key} having count(*) > 1"
    for c in extract.columns:
        if c.required and not c.required_if:
            queries[f"not null {c.name}"] = f'select * from {table} where "{c.name}" is null'
        if c.categories:
            allowed = ", ".join("'" + v + "'" for v in c.categories)
            queries[f"accepted values {c.name}"] = (
                f'select * from {table} where "{c.name}" is not null and "{c.name}" not in ({allowed})'
            )
    for column, target in extract.references.items():
        ref_extract, ref_column = target.split(".")
        ref_table = table.replace(extract.name, ref_extract)
        queries[f"relationship {column}"] = (
            f'select * from {table} where "{column}" not in (select "{ref_column}" from {ref_table})'
        )
    return queries


def run_audits(con, prefix: str = "") -> None:
    for extract in EXTRACTS:
        for name, query in audit_queries(extract, prefix + extract.name).items():
            failing = con.execute(f"select count(*) from ({query})").fetchall()[0][0]
            if failing:
                raise FatalError(f"audit failed: {extract.name} {name} ({failing} rows); nothing was published")
