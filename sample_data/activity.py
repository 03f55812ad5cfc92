"""What happens after a referral: contacts, exits, case reviews and onward referrals.

Each referral follows one of two paths. People who engage may miss a booked first
appointment or two, then attend; they are seen every `cadence_days` for the planned
length of the scheme (or, open-ended, until they leave), and some completers are seen
again after the planned end (aftercare). People who never engage get one to three
unanswered attempts and their case is closed. Anything dated after as_of is cut off,
and a referral whose exit would fall after as_of is still open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_data.catalogue import AS_OF, SchemeSpec
from sample_data.draw import block_bounds, categories, day, group_cumsum, offsets_within, pick, \
    pick_by_block, probs, weekday
from sample_data.people import Referrals

NOT_ENGAGED_EXIT = {"disengaged": 0.86, "moved_away": 0.04, "custody": 0.04, "transferred": 0.03,
                    "other": 0.03}
MINUTES = {"home_visit": 60, "appointment": 45, "group_session": 120, "phone": 15, "outreach": 30,
           "other": 40}
ONWARD_OUTCOME = {"accepted": 0.62, "declined": 0.14, "pending": 0.08, "not_known": 0.16}
FUNDABLE = ("employment", "education", "training")


@dataclass
class Activity:
    engaged: np.ndarray  # per referral: has an attended contact on or before as_of
    first_attended: np.ndarray  # per referral day, -1 when not engaged
    end_day: np.ndarray  # per referral: exit day, or as_of when open
    engagements: dict[str, np.ndarray]
    exits: dict[str, np.ndarray]
    reviews: dict[str, np.ndarray]
    onward: dict[str, np.ndarray]


def _per_scheme(specs, attr):
    return np.array([getattr(s.profile, attr) for s in specs], dtype=float)


def _prob_rows(specs, attr, extract, column):
    cats = categories(extract, column)
    return np.stack([probs(getattr(s.profile, attr), cats) for s in specs])


def make_activity(rng: np.random.Generator, specs: tuple[SchemeSpec, ...], refs: Referrals) -> Activity:
    as_of = day(AS_OF)
    n = len(refs.scheme)
    s = refs.scheme
    n_schemes = len(specs)
    ref_bounds = block_bounds(s, n_schemes)
    planned = np.array([7 * (sp.planned_weeks or 0) for sp in specs])[s]
    cadence = _per_scheme(specs, "cadence_days")[s] * rng.uniform(0.85, 1.15, n)

    will_engage = rng.random(n) < _per_scheme(specs, "engaged_p")[s]
    first_try = refs.referral_day + 1 + np.floor(
        rng.gamma(2.0, _per_scheme(specs, "first_contact_days")[s] / 2.0)).astype(np.int32)
    misses_before = np.where(will_engage, np.minimum(rng.geometric(0.8, n) - 1, 3), 0)
    retry_gap = rng.integers(7, 15, n)
    first_att = first_try + misses_before * retry_gap

    # Exit reasons first: they decide how long someone stays.
    reasons = categories("exits", "exit_reason")
    reason = pick_by_block(rng, ref_bounds, _prob_rows(specs, "exit_engaged", "exits", "exit_reason"))
    reason = np.where(will_engage, reason, pick(rng, probs(NOT_ENGAGED_EXIT, reasons), n))
    completed = reason == reasons.index("completed")
    open_days = 30 + rng.exponential(_per_scheme(specs, "open_median_days")[s] / np.log(2))
    length = np.where(planned > 0, planned, open_days)
    stays = np.where(completed | (planned == 0), 1.0, rng.uniform(0.1, 0.8, n))
    n_main = np.where(will_engage, np.maximum(1, np.round(length * stays / cadence)), 0).astype(np.int64)
    aftercare_p = _per_scheme(specs, "aftercare_p")[s]
    aftercare = will_engage & completed & (planned > 0) & (rng.random(n) < aftercare_p)
    n_after = np.where(aftercare, 1 + (rng.random(n) < 0.4), 0).astype(np.int64)
    n_tries = np.where(will_engage, 0, 1 + rng.binomial(2, 0.5, n)).astype(np.int64)

    outcomes = categories("engagements", "outcome")
    attended = outcomes.index("attended")
    did_not_attend = outcomes.index("did_not_attend")
    miss_rows = _prob_rows(specs, "miss_mix", "engagements", "outcome")

    # Missed first appointments before the first attended one.
    r1 = np.repeat(np.arange(n), misses_before)
    d1 = first_try[r1] + offsets_within(misses_before) * retry_gap[r1]
    # The main schedule: the first is attended, later ones attended with attend_p.
    r2 = np.repeat(np.arange(n), n_main)
    k2 = offsets_within(n_main)
    gaps = np.where(k2 > 0, np.maximum(1, np.round(cadence[r2] * rng.uniform(0.75, 1.25, len(r2)))), 0)
    d2 = first_att[r2] + group_cumsum(gaps, n_main).astype(np.int32)
    o2 = np.where((k2 == 0) | (rng.random(len(r2)) < _per_scheme(specs, "attend_p")[s[r2]]), attended, -1)
    stopped = ~completed[r2] & (k2 == n_main[r2] - 1) & (k2 > 0)  # leavers miss their last one
    o2 = np.where(stopped, did_not_attend, o2)
    # Aftercare check-ins after the planned end (first attended + planned length).
    r3 = np.repeat(np.arange(n), n_after)
    k3 = offsets_within(n_after)
    d3 = first_att[r3] + planned[r3] + 1 + rng.integers(0, 40, len(r3)) + k3 * rng.integers(21, 36, len(r3))
    # Unanswered attempts for people who never engage.
    r4 = np.repeat(np.arange(n), n_tries)
    k4 = offsets_within(n_tries)
    d4 = first_try[r4] + group_cumsum(np.where(k4 > 0, rng.integers(7, 15, len(r4)), 0), n_tries)

    ref = np.concatenate([r1, r2, r3, r4])
    contact = weekday(np.concatenate([d1, d2, d3, d4])).astype(np.int32)
    outcome = np.concatenate([np.full(len(r1), -1), o2, np.full(len(r3), attended),
                              np.full(len(r4), -1)]).astype(np.int8)
    order = np.lexsort((contact, ref))
    ref, contact, outcome = ref[order], contact[order], outcome[order]
    contact_bounds = block_bounds(s[ref], n_schemes)
    missed = pick_by_block(rng, contact_bounds, miss_rows)
    outcome = np.where(outcome < 0, missed, outcome).astype(np.int8)

    # Exit: shortly after the last contact; later than as_of means still open.
    per_ref = np.bincount(ref, minlength=n)
    last = np.where(per_ref > 0, contact[np.maximum(np.cumsum(per_ref) - 1, 0)], -1)
    close_lag = np.where(will_engage, rng.integers(0, 15, n), rng.integers(14, 57, n))
    exit_day = np.where(last >= 0, last + close_lag, as_of + 1)
    has_exit = exit_day <= as_of
    end_day = np.where(has_exit, exit_day, as_of)

    keep = contact <= as_of
    ref, contact, outcome = ref[keep], contact[keep], outcome[keep]
    seen = np.flatnonzero(outcome == attended)
    firsts = seen[np.unique(ref[seen], return_index=True)[1]]  # rows are sorted by (ref, day)
    engaged = np.zeros(n, dtype=bool)
    engaged[ref[firsts]] = True
    first_attended = np.full(n, -1, dtype=np.int64)
    first_attended[ref[firsts]] = contact[firsts]

    engagements = _contact_details(rng, specs, s, ref, contact, outcome, n_schemes)
    exits = {"ref": np.flatnonzero(has_exit), "exit_day": exit_day[has_exit].astype(np.int32),
             "reason": reason[has_exit].astype(np.int8)}
    reviews = _reviews(rng, specs, refs, engaged, first_attended, end_day, has_exit)
    onward = _onward(rng, specs, s, engaged, first_attended, end_day, length * stays, n_schemes)
    return Activity(engaged, first_attended, end_day, engagements, exits, reviews, onward)


def _contact_details(rng, specs, s, ref, contact, outcome, n_schemes) -> dict[str, np.ndarray]:
    bounds = block_bounds(s[ref], n_schemes)
    types = categories("engagements", "contact_type")
    ctype = pick_by_block(rng, bounds, _prob_rows(specs, "contact_type", "engagements", "contact_type"))
    staff = pick_by_block(rng, bounds, _prob_rows(specs, "staff_role", "engagements", "staff_role"))
    staff[rng.random(len(ref)) < 0.02] = -1
    mean_minutes = np.array([MINUTES[t] for t in types])[ctype]
    minutes = (np.round(mean_minutes * rng.uniform(0.6, 1.4, len(ref)) / 5) * 5).astype(np.int32)
    attended = outcome == categories("engagements", "outcome").index("attended")
    minutes = np.where(attended & (rng.random(len(ref)) >= 0.05), np.maximum(minutes, 5), -1)
    return {"ref": ref, "contact_day": contact, "contact_type": ctype, "outcome": outcome,
            "minutes": minutes.astype(np.int32), "staff": staff}


def _reviews(rng, specs, refs, engaged, first_attended, end_day, has_exit) -> dict[str, np.ndarray]:
    """Regular case reviews while someone is engaged, and a closing review at exit."""
    s = refs.scheme
    every = np.array([sp.profile.review_days for sp in specs])[s]
    reviewed = engaged & (every > 0)
    n_regular = np.where(reviewed, (end_day - first_attended) // np.maximum(every, 1), 0).astype(np.int64)
    r1 = np.repeat(np.arange(len(s)), n_regular)
    d1 = first_attended[r1] + (offsets_within(n_regular) + 1) * every[r1]
    monday = weekday(d1)
    d1 = np.where(monday <= end_day[r1], monday, d1)  # weekends move to Monday, unless past the end
    closing = np.flatnonzero(reviewed & has_exit)
    ref = np.concatenate([r1, closing])
    review_day = np.concatenate([d1, end_day[closing]]).astype(np.int32)
    decisions = categories("reviews", "decision")
    u = rng.random(len(ref))
    p_down = np.array([sp.profile.step_down_p for sp in specs])[s[ref]]
    p_up = np.array([sp.profile.escalate_p for sp in specs])[s[ref]]
    decision = np.where(u < p_down, decisions.index("step_down"),
                        np.where(u < p_down + p_up, decisions.index("escalate"), decisions.index("continue")))
    decision[len(r1):] = decisions.index("close")
    # Risk: the referral's own level (unknown reads as medium), sometimes moving.
    levels = categories("reviews", "risk_level")
    ref_levels = categories("referrals", "risk_level")
    base = np.array([levels.index(x) if x in levels else levels.index("medium") for x in ref_levels])
    risk = np.where(refs.risk[ref] >= 0, base[np.maximum(refs.risk[ref], 0)], levels.index("medium"))
    drift = rng.random(len(ref)) < 0.15
    risk = np.where(drift, rng.integers(0, len(levels), len(ref)), risk)
    risk = np.where(decision == decisions.index("step_down"), levels.index("low"), risk)
    risk = np.where(decision == decisions.index("escalate"), levels.index("high"), risk)
    order = np.lexsort((review_day, ref))
    return {"ref": ref[order], "review_day": review_day[order], "risk": risk[order].astype(np.int8),
            "decision": decision[order].astype(np.int8)}


def _onward(rng, specs, s, engaged, first_attended, end_day, active_days, n_schemes) -> dict[str, np.ndarray]:
    as_of = day(AS_OF)
    count = np.where(engaged, rng.poisson(np.array([sp.profile.onward_mean for sp in specs])[s]), 0)
    ref = np.repeat(np.arange(len(s)), count)
    span = np.maximum(1, np.minimum(end_day[ref] - first_attended[ref], active_days[ref]))
    on_day = (first_attended[ref] + np.floor(rng.random(len(ref)) * span)).astype(np.int32)
    agencies = categories("onward_referrals", "agency_type")
    agency = pick_by_block(rng, block_bounds(s[ref], n_schemes),
                           _prob_rows(specs, "onward_agency", "onward_referrals", "agency_type"))
    outcomes = categories("onward_referrals", "outcome")
    outcome = pick(rng, probs(ONWARD_OUTCOME, outcomes), len(ref))
    recent = (on_day > as_of - 42) & (rng.random(len(ref)) < 0.6)
    outcome = np.where(recent, outcomes.index("pending"), outcome).astype(np.int8)
    fundable = np.isin(agency, [agencies.index(a) for a in FUNDABLE])
    funded_p = np.array([sp.profile.funded_p for sp in specs])[s[ref]]
    funded = fundable & (rng.random(len(ref)) < funded_p)
    u = rng.random(len(ref))
    taken = np.where(u < 0.6, 1, np.where(u < 0.85, 0, -1))
    taken = np.where(funded & (outcome != outcomes.index("pending")), taken, -1).astype(np.int8)
    order = np.lexsort((on_day, ref))
    return {"ref": ref[order], "on_day": on_day[order], "agency": agency[order], "outcome": outcome[order],
            "funded": funded[order], "taken": taken[order]}
