"""Load a source folder of extracts into the warehouse, atomically.

The next warehouse is built in a new file beside the live one and moved over it with
os.replace, so a failed or killed ingest leaves the live file exactly as it was, and a
reader sees the old or the new warehouse, never a mix. Validation happens in an in-memory
DuckDB, so raw person identifiers never touch a file.

An extract whose file has not changed is re-validated from the previous warehouse (its
model rows, which keep their source line, plus its quarantined rows), so cross-extract
rules stay true when a newer file of another extract arrives.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa

from pipelines import derived, files, parse
from pipelines.build import MALFORMED, PSEUDONYMISED, WORKERS, Build
from pipelines.contracts import BY_NAME, EXTRACTS, FORMATS, REASON_CODES, Extract
from pipelines.pseudonym import PERSON, MissingKeyError, PseudonymKey, resolve_key
from pipelines.readers import ExtractFile, FatalError, find_files, read_extract


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
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "error": self.error,
            "as_of": self.as_of,
            "files": [vars(f) for f in self.files],
            "unlinked_offence_people": self.unlinked_offence_people,
            "warnings": self.warnings,
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
    even when a real key is configured (a real key is never spent on synthetic data). A
    manifest's demo key is honoured only on a folder sealed by sample_data/ (pipelines.pseudonym).
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
    key = resolve_key(manifest, source_dir, configured_key, bundled_sample=bundled_sample)
    with _lock(warehouse) as warnings:
        previous = _previous_state(warehouse, key)
        changed: dict[str, ExtractFile] = {}
        reports: dict[str, FileReport] = {}
        hashes: dict[str, str] = {}
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:  # largest files first
            futures = {name: pool.submit(_read_file, name, path, previous, key, progress)
                       for name, path in sorted(paths.items(), key=lambda item: -item[1].stat().st_size)}
            for name, path in paths.items():  # contract order: the first failing file is reported
                content_hash, extract_file = futures[name].result()
                if extract_file is None:
                    reports[name] = FileReport(name, path.name, skipped=True)
                    continue
                changed[name] = extract_file
                hashes[name] = content_hash
                reports[name] = FileReport(name, path.name, unknown_columns=extract_file.unknown_columns)
        as_of = as_of_flag or _manifest_as_of(manifest)
        if not changed and previous.current_layout and (as_of is None or as_of == previous.as_of):
            return IngestReport(as_of=previous.as_of.isoformat(), files=list(reports.values()),
                                unlinked_offence_people=previous.unlinked_offence_people, warnings=warnings)
        progress("validating")
        build = Build(warehouse if previous.exists else None, reuse_rows=previous.reusable)
        try:
            build.add_files(list(changed.values()))
            build.add_previous({name: f for name, (f, _) in previous.current_hashes.items()})
            as_of = build.validate(as_of)
            progress("publishing")
            counts = build.counts()
            for name, report in reports.items():
                if not report.skipped:
                    _fill_counts(report, counts.get(name, {}), changed[name])
            unlinked = build.unlinked_offence_people()
            build.publish(warehouse, as_of, manifest, key, reports, hashes, unlinked)
        finally:
            build.close()
    return IngestReport(as_of=as_of.isoformat(), files=list(reports.values()), unlinked_offence_people=unlinked,
                        warnings=warnings)


def _read_file(name: str, path: Path, previous: _Previous, key: PseudonymKey,
               progress: Progress) -> tuple[str, ExtractFile | None]:
    """The file's content hash, and its rows (None when the same file was loaded last time)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:  # unreadable (permissions, a folder named like a file...): fatal, named
        raise FatalError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc
    content_hash = hashlib.sha256(raw).hexdigest()
    if previous.current_hashes.get(name) == (path.name, content_hash):
        key.check_sample_file(path.name, content_hash)
        return content_hash, None
    progress(f"reading {path.name}")
    extract_file = read_extract(path, BY_NAME[name], raw)
    del raw
    # After reading, so that a file that cannot be read at all says so; before any value is
    # pseudonymised with a demo key.
    key.check_sample_file(path.name, content_hash)
    # A compact copy of the text as sent (identifiers pseudonymised): typed, and kept for the
    # quarantine's raw values.
    extract_file.table = parse.encode(_pseudonymise(extract_file.table, extract_file.extract, key),
                                      extract_file.extract)
    extract_file.malformed = _malformed_raw_values(extract_file, key)
    return content_hash, extract_file


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
            table = table.set_column(i, column.name,
                                     key.pseudonymise(table.column(i).combine_chunks(), column.pseudonymise))
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
    """One ingest at a time per warehouse folder; a second waits for the first. Yields the
    report's warnings (a folder others can read)."""
    warning = files.private_folder(warehouse.parent)
    handle = os.open(warehouse.parent, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield [warning] if warning else []
    finally:
        os.close(handle)


@dataclass
class _Previous:
    exists: bool
    as_of: dt.date | None = None
    current_hashes: dict[str, tuple[str, str]] = field(default_factory=dict)
    unlinked_offence_people: int = 0
    current_layout: bool = False  # False: built by an earlier version; rebuilt even if no file changed
    reusable: bool = True  # False: its rows hold identifiers raw (an earlier version); rebuilt from the folder


def _previous_state(warehouse: Path, key: PseudonymKey) -> _Previous:
    for stale in files.stale_build_files(warehouse):
        files.remove(stale)  # left by an ingest that was killed part-way
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
        tables = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
        with_lines = {t for (t,) in con.execute(
            "select table_name from duckdb_columns() where column_name = 'source_line'").fetchall()}
        pseudonymised = _pseudonymised_columns(con)
    finally:
        con.close()
    if pseudonymised != PSEUDONYMISED:
        # Built before these identifiers were pseudonymised: none of its rows can be mixed
        # with new ones, so every file is read again (its ingest_log is kept).
        return _Previous(True, meta[0], unlinked_offence_people=meta[2], reusable=False)
    layout = set(derived.DERIVED_TABLES) <= tables and {e.name for e in EXTRACTS} <= with_lines
    return _Previous(True, meta[0], {e: (f, h) for e, f, h in rows}, meta[2], layout)


def _pseudonymised_columns(con) -> str | None:
    """warehouse_meta.pseudonymised: which identifier columns the warehouse holds as pseudonyms."""
    has_column = con.execute("select count(*) from duckdb_columns() where table_name = 'warehouse_meta' "
                             "and column_name = 'pseudonymised'").fetchall()[0][0]
    if not has_column:
        return None
    return con.execute("select pseudonymised from warehouse_meta").fetchall()[0][0]


def _malformed_raw_values(extract_file: ExtractFile, key: PseudonymKey) -> list[tuple[int, str]]:
    """A ragged row's fields cannot be trusted to sit under their headers, so in an extract
    with identifiers (person or referral) every field is pseudonymised (as a person's would
    be): no raw identifier is stored."""
    has_identifiers = any(c.pseudonymise for c in extract_file.extract.columns)
    out = []
    for line, fields in extract_file.malformed:
        if has_identifiers:
            fields = [key.pseudonym(f, PERSON) for f in fields]
        out.append((line, json.dumps({"fields": fields})))
    return out
