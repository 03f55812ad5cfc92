"""The benchmark's table: figures, ratios and targets, printed and written to BENCHMARKS.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

GB = 1e9
RUN_HEADING = "## Run of "
INTRO = """# Benchmarks

National-scale performance against the targets of issue 7, measured by
`python -m tests.benchmarks.national` (see README.md, "Benchmarks"). Each run is written
at the top; earlier runs stay below for comparison. Times are medians over the runs;
"cold" means a fresh process and connection; page calls are uncached (no Streamlit cache)
on a database the process already has open, sidebar included. The 0.5 s page target is the
district commander's (one district); an analyst's pages cover every force, and their
target is the unfiltered summary's (2 s). A shared machine makes wall times noisy: the load
average is recorded with each run, and CPU time is given where it helps.
"""


@dataclass(frozen=True)
class Row:
    measure: str
    figure: str
    detail: str = ""
    target: str = ""
    status: str = ""

    @staticmethod
    def build(targets: dict, *, ingest, reingest, summary, pages, pandas, report, dashboard) -> list[Row]:
        rows = []
        i, f = ingest["ingest"], ingest["floor"]
        ratio = i.wall / f.wall
        rows += [
            Row("Ingest, fresh warehouse (CLI)", f"{i.wall:.1f} s",
                f"CPU {i.cpu:.1f} s; peak RSS {i.peak_rss / GB:.2f} GB; {i.spread}"),
            Row("Bare DuckDB `CREATE TABLE AS SELECT * FROM read_csv` (floor)", f"{f.wall:.1f} s",
                f"CPU {f.cpu:.1f} s; peak RSS {f.peak_rss / GB:.2f} GB; {f.spread}"),
            Row("Ingest ÷ floor", f"{ratio:.2f}×", f"CPU ratio {i.cpu / f.cpu:.2f}×",
                f"≤ {targets['ingest_ratio']:g}×", _at_most(ratio, targets["ingest_ratio"], "×")),
            Row("Re-ingest, same files (all skipped)", f"{reingest['unchanged'].wall:.1f} s",
                f"peak RSS {reingest['unchanged'].peak_rss / GB:.2f} GB"),
            Row("Re-ingest, new exits file (others re-validated)", f"{reingest['new_exits'].wall:.1f} s",
                f"CPU {reingest['new_exits'].cpu:.1f} s; peak RSS {reingest['new_exits'].peak_rss / GB:.2f} GB"),
        ]
        all_s, district_s = _median(summary["all"]), _median(summary["district"])
        rows += [
            Row("metrics.summary, unfiltered, cold", f"{all_s:.2f} s", _spread(summary["all"]),
                f"≤ {targets['summary_s']:g} s", _at_most(all_s, targets["summary_s"], " s")),
            Row("metrics.summary, one district, cold", f"{district_s:.2f} s", _spread(summary["district"])),
        ]
        for scope, by_page in pages.items():
            for url, calls in by_page.items():
                total = sum(calls.values())
                slowest = max(calls, key=calls.get)
                detail = f"slowest: {slowest} {calls[slowest]:.2f} s"
                target = status = ""
                if scope == "district commander":  # an analyst's pages: the summary's target
                    target, status = f"≤ {targets['page_s']:g} s", _at_most(total, targets["page_s"], " s")
                rows.append(Row(f"Page {url} ({scope}), uncached", f"{total:.2f} s", detail, target, status))
        pandas_ratio = pandas["total"] / all_s
        equal = "equal: yes" if pandas["equal"] else "NOT EQUAL: " + "; ".join(pandas["problems"])
        rows += [
            Row("pandas headline measures (load + compute)", f"{pandas['total']:.2f} s",
                f"load {pandas['load']:.2f} s + compute {pandas['compute']:.2f} s; {equal} "
                f"({', '.join(pandas['ids'])})"),
            Row("pandas ÷ metrics.summary (cold, every measure)", f"{pandas_ratio:.1f}×",
                f"compute only: {pandas['compute'] / all_s:.1f}×", f"≥ {targets['pandas_ratio']:g}×",
                _at_least(pandas_ratio, targets["pandas_ratio"], "×") if pandas["equal"] else "invalid: not equal"),
        ]
        if report is None:
            rows.append(Row("PDF board report, all forces", "not yet available", "", f"≤ {targets['report_s']:g} s", ""))
        else:
            rows.append(Row("PDF board report, all forces (`python -m dashboard.report`)", f"{report.wall:.1f} s",
                            f"CPU {report.cpu:.1f} s; peak RSS {report.peak_rss / GB:.2f} GB",
                            f"≤ {targets['report_s']:g} s", _at_most(report.wall, targets["report_s"], " s")))
        if dashboard is None:
            rows.append(Row("Dashboard peak memory", "not measured (--skip-browser)"))
        else:
            slowest = max(dashboard.page_seconds, key=dashboard.page_seconds.get)
            rows.append(Row("Dashboard process peak memory (VmHWM) after every page", f"{dashboard.peak_bytes / GB:.2f} GB",
                            f"RSS at the end {dashboard.rss_bytes / GB:.2f} GB; slowest page in the browser "
                            f"{slowest} {dashboard.page_seconds[slowest]:.1f} s",
                            f"< {targets['dashboard_bytes'] / GB:g} GB",
                            _at_most(dashboard.peak_bytes / GB, targets["dashboard_bytes"] / GB, " GB")))
        return rows


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def _spread(values: list[float]) -> str:
    return f"runs {min(values):.2f}–{max(values):.2f} s" if len(values) > 1 else ""


def _at_most(value: float, limit: float, unit: str) -> str:
    if value <= limit:
        return "met"
    return f"missed by {value - limit:.2f}{unit.strip() if unit == '×' else unit} ({value / limit:.1f}× the target)"


def _at_least(value: float, limit: float, unit: str) -> str:
    if value >= limit:
        return "met"
    return f"missed: {value:.1f}{unit} of {limit:g}{unit}"


def run_markdown(rows: list[Row], c: dict) -> str:
    m = c["machine"]
    when = c["started_at"].strftime("%Y-%m-%d %H:%M %Z")
    lines = [
        f"{RUN_HEADING}{when}" + (f" — {c['label']}" if c["label"] else ""),
        "",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, Python {m['python']}, {m['os']}. "
        f"Shared with other work: load average {c['load'][0]} at the start, {c['load'][1]} at the end.",
        f"- Command: `{c['command'].strip()}` (medians of {c['runs']} run(s) per timing)",
        f"- Code: {c['version']}",
        f"- Data: `{c['source'].relative_to(c['source'].parents[1])}`, {c['csv']['files']} CSV files, "
        f"{c['csv']['bytes'] / 1e6:.0f} MB; loaded "
        + ", ".join(f"{n} {v:,}" for n, v in c["rows"].items()) + f"; quarantined {c['quarantined']:,}.",
        f"- District commander scope: {c['district']} ({c['force']}), the district with most referrals.",
        "",
        "| measure | median | detail | target | status |",
        "|---|---:|---|---|---|",
    ]
    lines += [f"| {r.measure} | {r.figure} | {r.detail} | {r.target} | {r.status} |" for r in rows]
    lines += ["", "Page calls, median seconds per call (uncached):", "",
              "| page | call | " + " | ".join(c["pages"]) + " |",
              "|---|---|" + "---:|" * len(c["pages"])]
    scopes = list(c["pages"])
    for url in c["pages"][scopes[-1]]:
        labels = list(dict.fromkeys(label for s in scopes for label in c["pages"][s].get(url, {})))
        for label in labels:
            cells = [f"{c['pages'][s][url][label]:.3f}" if label in c["pages"][s].get(url, {}) else "–"
                     for s in scopes]
            lines.append(f"| {url} | {label} | " + " | ".join(cells) + " |")
    if c["dashboard"] is not None:
        lines += ["", "Dashboard pages in the browser, seconds until the script finished (first visit): "
                  + ", ".join(f"{u} {s:.1f}" for u, s in c["dashboard"].page_seconds.items()) + "."]
    return "\n".join(lines) + "\n"


def write_markdown(path: Path, rows: list[Row], context: dict) -> str:
    """Write this run above the earlier runs of `path` (the text before them is kept); return it."""
    text = run_markdown(rows, context)
    preamble, earlier = INTRO + "\n", ""
    if path.exists():  # keep the notes above the runs, and the earlier runs
        existing = path.read_text(encoding="utf-8")
        at = existing.find(RUN_HEADING)
        preamble, earlier = (existing, "") if at < 0 else (existing[:at], existing[at:])
    path.write_text(preamble + text + ("\n" + earlier if earlier else ""), encoding="utf-8")
    return text
