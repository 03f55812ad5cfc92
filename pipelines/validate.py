"""Validation SQL, generated from the contract table.

Three steps per extract, each a table in the build connection:

  staged_<e>   every row as text (person_id already pseudonymised), with _file and _line
  typed_<e>    values parsed to the contract's types, plus the first row-level _reason
  checked_<e>  cross-row rules added: references, dates against the referral and as_of, keys

`valid_<e>` (rows with no reason) feeds the model SQL; the rest is the quarantine.
"""

from __future__ import annotations

from pipelines.contracts import Column, Extract

ISO_DATE = r"\d{4}-\d{2}-\d{2}"
ISO_MIDNIGHT = r"\d{4}-\d{2}-\d{2}[ T]00:00(:00(\.0+)?)?"
UK_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
BOOLEAN_TRUE = ("true", "yes", "y", "1")
BOOLEAN_FALSE = ("false", "no", "n", "0")


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
        expression = (
            f"case when length({t}) = 10 and regexp_full_match({t}, '{ISO_DATE}') then try_cast({t} as date) "
            f"when length({t}) > 10 and regexp_full_match({t}, '{ISO_MIDNIGHT}') "
            f"then try_cast(left({t}, 10) as date) "
            f"when regexp_full_match({t}, '{UK_DATE}') then try_strptime({t}, '%d/%m/%Y')::date end"
        )
        if column.required_if:  # ignored entirely unless the flag column is true
            return f"case when ({_typed_expression_of_flag(column.required_if)}) then {expression} end"
        return expression
    if column.type == "integer":
        return f"case when regexp_full_match({t}, '[+-]?\\d{{1,9}}') then {t}::integer end"
    if column.type == "number":
        return (
            f"case when isfinite(try_cast(replace(replace({t}, '£', ''), ',', '') as double)) "
            f"then try_cast(replace(replace({t}, '£', ''), ',', '') as double) end"
        )
    raise ValueError(column.type)


def _typed_expression_of_flag(name: str) -> str:
    return f"lower(\"{name}__text\") in {_in_list(BOOLEAN_TRUE)}"


def _reason_expression(column: Column) -> str:
    """The row-level reason this column gives the row, or NULL.

    Reads the trimmed text as "<name>__text" and the parsed value as "<name>", so each
    value is parsed once.
    """
    t, v = f'"{column.name}__text"', f'"{column.name}"'
    bad = {"date": "bad_date", "integer": "bad_number", "number": "bad_number"}.get(column.type, "bad_category")
    if column.required_if:
        flag = f'"{column.required_if}"'
        blank = f"when {flag} and {t} = '' then 'missing_value'"
        unread = f"when not coalesce({flag}, false) then NULL"
    else:
        missing = "'missing_value'" if column.required and not column.blank_means else "NULL"
        blank = f"when {t} = '' then {missing}"
        unread = ""
    cases = [unread, blank]
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
    return "case " + " ".join(c for c in cases if c) + " end"


def typed_sql(extract: Extract, source: str) -> str:
    """Parse the text of `source` (columns _file, _line and the contract's, as text)."""
    names = [c.name for c in extract.columns]
    trimmed = ", ".join(f"coalesce(trim(\"{n}\", ' ' || chr(9)), '') as \"{n}__text\"" for n in names)
    parsed = ", ".join(f"{_typed_expression(c)}::{c.sql_type} as \"{c.name}\"" for c in extract.columns)
    reasons = ", ".join(_reason_expression(c) for c in extract.columns)
    values = ", ".join(f'"{n}"' for n in names)
    return f"""
create or replace table typed_{extract.name} as
with staged as (
    select * from {source}
),

trimmed as (
    select _file, _line, {trimmed} from staged
),

parsed as (
    select *, {parsed} from trimmed
),

final as (
    select _file, _line, {values}, coalesce({reasons}) as _reason
    from parsed
)

select * from final
"""


def as_of_sql(extracts: list[Extract]) -> str:
    """The latest date in the as_of columns, over rows that passed the row-level checks."""
    parts = [
        f'select max("{c.name}") as latest from typed_{e.name} where _reason is null'
        for e in extracts
        for c in e.columns
        if c.sets_as_of
    ]
    return "select max(latest) from (" + " union all ".join(parts) + ")"


def checked_sql(extract: Extract) -> str:
    """Cross-row rules, in order: references, dates against the referral and as_of, keys."""
    steps = [("typed", f"select * from typed_{extract.name}")]
    for column, target in extract.references.items():
        ref_extract, ref_column = target.split(".")
        reason = "unknown_scheme" if ref_extract == "schemes" else "unknown_referral"
        carried = ", ref.referral_date as _referral_date" if ref_extract == "referrals" else ""
        steps.append((
            f"referenced_{column}",
            f"select prev.* replace (coalesce(prev._reason, case when ref.\"{ref_column}\" is null "
            f"then '{reason}' end) as _reason){carried} "
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
            f"select * replace (coalesce(_reason, {', '.join(date_checks)}) as _reason) from {steps[-1][0]}",
        ))
    if extract.key:
        key = ", ".join(f'"{k}"' for k in extract.key)
        steps.append((
            "keyed",
            f"select * replace (case when _reason is null and row_number() over "
            f"(partition by _reason is null, {key} order by _line) > 1 then 'duplicate_key' "
            f"else _reason end as _reason) from {steps[-1][0]}",
        ))
    columns = ", ".join(["_file", "_line"] + [f'"{c.name}"' for c in extract.columns] + ["_reason"])
    steps.append(("final", f"select {columns} from {steps[-1][0]}"))
    chain = ",\n\n".join(f"{name} as (\n    {body}\n)" for name, body in steps)
    return f"create or replace table checked_{extract.name} as\nwith {chain}\n\nselect * from final"


def valid_sql(extract: Extract) -> str:
    columns = ", ".join(f'"{c.name}"' for c in extract.columns)
    return (
        f"create or replace view valid_{extract.name} as "
        f"select {columns} from checked_{extract.name} where _reason is null"
    )


def quarantine_sql(extract: Extract) -> str:
    """Quarantined rows with the raw values as sent (person_id already pseudonymised)."""
    raw = ", ".join(f'"{c.name}" := staged."{c.name}"' for c in extract.columns)
    return f"""
select '{extract.name}' as extract, checked._file as file, checked._line as line,
       checked._reason as reason, to_json(struct_pack({raw}))::varchar as raw_values
from checked_{extract.name} as checked
join staged_{extract.name} as staged using (_line)
where checked._reason is not null
"""
