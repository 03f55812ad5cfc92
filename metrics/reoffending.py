"""Reoffending (per person) and cohort-comparison measures.

Inputs are rows of sql/person_by_cell.sql, differences.sql, survival_times.sql and
strata.sql, run over the person facts (metrics.facts): counts and frequency tables.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np

from metrics import cellkey, stats
from metrics.result import MetricValue, count, median, ratio, reliability_flags, share

REOFFENDING_IDS = (
    "reoffending_eligible", "reoffending_rate", "reoffences_per_person",
    "prior_offences_per_person", "pre_post_change", "time_to_reoffence", "reoffending_pending",
)
COMPARISON_IDS = (
    "comparison_eligible", "comparison_reoffending_rate", "matched_participants",
    "unmatched_participants", "participant_matched_rate", "matched_comparison_rate",
    "rate_difference", "logrank_p_value", "people_needed",
)


def reoffending_values(person_row: dict | None, differences: list[dict], survival: list[dict],
                       wanted: tuple[str, ...] = REOFFENDING_IDS,
                       perturbed: bool = False) -> dict[str, MetricValue]:
    """The `wanted` reoffending metrics of one cell of selected people (catalogue order).

    person_row: person_by_cell.sql for grp 'selected'; differences: differences.sql rows;
    survival: survival_times.sql rows (all selected people of the cell). Only
    pre_post_change reads `differences` and only time_to_reoffence reads `survival`: a
    breakdown that does not want them skips their statistics in every cell.
    """
    r = (cellkey.perturb_row(person_row, cellkey.PERSON_CAPS) if perturbed else person_row) or {}
    eligible = int(r.get("eligible") or 0)
    reoffences = int(r.get("reoffences") or 0)
    prior = int(r.get("prior_offences") or 0)
    values = {
        "reoffending_eligible": count("reoffending_eligible", eligible),
        "reoffending_rate": share("reoffending_rate", r.get("reoffenders"), eligible),
        "reoffences_per_person": ratio("reoffences_per_person", reoffences, eligible),
        "prior_offences_per_person": ratio("prior_offences_per_person", prior, eligible),
        "reoffending_pending": count("reoffending_pending", r.get("pending")),
    }
    if "pre_post_change" in wanted:
        p = stats.wilcoxon_p_value(np.array([d["difference"] for d in differences], dtype=float),
                                   np.array([d["people"] for d in differences], dtype=np.int64))
        change = ratio("pre_post_change", reoffences - prior, prior)
        # flagged by its number of people, never by its signed numerator (catalogue method notes)
        values["pre_post_change"] = replace(change, p_value=p,
                                            flags=None if change.flags is None else reliability_flags(None, eligible))
    if "time_to_reoffence" in wanted:
        if perturbed:
            survival = cellkey.survival_rows(survival)
        values["time_to_reoffence"] = median(
            "time_to_reoffence", _km_median(survival), r.get("people"), r.get("km_events"))
    return {metric_id: values[metric_id] for metric_id in REOFFENDING_IDS if metric_id in wanted}


def comparison_values(person_rows: list[dict], strata: list[dict],
                      survival: list[dict], perturbed: bool = False) -> dict[str, MetricValue]:
    """The cohort comparison over the whole selection (no cells).

    perturbed: outside the analyst view, the participants' counts (matched, unmatched, their
    reoffenders) and the raw comparison counts are cell-key perturbed, and the participants'
    rate, the difference, its interval and the people needed are computed from them.
    """
    comparison = next((r for r in person_rows if r["grp"] == "comparison"), {})
    if perturbed:
        comparison = cellkey.perturb_row(comparison, cellkey.PERSON_CAPS)
    m = stats.matched_comparison(*(np.array([s[k] for s in strata], dtype=float) for k in (
        "participants", "participant_reoffenders", "comparison_people", "comparison_reoffenders")))
    if perturbed:
        m = _perturbed_comparison(m, strata)
    participant_rate = share("participant_matched_rate", m["reoffenders"], m["matched"])
    comparison_flags = reliability_flags(m["comparison_reoffenders"], m["comparison_people"])
    has_match = m["matched"] > 0
    difference_flags = None
    if has_match:
        difference_flags = tuple(dict.fromkeys((participant_rate.flags or ()) + (comparison_flags or ())))
    participants = [s for s in survival if s["grp"] == "selected" and s["participant"]]
    comparison_people = [s for s in survival if s["grp"] == "comparison"]
    return {
        "comparison_eligible": count("comparison_eligible", comparison.get("eligible")),
        "comparison_reoffending_rate": share("comparison_reoffending_rate",
                                             comparison.get("reoffenders"), comparison.get("eligible")),
        "matched_participants": count("matched_participants", m["matched"]),
        "unmatched_participants": count("unmatched_participants", m["unmatched"]),
        "participant_matched_rate": participant_rate,
        # numerator/denominator: the matched strata's comparison reoffenders and people. Not
        # part of the JSON ("value only"), but disclosure control must see them.
        "matched_comparison_rate": MetricValue(
            "matched_comparison_rate", m["p_c"], numerator=int(m["comparison_reoffenders"]),
            denominator=int(m["comparison_people"]), flags=comparison_flags if has_match else None),
        "rate_difference": MetricValue("rate_difference", m["d"], ci_low=m["ci_low"],
                                       ci_high=m["ci_high"], p_value=m["p_value"],
                                       flags=difference_flags),
        "logrank_p_value": MetricValue("logrank_p_value", stats.logrank_p_value(
            *_survival_arrays(participants), *_survival_arrays(comparison_people))),
        "people_needed": MetricValue("people_needed", stats.people_needed(m["p_t"], m["p_c"])),
    }


def _perturbed_comparison(m: dict, strata: list[dict]) -> dict:
    """The matched comparison with the participants' counts perturbed: each count's cell key is
    the sum of its strata's key sums (the strata are disjoint)."""
    matched = [s for s in strata if s["comparison_people"] > 0]
    unmatched = [s for s in strata if s["comparison_people"] == 0]
    big_n = cellkey.perturb(m["matched"], cellkey.combined_key(*(s["participants__key"] for s in matched)))
    reoffenders = min(big_n, cellkey.perturb(m["reoffenders"], cellkey.combined_key(
        *(s["participant_reoffenders__key"] for s in matched))))
    out = {**m, "matched": big_n, "reoffenders": reoffenders, "unmatched": cellkey.perturb(
        m["unmatched"], cellkey.combined_key(*(s["participants__key"] for s in unmatched)))}
    if big_n and m["p_c"] is not None:
        out.update(stats.rate_difference(reoffenders, big_n, m["p_c"], m["comparison_variance"]))
    return out


def by_cell(rows: list[dict]) -> dict[object, list[dict]]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row["cell"]].append(row)
    return grouped


def survival_curve(rows: list[dict]) -> dict | None:
    return stats.kaplan_meier(*_survival_arrays(rows))


def _km_median(rows: list[dict]) -> float | None:
    return stats.km_median(*_survival_arrays(rows))


def _survival_arrays(rows: list[dict]):
    return (np.array([r["km_time"] for r in rows], dtype=float),
            np.array([r["km_event"] for r in rows], dtype=bool),
            np.array([r["people"] for r in rows], dtype=np.int64))
