"""python -m dashboard.report --warehouse PATH [filters] --pdf out.pdf --xlsx out.xlsx

Builds the board report (PDF) and the spreadsheet (XLSX) without a browser, e.g. for the
monthly board pack. The command line has the analyst's scope (every force and district),
but the files are exports: disclosure control is applied as in every export (counts from 1
to 4 shown as <5, rates built on them as *). Each file is recorded in the audit log
(OUTCOMES_AUDIT_LOG, or data/audit.log) before it is written.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys
import time
from pathlib import Path

from metrics.__main__ import iso_date



def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m dashboard.report",
        description="Build the board report (PDF) and spreadsheet (XLSX) for a selection of referrals. "
                    "Runs with the analyst's scope (every force and district), but the files are exports, "
                    "so disclosure control is always applied: counts from 1 to 4 appear as <5 and rates "
                    "built on them as *. Each file is recorded in the audit log before it is written.",
        epilog="example: python -m dashboard.report --warehouse warehouse.duckdb --scheme TVP-DRUGLINK "
               "--from 2024-04-01 --to 2025-03-31 --pdf board.pdf --xlsx board.xlsx")
    p.add_argument("--warehouse", required=True, type=Path, help="DuckDB warehouse file (opened read-only)")
    p.add_argument("--scheme", dest="schemes", action="extend", nargs="+", default=[], metavar="ID",
                   help="scheme id(s); repeat or list several (default: all schemes)")
    p.add_argument("--district", dest="districts", action="extend", nargs="+", default=[], metavar="NAME",
                   help="district(s) where the person was dealt with (default: all)")
    p.add_argument("--from", dest="date_from", type=iso_date, metavar="YYYY-MM-DD",
                   help="referred on or after this date")
    p.add_argument("--to", dest="date_to", type=iso_date, metavar="YYYY-MM-DD", help="referred on or before this date")
    p.add_argument("--pdf", type=Path, metavar="OUT.pdf", help="write the board report here")
    p.add_argument("--xlsx", type=Path, metavar="OUT.xlsx", help="write the spreadsheet here")
    p.add_argument("--audit-log", type=Path, metavar="PATH",
                   help="audit log to record the exports in (default: OUTCOMES_AUDIT_LOG or data/audit.log)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    outputs = {kind: path for kind, path in (("pdf", args.pdf), ("xlsx", args.xlsx)) if path}
    if not outputs:
        parser().error("nothing to build: give --pdf and/or --xlsx")
    if not args.warehouse.is_file():
        print(f"no warehouse at {args.warehouse}", file=sys.stderr)
        return 2

    # Imported once the arguments are known good: --help and mistakes answer at once.
    import duckdb

    from dashboard import audit
    from dashboard.report import build_files, role_words
    from dashboard.viewer import Viewer
    from metrics import ANALYST, Filter, views

    try:
        flt = Filter(schemes=tuple(args.schemes), districts=tuple(args.districts),
                     date_from=args.date_from, date_to=args.date_to)
    except ValueError as error:
        print(f"bad filter: {error}", file=sys.stderr)
        return 2
    try:
        with duckdb.connect(str(args.warehouse), read_only=True) as connection:
            warnings = views.filter_warnings(connection.cursor(), ANALYST, flt)
    except duckdb.Error as error:
        print(f"cannot open warehouse {args.warehouse}: {error}", file=sys.stderr)
        return 2
    for warning in warnings:  # a mistyped scheme or district would give an empty report
        print(f"warning: {warning}", file=sys.stderr)
    if args.audit_log:
        audit.configure(args.audit_log)
    # The audit log names staff, not people in the data: here the account that ran the job.
    viewer = Viewer(scope=ANALYST, email=f"{getpass.getuser()}@{socket.gethostname()} (command line)")

    started = time.monotonic()
    files = build_files(args.warehouse, ANALYST, flt, role_words(ANALYST, "command line"), tuple(outputs))
    for kind, path in outputs.items():
        try:
            digest = audit.record_export(viewer, flt, kind, files[kind])
        except audit.AuditError as error:
            print(f"not writing {path}: {error}", file=sys.stderr)
            return 3
        _write_atomically(path, files[kind])
        print(f"{kind}: {path} ({len(files[kind]):,} bytes, sha256 {digest})")
    print(f"built in {time.monotonic() - started:.1f} s (small numbers suppressed)")
    return 0


def _write_atomically(path: Path, content: bytes) -> None:
    """A half-written report never appears under the final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    partial.write_bytes(content)
    os.replace(partial, path)


if __name__ == "__main__":
    sys.exit(main())
