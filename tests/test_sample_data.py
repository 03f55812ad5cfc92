"""The synthetic sample folders: reproducible, inside the contract, and telling the demo's story.

Headline figures are computed here directly with pandas from the CSVs (not through
metrics/), following the definitions of metrics.md, so the sample is checked on its own.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from pipelines.contracts import BY_NAME, REASON_CODES
from sample_data import bad_rows, generate
from sample_data.catalogue import DEMO_SCHEMES

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
DEMO = SAMPLE / "demo"
BAD = SAMPLE / "bad"
AS_OF = pd.Timestamp("2025-12-31")
EXTRACTS = ("schemes", "funding", "referrals", "engagements", "onward_referrals", "exits", "reviews",
            "offences", "comparison")
DATE_COLUMNS = {"referrals": ["referral_date"], "engagements": ["contact_date"],
                "onward_referrals": ["referred_on_date"], "exits": ["exit_date"], "reviews": ["review_date"],
                "offences": ["offence_date", "outcome_date"], "comparison": ["index_date"],
                "schemes": ["launch_date"], "funding": ["financial_year_start"]}
CLOSED_EXITS = ["completed", "disengaged", "non_compliance", "custody", "other"]


def read(folder: Path, extract: str) -> pd.DataFrame:
    frame = pd.read_csv(folder / f"{extract}.csv", dtype=str, keep_default_na=False)
    for column in DATE_COLUMNS.get(extract, []):
        frame[column] = pd.to_datetime(frame[column].replace("", None), format="%Y-%m-%d")
    return frame


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate.main(["demo", str(folder)])
    return folder


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    return {e: read(DEMO, e) for e in EXTRACTS}


@pytest.fixture(scope="module")
def engaged(demo) -> pd.DataFrame:
    """Referrals with their scheme and first attended contact (engaged = has one)."""
    attended = demo["engagements"][demo["engagements"].outcome == "attended"]
    first = attended.groupby("referral_id").contact_date.min().rename("first_attended")
    referrals = demo["referrals"].join(first, on="referral_id")
    return referrals[referrals.first_attended.notna()]


# Reproducibility

def test_demo_generation_gives_identical_bytes_every_run(fresh_demo, tmp_path):
    generate.main(["demo", str(tmp_path)])
    assert folder_bytes(tmp_path) == folder_bytes(fresh_demo)


def test_committed_demo_equals_a_fresh_generation(fresh_demo):
    assert folder_bytes(DEMO) == folder_bytes(fresh_demo)


def test_committed_bad_sample_equals_a_fresh_generation(tmp_path):
    generate.main(["bad", str(tmp_path)])
    assert folder_bytes(BAD) == folder_bytes(tmp_path)


# The contract

@pytest.mark.parametrize("extract", EXTRACTS)
def test_demo_headers_and_categories_follow_the_contract(demo, extract):
    frame = demo[extract]
    assert list(frame.columns) == [c.name for c in BY_NAME[extract].columns]
    for column in BY_NAME[extract].columns:
        values = frame[column.name]
        if column.required and column.type != "date":
            assert (values != "").all(), f"{extract}.{column.name} has blanks"
        if column.type == "category":
            assert set(values) - {""} <= set(column.categories), f"{extract}.{column.name}"
        if column.type == "boolean":
            assert set(values) - {""} <= {"true", "false"}
        if column.type in ("integer", "number"):
            numbers = pd.to_numeric(values.replace("", None))
            if column.min is not None:
                assert (numbers.dropna() >= column.min).all()
            if column.max is not None:
                assert (numbers.dropna() <= column.max).all()


def test_demo_keys_are_unique(demo):
    for extract in EXTRACTS:
        key = list(BY_NAME[extract].key)
        if key:
            assert not demo[extract].duplicated(key).any(), extract


def test_demo_manifest_carries_as_of_and_the_demo_key():
    manifest = json.loads((DEMO / "manifest.json").read_text())
    assert manifest["as_of"] == "2025-12-31"
    assert "synthetic" in manifest["source"].lower()
    assert "demo" in manifest["demo_pseudonym_key"] and "not-for-real" in manifest["demo_pseudonym_key"]


def test_person_ids_look_like_force_references(demo):
    ids = pd.concat([demo["referrals"].person_id, demo["offences"].person_id, demo["comparison"].person_id])
    assert ids.str.fullmatch(r"P\d{7}").all()


def test_no_date_in_the_demo_is_after_as_of(demo):
    for extract, columns in DATE_COLUMNS.items():
        for column in columns:
            assert (demo[extract][column].dropna() <= AS_OF).all(), f"{extract}.{column}"


def test_every_activity_row_is_on_or_after_its_referral_date(demo):
    referral_date = demo["referrals"].set_index("referral_id").referral_date
    for extract, column in [("engagements", "contact_date"), ("exits", "exit_date"),
                            ("onward_referrals", "referred_on_date"), ("reviews", "review_date")]:
        rows = demo[extract]
        assert rows.referral_id.isin(referral_date.index).all(), extract
        assert (rows[column] >= rows.referral_id.map(referral_date)).all(), extract


def test_funding_years_start_on_1_april(demo):
    starts = demo["funding"].financial_year_start
    assert ((starts.dt.month == 4) & (starts.dt.day == 1)).all()
    assert (pd.to_numeric(demo["funding"].amount_gbp) > 0).all()


def test_proven_offences_and_only_those_have_an_outcome_date(demo):
    offences = demo["offences"]
    proven = offences.proven == "true"
    assert offences.outcome_date[proven].notna().all()
    assert offences.outcome_date[~proven].isna().all()
    assert (offences.outcome_date[proven] >= offences.offence_date[proven]).all()


def test_committed_demo_stays_small():
    assert sum(p.stat().st_size for p in DEMO.iterdir()) < 5_000_000


# The demo's story

def test_referral_counts_per_scheme(demo):
    counts = demo["referrals"].scheme_id.value_counts().to_dict()
    assert counts == {s.scheme_id: s.referrals for s in DEMO_SCHEMES}
    assert counts == {"ASP-DEP": 800, "DUR-CHECKPOINT": 700, "TVP-DRUGLINK": 520, "CAM-HUB": 480,
                      "DC-DST": 160, "CHE-PGP": 150, "NOT-VASS": 78, "NOR-CITADEL": 44}
    referral_dates = demo["referrals"].referral_date
    assert referral_dates.min().year == 2019 and referral_dates.max().year == 2025


def test_citadel_has_44_adults_in_kettering(demo):
    citadel = demo["referrals"][demo["referrals"].scheme_id == "NOR-CITADEL"]
    assert len(citadel) == 44 and citadel.person_id.nunique() == 44
    assert (citadel.age_at_referral.astype(int) >= 18).all()
    assert set(citadel.district) == {"Kettering"}


def test_citadel_stepped_down_five_and_escalated_five_engaged_people(demo, engaged):
    citadel = engaged[engaged.scheme_id == "NOR-CITADEL"].referral_id
    reviews = demo["reviews"][demo["reviews"].referral_id.isin(citadel)]
    all_citadel = demo["referrals"][demo["referrals"].scheme_id == "NOR-CITADEL"].referral_id
    every_review = demo["reviews"][demo["reviews"].referral_id.isin(all_citadel)]
    for decision in ("step_down", "escalate"):
        assert reviews[reviews.decision == decision].referral_id.nunique() == 5
        assert every_review[every_review.decision == decision].referral_id.nunique() == 5


def test_citadel_refers_on_to_funded_work_and_learning_places(demo):
    citadel = demo["referrals"][demo["referrals"].scheme_id == "NOR-CITADEL"].referral_id
    onward = demo["onward_referrals"][demo["onward_referrals"].referral_id.isin(citadel)]
    funded = onward[onward.funded_place == "true"]
    assert set(funded.agency_type) <= {"employment", "education", "training"} and len(funded) >= 10
    assert (funded.place_taken_up == "true").sum() >= 5


def test_druglink_completes_about_93_percent(demo):
    druglink = demo["referrals"][demo["referrals"].scheme_id == "TVP-DRUGLINK"].referral_id
    exits = demo["exits"][demo["exits"].referral_id.isin(druglink)]
    closed = exits[exits.exit_reason.isin(CLOSED_EXITS)]
    completion_rate = (closed.exit_reason == "completed").mean()
    assert 0.90 <= completion_rate <= 0.96


def test_druglink_keeps_most_people_beyond_its_six_weeks(demo, engaged):
    druglink = engaged[engaged.scheme_id == "TVP-DRUGLINK"].copy()
    druglink["planned_end"] = druglink.first_attended + pd.Timedelta(days=42)
    druglink = druglink[druglink.planned_end <= AS_OF]
    attended = demo["engagements"][demo["engagements"].outcome == "attended"]
    last = attended.groupby("referral_id").contact_date.max()
    retained = druglink.referral_id.map(last) > druglink.planned_end
    assert retained.mean() > 0.5


def test_vulnerable_adult_scheme_is_open_ended_with_monthly_reviews(demo):
    scheme = demo["schemes"].set_index("scheme_id").loc["NOT-VASS"]
    assert scheme.planned_duration_weeks == "" and float(scheme.target_contacts_per_month) == 2
    vass = demo["referrals"][demo["referrals"].scheme_id == "NOT-VASS"].referral_id
    still_open = ~vass.isin(demo["exits"].referral_id)
    assert still_open.sum() >= 20
    reviews = demo["reviews"][demo["reviews"].referral_id.isin(vass)]
    assert {"step_down", "escalate"} <= set(reviews.decision)
    visits = demo["engagements"][demo["engagements"].referral_id.isin(vass)]
    assert (visits.contact_type == "home_visit").mean() > 0.7


def test_missed_and_cancelled_contacts_have_realistic_shares(demo):
    shares = demo["engagements"].outcome.value_counts(normalize=True)
    assert 0.08 <= shares["did_not_attend"] <= 0.25
    assert 0.01 <= shares["cancelled_by_service"] <= 0.08


def test_schemes_with_their_character(demo):
    referrals = demo["referrals"]
    dep = referrals[referrals.scheme_id == "ASP-DEP"]
    assert (dep.primary_need == "drugs").mean() > 0.9
    assert dep.referral_source.isin(["police", "custody"]).mean() > 0.9
    assert (dep.pathway == "community_resolution").mean() > 0.8
    assert set(referrals[referrals.scheme_id == "DUR-CHECKPOINT"].pathway) == {"deferred_prosecution"}
    assert (referrals[referrals.scheme_id == "CAM-HUB"].pathway == "conditional_caution").mean() > 0.9
    gambling = referrals[referrals.scheme_id == "CHE-PGP"]
    assert set(gambling.primary_need) == {"gambling"}
    offences = demo["offences"][demo["offences"].person_id.isin(gambling.person_id)]
    assert offences.offence_group.value_counts().index[0] == "fraud"
    onward = demo["onward_referrals"][demo["onward_referrals"].referral_id.isin(gambling.referral_id)]
    assert onward.agency_type.value_counts().index[0] == "gambling_support"


def _reoffending(offences: pd.DataFrame, index: pd.DataFrame) -> pd.Series:
    """One-year proven reoffending of eligible people, as metrics.md defines it."""
    index = index[index.index_date + pd.Timedelta(days=547) <= AS_OF]
    proven = offences[offences.proven == "true"].merge(index, on="person_id")
    days = (proven.offence_date - proven.index_date).dt.days
    counted = proven[(days >= 1) & (days <= 365)
                     & (proven.outcome_date <= proven.index_date + pd.Timedelta(days=547))]
    return index.person_id.isin(counted.person_id)


def test_engaged_participants_reoffend_somewhat_less_than_the_comparison_cohort(demo, engaged):
    first = demo["referrals"].sort_values("referral_date").drop_duplicates("person_id")
    first = first[first.referral_id.isin(engaged.referral_id)]
    participants = _reoffending(demo["offences"], first.rename(columns={"referral_date": "index_date"}))
    comparison_index = demo["comparison"].groupby("person_id", as_index=False).index_date.min()
    comparison = _reoffending(demo["offences"], comparison_index)
    assert 0.22 <= participants.mean() <= 0.32 and 0.30 <= comparison.mean() <= 0.40
    assert 0.02 <= comparison.mean() - participants.mean() <= 0.12


def test_some_outcomes_take_longer_than_six_months(demo):
    proven = demo["offences"][demo["offences"].proven == "true"]
    lag = (proven.outcome_date - proven.offence_date).dt.days
    assert 0.02 <= (lag > 182).mean() <= 0.15


def test_offences_include_people_in_neither_referrals_nor_comparison(demo):
    linked = set(demo["referrals"].person_id) | set(demo["comparison"].person_id)
    assert 50 <= len(set(demo["offences"].person_id) - linked) <= 500


def test_comparison_cohort_has_labels_unknown_needs_and_repeat_people(demo):
    comparison = demo["comparison"]
    assert {"pre-launch 2019", "neighbouring district"} <= set(comparison.cohort_label)
    assert "unknown" in set(comparison.primary_need)
    assert comparison.person_id.duplicated().any()
    assert not set(comparison.person_id) & set(demo["referrals"].person_id)


# The national generator (at a small scale)

def test_national_generator_at_small_scale(tmp_path):
    generate.main(["national", str(tmp_path / "a"), "--referrals", "2000"])
    generate.main(["national", str(tmp_path / "b"), "--referrals", "2000"])
    assert folder_bytes(tmp_path / "a") == folder_bytes(tmp_path / "b")
    national = {e: read(tmp_path / "a", e) for e in EXTRACTS}
    assert len(national["referrals"]) == 2000
    assert national["schemes"].force.nunique() == 43
    for extract in EXTRACTS:
        assert list(national[extract].columns) == [c.name for c in BY_NAME[extract].columns]
    for extract, columns in DATE_COLUMNS.items():
        for column in columns:
            assert (national[extract][column].dropna() <= AS_OF).all()
    referral_date = national["referrals"].set_index("referral_id").referral_date
    contacts = national["engagements"]
    assert (contacts.contact_date >= contacts.referral_id.map(referral_date)).all()
    assert len(contacts) > 10 * 2000 and len(national["offences"]) > 3 * 2000


# The bad sample

def test_bad_sample_shows_every_reason_code():
    assert {reason for _file, _line, reason in bad_rows.expected_quarantine()} == set(REASON_CODES)


def test_bad_sample_lines_are_the_physical_lines_records_start_on():
    for extract in EXTRACTS:
        with open(BAD / f"{extract}.csv", newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            starts, line = [], reader.line_num
            for _record in reader:
                starts.append(line + 1)
                line = reader.line_num
        expected = [ln for f, ln, _r in bad_rows.expected_quarantine() if f == f"{extract}.csv"]
        assert set(expected) <= set(starts), extract
        assert len(starts) == len(bad_rows.ROWS[extract])
    listed = (BAD / "EXPECTED.md").read_text()
    for file, line, reason in bad_rows.expected_quarantine():
        assert f"| {file} | {line} | {reason} |" in listed


def test_bad_sample_has_an_unknown_column_a_formula_and_an_sql_string():
    header = (BAD / "referrals.csv").read_text().splitlines()[0].split(",")
    assert "officer_notes" in header
    assert '"=HYPERLINK(""http://x"",""y"")"' in (BAD / "schemes.csv").read_text()
    assert "'; DROP TABLE referrals; --" in (BAD / "referrals.csv").read_text()
    manifest = json.loads((BAD / "manifest.json").read_text())
    assert manifest["as_of"] == "2025-12-31" and manifest["demo_pseudonym_key"]


@pytest.mark.parametrize("folder", [DEMO, BAD])
def test_committed_samples_are_sealed_byte_for_byte(folder):
    import hashlib

    from pipelines.pseudonym import read_seal

    seal = read_seal(folder)
    extract_files = sorted(p.name for p in folder.iterdir() if p.suffix == ".csv")
    assert seal is not None and sorted(seal.files) == extract_files
    for name, digest in seal.files.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
