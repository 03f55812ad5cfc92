"""Which warehouse the app reads, and one read-only DuckDB database per process.

With nothing configured, the first start builds a warehouse from the bundled synthetic
sample and the pages say so. The pipeline replaces the warehouse file atomically
(os.replace); the app notices the new file and reopens it, so a page sees the old or the
new data, never a mix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

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
        """Changes whenever the pipeline publishes a new file (new inode)."""
        stat = self.path.stat()
        return stat.st_ino, stat.st_mtime_ns


def configured_warehouse(setting: str | None = None) -> WarehouseFile:
    path = setting or os.environ.get(WAREHOUSE_ENV)
    if path:
        return WarehouseFile(Path(path), bundled_sample=False)
    return WarehouseFile(DEFAULT_WAREHOUSE, bundled_sample=True)


def ensure_sample_warehouse(target: Path = DEFAULT_WAREHOUSE) -> bool:
    """Build the embedded default from the bundled sample; True when it was built now."""
    if target.exists():
        return False
    from pipelines.ingest import ingest

    report = ingest(SAMPLE_SOURCE, target, bundled_sample=True)
    if report.status != "ok":
        raise RuntimeError(f"could not build the sample warehouse: {report.error}")
    return True


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """One database object per process; callers take a cursor per query or session."""
    return duckdb.connect(str(path), read_only=True)
