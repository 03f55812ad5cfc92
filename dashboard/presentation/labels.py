"""One label table: the words a person reads for every category value, column and axis.

Built once from the extract contracts (every category an extract allows), with the few
words that a plain "replace underscores, capitalise" would get wrong written out. No
snake_case reaches a page, a report or the spreadsheet; a metric id is shown as an id
only on the Definitions page.
"""

from __future__ import annotations

import re

from pipelines.contracts import AGE_BANDS, EXTRACTS

_CODE = re.compile(r"[a-z]+(?:_[a-z]+)+")

# where the generic rule reads badly
SPECIAL = {
    "not_known": "Not known",
    "did_not_attend": "Did not attend",
    "cancelled_by_participant": "Cancelled by the participant",
    "cancelled_by_service": "Cancelled by the service",
    "non_compliance": "Non-compliance",
    "moved_away": "Moved away",
    "step_down": "Step down",
    "home_visit": "Home visit",
    "partner_agency": "Partner agency",
    "conditional_caution": "Conditional caution",
    "community_resolution": "Community resolution",
    "deferred_prosecution": "Deferred prosecution",
    "mental_health": "Mental health",
    "drug_treatment": "Drug treatment",
    "alcohol_treatment": "Alcohol treatment",
    "debt_advice": "Debt advice",
    "gambling_support": "Gambling support",
    "family_support": "Family support",
    "peer_mentor": "Peer mentor",
    "support_worker": "Support worker",
    "criminal_damage": "Criminal damage",
    "public_order": "Public order",
    "group_session": "Group session",
    "under 18": "Under 18",
}

# columns and axes, by their name in the data
COLUMNS = {
    "agency_type": "Agency",
    "onward_referrals": "Onward referrals",
    "accepted": "Accepted",
    "declined": "Declined",
    "pending": "Pending",
    "not_known": "Not known",
    "funded_places": "Funded places",
    "places_taken_up": "Places taken up",
    "exit_reason": "Exit reason",
    "exits": "Exits",
    "counted_in_completion": "Counted in completion",
    "month": "Month",
    "scheme": "Scheme",
    "attended": "Attended contacts",
    "booked": "Booked contacts",
    "extract": "Extract",
    "file": "File",
    "rows_read": "Rows read",
    "rows_loaded": "Rows loaded",
    "rows_quarantined": "Rows quarantined",
    "loaded_at": "Loaded at",
    "hash": "Content hash (start)",
    "reason": "Reason",
    "rows": "Rows",
    "line": "Line",
    "raw_values": "Values as sent",
    # the cohort review
    "pseudonym": "Person (pseudonym)",
    "missed_contacts_flag": "Missing contacts",
    "district": "District",
    "referral_date": "Referred",
    "last_contact": "Last attended contact",
    "days_since_last_contact": "Days since last attended contact",
    "contacts_this_month": "Attended this month",
    "target_per_month": "Target per month",
    "last_review": "Last review",
    "latest_decision": "Latest review decision",
}


def _generic(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _categories() -> dict[str, str]:
    table = {}
    for extract in EXTRACTS:
        for column in extract.columns:
            for value in column.categories:
                table[value] = SPECIAL.get(value, _generic(value))
    for band in AGE_BANDS:
        table[band] = SPECIAL.get(band, band)
    return table


CATEGORIES = _categories()


def label(value) -> str:
    """A category value (or a quarantine reason code) in words; other text as it is."""
    text = str(value)
    if text in CATEGORIES:
        return CATEGORIES[text]
    if _CODE.fullmatch(text):  # a code such as a quarantine reason: bad_date
        return SPECIAL.get(text, _generic(text))
    return text


def column(name: str) -> str:
    return COLUMNS.get(name, _generic(name))
