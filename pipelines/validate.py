"""Validation SQL, generated from the contract table.

Two steps per extract, on one table `typed_<e>` in the build connection:

  row-level  each column's text parsed to the contract's type, with the reason the value
             breaks a rule (`value_sql`). Run over a column's *distinct* values only
             (pipelines.parse): an extract of 5M contacts has a few thousand distinct dates
             and a handful of categories, so each is parsed once.
  cross-row  references, dates against the referral and as_of, keys (`cross_row_sql`):
             the rows that pass the row-level rules but break one of these, with its reason.

`valid_<e>` (rows with no reason) feeds the model SQL; the rest is the quarantine.
"""

from __future__ import annotations

from pipelines.contracts import Column, Extract
from pipelines.readers import LINE  # the physical line in the sender's file (header = 1)

ISO_DATE = r"\d{4}-\d{2}-\d{2}"
ISO_MIDNIGHT = r"\d{4}-\d{2}-\d{2}[ T]00:00(:00(\.0+)?)?"
UK_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
BOOLEAN_TRUE = ("true", "yes", "y", "1")
BOOLEAN_FALSE = ("false", "no", "n", "0")

REASON = "_reason"  # why a row is quarantined; NULL = valid
RAW = "_raw"  # raw values (JSON) already known for a row, else NULL


def _quote(text: str) -> str:
    """A SQL string literal for a constant of the contract (never for data values)."""
    return "'" + text.replace("'", "''") + "'"


def _in_list(values) -> str:
    return "(" + ", ".join(_quote(v) for v in values) + ")"


def _typed_expression(column: Column) -> str:
    t = f'"{column.name}__text"'
    if column.type == "text":
        return f"nullif({t}, '')"
    if column.type == "category":
        blank = _quote(column.blank_means) if column.blank_means else "NULL"
        return f"case when {t} = '' then {blank} else lower(replace(replace({t}, ' ', '_'), '-', '_')) end"
    if column.type == "boolean":
        return (
            f"case when lower({t}) in {_in_list(BOOLEAN_TRUE)} then true "
            f"when lower({t}) in {_in_list(BOOLEAN_FALSE)} then false end"
        )
    if column.type == "date":
        return (
            f"case when length({t}) = 10 and regexp_full_match({t}, '{ISO_DATE}') then try_cast({t} as date) "
            f"when length({t}) > 10 and regexp_full_match({t}, '{ISO_MIDNIGHT}') "
            f"then try_cast(left({t}, 10) as date) "
            f"when regexp_full_match({t}, '{UK_DATE}') then try_strptime({t}, '%d/%m/%Y')::date end"
        )
    if column.type == "integer":
        return f"case when regexp_full_match({t}, '[+-]?\\d{{1,9}}') then {t}::integer end"
    if column.type == "number":
        return (
            f"case when isfinite(try_cast(replace(replace({t}, '£', ''), ',', '') as double)) "
            f"then try_cast(replace(replace({t}, '£', ''), ',', '') as double) end"
        )
    raise ValueError(column.type)


def _reason_expression(column: Column) -> str:
    """The row-level reason this column's value gives the row, or NULL.

    Reads the trimmed text as "<name>__text" and the parsed value as "<name>". A column
    `required_if` a flag is judged here as if the flag were true (blank = missing_value);
    pipelines.parse drops the value and the reason on rows where the flag is not true.
    """
    t, v = f'"{column.name}__text"', f'"{column.name}"'
    bad = {"date": "bad_date", "integer": "bad_number", "number": "bad_number"}.get(column.type, "bad_category")
    missing = "'missing_value'" if (column.required or column.required_if) and not column.blank_means else "NULL"
    cases = [f"when {t} = '' then {missing}"]
    if column.type in ("date", "integer", "number", "boolean"):
        cases.append(f"when {v} is null then '{bad}'")
    if column.type == "category":
        cases.append(f"when {v} not in {_in_list(column.categories)} then 'bad_category'")
    if column.first_of_april:
        cases.append(f"when month({v}) <> 4 or day({v}) <> 1 then 'bad_date'")
    if column.min is not None:
        below = "negative_value" if column.min == 0 else "bad_number"
        cases.append(f"when {v} < {column.min} then '{below}'")
    if column.max is not None:
        cases.append(f"when {v} > {column.max} then 'bad_number'")
    return "case " + " ".join(cases) + " end"


def value_sql(column: Column, source: str) -> str:
    """Parse each value of `source` (columns `position` and `raw`, the text as sent or NULL):
    the typed value and its row-level reason, in `position` order."""
    return f"""
with distinct_values as (
    select position, coalesce(trim(raw, ' ' || chr(9)), '') as "{column.name}__text" from {source}
),

parsed as (
    select *, ({_typed_expression(column)})::{column.sql_type} as "{column.name}" from distinct_values
),

final as (
    select "{column.name}" as value, ({_reason_expression(column)})::varchar as reason from parsed order by position
)

select * from final
"""


def typed_columns_ddl(extract: Extract) -> str:
    columns = ", ".join(f'"{c.name}" {c.sql_type}' for c in extract.columns)
    return f"{LINE} bigint, {columns}, {REASON} varchar, {RAW} varchar"


def as_of_sql(extracts: list[Extract]) -> str:
    """The latest date in the as_of columns, over rows that passed the row-level checks."""
    parts = [
        f'select max("{c.name}") as latest from typed_{e.name} where {REASON} is null'
        for e in extracts
        for c in e.columns
        if c.sets_as_of
    ]
    return "select max(latest) from (" + " union all ".join(parts) + ")"


def cross_row_sql(extract: Extract) -> str | None:
    """Rows valid so far that break a cross-row rule, as (_line, _reason), in rule order:
    references, dates against the referral and as_of, keys. None: the extract has no such rule."""
    steps = [("typed", f"select * from typed_{extract.name} where {REASON} is null")]
    for column, target in extract.references.items():
        ref_extract, ref_column = target.split(".")
        reason = "unknown_scheme" if ref_extract == "schemes" else "unknown_referral"
        carried = ", ref.referral_date as _referral_date" if ref_extract == "referrals" else ""
        steps.append((
            f"referenced_{column}",
            f"select prev.* replace (coalesce(prev.{REASON}, case when ref.\"{ref_column}\" is null "
            f"then '{reason}' end) as {REASON}){carried} "
            f"from {steps[-1][0]} as prev left join valid_{ref_extract} as ref "
            f"on prev.\"{column}\" = ref.\"{ref_column}\"",
        ))
    date_checks = []
    for c in extract.columns:
        if c.not_before_referral:
            date_checks.append(f"case when \"{c.name}\" < _referral_date then 'date_before_referral' end")
    for c in extract.columns:
        if c.checked_against_as_of:
            date_checks.append(f"case when \"{c.name}\" > $as_of then 'date_after_as_of' end")
    if date_checks:
        steps.append((
            "dated",
            f"select * replace (coalesce({REASON}, {', '.join(date_checks)}) as {REASON}) from {steps[-1][0]}",
        ))
    if extract.key:
        key = ", ".join(f'"{k}"' for k in extract.key)
        steps.append((
            "keyed",
            f"select * replace (case when {REASON} is null and row_number() over "
            f"(partition by {REASON} is null, {key} order by {LINE}) > 1 then 'duplicate_key' "
            f"else {REASON} end as {REASON}) from {steps[-1][0]}",
        ))
    if len(steps) == 1:
        return None
    steps.append(("final", f"select {LINE}, {REASON} from {steps[-1][0]} where {REASON} is not null"))
    chain = ",\n\n".join(f"{name} as (\n    {body}\n)" for name, body in steps)
    return f"with {chain}\n\nselect * from final"


def apply_cross_row_sql(extract: Extract) -> str | None:
    """Mark the rows cross_row_sql finds; the others keep their row-level reason (or none)."""
    found = cross_row_sql(extract)
    if found is None:
        return None
    return (f"update typed_{extract.name} as typed set {REASON} = found.{REASON} "
            f"from ({found}) as found where typed.{LINE} = found.{LINE}")


def valid_sql(extract: Extract) -> str:
    columns = ", ".join(f'"{c.name}"' for c in extract.columns)
    return (
        f"create or replace view valid_{extract.name} as "
        f"select {columns}, {LINE} as source_line from typed_{extract.name} where {REASON} is null"
    )


def rendered_raw_values_sql(extract: Extract) -> str:
    """JSON raw values for a row known only by its typed values (a row re-validated from the
    previous warehouse), rendered as a CSV export would carry them."""
    values = ", ".join(f'"{c.name}" := coalesce("{c.name}"::varchar, \'\')' for c in extract.columns)
    return f"to_json(struct_pack({values}))::varchar"
