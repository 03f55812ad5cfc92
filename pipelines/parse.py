"""Row-level validation, parsing each distinct value of a column once.

An extract arrives as text columns (pipelines.readers). Each column is dictionary-encoded
(Arrow, in C++), its distinct values go through the contract's SQL (validate.value_sql)
in DuckDB, and the typed values and reasons are spread back over the rows by index. A
row's reason is the first one among its columns, in contract order.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines import validate
from pipelines.contracts import REASON_CODES, Extract
from pipelines.readers import LINE

_REASONS = pa.array(REASON_CODES, pa.string())


def encode(table: pa.Table, extract: Extract) -> pa.Table:
    """The contract's columns dictionary-encoded (a compact copy of the text as sent; nulls
    kept as nulls), plus _line."""
    arrays = [_dictionary(table.column(c.name)) for c in extract.columns]
    return pa.table(arrays + [table.column(LINE).combine_chunks()],
                    names=[c.name for c in extract.columns] + [LINE])


def _dictionary(column: pa.ChunkedArray) -> pa.DictionaryArray:
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(array.type):
        return array
    return pc.dictionary_encode(array, null_encoding="encode")


def typed(con: duckdb.DuckDBPyConnection, encoded: pa.Table, extract: Extract) -> pa.Table:
    """_line, the contract's columns typed, and _reason (NULL = passes the row-level rules)."""
    values: dict[str, pa.Array] = {}
    reasons: dict[str, pa.Array] = {}
    for column in extract.columns:
        array = encoded.column(column.name).combine_chunks()
        value, reason = _parse_dictionary(con, array.dictionary, column)
        indices = array.indices
        if pa.types.is_string(value.type):
            values[column.name] = pa.DictionaryArray.from_arrays(indices, value)
        else:
            values[column.name] = value.take(indices)
        reasons[column.name] = reason.take(indices)
    for column in extract.columns:
        if column.required_if:  # ignored entirely unless the flag column is true
            flag = pc.fill_null(values[column.required_if], False)
            if pa.types.is_dictionary(values[column.name].type):
                values[column.name] = values[column.name].dictionary_decode()
            values[column.name] = pc.if_else(flag, values[column.name], None)
            reasons[column.name] = pc.if_else(flag, reasons[column.name], None)
    codes = pc.coalesce(*[reasons[c.name] for c in extract.columns]) if extract.columns else None
    reason = pa.DictionaryArray.from_arrays(codes, _REASONS)
    return pa.table([encoded.column(LINE)] + [values[c.name] for c in extract.columns] + [reason],
                    names=[LINE] + [c.name for c in extract.columns] + [validate.REASON])


def _parse_dictionary(con: duckdb.DuckDBPyConnection, dictionary: pa.Array, column) -> tuple[pa.Array, pa.Array]:
    """Typed value and reason code (int8 index into REASON_CODES, or null) per distinct value."""
    distinct = pa.table({"position": pa.array(np.arange(len(dictionary), dtype=np.int64)),
                         "raw": dictionary.cast(pa.string())})
    con.register("distinct_raw", distinct)
    try:
        result = con.execute(validate.value_sql(column, "distinct_raw")).to_arrow_table()
    finally:
        con.unregister("distinct_raw")
    value = result.column("value").combine_chunks()
    reason = pc.index_in(result.column("reason").combine_chunks(), value_set=_REASONS).cast(pa.int8())
    if len(value) != len(dictionary):
        raise AssertionError("one parsed value per distinct value")
    return value, reason


def raw_rows(encoded: pa.Table, lines: np.ndarray) -> pa.Table:
    """The text as sent of the rows on `lines` (each one a line of `encoded`, which is in
    line order), for the quarantine."""
    positions = np.searchsorted(encoded.column(LINE).to_numpy(), lines)
    picked = encoded.take(pa.array(positions, pa.int64()))
    return pa.table([col.combine_chunks().dictionary_decode() if pa.types.is_dictionary(col.type) else col
                     for col in picked.columns], names=picked.column_names)
