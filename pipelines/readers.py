"""Read one extract file into text columns with their physical line numbers.

Every value is read as text (types are the validator's job, never auto-detection), the
header is matched case-insensitively, and each row keeps the line it starts on so a
quarantined row can be found in the sender's file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipelines.contracts import FORMATS, Extract

LINE = "_line"
_BLANK = re.compile(rb"[\xef\xbb\xbf]*[ \t\n\r\f\v]*")
_TEXT_DICTIONARY = pa.dictionary(pa.int32(), pa.string())


class FatalError(Exception):
    """An extract cannot be loaded at all; the warehouse is left as it was."""


@dataclass
class ExtractFile:
    extract: Extract
    path: Path
    table: pa.Table  # the contract's columns as text, maybe dictionary-encoded (absent optional ones null) + _line
    unknown_columns: list[str]
    malformed: list[tuple[int, list[str]]]  # (line, fields) of rows with the wrong number of fields


def find_files(source_dir: Path, extract: Extract) -> list[Path]:
    wanted = {extract.name + ext for ext in FORMATS}
    return sorted(p for p in source_dir.iterdir() if p.is_file() and p.name.lower() in wanted)


def read_extract(path: Path, extract: Extract, raw: bytes | None = None) -> ExtractFile:
    """raw: the file's bytes when the caller has already read them (to hash them)."""
    if path.stat().st_size == 0:
        raise FatalError(f"{path.name}: the file is empty (0 bytes); expected a header row with {_names(extract)}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            header, columns, lines, malformed = _read_csv(path, raw if raw is not None else path.read_bytes())
        elif suffix == ".xlsx":
            header, columns, lines, malformed = _read_xlsx(path)
        else:
            header, columns, lines, malformed = _read_parquet(path)
    except FatalError:
        raise
    except Exception as exc:  # a garbage file: name it, never a traceback
        raise FatalError(f"{path.name}: cannot be read as {suffix[1:].upper()} ({type(exc).__name__}: {exc})") from exc
    return _conform(path, extract, header, columns, lines, malformed)


def _names(extract: Extract) -> str:
    return ", ".join(c.name for c in extract.columns if not c.optional_column)


def _conform(path, extract, header, columns, lines, malformed) -> ExtractFile:
    """Map the file's header onto the contract: required columns present, extras reported."""
    normalised = [str(h).strip(" \t\ufeff").lower() for h in header]
    position = {}
    for i, name in enumerate(normalised):
        position.setdefault(name, i)
    missing = [c.name for c in extract.columns if not c.optional_column and c.name not in position]
    if missing:
        raise FatalError(
            f"{path.name}: required column {', '.join(repr(m) for m in missing)} is missing from the header "
            f"(line 1); found {', '.join(repr(h) for h in normalised) or 'no columns'}"
        )
    n = len(lines)
    arrays, names = [], []
    for column in extract.columns:
        if column.name in position:
            arrays.append(columns[position[column.name]])
        else:
            arrays.append(pa.nulls(n, pa.string()))
        names.append(column.name)
    arrays.append(pa.array(lines, pa.int64()))
    names.append(LINE)
    known = {c.name for c in extract.columns}
    unknown = [h for h in header if str(h).strip(" \t\ufeff").lower() not in known]
    return ExtractFile(extract, path, pa.table(arrays, names=names), [str(u) for u in unknown], malformed)


def _decode_csv_text(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FatalError(f"{path.name}: not UTF-8 or Windows-1252 text")


def _read_csv(path: Path, raw: bytes):
    """Fast path with Arrow (UTF-8); the csv module when line numbers and rows disagree or the
    text is Windows-1252."""
    if _BLANK.fullmatch(raw):  # nothing but byte-order marks and white space (no copy of the bytes)
        raise FatalError(f"{path.name}: the file has no header row")
    line_breaks = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    first_line = raw[: raw.find(b"\n") if b"\n" in raw else len(raw)]
    header = next(csv.reader([_decode_csv_text(first_line, path).strip("\r")]), [])
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(encoding="utf8", block_size=64 << 20),
            # without a quote character no value can hold a line break: the faster parser
            parse_options=pacsv.ParseOptions(newlines_in_values=b'"' in raw, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                # dictionary-encoded as read: the validator parses each distinct value once
                column_types={name: _TEXT_DICTIONARY for name in header}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, include_missing_columns=False,
            ),
        )
        simple = table.num_rows + 1 == line_breaks and table.column_names == header
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # ragged rows, or not UTF-8
        simple = False
    if simple:
        table = table.unify_dictionaries()  # one dictionary per column across the read blocks
        lines = np.arange(2, table.num_rows + 2, dtype=np.int64)
        return table.column_names, [column.combine_chunks() for column in table.columns], lines, []
    return _read_csv_slow(_decode_csv_text(raw, path), path)


def _read_csv_slow(text: str, path: Path):
    """Quoted line breaks, blank lines or ragged rows: number records by the line they start on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FatalError(f"{path.name}: the file has no header row") from None
    width = len(header)
    rows, lines, malformed = [], [], []
    start = reader.line_num + 1
    for record in reader:
        if not record:  # a blank line
            start = reader.line_num + 1
            continue
        if len(record) != width:
            malformed.append((start, record))
        else:
            rows.append(record)
            lines.append(start)
        start = reader.line_num + 1
    columns = [pa.array([r[i] for r in rows], pa.string()) for i in range(width)]
    return header, columns, lines, malformed


def _cell_text(value) -> str:
    """An XLSX or Parquet cell as the text a CSV export would have carried."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path):
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            raise FatalError(f"{path.name}: the first sheet is empty; expected a header row")
        width = len(header_row)
        while width and header_row[width - 1] is None:
            width -= 1
        header = [_cell_text(h) for h in header_row[:width]]
        records, lines = [], []
        for number, row in enumerate(rows, start=2):
            values = [_cell_text(v) for v in row[:width]] + [""] * max(0, width - len(row))
            if all(v == "" for v in values):
                continue
            records.append(values)
            lines.append(number)
    finally:
        workbook.close()
    columns = [pa.array([r[i] for r in records], pa.string()) for i in range(width)]
    return header, columns, lines, []


def _read_parquet(path: Path):
    table = pq.read_table(path)
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            columns.append(column.combine_chunks().cast(pa.string()))
        else:
            columns.append(pa.array([_cell_text(v) for v in column.to_pylist()], pa.string()))
    # Parquet has no header line: a row's "line" is its 1-based row number.
    return table.column_names, columns, np.arange(1, table.num_rows + 1, dtype=np.int64), []
