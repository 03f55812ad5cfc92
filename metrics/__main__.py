"""python -m metrics summary --warehouse PATH [...] [--json] | catalogue [--markdown|--json]"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

import duckdb

from metrics.catalogue import BY_ID, CATALOGUE, markdown
from metrics.disclosure import display
from metrics.measures import as_of as warehouse_as_of
from metrics.measures import summary
from metrics.scope import ANALYST, Filter
from metrics.views import filter_warnings


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m metrics", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    s = commands.add_parser("summary", help="every metric over a selection (analyst view)")
    s.add_argument("--warehouse", required=True, help="DuckDB warehouse file")
    s.add_argument("--scheme", dest="schemes", action="extend", nargs="+", default=[],
                   metavar="ID")
    s.add_argument("--district", dest="districts", action="extend", nargs="+", default=[],
                   metavar="NAME")
    s.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD")
    s.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
    s.add_argument("--json", action="store_true", help="print the contract JSON")

    c = commands.add_parser("catalogue", help="the metric catalogue")
    c.add_argument("--markdown", action="store_true", help="METRICS.md")
    c.add_argument("--json", action="store_true")
    return parser


def _summary(args) -> int:
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
    if args.json:
        out = {"as_of": as_of.isoformat(),
               "filters": {"schemes": list(flt.schemes), "districts": list(flt.districts),
                           "date_from": flt.date_from and flt.date_from.isoformat(),
                           "date_to": flt.date_to and flt.date_to.isoformat()},
               "metrics": {metric_id: v.to_json() for metric_id, v in values.items()}}
        print(json.dumps(out, indent=2))
        return 0
    print(f"as_of {as_of.isoformat()}  filters: {json.dumps(flt.to_json())}")
    print(f"{'metric':<34} {'value':>12} {'numerator':>12} {'denominator':>12}  "
          f"{'95% CI':<17} {'p':>7}  flags")
    for metric_id, v in values.items():
        ci = (f"{v.ci_low:.3f}–{v.ci_high:.3f}" if v.ci_low is not None else "")
        num = "" if v.numerator is None or not BY_ID[metric_id].ratio else _number(v.numerator)
        den = "" if v.denominator is None or not BY_ID[metric_id].ratio else _number(v.denominator)
        p = "" if v.p_value is None else f"{v.p_value:.3f}"
        flags = ", ".join(v.flags or ())
        print(f"{metric_id:<34} {display(v):>12} {num:>12} {den:>12}  {ci:<17} {p:>7}  {flags}")
    return 0


def _number(x) -> str:
    return f"{x:,.2f}" if isinstance(x, float) and not float(x).is_integer() else f"{int(x):,}"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
