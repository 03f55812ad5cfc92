"""Load a source folder of extracts into the warehouse, atomically.

The next warehouse is built in a new file beside the live one and moved over it with
os.replace, so a failed or killed ingest leaves the live file exactly as it was, and a
reader sees the old or the new warehouse, never a mix. Validation and staging happen in
an in-memory DuckDB, so raw person identifiers never touch a file.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa

from pipelines import validate
from pipelines.audits import run_audits
from pipelines.contracts import BY_NAME, EXTRACTS, FORMATS, REASON_CODES, Extract
from pipelines.pseudonym import MissingKeyError, PseudonymKey, resolve_key
from pipelines.readers import LINE, ExtractFile, FatalError, find_files, read_extract

SQL_DIR = Path(__file__).parent / "sql"
MALFORMED = "bad_row"  # a CSV record with the wrong number of fields

Progress = Callable[[str], None]


@dataclass
class FileReport:
    extract: str
    file: str
    skipped: bool = False
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASON_CODES, 0))
    unknown_columns: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    status: str = "ok"
    error: str | None = None
    as_of: str | None = None
    files: list[FileReport] = field(default_factory=list)
    unlinked_offence_people: int = 0

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "error": self.error,
            "as_of": self.as_of,
            "files": [vars(f) for f in self.files],
            "unlinked_offence_people": self.unlinked_offence_people,
        }


def ingest(
    source_dir: Path | str,
    warehouse: Path | str,
    as_of: dt.date | None = None,
    pseudonym_key: str | None = None,
    progress: Progress | None = None,
    bundled_sample: bool = False,
) -> IngestReport:
    """Ingest, reporting a fatal error in the report (status "failed") rather than raising.

    bundled_sample: the synthetic demo folder, pseudonymised with its manifest's demo key
    even when a real key is configured (a real key is never spent on synthetic data).
    """
    try:
        return _ingest(Path(source_dir), Path(warehouse), as_of, pseudonym_key, progress or (lambda _: None),
                       bundled_sample)
    except (FatalError, MissingKeyError) as exc:
        return IngestReport(status="failed", error=str(exc))


def _ingest(source_dir: Path, warehouse: Path, as_of_flag, configured_key, progress, bundled_sample) -> IngestReport:
    if not source_dir.is_dir():
        raise FatalError(f"{source_dir}: source folder not found")
    manifest = _read_manifest(source_dir)
    paths = _locate_files(source_dir)
    key = resolve_key(manifest, configured_key, demo_only=bundled_sample)
    with _lock(warehouse):
        previous = _previous_state(warehouse, key)
        changed: dict[str, ExtractFile] = {}
        reports: dict[str, FileReport] = {}
        hashes: dict[str, str] = {}
        for name, path in paths.items():
            raw = path.read_bytes()
            content_hash = hashlib.sha256(raw).hexdigest()
            if previous.current_hashes.get(name) == (path.name, content_hash):
                reports[name] = FileReport(name, path.name, skipped=True)
                continue
            progress(f"reading {path.name}")
            extract_file = read_extract(path, BY_NAME[name], raw)
            del raw
            extract_file.table = _pseudonymise(extract_file.table, extract_file.extract, key)
            extract_file.malformed = _malformed_raw_values(extract_file, key)
            changed[name] = extract_file
            hashes[name] = content_hash
            reports[name] = FileReport(name, path.name, unknown_columns=extract_file.unknown_columns)
        as_of = as_of_flag or _manifest_as_of(manifest)
        if not changed and previous.exists and (as_of is None or as_of == previous.as_of):
            return IngestReport(as_of=previous.as_of.isoformat(), files=list(reports.values()),
                                unlinked_offence_people=previous.unlinked_offence_people)
        progress("validating")
        build = _Build(warehouse if previous.exists else None, changed)
        try:
            as_of = build.validate(as_of)
            progress("publishing")
            counts = build.counts()
            for name, report in reports.items():
                if not report.skipped:
                    _fill_counts(report, counts.get(name, {}), changed[name])
            unlinked = build.unlinked_offence_people()
            build.publish(warehouse, as_of, manifest, key, reports, hashes)
        finally:
            build.close()
    return IngestReport(as_of=as_of.isoformat(), files=list(reports.values()), unlinked_offence_people=unlinked)


def _path_literal(path: Path) -> str:
    """ATTACH takes no parameters; this is our own file path, quoted, never a data value."""
    return "'" + str(path).replace("'", "''") + "'"


def _read_manifest(source_dir: Path) -> dict:
    path = source_dir / "manifest.json"
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FatalError(f"manifest.json: not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict):
        raise FatalError("manifest.json: expected a JSON object")
    return manifest


def _manifest_as_of(manifest: dict) -> dt.date | None:
    if "as_of" not in manifest or manifest["as_of"] in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(manifest["as_of"]))
    except ValueError as exc:
        raise FatalError(f"manifest.json: column 'as_of' is not a YYYY-MM-DD date ({manifest['as_of']!r})") from exc


def _locate_files(source_dir: Path) -> dict[str, Path]:
    found = {}
    for extract in EXTRACTS:
        files = find_files(source_dir, extract)
        if len(files) > 1:
            raise FatalError(
                f"{' and '.join(f.name for f in files)}: two files for the extract '{extract.name}'; send one"
            )
        if files:
            found[extract.name] = files[0]
        elif extract.required:
            expected = ", ".join(extract.name + ext for ext in FORMATS)
            raise FatalError(
                f"missing required extract '{extract.name}': none of {expected} is in {source_dir}"
            )
    return found


def _pseudonymise(table: pa.Table, extract: Extract, key: PseudonymKey) -> pa.Table:
    for column in extract.columns:
        if column.pseudonymise:
            i = table.column_names.index(column.name)
            pseudonyms = [key.pseudonymise(chunk) for chunk in table.column(i).chunks]
            table = table.set_column(i, column.name, pa.chunked_array(pseudonyms, pa.string()))
    return table


def _fill_counts(report: FileReport, counts: dict[str, int], extract_file: ExtractFile) -> None:
    for reason, n in counts.items():
        report.reasons[reason] = report.reasons.get(reason, 0) + n
    if extract_file.malformed:
        report.reasons[MALFORMED] = len(extract_file.malformed)
    report.rows_quarantined = sum(report.reasons.values())
    report.rows_read = extract_file.table.num_rows + len(extract_file.malformed)
    report.rows_loaded = report.rows_read - report.rows_quarantined


@contextmanager
def _lock(warehouse: Path):
    """One ingest at a time per warehouse folder; a second waits for the first."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(warehouse.parent, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


@dataclass
class _Previous:
    exists: bool
    as_of: dt.date | None = None
    current_hashes: dict[str, tuple[str, str]] = field(default_factory=dict)
    unlinked_offence_people: int = 0


def _previous_state(warehouse: Path, key: PseudonymKey) -> _Previous:
    for stale in warehouse.parent.glob(f".{warehouse.name}.building-*"):
        stale.unlink(missing_ok=True)  # left by an ingest that was killed part-way
    if not warehouse.exists():
        return _Previous(exists=False)
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise FatalError(f"{warehouse}: existing warehouse cannot be opened ({exc})") from exc
    try:
        meta = con.execute(
            "select as_of, key_fingerprint, unlinked_offence_people from warehouse_meta"
        ).fetchall()[0]
        if meta[1] != key.fingerprint:
            raise FatalError(
                f"{warehouse}: this warehouse was built with a different pseudonymisation key; "
                "people would not join across extracts. Use the same key, or a new warehouse."
            )
        rows = con.execute(
            "select extract, file, content_hash from ingest_log qualify "
            "row_number() over (partition by extract order by loaded_at desc, seq desc) = 1"
        ).fetchall()
    finally:
        con.close()
    return _Previous(True, meta[0], {e: (f, h) for e, f, h in rows}, meta[2])


class _Build:
    """The next warehouse, assembled in an in-memory DuckDB."""

    def __init__(self, previous_warehouse: Path | None, changed: dict[str, ExtractFile]):
        self.con = duckdb.connect(":memory:")
        self.con.execute("set preserve_insertion_order = true")
        if previous_warehouse:
            self.con.execute(f"attach {_path_literal(previous_warehouse)} as prev (read_only)")
        self.has_previous = previous_warehouse is not None
        self.changed = changed
        for extract in EXTRACTS:
            self._stage(extract)
        self.con.execute((SQL_DIR / "macros.sql").read_text())

    def _stage(self, extract: Extract) -> None:
        """staged_<e>: the new file's text, or the previous warehouse's."""
        names = ", ".join(f'"{c.name}"' for c in extract.columns)
        if extract.name in self.changed:
            extract_file = self.changed[extract.name]
            self.con.register(f"arrow_{extract.name}", extract_file.table)
            file_name = extract_file.path.name.replace("'", "''")
            # Materialised: DuckDB scans its own tables in parallel, much faster than Arrow.
            self.con.execute(
                f"create table staged_{extract.name} as "
                f"select '{file_name}' as _file, {LINE} as _line, {names} from arrow_{extract.name}"
            )
            self.con.unregister(f"arrow_{extract.name}")
        elif self.has_previous:
            self.con.execute(f"create view staged_{extract.name} as select * from prev.staged_{extract.name}")
        else:
            columns = ", ".join(f'"{c.name}" varchar' for c in extract.columns)
            self.con.execute(f"create table staged_{extract.name} (_file varchar, _line bigint, {columns})")

    def validate(self, as_of: dt.date | None) -> dt.date:
        for extract in EXTRACTS:
            self.con.execute(validate.typed_sql(extract, f"staged_{extract.name}"))
        if as_of is None:
            as_of = self.con.execute(validate.as_of_sql(list(EXTRACTS))).fetchall()[0][0]
            if as_of is None:
                raise FatalError("no dates in the extracts to set as_of from; give --as-of or manifest.json as_of")
        for extract in EXTRACTS:  # contract order: an extract after the ones it references
            sql = validate.checked_sql(extract)
            self.con.execute(sql, {"as_of": as_of} if "$as_of" in sql else None)
            self.con.execute(validate.valid_sql(extract))
        return as_of

    def counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for extract in EXTRACTS:
            rows = self.con.execute(
                f"select _reason, count(*) from checked_{extract.name} where _reason is not null group by 1"
            ).fetchall()
            counts[extract.name] = dict(rows)
        return counts

    def unlinked_offence_people(self) -> int:
        return self.con.execute(
            "select count(distinct person_id) from valid_offences where person_id not in "
            "(select person_id from valid_referrals union select person_id from valid_comparison)"
        ).fetchall()[0][0]

    def publish(self, warehouse: Path, as_of, manifest, key, reports, hashes) -> None:
        building = warehouse.with_name(f".{warehouse.name}.building-{os.getpid()}")
        building.unlink(missing_ok=True)
        con = self.con
        con.execute(f"attach {_path_literal(building)} as next")
        try:
            for extract in EXTRACTS:
                model = (SQL_DIR / f"{extract.name}.sql").read_text()
                con.execute(f"create table next.{extract.name} as {model}")
                con.execute(f"create table next.staged_{extract.name} as select * from staged_{extract.name}")
            run_audits(con, schema="next")
            self._publish_quarantine()
            self._publish_log(reports, hashes)
            con.execute(
                "create table next.warehouse_meta as select ?::date as as_of, ?::varchar as source, ?::boolean as demo, "
                "current_timestamp::timestamp as built_at, ? as key_fingerprint, ? as unlinked_offence_people",
                [as_of, manifest.get("source"), key.demo, key.fingerprint, self.unlinked_offence_people()],
            )
            con.execute("checkpoint next")
            con.execute("detach next")
            if self.has_previous:
                con.execute("detach prev")
            os.replace(building, warehouse)
        except BaseException:
            building.unlink(missing_ok=True)
            raise

    def _publish_quarantine(self) -> None:
        selects = [validate.quarantine_sql(e) for e in EXTRACTS]
        self.con.execute("create table next.quarantine as " + " union all ".join(selects) + " order by extract, line")
        for extract_file in self.changed.values():
            if extract_file.malformed:
                self.con.executemany(
                    "insert into next.quarantine values (?, ?, ?, ?, ?)",
                    [(extract_file.extract.name, extract_file.path.name, line, MALFORMED, values)
                     for line, values in extract_file.malformed],
                )
        if self.has_previous:  # malformed rows of unchanged files stay quarantined
            unchanged = [e.name for e in EXTRACTS if e.name not in self.changed]
            self.con.execute(
                "insert into next.quarantine select * from prev.quarantine "
                "where reason = ? and list_contains(?, extract)",
                [MALFORMED, unchanged],
            )

    def _publish_log(self, reports, hashes) -> None:
        self.con.execute(
            "create table next.ingest_log (seq integer, file varchar, content_hash varchar, extract varchar, "
            "rows_read bigint, rows_loaded bigint, rows_quarantined bigint, loaded_at timestamp)"
        )
        start = 0
        if self.has_previous:
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


def _malformed_raw_values(extract_file: ExtractFile, key: PseudonymKey) -> list[tuple[int, str]]:
    """A ragged row's fields cannot be trusted to sit under their headers, so in an extract
    with person identifiers every field is pseudonymised: no raw identifier is stored."""
    has_people = any(c.pseudonymise for c in extract_file.extract.columns)
    out = []
    for line, fields in extract_file.malformed:
        if has_people:
            fields = [key.pseudonym(f) for f in fields]
        out.append((line, json.dumps({"fields": fields})))
    return out
