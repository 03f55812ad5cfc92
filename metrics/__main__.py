"""python -m metrics summary --analyst --warehouse PATH [...] [--json] | catalogue [--markdown|--json]

`summary` prints the analyst's unsuppressed figures, so it runs only when asked for them in
so many words: `--analyst`, or OUTCOMES_ANALYST=1 in the environment. It writes no audit
row: whoever can run it can read the warehouse file itself, so the file's permissions are
the control, and a row naming a self-declared user would only look like one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date

import duckdb

from metrics.catalogue import CATALOGUE, markdown
from metrics.measures import as_of as warehouse_as_of
from metrics.measures import summary
from metrics.scope import ANALYST, Filter
from metrics.views import filter_warnings, selection_facts

ANALYST_ENV = "OUTCOMES_ANALYST"


def iso_date(text: str) -> date:
    """An argparse type for --from and --to (this command line's and the report's)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m metrics", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    s = commands.add_parser("summary", help="every metric over a selection (analyst view, unsuppressed)")
    s.add_argument("--analyst", action="store_true",
                   help=f"confirm you want the unsuppressed analyst's figures (or {ANALYST_ENV}=1)")
    s.add_argument("--warehouse", required=True, help="DuckDB warehouse file")
    s.add_argument("--scheme", dest="schemes", action="extend", nargs="+", default=[],
                   metavar="ID")
    s.add_argument("--district", dest="districts", action="extend", nargs="+", default=[],
                   metavar="NAME")
    s.add_argument("--from", dest="date_from", type=iso_date, metavar="YYYY-MM-DD")
    s.add_argument("--to", dest="date_to", type=iso_date, metavar="YYYY-MM-DD")
    s.add_argument("--json", action="store_true", help="print the contract JSON")

    c = commands.add_parser("catalogue", help="the metric catalogue")
    c.add_argument("--markdown", action="store_true", help="METRICS.md")
    c.add_argument("--json", action="store_true")
    return parser


def _analyst_confirmed(args) -> bool:
    return args.analyst or os.environ.get(ANALYST_ENV, "").strip().lower() in ("1", "true", "yes")


def _summary(args) -> int:
    if not _analyst_confirmed(args):
        print("metrics summary prints unsuppressed figures (small counts included), for analysts only. "
              f"Add --analyst (or set {ANALYST_ENV}=1) to confirm; for figures to share, use the "
              "board report (python -m dashboard.report), which applies disclosure control.",
              file=sys.stderr)
        return 2
    flt = Filter(schemes=tuple(args.schemes), districts=tuple(args.districts),
                 date_from=args.date_from, date_to=args.date_to)
    try:
        connection = duckdb.connect(args.warehouse, read_only=True)
    except duckdb.Error as error:
        print(f"cannot open warehouse {args.warehouse}: {error}", file=sys.stderr)
        return 2
    with connection:
        con = connection.cursor()
        as_of = warehouse_as_of(con)
        for warning in filter_warnings(con, ANALYST, flt):
            print(f"warning: {warning}", file=sys.stderr)
        values = summary(con, ANALYST, flt, suppress=False)
        con_facts = None if args.json else selection_facts(con, ANALYST, flt)
    if args.json:
        out = {"as_of": as_of.isoformat(),
               "filters": {"schemes": list(flt.schemes), "districts": list(flt.districts),
                           "date_from": flt.date_from and flt.date_from.isoformat(),
                           "date_to": flt.date_to and flt.date_to.isoformat()},
               "metrics": {metric_id: v.to_json() for metric_id, v in values.items()}}
        print(json.dumps(out, indent=2))
        return 0
    print(_table(con_facts, values, as_of, flt))
    return 0


def _table(facts: dict, values: dict, as_of: date, flt: Filter) -> str:
    """The human-readable table: every figure worded by the presentation layer, exactly as the
    pages, the PDF and the spreadsheet word it (an outlet of dashboard.presentation, which
    imports no Streamlit)."""
    from dashboard import presentation

    situation = presentation.Situation(**facts)
    lines = [f"as_of {as_of.isoformat()}  filters: {json.dumps(flt.to_json())}",
             f"{'metric':<34}  {'value':>14}  {'95% CI':<30}  {'counts':<34}  notes"]
    for metric_id, v in values.items():
        shown = presentation.show(v, values, situation)
        notes = "; ".join((shown.state.tooltip,) if shown.state else shown.notes)
        lines.append(f"{metric_id:<34}  {shown.text:>14}  {shown.interval.removeprefix('95% CI '):<30}  "
                     f"{shown.counts:<34}  {notes}".rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "summary":
        return _summary(args)
    if args.markdown:
        sys.stdout.write(markdown())
    elif args.json:
        print(json.dumps([{**m.__dict__, "json_keys": list(m.json_keys())} for m in CATALOGUE],
                         indent=2))
    else:
        for m in CATALOGUE:
            print(f"{m.id:<34} {m.group:<12} {m.unit:<8} {m.title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
