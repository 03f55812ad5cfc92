"""Data contracts checked after every load, before anything is published.

Each audit counts the offending rows (pass = zero), generated from the contract table:
keys unique, required values present, categories accepted, references resolved. One scan
per table. A failing audit is a bug in the pipeline, so the publish stops.
"""

from __future__ import annotations

from pipelines.contracts import EXTRACTS, Extract
from pipelines.readers import FatalError


def row_audits(extract: Extract) -> dict[str, str]:
    """Audit name -> condition that marks an offending row."""
    audits = {}
    for c in extract.columns:
        if c.required and not c.required_if:
            audits[f"not null {c.name}"] = f'"{c.name}" is null'
        if c.categories:
            allowed = ", ".join("'" + v + "'" for v in c.categories)
            audits[f"accepted values {c.name}"] = f'"{c.name}" not in ({allowed})'
    return audits


def audit_queries(extract: Extract, schema: str) -> dict[str, str]:
    """Audit name -> query returning the number of offending rows."""
    table = f"{schema}.{extract.name}"
    audits = row_audits(extract)
    counts = ", ".join(f"count(*) filter (where {condition})" for condition in audits.values())
    queries = {"row audits": f"select {counts or '0'} from {table}"}
    if extract.key:
        key = ", ".join(f'"{k}"' for k in extract.key)
        queries["unique key"] = f"select count(*) from (select {key} from {table} group by {key} having count(*) > 1)"
    for column, target in extract.references.items():
        ref_extract, ref_column = target.split(".")
        queries[f"relationship {column}"] = (
            f'select count(*) from {table} anti join {schema}.{ref_extract} as ref '
            f'on {table}."{column}" = ref."{ref_column}"'
        )
    return queries


def run_audits(con, schema: str) -> None:
    for extract in EXTRACTS:
        names = list(row_audits(extract))
        for name, query in audit_queries(extract, schema).items():
            failing = con.execute(query).fetchall()[0]
            for i, count in enumerate(failing):
                if count:
                    label = names[i] if name == "row audits" else name
                    raise FatalError(f"audit failed: {extract.name} {label} ({count} rows); nothing was published")
