"""The bad sample: a tiny source folder that shows quarantine at work.

Each extract has a few good rows (some written in the awkward ways the contract allows:
UK dates, midnight times, padded or spaced categories, yes/no booleans, a quoted line
break) and rows that each break exactly one rule. Every row is listed here with its
expected fate, and EXPECTED.md is written from the same list, so the two cannot drift.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipelines.contracts import BY_NAME, REASON_CODES
from sample_data.output import write_manifest, write_seal

# (values, reason the row is quarantined or None when it loads, what is special about it)
Row = tuple[list[str], str | None, str]

PCC = "Office of the Police and Crime Commissioner"
HYPERLINK = '=HYPERLINK("http://x","y")'
SQL = "'; DROP TABLE referrals; --"
EXTRA_COLUMNS = {"referrals": ["officer_notes"]}


def _ref(rid, pid, scheme, when, reason=None, note="", district="Northtown", source="police",
         pathway="voluntary", age="34", sex="male", ethnicity="white", need="drugs", risk="medium",
         notes="") -> Row:
    return [rid, pid, scheme, when, district, source, pathway, age, sex, ethnicity, need, risk, notes], \
        reason, note


ROWS: dict[str, list[Row]] = {
    "schemes": [
        (["BAD-A", "Test Diversion Scheme", "Example Police", "Northtown", "2020-01-06", "12", ""], None,
         "good"),
        (["BAD-B", HYPERLINK, "Example Police", "", "2021-03-01", "", "2"], None,
         "good: a formula-like scheme_name (must never run as a formula in an export); force-wide; "
         "open-ended"),
        (["BAD-C", "Broken Launch", "Example Police", "Northtown", "2021-02-30", "6", ""], "bad_date",
         "launch_date 30 February"),
        (["BAD-A", "Duplicate Scheme", "Example Police", "Northtown", "2020-01-06", "12", ""],
         "duplicate_key", "scheme_id BAD-A again"),
        (["BAD-E", "Wordy Duration", "Example Police", "Southtown", "2022-01-01", "six", ""], "bad_number",
         "planned_duration_weeks 'six'"),
    ],
    "funding": [
        (["BAD-A", "2024-04-01", "50000", PCC], None, "good"),
        (["BAD-A", "2025-04-01", "52000.50", PCC], None, "good: pence"),
        (["BAD-A", "2024-05-01", "1000", PCC], "bad_date", "financial_year_start not 1 April"),
        (["BAD-A", "2024-04-01", "70000", PCC], "duplicate_key", "(BAD-A, 2024-04-01) again"),
        (["NOPE", "2024-04-01", "1000", PCC], "unknown_scheme", "scheme NOPE does not exist"),
        (["BAD-B", "2024-04-01", "-5000", PCC], "negative_value", "amount_gbp -5000"),
        (["BAD-B", "2025-04-01", "£5k", PCC], "bad_number", "amount_gbp '£5k'"),
        (["BAD-B", "1/4/2023", "0", "Home Office"], None, "good: UK date 1/4/2023 = 2023-04-01; a £0 year"),
    ],
    "referrals": [
        _ref("R001", "P0000001", "BAD-A", "2024-01-10", notes="seen at custody", note="good"),
        _ref("R002", "P0000002", "BAD-A", "05/03/2024", source="Partner Agency",
             pathway="conditional-caution", sex="Female", ethnicity="", risk="", need="alcohol",
             note="good: UK date 05/03/2024 = 2024-03-05; categories in other spellings; blank ethnicity "
                  "and risk_level read as unknown"),
        _ref("R003", "P0000003", "BAD-B", "2024-02-01", district=SQL, source="self", ethnicity="asian",
             need="mental_health", risk="low", note="good: an SQL-looking district (must be bound, never "
                                                    "spliced into SQL)"),
        _ref("R004", "", "BAD-A", "2024-02-10", "missing_value", "person_id blank"),
        _ref("R005", "P0000005", "BAD-A", "2024-02-30", "bad_date", "referral_date 30 February"),
        _ref("R006", "P0000006", "BAD-A", "2024-03-01", "bad_number", "age_at_referral 7", age="7"),
        _ref("R007", "P0000007", "BAD-A", "2024-03-02", "bad_category", "sex 'M'", sex="M"),
        _ref("R001", "P0000009", "BAD-A", "2024-03-03", "duplicate_key", "referral_id R001 again"),
        _ref("R008", "P0000010", "NOPE", "2024-03-04", "unknown_scheme", "scheme NOPE does not exist"),
        _ref("R009", "P0000011", "BAD-A", "2026-01-15", "date_after_as_of", "referral_date after as_of"),
        _ref("R010", "P0000012", "BAD-C", "2024-03-05", "unknown_scheme",
             "scheme BAD-C exists only as a quarantined row"),
        _ref("R011", "P0000013", "BAD-A", "2024-03-06", risk="high", note="good"),
        _ref("R012", "P0000014", "BAD-A", "2024-03-07", notes="called twice,\nno answer",
             note="good: officer_notes holds a quoted line break, so this record spans two lines"),
        _ref("R013", "P0000016", "BAD-A", "2024-03-08", source="Custody ", sex="other", ethnicity="mixed",
             need="housing", risk="HIGH", note="good: padded and upper-case categories"),
        _ref("R014", "P0000017", "BAD-A", "2024-03-09", "missing_value", "age_at_referral blank", age=""),
    ],
    "engagements": [
        (["R001", "2024-01-15", "home_visit", "attended", "60", "police"], None, "good"),
        (["R001", "22/01/2024", "appointment", "Did not attend", "", "support_worker"], None,
         "good: UK date; 'Did not attend' reads as did_not_attend"),
        (["R001", "2024-01-29 00:00:00", "phone", " attended ", "15", ""], None,
         "good: midnight time; padded outcome; blank staff_role reads as other"),
        (["R001", "2024-13-01", "phone", "attended", "10", "police"], "bad_date", "month 13"),
        (["R001", "2024-02-05", "appointment", "attended", "-10", "police"], "negative_value",
         "duration_minutes -10"),
        (["R001", "2024-02-12", "appointment", "attended", "forty", "police"], "bad_number",
         "duration_minutes 'forty'"),
        (["R001", "2024-02-19", "teleport", "attended", "30", "police"], "bad_category", "contact_type"),
        (["R999", "2024-02-20", "appointment", "attended", "30", "police"], "unknown_referral",
         "referral R999 does not exist"),
        (["R005", "2024-03-10", "appointment", "attended", "30", "police"], "unknown_referral",
         "referral R005 was quarantined (bad_date)"),
        (["R011", "2024-03-01", "appointment", "attended", "30", "police"], "date_before_referral",
         "before R011's referral_date 2024-03-06"),
        (["R011", "2026-01-02", "appointment", "attended", "30", "police"], "date_after_as_of",
         "contact_date after as_of"),
        (["R011", "2024-03-11", "appointment", "attended", "45", "support_worker"], None, "good"),
        (["R011", "", "appointment", "attended", "30", "police"], "missing_value", "contact_date blank"),
        (["R002", "2024-03-06", "group_session", "attended", "90", "peer_mentor"], None,
         "good: the day after R002's UK-format referral_date (05/03/2024 read as 3 May would make it "
         "date_before_referral)"),
    ],
    "onward_referrals": [
        (["R001", "2024-02-01", "employment", "accepted", "Yes", "Y"], None, "good: a funded place taken up"),
        (["R001", "2024-02-02", "training", "pending", "TRUE", ""], None, "good: place_taken_up not known"),
        (["R001", "2024-02-03", "housing", "accepted", "maybe", ""], "bad_category", "funded_place 'maybe'"),
        (["R001", "2023-12-01", "housing", "accepted", "false", ""], "date_before_referral",
         "before R001's referral_date 2024-01-10"),
        (["R404", "2024-02-05", "housing", "accepted", "false", ""], "unknown_referral",
         "referral R404 does not exist"),
        (["R001", "2024-02-06", "astrology", "accepted", "0", ""], "bad_category", "agency_type"),
    ],
    "exits": [
        (["R001", "2024-04-01", "completed"], None, "good"),
        (["R001", "2024-04-02", "disengaged"], "duplicate_key", "a second exit for R001"),
        (["R011", "2024-03-01", "completed"], "date_before_referral", "before R011's referral_date"),
        (["R002", "2026-02-01", "completed"], "date_after_as_of", "exit_date after as_of"),
        (["R003", "2024-05-01", "graduated"], "bad_category", "exit_reason"),
        (["R888", "2024-05-01", "completed"], "unknown_referral", "referral R888 does not exist"),
        (["R013", "31/12/2025", "Moved Away"], None, "good: UK date equal to as_of; 'Moved Away'"),
    ],
    "reviews": [
        (["R001", "2024-02-01", "medium", "continue"], None, "good"),
        (["R001", "2024-03-01", "low", "step down"], None, "good: 'step down' reads as step_down"),
        (["R001", "2024-03-15", "medium", "promote"], "bad_category", "decision"),
        (["R011", "2024-02-01", "high", "escalate"], "date_before_referral", "before R011's referral_date"),
        (["R001", "", "low", "continue"], "missing_value", "review_date blank"),
        (["R001", "2024-04-01", "unknown", "close"], "bad_category",
         "risk_level 'unknown' is allowed in referrals, not in reviews"),
    ],
    "offences": [
        (["P0000001", "2023-06-01", "theft", "true", "2023-08-01"], None, "good: a prior offence of R001"),
        (["P0000001", "2024-06-01", "violence", "yes", "2024-09-15"], None, "good: a reoffence of R001"),
        (["P0000001", "2024-07-01", "theft", "true", ""], "missing_value", "proven without outcome_date"),
        (["P0000002", "2024-07-01", "theft", "false", "not a date"], None,
         "good: outcome_date is ignored when not proven"),
        (["P0000002", "2024-07-02", "shoplifting", "true", "2024-08-01"], "bad_category", "offence_group"),
        (["P0000002", "2024-13-40", "theft", "true", "2024-08-01"], "bad_date", "offence_date"),
        (["P0000002", "2024-07-03", "theft", "perhaps", "2024-08-01"], "bad_category", "proven 'perhaps'"),
        (["", "2024-07-04", "theft", "false", ""], "missing_value", "person_id blank"),
        (["P7777777", "2024-08-01", "fraud", "true", "2024-10-01"], None,
         "good: a person in neither referrals nor comparison (unlinked)"),
        (["P7777778", "2024-08-02", "drugs", "false", ""], None, "good: unlinked"),
        (["P0000003", "2026-01-05", "theft", "false", ""], "date_after_as_of",
         "offence_date after as_of (the general rule of extracts.md)"),
    ],
    "comparison": [
        (["P0100001", "pre-launch 2019", "2019-05-01", "Northtown", "30", "male", "drugs"], None, "good"),
        (["P0100002", "neighbouring\ndistrict", "2019-06-01", "Southtown", "41", "female", "unknown"], None,
         "good: cohort_label holds a quoted line break; primary_need unknown"),
        (["P0100001", "pre-launch 2019", "2019-05-01", "Northtown", "31", "male", "drugs"], "duplicate_key",
         "(P0100001, 2019-05-01) again"),
        (["P0100003", "eligible not referred", "2026-03-01", "Northtown", "25", "male", "drugs"],
         "date_after_as_of", "index_date after as_of"),
        (["P0100004", "eligible not referred", "2020-01-01", "Northtown", "101", "male", "drugs"],
         "bad_number", "age_at_index 101"),
        (["P0100005", "eligible not referred", "2020-01-01", "", "25", "male", "drugs"], "missing_value",
         "district blank"),
        (["P0100006", "eligible not referred", "2020-01-01", "Northtown", "25", "male", "gaming"],
         "bad_category", "primary_need"),
        (["P0100001", "pre-launch 2019", "2019-09-01", "Northtown", "30", "male", "drugs"], None,
         "good: the same person again with a later index_date"),
    ],
}
UNLINKED_OFFENCE_PEOPLE = 2  # P7777777 and P7777778


def _records(extract: str) -> tuple[str, list[tuple[int, Row]]]:
    """The file text and each row with the physical line it starts on (header = 1)."""
    header = [c.name for c in BY_NAME[extract].columns] + EXTRA_COLUMNS.get(extract, [])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    placed = []
    for row in ROWS[extract]:
        values = row[0]
        if len(values) != len(header):
            raise ValueError(f"{extract}: {values} does not match {header}")
        line = buffer.getvalue().count("\n") + 1
        writer.writerow(values)
        placed.append((line, row))
    return buffer.getvalue(), placed


def expected_markdown() -> str:
    out = ["# Expected ingest of the bad sample", "",
           "Written by `python -m sample_data.generate bad OUTDIR` from `sample_data/bad_rows.py`; do not edit.",
           "as_of is 2025-12-31 (manifest). Line = physical line of the file, header = line 1; a record",
           "with a quoted line break is numbered by the line it starts on. Every quarantined row breaks",
           "exactly one rule. The notes name ids as sent; in the warehouse, referral_id and person_id",
           "(in the quarantine's raw_values too) are keyed pseudonyms.", "",
           "## Per file", "",
           "| file | rows_read | rows_loaded | rows_quarantined | unknown_columns |",
           "|---|---|---|---|---|"]
    for extract in ROWS:
        rows = ROWS[extract]
        bad_rows = sum(1 for r in rows if r[1])
        extra = ", ".join(EXTRA_COLUMNS.get(extract, [])) or "-"
        out.append(f"| {extract}.csv | {len(rows)} | {len(rows) - bad_rows} | {bad_rows} | {extra} |")
    out += ["", f"unlinked_offence_people: {UNLINKED_OFFENCE_PEOPLE}", "",
            "## Quarantined rows", "", "| file | line | reason | what is wrong |", "|---|---|---|---|"]
    for extract in ROWS:
        for line, (_values, reason, note) in _records(extract)[1]:
            if reason:
                out.append(f"| {extract}.csv | {line} | {reason} | {note} |")
    out += ["", "## Rows that load, and why they are interesting", "",
            "| file | line | note |", "|---|---|---|"]
    for extract in ROWS:
        for line, (_values, reason, note) in _records(extract)[1]:
            if not reason and note != "good":
                out.append(f"| {extract}.csv | {line} | {note.removeprefix('good: ')} |")
    return "\n".join(out) + "\n"


def expected_quarantine() -> list[tuple[str, int, str]]:
    """(file, line, reason) of every row that must be quarantined."""
    return [(f"{e}.csv", line, row[1]) for e in ROWS for line, row in _records(e)[1] if row[1]]


def write(folder: Path) -> dict[str, int]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    used = {reason for _f, _l, reason in expected_quarantine()}
    missing = set(REASON_CODES) - used
    if missing:
        raise RuntimeError(f"the bad sample shows no row for {sorted(missing)}")
    sizes = {}
    for extract in ROWS:
        path = folder / f"{extract}.csv"
        path.write_bytes(_records(extract)[0].encode("utf-8"))
        sizes[path.name] = path.stat().st_size
    write_manifest(folder, "Synthetic bad sample: quarantine showcase (not real people)")
    (folder / "EXPECTED.md").write_text(expected_markdown())
    write_seal(folder)
    return sizes
