"""The next warehouse, assembled in an in-memory DuckDB and published as a new file.

Every extract is typed into `typed_<e>` (a changed file from its text, an unchanged one
from the previous warehouse) and checked across extracts; the model and derived tables,
the quarantine and the log are written into a new file beside the live warehouse, which
then replaces it (os.replace).
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines import derived, files, parse, validate
from pipelines.audits import run_audits
from pipelines.contracts import EXTRACTS, Extract
from pipelines.readers import LINE, ExtractFile, FatalError

SQL_DIR = Path(__file__).parent / "sql"
WORKERS = 2  # files read, and extracts typed, side by side (Arrow and DuckDB release the GIL)
MALFORMED = "bad_row"  # a CSV record with the wrong number of fields
# warehouse_meta.pseudonymised: the identifier columns held as keyed pseudonyms
PSEUDONYMISED = ",".join(sorted({c.name for e in EXTRACTS for c in e.columns if c.pseudonymise}))


class Build:
    """The next warehouse, assembled in an in-memory DuckDB."""

    def __init__(self, previous_warehouse: Path | None, reuse_rows: bool = True):
        """reuse_rows=False: only the previous warehouse's ingest_log is carried over (its rows
        are of an earlier version and cannot be mixed with new ones)."""
        self.con = duckdb.connect(":memory:")
        self.con.execute("set preserve_insertion_order = true")  # model tables keep the files' order
        if previous_warehouse:
            self.con.execute(f"attach {_path_literal(previous_warehouse)} as prev (read_only)")
        self.has_log = previous_warehouse is not None
        self.has_previous = self.has_log and reuse_rows
        self.changed: dict[str, ExtractFile] = {}  # extracts loaded from a new file
        self.files: dict[str, str] = {}  # extract -> the name of its current file
        self.unchanged: set[str] = set()  # re-validated from the previous warehouse's rows
        self.legacy: set[str] = set()  # ... of a warehouse built by an earlier version
        for extract in EXTRACTS:
            self.con.execute(f"create table typed_{extract.name} ({validate.typed_columns_ddl(extract)})")
        self.con.execute((SQL_DIR / "macros.sql").read_text())

    def add_files(self, extract_files: list[ExtractFile]) -> None:
        """typed_<e> from each new file, side by side, the largest first. (Typing a file as
        soon as it is read, while the largest is still being read, measured slower: the
        two compete for the same two cores.)"""
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            list(pool.map(self._add_file, sorted(extract_files, key=lambda f: -f.table.num_rows)))

    def _add_file(self, extract_file: ExtractFile) -> None:
        extract = extract_file.extract
        self.changed[extract.name] = extract_file
        self.files[extract.name] = extract_file.path.name
        with closing(self.con.cursor()) as con:
            _insert_typed(con, extract, parse.typed(con, extract_file.table, extract))

    def add_previous(self, files: dict[str, str]) -> None:
        """typed_<e> of every other extract, from the previous warehouse (files: extract -> the
        name of its current file there)."""
        if not self.has_previous:
            return
        for extract in EXTRACTS:
            if extract.name in self.changed:
                continue
            self.files[extract.name] = files.get(extract.name)
            if self._previous_has(extract.name, "source_line"):
                self.unchanged.add(extract.name)
            elif self._previous_has(f"staged_{extract.name}", LINE):
                # An earlier version kept each file's text (staged_<e>) instead of source lines.
                self.legacy.add(extract.name)
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            list(pool.map(self._type_previous, [e for e in EXTRACTS if e.name in self.unchanged | self.legacy]))

    def _type_previous(self, extract: Extract) -> None:
        name = extract.name
        with closing(self.con.cursor()) as con:
            if name in self.legacy:
                names = ", ".join(f'"{c.name}"' for c in extract.columns)
                text = con.execute(f"select {names}, {LINE} from prev.staged_{name} order by {LINE}").to_arrow_table()
                _insert_typed(con, extract, parse.typed(con, parse.encode(text, extract), extract))
            elif name in self.unchanged:
                self._retype_previous(con, extract)

    def _previous_has(self, table: str, column: str) -> bool:
        return self.con.execute(
            "select count(*) from duckdb_columns() where database_name = 'prev' and table_name = ? "
            "and column_name = ?", [table, column]).fetchall()[0][0] > 0

    def _retype_previous(self, con, extract: Extract) -> None:
        """An unchanged extract, from the previous warehouse: its model rows (typed, valid at the
        row level) and its quarantined rows, parsed again from their raw values, which they
        keep. Rows with the wrong number of fields stay quarantined as they were."""
        name = extract.name
        columns = ", ".join(f'"{c.name}"' for c in extract.columns)
        con.execute(f"insert into typed_{name} select source_line, {columns}, NULL, NULL from prev.{name}")
        raw = ", ".join(f"json_extract_string(raw_values, ?) as \"{c.name}\"" for c in extract.columns)
        quarantined = con.execute(
            f"select {raw}, line as {LINE}, raw_values from prev.quarantine "
            f"where extract = ? and reason <> ? order by line",
            [f"$.{c.name}" for c in extract.columns] + [name, MALFORMED]).to_arrow_table()
        if quarantined.num_rows:
            typed = parse.typed(con, parse.encode(quarantined, extract), extract)
            _insert_typed(con, extract, typed, quarantined.column("raw_values").combine_chunks())

    def validate(self, as_of: dt.date | None) -> dt.date:
        if as_of is None:
            as_of = self.con.execute(validate.as_of_sql(list(EXTRACTS))).fetchall()[0][0]
            if as_of is None:
                raise FatalError("no dates in the extracts to set as_of from; give --as-of or manifest.json as_of")
        for extract in EXTRACTS:  # contract order: an extract after the ones it references
            sql = validate.apply_cross_row_sql(extract)
            if sql:
                self.con.execute(sql, {"as_of": as_of} if "$as_of" in sql else None)
            self.con.execute(validate.valid_sql(extract))
        return as_of

    def counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for extract in EXTRACTS:
            rows = self.con.execute(
                f"select {validate.REASON}, count(*) from typed_{extract.name} "
                f"where {validate.REASON} is not null group by 1"
            ).fetchall()
            counts[extract.name] = dict(rows)
        return counts

    def unlinked_offence_people(self) -> int:
        return self.con.execute(
            "select count(distinct person_id) from valid_offences where person_id not in "
            "(select person_id from valid_referrals union select person_id from valid_comparison)"
        ).fetchall()[0][0]

    def publish(self, warehouse: Path, as_of, manifest, key, reports, hashes, unlinked: int) -> None:
        """Write the next warehouse in a private folder of its own (it and DuckDB's WAL beside
        it readable by the owner only), then move it over the live one."""
        scratch = files.build_folder(warehouse)
        building = scratch / warehouse.name
        con = self.con
        try:
            con.execute(f"attach {_path_literal(building)} as next")
            files.make_private(building)
            for extract in EXTRACTS:
                model = (SQL_DIR / f"{extract.name}.sql").read_text()
                con.execute(f"create table next.{extract.name} as {model}")
            for extract in EXTRACTS:  # the derived tables read the model rows, still in memory
                con.execute(f"create view {extract.name} as select * from valid_{extract.name}")
            derived.build(con, as_of, derived.derive_record_key_secret(key.secret), into="next")
            run_audits(con, schema="next")
            self._publish_quarantine()
            self._publish_log(reports, hashes)
            con.execute(
                "create table next.warehouse_meta as select ?::date as as_of, ?::varchar as source, ?::boolean as demo, "
                "current_timestamp::timestamp as built_at, ? as key_fingerprint, ? as unlinked_offence_people, "
                "?::varchar as pseudonymised",
                [as_of, manifest.get("source"), key.demo, key.fingerprint, unlinked, PSEUDONYMISED],
            )
            con.execute("checkpoint next")
            con.execute("detach next")
            if self.has_log:
                con.execute("detach prev")
            os.replace(building, warehouse)
        finally:
            files.remove(scratch)
        files.remove_stale_readers(warehouse)

    def _publish_quarantine(self) -> None:
        """Quarantined rows with their raw values as sent (identifiers already pseudonymised)."""
        con, reason = self.con, validate.REASON
        con.execute("create temp table quarantine_rows (extract varchar, file varchar, line bigint, "
                    "reason varchar, raw_values varchar)")
        for extract in EXTRACTS:
            name, file = extract.name, self.files.get(extract.name)
            if name in self.changed:
                self._quarantine_from_file(extract, file)
                continue
            if name in self.legacy:
                raw = ", ".join(f'"{c.name}" := staged."{c.name}"' for c in extract.columns)
                con.execute(f"insert into quarantine_rows select ?, ?, {LINE}, {reason}, "
                            f"to_json(struct_pack({raw}))::varchar from typed_{name} "
                            f"join prev.staged_{name} as staged using ({LINE}) where {reason} is not null", [name, file])
            else:
                con.execute(f"insert into quarantine_rows select ?, ?, {LINE}, {reason}, "
                            f"coalesce({validate.RAW}, {validate.rendered_raw_values_sql(extract)}) "
                            f"from typed_{name} where {reason} is not null", [name, file])
            if self.has_previous:  # rows with the wrong number of fields stay quarantined
                con.execute("insert into quarantine_rows select * from prev.quarantine "
                            "where extract = ? and reason = ?", [name, MALFORMED])
        con.execute("create table next.quarantine as select * from quarantine_rows order by extract, line")

    def _quarantine_from_file(self, extract: Extract, file: str) -> None:
        con, reason, extract_file = self.con, validate.REASON, self.changed[extract.name]
        found = con.execute(f"select {LINE}, {reason} from typed_{extract.name} where {reason} is not null "
                            f"order by {LINE}").to_arrow_table()
        if found.num_rows:
            rows = parse.raw_rows(extract_file.table, found.column(LINE).to_numpy())
            rows = rows.append_column(reason, found.column(reason))
            raw = ", ".join(f'"{c.name}" := "{c.name}"' for c in extract.columns)
            con.register("quarantined_arrow", rows)
            try:
                con.execute(f"insert into quarantine_rows select ?, ?, {LINE}, {reason}, "
                            f"to_json(struct_pack({raw}))::varchar from quarantined_arrow", [extract.name, file])
            finally:
                con.unregister("quarantined_arrow")
        if extract_file.malformed:
            con.executemany("insert into quarantine_rows values (?, ?, ?, ?, ?)",
                            [(extract.name, file, line, MALFORMED, values) for line, values in extract_file.malformed])

    def _publish_log(self, reports, hashes) -> None:
        self.con.execute(
            "create table next.ingest_log (seq integer, file varchar, content_hash varchar, extract varchar, "
            "rows_read bigint, rows_loaded bigint, rows_quarantined bigint, loaded_at timestamp)"
        )
        start = 0
        if self.has_log:
            self.con.execute("insert into next.ingest_log select * from prev.ingest_log")
            start = self.con.execute("select coalesce(max(seq), 0) from prev.ingest_log").fetchall()[0][0]
        loaded_at = dt.datetime.now().replace(microsecond=0)
        rows = [
            (start + i + 1, r.file, hashes[r.extract], r.extract, r.rows_read, r.rows_loaded,
             r.rows_quarantined, loaded_at)
            for i, r in enumerate(r for r in reports.values() if not r.skipped)
        ]
        if rows:
            self.con.executemany("insert into next.ingest_log values (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        self.con.close()


def layout_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Derived tables present, and every identifier held as a pseudonym (an earlier version
    stored referral ids raw): else the next ingest rebuilds the warehouse."""
    from pipelines.derived import DERIVED_TABLES

    tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    meta = {name for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'warehouse_meta'").fetchall()}
    pseudonymised = (con.execute("SELECT pseudonymised FROM warehouse_meta").fetchall()[0][0]
                     if "pseudonymised" in meta else None)
    return set(DERIVED_TABLES) <= tables and pseudonymised == PSEUDONYMISED


def _insert_typed(con, extract: Extract, typed: pa.Table, raw_values: pa.Array | None = None) -> None:
    """Append typed rows (pipelines.parse.typed) to typed_<e>, with their raw values when known."""
    columns = ", ".join(f'"{c.name}"::{c.sql_type}' for c in extract.columns)
    raw = "NULL"
    if raw_values is not None:
        typed, raw = typed.append_column("raw_values", raw_values), "raw_values"
    con.register("typed_arrow", typed)
    try:
        con.execute(f"insert into typed_{extract.name} select {LINE}, {columns}, "
                    f"{validate.REASON}::varchar, {raw} from typed_arrow")
    finally:
        con.unregister("typed_arrow")


def _path_literal(path: Path) -> str:
    """ATTACH takes no parameters; this is our own file path, quoted, never a data value."""
    return "'" + str(path).replace("'", "''") + "'"
