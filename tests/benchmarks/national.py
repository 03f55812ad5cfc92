"""National-scale benchmark: ingest, metrics, pages, pandas, board report, dashboard memory.

    python -m tests.benchmarks.national [--referrals 250000] [--runs 3] [--out BENCHMARKS.md]

Generates the national synthetic sample once (benchmark_data/, git-ignored), then measures
on the same files, in one run, against the targets below; prints a table and writes it to
BENCHMARKS.md (newest run first, earlier runs kept below it). Timings are medians of
--runs; on a machine shared with other work they are noisy, so the load average is
recorded with them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import duckdb

from tests.benchmarks import pandas_baseline
from tests.benchmarks.measure import ROOT, Series, load_average, machine, run_measured, timed_python
from tests.benchmarks.pages import pages_for, time_page
from tests.benchmarks.report import Row, write_markdown

DATA = ROOT / "benchmark_data"
GB = 1e9

TARGETS = {
    "ingest_ratio": 2.0,  # ingest <= 2x the bare DuckDB read of the same files
    "page_s": 0.5,  # every page's uncached metric calls (district commander)
    "summary_s": 2.0,  # the unfiltered summary, cold
    "pandas_ratio": 5.0,  # headline measures >= 5x faster than plain pandas
    "dashboard_bytes": 1.5 * GB,
    "report_s": 20.0,
}

FLOOR_SNIPPET = """
import duckdb, glob, json, os, time
started = time.perf_counter()
con = duckdb.connect({out!r})
for path in sorted(glob.glob(os.path.join({source!r}, '*.csv'))):
    name = os.path.basename(path)[:-4]
    literal = "'" + path.replace("'", "''") + "'"
    con.execute(f"CREATE TABLE {{name}} AS SELECT * FROM read_csv({{literal}})")
con.close()
print(json.dumps({{"seconds": time.perf_counter() - started}}))
"""

SUMMARY_SNIPPET = """
import json, time
import duckdb, metrics
started = time.perf_counter()
con = duckdb.connect({warehouse!r}, read_only=True)
values = metrics.summary(con.cursor(), metrics.ANALYST, metrics.Filter(districts={districts!r}))
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "referrals": values["referrals"].value}}))
"""


def generate(referrals: int) -> Path:
    source = DATA / f"national-{referrals}"
    if not (source / "manifest.json").exists():
        print(f"generating the national sample ({referrals:,} referrals) in {source} ...", flush=True)
        subprocess.run([sys.executable, "-m", "sample_data.generate", "national", str(source),
                        "--referrals", str(referrals)], cwd=ROOT, check=True)
    return source


def csv_stats(source: Path) -> dict[str, int]:
    sizes = {p.name: p.stat().st_size for p in sorted(source.glob("*.csv"))}
    return {"files": len(sizes), "bytes": sum(sizes.values())}


def ingest_args(source: Path, warehouse: Path) -> list[str]:
    return ["-m", "pipelines", "ingest", str(source), "--warehouse", str(warehouse), "--json"]


def ingested(run) -> dict:
    report = json.loads(run.stdout)
    if report["status"] != "ok":
        raise RuntimeError(f"ingest failed: {report['error']}")
    return report


def measure_ingest(source: Path, warehouse: Path, runs: int) -> dict:
    """Ingest into a fresh file, interleaved with the bare read (the floor), so both see the
    same load on a shared machine."""
    ingest, floor = Series(), Series()
    scratch = DATA / "floor.duckdb"
    for i in range(runs):
        print(f"  ingest run {i + 1}/{runs} ...", flush=True)
        warehouse.unlink(missing_ok=True)
        run = run_measured(ingest_args(source, warehouse))
        report = ingested(run)
        ingest.runs.append(run)
        print(f"    {run.wall_s:.1f} s, cpu {run.cpu_s:.1f} s, peak {run.peak_rss_bytes / GB:.2f} GB", flush=True)
        scratch.unlink(missing_ok=True)
        run = run_measured(["-c", FLOOR_SNIPPET.format(out=str(scratch), source=str(source))])
        floor.runs.append(run)
        print(f"  bare DuckDB read: {run.wall_s:.1f} s, cpu {run.cpu_s:.1f} s", flush=True)
    scratch.unlink(missing_ok=True)
    rows = {f["extract"]: f["rows_loaded"] for f in report["files"]}
    return {"ingest": ingest, "floor": floor, "rows": rows,
            "quarantined": sum(f["rows_quarantined"] for f in report["files"])}


def measure_reingest(source: Path, warehouse: Path, runs: int) -> dict:
    """The monthly case: the same folder again (skipped), and a folder where only the exits
    extract is new, so every other extract is re-validated from the warehouse."""
    unchanged = Series()
    for _ in range(runs):
        copy = DATA / "reingest.duckdb"
        shutil.copyfile(warehouse, copy)
        unchanged.runs.append(run_measured(ingest_args(source, copy)))
    newer = DATA / f"{source.name}-new-exits"
    if newer.exists():
        shutil.rmtree(newer)
    newer.mkdir()
    for path in source.iterdir():
        if path.name != "exits.csv":
            (newer / path.name).symlink_to(path.resolve())
    lines = (source / "exits.csv").read_bytes().splitlines(keepends=True)
    (newer / "exits.csv").write_bytes(b"".join(lines[:-1]))  # one exit fewer: a new snapshot
    new_exits = Series()
    for _ in range(runs):
        copy = DATA / "reingest.duckdb"
        shutil.copyfile(warehouse, copy)
        run = run_measured(ingest_args(newer, copy))
        ingested(run)
        new_exits.runs.append(run)
    (DATA / "reingest.duckdb").unlink(missing_ok=True)
    shutil.rmtree(newer)
    return {"unchanged": unchanged, "new_exits": new_exits}


def busiest_district(warehouse: Path) -> tuple[str, str]:
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        return con.execute("SELECT district, any_value(force) FROM referrals GROUP BY district "
                           "ORDER BY count(*) DESC, district LIMIT 1").fetchone()


def measure_summary(warehouse: Path, district: str, runs: int) -> dict[str, list[float]]:
    out = {"all": [], "district": []}
    for _ in range(runs):
        for key, districts in (("all", ()), ("district", (district,))):
            result = timed_python(SUMMARY_SNIPPET.format(warehouse=str(warehouse), districts=districts))
            out[key].append(result["seconds"])
    return out


def measure_pages(warehouse: Path, scopes: dict, runs: int) -> dict[str, dict[str, dict[str, float]]]:
    """scope name -> page url -> call label -> median seconds (one warm-up pass first: the
    dashboard keeps its database open, so its buffers are warm; its result caches are not used)."""
    results = {}
    with closing(duckdb.connect(str(warehouse), read_only=True)) as database:
        for name, scope in scopes.items():
            pages = pages_for(scope)
            samples: dict[str, dict[str, list[float]]] = {url: {} for url in pages}
            for i in range(runs + 1):
                for url, calls in pages.items():
                    for label, seconds in time_page(database, scope, calls).items():
                        if i:
                            samples[url].setdefault(label, []).append(seconds)
            results[name] = {url: {label: statistics.median(s) for label, s in calls.items()}
                             for url, calls in samples.items()}
    return results


def measure_pandas(warehouse: Path, runs: int) -> dict:
    import metrics

    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        summary = metrics.summary(con.cursor(), metrics.ANALYST, metrics.Filter())
    runs_ = [pandas_baseline.headline(str(warehouse)) for _ in range(runs)]
    problems = pandas_baseline.differences(runs_[0].values, summary)
    return {"load": statistics.median(r.load_seconds for r in runs_),
            "compute": statistics.median(r.compute_seconds for r in runs_),
            "total": statistics.median(r.total_seconds for r in runs_),
            "equal": not problems, "problems": problems, "ids": list(runs_[0].values)}


def measure_report(warehouse: Path, runs: int) -> Series | None:
    if not (ROOT / "dashboard" / "report" / "__main__.py").exists():
        return None
    series = Series()
    for _ in range(runs):
        out = DATA / "board.pdf"
        series.runs.append(run_measured(["-m", "dashboard.report", "--warehouse", str(warehouse), "--pdf", str(out),
                                         "--audit-log", str(DATA / "audit.log")]))
    return series


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.national", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=250_000, help="national sample size (default %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions per timing; medians are reported")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md", help="markdown file to write")
    parser.add_argument("--label", default="", help="a note for this run's heading (e.g. 'before: HEAD')")
    parser.add_argument("--skip-browser", action="store_true", help="leave out the dashboard memory run")
    parser.add_argument("--skip-report", action="store_true", help="leave out the PDF board report")
    args = parser.parse_args(argv)
    command = "python -m tests.benchmarks.national " + " ".join(argv if argv is not None else sys.argv[1:])
    started_at, load_before = dt.datetime.now().astimezone(), load_average()
    DATA.mkdir(exist_ok=True)

    source = generate(args.referrals)
    warehouse = DATA / f"warehouse-{args.referrals}.duckdb"
    print("ingest against the bare DuckDB read ...", flush=True)
    ingest = measure_ingest(source, warehouse, args.runs)
    print("re-ingest ...", flush=True)
    reingest = measure_reingest(source, warehouse, args.runs)
    district, force = busiest_district(warehouse)
    print(f"summary, cold (district: {district}) ...", flush=True)
    summary = measure_summary(warehouse, district, args.runs)
    print("pages, uncached ...", flush=True)
    from metrics import ANALYST, AccessScope

    commander = AccessScope("district_commander", forces=frozenset({force}), districts=frozenset({district}))
    pages = measure_pages(warehouse, {"district commander": commander, "analyst": ANALYST}, args.runs)
    print("pandas baseline ...", flush=True)
    pandas = measure_pandas(warehouse, args.runs)
    report = None
    if not args.skip_report:
        print("PDF board report ...", flush=True)
        report = measure_report(warehouse, max(1, min(args.runs, 2)))
    dashboard = None
    if not args.skip_browser:
        print("dashboard memory (streamlit + chromium) ...", flush=True)
        from tests.benchmarks.dashboard_memory import measure

        dashboard = measure(warehouse, DATA / "audit.log")

    rows = Row.build(TARGETS, ingest=ingest, reingest=reingest, summary=summary, pages=pages, pandas=pandas,
                     report=report, dashboard=dashboard)
    context = {
        "command": command, "label": args.label, "started_at": started_at, "machine": machine(),
        "load": (load_before, load_average()), "runs": args.runs, "source": source, "csv": csv_stats(source),
        "rows": ingest["rows"], "quarantined": ingest["quarantined"], "district": district, "force": force,
        "pages": pages, "pandas": pandas, "dashboard": dashboard, "version": _version(),
    }
    text = write_markdown(args.out, rows, context)
    print(text)
    return 0 if pandas["equal"] else 1


def _version() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + (" with uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    sys.exit(main())
