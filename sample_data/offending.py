"""The reoffending extract: offences of participants, comparison people and strangers.

Each linked person has an index date (their earliest referral, or their earliest
comparison row). Around it they get proven offences in the year before, sometimes an
offence on the index date itself (the one that led to the referral), a chance of proven
reoffending in the following year from a logistic model, unproven offences (no further
action) and, for later years, a background rate. Engaging with a scheme lowers the
log-odds of reoffending a little; people referred who never engaged are a little
riskier. An outcome is recorded weeks to many months after the offence; one that would
land after as_of is not yet there, so the offence is not (yet) proven.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sample_data.catalogue import AS_OF, SchemeSpec
from sample_data.draw import categories, day, group_cumsum, offsets_within, pick

# Offence mix by primary need; columns in the order of offences.offence_group:
# violence, sexual, robbery, theft, burglary, criminal_damage, drugs, weapons, public_order, fraud, other
OFFENCE_MIX = {
    "drugs":         (.08, .00, .02, .25, .05, .05, .40, .04, .05, .02, .04),
    "alcohol":       (.35, .01, .01, .12, .03, .15, .03, .02, .22, .01, .05),
    "gambling":      (.03, .00, .00, .20, .01, .01, .01, .00, .02, .68, .04),
    "mental_health": (.25, .01, .01, .15, .03, .18, .04, .03, .22, .02, .06),
    "housing":       (.12, .00, .02, .40, .08, .08, .06, .02, .10, .04, .08),
    "other":         (.20, .01, .02, .25, .06, .10, .08, .04, .12, .05, .07),
    "unknown":       (.20, .01, .02, .25, .06, .10, .08, .04, .12, .05, .07),
}
NEED_LOGIT = {"drugs": 0.15, "alcohol": 0.05, "gambling": -0.4, "mental_health": 0.05, "housing": 0.25,
              "other": 0.0, "unknown": 0.0}
BASE_LOGIT = -1.0  # calibrated so the comparison cohort reoffends at about a third
NOT_ENGAGED_LOGIT = 0.1
PRIOR_LOGIT = 0.45  # per log(1 + prior proven offences)
OUTCOME_LAG_MEDIAN = 50  # days from offence to proven outcome; ~8% take over six months
OUTCOME_LAG_SIGMA = 0.9


@dataclass
class People:
    """Everyone with an index date, one row each."""
    person: np.ndarray
    index_day: np.ndarray
    age: np.ndarray
    need: np.ndarray  # comparison.primary_need codes
    prior_mean: np.ndarray
    effect: np.ndarray  # log-odds shift
    index_offence_p: np.ndarray


def concat(*groups: People) -> People:
    return People(*(np.concatenate([getattr(g, f.name) for g in groups]) for f in fields(People)))


def participants(specs: tuple[SchemeSpec, ...], refs, engaged: np.ndarray) -> People:
    first = np.flatnonzero(~refs.is_repeat)
    s = refs.scheme[first]
    effect = np.array([sp.profile.effect for sp in specs])[s]
    sources = categories("referrals", "referral_source")
    by_police = np.isin(refs.source[first], [sources.index(x) for x in ("police", "custody", "court")])
    return People(refs.person[first], refs.referral_day[first], refs.age[first],
                  refs.need[first].astype(np.int8),
                  np.array([sp.profile.prior_mean for sp in specs])[s],
                  np.where(engaged[first], effect, NOT_ENGAGED_LOGIT), np.where(by_police, 0.85, 0.2))


def comparison_people(specs: tuple[SchemeSpec, ...], comp) -> People:
    first = np.flatnonzero(~comp.is_repeat)
    prior = np.array([sp.profile.prior_mean for sp in specs])[comp.template[first]]
    return People(comp.person[first], comp.index_day[first], comp.age[first],
                  comp.need[first].astype(np.int8),
                  prior, np.zeros(len(first)), np.full(len(first), 0.7))


def _rows(counts: np.ndarray, base_day: np.ndarray, offsets: np.ndarray, proven_p: float | np.ndarray,
          rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    who = np.repeat(np.arange(len(counts)), counts)
    return who, (base_day[who] + offsets).astype(np.int32), rng.random(len(who)) < proven_p


def make_offences(rng: np.random.Generator, people: People, n_unlinked: int, first_unlinked: int
                  ) -> dict[str, np.ndarray]:
    as_of = day(AS_OF)
    n = len(people.person)
    idx = people.index_day
    needs = categories("comparison", "primary_need")

    prior = rng.negative_binomial(1, 1 / (1 + people.prior_mean))
    age_logit = np.select([people.age < 25, people.age < 35, people.age < 45], [0.25, 0.1, 0.0], -0.35)
    logit = (BASE_LOGIT + PRIOR_LOGIT * np.log1p(prior) + age_logit
             + np.array([NEED_LOGIT[x] for x in needs])[people.need] + people.effect)
    reoffends = rng.random(n) < 1 / (1 + np.exp(-logit))
    n_re = np.where(reoffends, 1 + rng.poisson(0.4 + 0.15 * np.minimum(prior, 6)), 0)
    first_t = 1 + np.floor(364 * rng.beta(1.0, 1.5, n)).astype(np.int32)
    k_re = offsets_within(n_re)
    who_re = np.repeat(np.arange(n), n_re)
    step = np.where(k_re > 0, 1 + np.floor(rng.exponential(70, len(who_re))), 0)
    t_re = first_t[who_re] + group_cumsum(step, n_re).astype(np.int32)
    years_after = np.maximum(0, (as_of - idx - 365) / 365.25)
    n_later = rng.poisson(years_after * np.where(reoffends, 0.6, 0.25))
    n_index = (rng.random(n) < people.index_offence_p).astype(np.int64)

    n_prior_nfa = rng.poisson(0.3, n)
    n_window_nfa = rng.poisson(0.2, n)
    later_span = np.repeat(np.maximum(as_of - idx - 365, 1), n_later)
    segments = [
        # proven offences in the year before the index date
        _rows(prior, idx, -1 - rng.integers(0, 365, prior.sum()), 1.0, rng),
        # offences in that year that came to nothing (no further action)
        _rows(n_prior_nfa, idx, -1 - rng.integers(0, 365, n_prior_nfa.sum()), 0.0, rng),
        # the offence that led to the referral, on the index date: neither prior nor reoffence
        _rows(n_index, idx, np.zeros(n_index.sum(), np.int32), 0.6, rng),
        # reoffending: the first one is proven, later ones mostly
        (who_re, (idx[who_re] + t_re).astype(np.int32), (k_re == 0) | (rng.random(len(who_re)) < 0.85)),
        _rows(n_window_nfa, idx, 1 + rng.integers(0, 365, n_window_nfa.sum()), 0.0, rng),
        # background offending after the follow-up year
        _rows(n_later, idx, 366 + np.floor(rng.random(n_later.sum()) * later_span), 0.65, rng),
    ]
    who = np.concatenate([x[0] for x in segments])
    offence_day = np.concatenate([x[1] for x in segments])
    proven = np.concatenate([x[2] for x in segments])
    person = people.person[who]
    need = people.need[who]

    # Strangers: offences of people in neither extract (they may join later).
    n_each = 1 + rng.poisson(1.5, n_unlinked)
    strangers = np.arange(first_unlinked, first_unlinked + n_unlinked)
    person = np.concatenate([person, np.repeat(strangers, n_each)])
    lo = day("2018-01-01")
    offence_day = np.concatenate([offence_day, lo + rng.integers(0, as_of - lo + 1, n_each.sum())])
    proven = np.concatenate([proven, rng.random(n_each.sum()) < 0.6])
    need = np.concatenate([need, np.full(n_each.sum(), needs.index("unknown"), np.int8)])

    keep = offence_day <= as_of
    person, offence_day, proven, need = person[keep], offence_day[keep], proven[keep], need[keep]
    lag = 1 + np.floor(rng.lognormal(np.log(OUTCOME_LAG_MEDIAN), OUTCOME_LAG_SIGMA, len(person)))
    outcome_day = offence_day + np.minimum(lag, 1000).astype(np.int32)
    proven &= outcome_day <= as_of  # not yet recorded at as_of: not (yet) proven
    assert all(len(m) == len(categories("offences", "offence_group")) for m in OFFENCE_MIX.values())
    mix = np.stack([np.array(OFFENCE_MIX[x]) / sum(OFFENCE_MIX[x]) for x in needs])
    group = np.empty(len(person), dtype=np.int8)
    for k in range(len(needs)):
        rows = np.flatnonzero(need == k)
        group[rows] = pick(rng, mix[k], len(rows))
    order = np.lexsort((person, offence_day))
    return {"person": person[order], "offence_day": offence_day[order], "group": group[order],
            "proven": proven[order], "outcome_day": np.where(proven, outcome_day, -1)[order].astype(np.int32)}

