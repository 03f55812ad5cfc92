"""The headline measures written the way an analyst would in plain pandas, for a ratio.

Reads the warehouse's model tables into DataFrames and computes with boolean masks,
groupby and merge, following shared/spec/metrics.md for the unfiltered selection. The
benchmark checks every number here EQUALS metrics.summary's before it reports a ratio: a
comparison of different answers would be worthless.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb
import pandas as pd

COUNTED_EXITS = ("completed", "disengaged", "non_compliance", "custody", "other")
ATTENDANCE_OUTCOMES = ("attended", "did_not_attend", "cancelled_by_participant")


@dataclass(frozen=True)
class Headline:
    """metric id -> (value, numerator, denominator); counts carry (value, None, None)."""

    values: dict[str, tuple]
    load_seconds: float
    compute_seconds: float

    @property
    def total_seconds(self) -> float:
        return self.load_seconds + self.compute_seconds


def load(warehouse: str) -> dict[str, pd.DataFrame]:
    """The tables an analyst would pull out of the warehouse, whole."""
    con = duckdb.connect(warehouse, read_only=True)
    try:
        return {name: con.execute(f"SELECT * FROM {name}").df()
                for name in ("warehouse_meta", "referrals", "engagements", "exits", "offences")}
    finally:
        con.close()


def compute(tables: dict[str, pd.DataFrame]) -> dict[str, tuple]:
    as_of = pd.Timestamp(tables["warehouse_meta"]["as_of"].iloc[0])
    referrals, contacts = tables["referrals"], tables["engagements"]
    exits, offences = tables["exits"], tables["offences"]

    n_referrals = len(referrals)
    attended = contacts[contacts["outcome"] == "attended"]
    engaged = int(referrals["referral_id"].isin(attended["referral_id"].unique()).sum())
    attendance_base = int(contacts["outcome"].isin(ATTENDANCE_OUTCOMES).sum())

    counted = exits[exits["exit_reason"].isin(COUNTED_EXITS)]
    completed = int((counted["exit_reason"] == "completed").sum())

    # Each person indexed on their earliest referral.
    people = referrals.groupby("person_id", as_index=False)["referral_date"].min()
    people = people.rename(columns={"referral_date": "index_date"})
    people["index_date"] = pd.to_datetime(people["index_date"])
    eligible = people[people["index_date"] + pd.Timedelta(days=547) <= as_of]
    proven = offences[offences["proven"]][["person_id", "offence_date", "outcome_date"]]
    joined = eligible.merge(proven, on="person_id")
    offence_date = pd.to_datetime(joined["offence_date"])
    outcome_date = pd.to_datetime(joined["outcome_date"])
    days = (offence_date - joined["index_date"]).dt.days
    reoffence = days.between(1, 365) & (outcome_date <= joined["index_date"] + pd.Timedelta(days=547))
    reoffenders = joined.loc[reoffence, "person_id"].nunique()

    return {
        "referrals": (n_referrals, None, None),
        "engaged": (engaged, None, None),
        "engagement_rate": (engaged / n_referrals, engaged, n_referrals),
        "attendance_rate": (len(attended) / attendance_base, len(attended), attendance_base),
        "completion_rate": (completed / len(counted), completed, len(counted)),
        "reoffending_eligible": (len(eligible), None, None),
        "reoffending_rate": (reoffenders / len(eligible), reoffenders, len(eligible)),
    }


def headline(warehouse: str) -> Headline:
    started = time.perf_counter()
    tables = load(warehouse)
    loaded = time.perf_counter()
    values = compute(tables)
    return Headline(values, loaded - started, time.perf_counter() - loaded)


def differences(pandas_values: dict[str, tuple], summary: dict) -> list[str]:
    """Every way the pandas numbers differ from metrics.summary's (empty: they are equal)."""
    problems = []
    for metric_id, (value, numerator, denominator) in pandas_values.items():
        metric = summary[metric_id]
        expected = (metric.value, metric.numerator, metric.denominator)
        if numerator is None:
            expected = (metric.value, None, None)
        if expected != (value, numerator, denominator):
            problems.append(f"{metric_id}: pandas {(value, numerator, denominator)} != metrics {expected}")
    return problems

