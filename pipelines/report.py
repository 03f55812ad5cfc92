"""The ingest report for a person reading a terminal."""

from __future__ import annotations

from pipelines.ingest import IngestReport


def print_report(report: IngestReport) -> None:
    for warning in report.warnings:
        print(f"Warning: {warning}")
    if report.status != "ok":
        print(f"Ingest failed: {report.error}")
        print("The warehouse was left exactly as it was.")
        return
    print(f"Ingest complete. Data cut-off (as_of): {report.as_of}")
    print(f"{'file':<28}{'read':>10}{'loaded':>10}{'quarantined':>13}  reasons")
    for f in report.files:
        if f.skipped:
            print(f"{f.file:<28}{'unchanged since the last ingest: skipped':>33}")
            continue
        reasons = ", ".join(f"{k} {v}" for k, v in f.reasons.items() if v) or "-"
        print(f"{f.file:<28}{f.rows_read:>10,}{f.rows_loaded:>10,}{f.rows_quarantined:>13,}  {reasons}")
        if f.unknown_columns:
            print(f"{'':<28}ignored unknown columns: {', '.join(f.unknown_columns)}")
    if report.unlinked_offence_people:
        print(f"Offences of {report.unlinked_offence_people:,} people not (yet) in referrals or comparison: loaded.")
