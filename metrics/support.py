"""Support and progress measures (per referral), from one aggregate row per cell."""

from __future__ import annotations

from metrics.result import MetricValue, count, median, ratio, share

IDS = (
    "referrals", "engaged", "engagement_rate", "median_days_to_first_contact", "attendance_rate",
    "median_contacts_per_month", "contact_target_met_rate", "onward_referral_rate",
    "onward_referrals_per_engaged", "onward_acceptance_rate", "pathway_places_taken",
    "pathway_uptake_rate", "completion_rate", "retention_beyond_planned_rate", "stepped_down",
    "escalated", "open_referrals",
)

EMPTY_ROW = {
    "referrals": 0, "engaged": 0, "median_days_to_first_contact": None, "attended_contacts": 0,
    "attendance_base": 0, "median_contacts_per_month": None, "target_base": 0, "target_met": 0,
    "engaged_referred_on": 0, "onward_of_engaged": 0, "onward_accepted": 0, "onward_decided": 0,
    "places_taken": 0, "funded_places": 0, "completed": 0, "completion_base": 0,
    "retention_base": 0, "retained": 0, "stepped_down": 0, "escalated": 0, "open_referrals": 0,
}


def support_values(row: dict) -> dict[str, MetricValue]:
    """The support metrics from a row of support_by_cell.sql."""
    r = {**EMPTY_ROW, **{k: v for k, v in row.items() if v is not None}}
    engaged = r["engaged"]
    return {
        "referrals": count("referrals", r["referrals"]),
        "engaged": count("engaged", engaged),
        "engagement_rate": share("engagement_rate", engaged, r["referrals"]),
        "median_days_to_first_contact": median(
            "median_days_to_first_contact", r["median_days_to_first_contact"], engaged),
        "attendance_rate": share("attendance_rate", r["attended_contacts"], r["attendance_base"]),
        "median_contacts_per_month": median(
            "median_contacts_per_month", r["median_contacts_per_month"], engaged),
        "contact_target_met_rate": share("contact_target_met_rate", r["target_met"],
                                         r["target_base"]),
        "onward_referral_rate": share("onward_referral_rate", r["engaged_referred_on"], engaged),
        "onward_referrals_per_engaged": ratio("onward_referrals_per_engaged",
                                              int(r["onward_of_engaged"]), engaged),
        "onward_acceptance_rate": share("onward_acceptance_rate", r["onward_accepted"],
                                        r["onward_decided"]),
        "pathway_places_taken": count("pathway_places_taken", r["places_taken"]),
        "pathway_uptake_rate": share("pathway_uptake_rate", r["places_taken"], r["funded_places"]),
        "completion_rate": share("completion_rate", r["completed"], r["completion_base"]),
        "retention_beyond_planned_rate": share("retention_beyond_planned_rate", r["retained"],
                                               r["retention_base"]),
        "stepped_down": count("stepped_down", r["stepped_down"]),
        "escalated": count("escalated", r["escalated"]),
        "open_referrals": count("open_referrals", r["open_referrals"]),
    }
