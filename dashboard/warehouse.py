"""Which warehouse the app reads, and one read-only DuckDB database per process.

With nothing configured, the first start builds a warehouse from the bundled synthetic
sample and the pages say so. The pipeline replaces the warehouse file atomically
(os.replace); the app notices the new file and reopens it, so a page sees the old or the
new data, never a mix. Every file here is readable by its owner only (pipelines.files).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from pipelines import files

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SOURCE = ROOT / "sample_data" / "demo"
DEFAULT_WAREHOUSE = ROOT / "data" / "demo_warehouse.duckdb"
WAREHOUSE_ENV = "OUTCOMES_WAREHOUSE"


@dataclass(frozen=True)
class WarehouseFile:
    path: Path
    bundled_sample: bool  # True: the embedded default built from sample_data/demo

    @property
    def version(self) -> tuple[int, int]:
        """Changes whenever the pipeline publishes a new file (new inode). A warehouse that
        has been deleted takes its reader links with it: each is a full copy of the data."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            files.remove_stale_readers(self.path)
            raise
        return stat.st_ino, stat.st_mtime_ns


def configured_warehouse(setting: str | None = None) -> WarehouseFile:
    path = setting or os.environ.get(WAREHOUSE_ENV)
    if path:
        return WarehouseFile(Path(path), bundled_sample=False)
    return WarehouseFile(DEFAULT_WAREHOUSE, bundled_sample=True)


def sample_needs_build(target: Path = DEFAULT_WAREHOUSE) -> bool:
    """True when the embedded default is missing, or was built by an earlier version whose
    tables the metrics no longer read (the next ingest rebuilds it)."""
    if not target.exists():
        return True
    return not _has_current_layout(str(target), WarehouseFile(target, True).version)


@cache
def _has_current_layout(path: str, version: tuple[int, int]) -> bool:
    """Derived tables present, and every identifier held as a pseudonym (an earlier version
    stored referral ids raw)."""
    from pipelines.build import layout_is_current

    with duckdb.connect(path, read_only=True) as con:
        return layout_is_current(con)


def ensure_sample_warehouse(target: Path = DEFAULT_WAREHOUSE) -> bool:
    """Build the embedded default from the bundled sample; True when it was built now."""
    if not sample_needs_build(target):
        return False
    from pipelines.ingest import ingest

    report = ingest(SAMPLE_SOURCE, target, bundled_sample=True)
    if report.status != "ok":
        raise RuntimeError(f"could not build the sample warehouse: {report.error}")
    return True


def open_read_only(path: Path, version: tuple[int, int] | None = None) -> duckdb.DuckDBPyConnection:
    """Open one published version of the warehouse; callers take a cursor per query.

    DuckDB shares one database instance per file path within a process, so after the
    pipeline replaced the file, connecting to the same path would keep answering from the
    old file for as long as any old cursor lives. A hard link named after the version gives
    the new file a path of its own, in a folder only the owner can open (the link is the
    warehouse's own inode: 0600 like it). Links of older versions are removed here and by
    the ingest that publishes a new one, so no copy of old data outlives its warehouse; an
    open one keeps working until its cursors close.
    """
    if version is None:
        return duckdb.connect(str(path), read_only=True)
    readers = files.readers_folder(path)
    try:
        readers.mkdir(mode=files.PRIVATE_FOLDER, exist_ok=True)
        if readers.stat().st_mode & 0o077:  # made by an earlier version: ours to tighten
            readers.chmod(files.PRIVATE_FOLDER)
        alias = readers / f"{version[0]}-{version[1]}.duckdb"
        if not alias.exists():
            os.link(path, alias)
        files.remove_stale_readers(path, keep=alias)
        return duckdb.connect(str(alias), read_only=True)
    except OSError:  # a read-only folder: fall back to the path itself
        return duckdb.connect(str(path), read_only=True)
