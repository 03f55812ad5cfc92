"""Turn the generated arrays into the extract files of extracts.md.

Columns come out in the contract's order, dates as ISO, booleans as true/false, blanks as
empty fields. Files are written by pyarrow's CSV writer (no row loops) with a plain
header and no quoting: the writer refuses any value that would need quoting, so the
files stay simple and byte-for-byte reproducible.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.contracts import BY_NAME, EXTRACTS
from pipelines.pseudonym import SAMPLE_SEAL, seal_text
from pipelines.readers import find_files
from sample_data.activity import Activity
from sample_data.catalogue import AS_OF, FIRST_REFERRAL, SchemeSpec
from sample_data.draw import EPOCH, categories, day
from sample_data.people import COHORT_LABELS, Comparison, Referrals, district_names

DEMO_PSEUDONYM_KEY = "demo-key-synthetic-data-only-not-for-real-data"


def dates(days: np.ndarray) -> pa.Array:
    days = np.asarray(days)
    return pa.array((EPOCH + days.astype("timedelta64[D]")), type=pa.date32(), mask=days < 0)


def labels(codes: np.ndarray, names) -> pa.Array:
    """Category (or district) names for codes; -1 = blank."""
    codes = np.asarray(codes)
    return pc.take(pa.array(list(names), pa.string()), pa.array(codes.astype(np.int32), mask=codes < 0))


def numbers(values: np.ndarray, blank: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values), mask=blank)


def prefixed_ids(prefix: str, numbers_: np.ndarray) -> pa.Array:
    """'P0001234'-style identifiers, built column-wise."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers_, dtype=np.int64)), pa.string()), 7, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def table(extract: str, columns: dict[str, pa.Array]) -> pa.Table:
    names = [c.name for c in BY_NAME[extract].columns]
    if list(columns) != names:
        raise ValueError(f"{extract}: columns {list(columns)} differ from the contract {names}")
    return pa.table(columns)


def write_csv(path: Path, data: pa.Table) -> None:
    header = (",".join(data.column_names) + "\n").encode()
    with pa.OSFile(str(path), "wb") as sink:
        sink.write(header)
        pacsv.write_csv(data, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))


def write_manifest(folder: Path, source: str) -> None:
    manifest = {"as_of": AS_OF, "source": source, "demo_pseudonym_key": DEMO_PSEUDONYM_KEY}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def write_seal(folder: Path) -> None:
    """SAMPLE.sha256: the sha256 of every extract file now in the folder. The ingest honours
    the manifest's demo key only while the folder's extract files are exactly these
    (pipelines.pseudonym), so the demo key never pseudonymises real or edited files.
    Written last, once the extracts are final."""
    hashes = {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
              for extract in EXTRACTS for path in find_files(folder, extract)}
    seal = folder / SAMPLE_SEAL
    seal.unlink(missing_ok=True)  # a new file, never written through a link to another folder's seal
    seal.write_text(seal_text(hashes))


def schemes_table(specs: tuple[SchemeSpec, ...]) -> pa.Table:
    return table("schemes", {
        "scheme_id": pa.array([s.scheme_id for s in specs]),
        "scheme_name": pa.array([s.scheme_name for s in specs]),
        "force": pa.array([s.force for s in specs]),
        "district": pa.array([s.district for s in specs], pa.string()),
        "launch_date": dates(np.array([day(s.launch_date) for s in specs])),
        "planned_duration_weeks": pa.array([s.planned_weeks for s in specs], pa.int32()),
        "target_contacts_per_month": pa.array([s.target_per_month for s in specs], pa.float64()),
    })


def funding_table(rng: np.random.Generator, specs: tuple[SchemeSpec, ...]) -> pa.Table:
    """One row per scheme and financial year from its first year of intake to 2025/26."""
    rows: dict[str, list] = {"scheme_id": [], "financial_year_start": [], "amount_gbp": [], "funder": []}
    for spec in specs:
        first = max(np.datetime64(spec.launch_date), np.datetime64(FIRST_REFERRAL))
        year = int(str(first)[:4]) - (1 if str(first)[5:] < "04-01" else 0)
        for k, fy in enumerate(range(year, 2026)):
            amount = spec.profile.funding_gbp * 1.03 ** k * rng.uniform(0.92, 1.08)
            rows["scheme_id"].append(spec.scheme_id)
            rows["financial_year_start"].append(day(f"{fy}-04-01"))
            rows["amount_gbp"].append(float(round(amount / 500) * 500))
            rows["funder"].append(spec.profile.funder)
    return table("funding", {
        "scheme_id": pa.array(rows["scheme_id"], pa.string()),
        "financial_year_start": dates(np.array(rows["financial_year_start"], dtype=np.int64)),
        "amount_gbp": pa.array(rows["amount_gbp"], pa.float64()),
        "funder": pa.array(rows["funder"], pa.string()),
    })


def referral_order(refs: Referrals) -> tuple[np.ndarray, np.ndarray]:
    """Referral ids follow referral date, as a case system numbers them.

    Returns (order: internal rows in id order, rank: id number of each internal row).
    """
    order = np.lexsort((np.arange(len(refs.scheme)), refs.referral_day))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return order, rank


def referrals_table(specs, refs: Referrals, pid: pa.Array, order: np.ndarray) -> pa.Table:
    names = district_names(specs)
    r = order
    return table("referrals", {
        "referral_id": prefixed_ids("R", np.arange(1, len(r) + 1)),
        "person_id": pc.take(pid, pa.array(refs.person[r])),
        "scheme_id": labels(refs.scheme[r], [s.scheme_id for s in specs]),
        "referral_date": dates(refs.referral_day[r]),
        "district": labels(refs.district[r], names),
        "referral_source": labels(refs.source[r], categories("referrals", "referral_source")),
        "pathway": labels(refs.pathway[r], categories("referrals", "pathway")),
        "age_at_referral": numbers(refs.age[r].astype(np.int32)),
        "sex": labels(refs.sex[r], categories("referrals", "sex")),
        "ethnicity": labels(refs.ethnicity[r], categories("referrals", "ethnicity")),
        "primary_need": labels(refs.need[r], categories("referrals", "primary_need")),
        "risk_level": labels(refs.risk[r], categories("referrals", "risk_level")),
    })


def _ids(rank: np.ndarray, ref: np.ndarray) -> pa.Array:
    return prefixed_ids("R", rank[ref] + 1)


def _sorted(day_: np.ndarray, rank: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return np.lexsort((rank[ref], day_))


def activity_tables(act: Activity, rank: np.ndarray) -> dict[str, pa.Table]:
    e = act.engagements
    o = _sorted(e["contact_day"], rank, e["ref"])
    engagements = table("engagements", {
        "referral_id": _ids(rank, e["ref"][o]),
        "contact_date": dates(e["contact_day"][o]),
        "contact_type": labels(e["contact_type"][o], categories("engagements", "contact_type")),
        "outcome": labels(e["outcome"][o], categories("engagements", "outcome")),
        "duration_minutes": numbers(e["minutes"][o], e["minutes"][o] < 0),
        "staff_role": labels(e["staff"][o], categories("engagements", "staff_role")),
    })
    x = act.onward
    o = _sorted(x["on_day"], rank, x["ref"])
    onward = table("onward_referrals", {
        "referral_id": _ids(rank, x["ref"][o]),
        "referred_on_date": dates(x["on_day"][o]),
        "agency_type": labels(x["agency"][o], categories("onward_referrals", "agency_type")),
        "outcome": labels(x["outcome"][o], categories("onward_referrals", "outcome")),
        "funded_place": pa.array(x["funded"][o]),
        "place_taken_up": pa.array(x["taken"][o] == 1, mask=x["taken"][o] < 0),
    })
    x = act.exits
    o = _sorted(x["exit_day"], rank, x["ref"])
    exits = table("exits", {
        "referral_id": _ids(rank, x["ref"][o]),
        "exit_date": dates(x["exit_day"][o]),
        "exit_reason": labels(x["reason"][o], categories("exits", "exit_reason")),
    })
    x = act.reviews
    o = _sorted(x["review_day"], rank, x["ref"])
    reviews = table("reviews", {
        "referral_id": _ids(rank, x["ref"][o]),
        "review_date": dates(x["review_day"][o]),
        "risk_level": labels(x["risk"][o], categories("reviews", "risk_level")),
        "decision": labels(x["decision"][o], categories("reviews", "decision")),
    })
    return {"engagements": engagements, "onward_referrals": onward, "exits": exits, "reviews": reviews}


def offences_table(off: dict[str, np.ndarray], pid: pa.Array) -> pa.Table:
    return table("offences", {
        "person_id": pc.take(pid, pa.array(off["person"])),
        "offence_date": dates(off["offence_day"]),
        "offence_group": labels(off["group"], categories("offences", "offence_group")),
        "proven": pa.array(off["proven"]),
        "outcome_date": dates(off["outcome_day"]),
    })


def comparison_table(specs, comp: Comparison, pid: pa.Array) -> pa.Table:
    o = np.lexsort((comp.person, comp.index_day))
    return table("comparison", {
        "person_id": pc.take(pid, pa.array(comp.person[o])),
        "cohort_label": labels(comp.label[o], COHORT_LABELS),
        "index_date": dates(comp.index_day[o]),
        "district": labels(comp.district[o], district_names(specs)),
        "age_at_index": numbers(comp.age[o].astype(np.int32)),
        "sex": labels(comp.sex[o], categories("comparison", "sex")),
        "primary_need": labels(comp.need[o], categories("comparison", "primary_need")),
    })
