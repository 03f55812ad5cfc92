"""`python -m pipelines ingest SOURCE_DIR --warehouse PATH [--as-of YYYY-MM-DD] [--json]`"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from pipelines.ingest import ingest
from pipelines.report import print_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines", description="Load extracts into the warehouse.")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("ingest", help="ingest a source folder of extracts")
    load.add_argument("source_dir")
    load.add_argument("--warehouse", required=True, help="DuckDB warehouse file (created when missing)")
    load.add_argument("--as-of", type=dt.date.fromisoformat, help="data cut-off date, YYYY-MM-DD")
    load.add_argument("--json", action="store_true", help="print the machine-readable report")
    args = parser.parse_args(argv)

    if args.json:
        report = ingest(args.source_dir, args.warehouse, as_of=args.as_of)
        print(json.dumps(report.to_json(), indent=2))
    else:
        from tqdm import tqdm

        with tqdm(total=None, unit=" step", file=sys.stderr, leave=False, disable=not sys.stderr.isatty()) as bar:
            def progress(stage: str) -> None:
                bar.set_description(stage)
                bar.update(1)

            report = ingest(args.source_dir, args.warehouse, as_of=args.as_of, progress=progress)
        print_report(report)
    return 0 if report.status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
