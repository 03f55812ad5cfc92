"""Referrals and the comparison cohort: who was referred (or eligible), when and where.

Everything is drawn scheme by scheme, so rows come out grouped by scheme; the output
step sorts them into the order a force's export would have.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_data.catalogue import AS_OF, FIRST_REFERRAL, SchemeSpec
from sample_data.draw import ages, categories, day, pick, probs

SEX = {"male": 0.74, "female": 0.23, "other": 0.01, "unknown": 0.02}
ETHNICITY = {"white": 0.79, "asian": 0.07, "black": 0.05, "mixed": 0.04, "other": 0.01,
             "unknown": 0.04}
ETHNICITY_BLANK = 0.03
RISK = {"low": 0.35, "medium": 0.42, "high": 0.16, "unknown": 0.07}
RISK_BLANK = 0.06
COMPARISON_UNKNOWN_NEED = 0.08
GROWTH = 0.85  # u ** GROWTH: later years see a few more referrals than early ones


@dataclass
class Referrals:
    scheme: np.ndarray  # index into specs
    referral_day: np.ndarray
    person: np.ndarray  # person number (participants count from 0)
    district: np.ndarray  # index into district names
    source: np.ndarray
    pathway: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    ethnicity: np.ndarray  # -1 = blank
    need: np.ndarray
    risk: np.ndarray  # -1 = blank
    is_repeat: np.ndarray  # a person's second referral (the first is their index referral)

    @property
    def n_people(self) -> int:
        return int(self.person.max()) + 1 if len(self.person) else 0


@dataclass
class Comparison:
    person: np.ndarray  # person number, continuing after the participants
    template: np.ndarray  # the scheme whose eligible population they resemble
    label: np.ndarray  # index into COHORT_LABELS
    index_day: np.ndarray
    district: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    need: np.ndarray  # contract order of comparison.primary_need (includes unknown)
    is_repeat: np.ndarray  # a later index row of the same person


COHORT_LABELS = ("pre-launch 2019", "neighbouring district", "eligible not referred")


def district_names(specs: tuple[SchemeSpec, ...]) -> tuple[str, ...]:
    names: dict[str, None] = {}
    for spec in specs:
        names.update(dict.fromkeys(spec.districts))
        names.update(dict.fromkeys(spec.neighbours))
    return tuple(names)


def _dates(rng: np.random.Generator, start: int, n: int) -> np.ndarray:
    lo, hi = max(start, day(FIRST_REFERRAL)), day(AS_OF)
    return (lo + np.floor((hi - lo + 1) * rng.random(n) ** GROWTH)).astype(np.int32)


def _district(rng, spec: SchemeSpec, names: tuple[str, ...], n: int) -> np.ndarray:
    local = pick(rng, np.array(list(spec.districts.values())), n)
    lookup = np.array([names.index(d) for d in spec.districts], dtype=np.int16)
    return lookup[local]


def make_referrals(rng: np.random.Generator, specs: tuple[SchemeSpec, ...]) -> Referrals:
    names = district_names(specs)
    parts: list[dict[str, np.ndarray]] = []
    next_person = 0
    for s, spec in enumerate(specs):
        pr = spec.profile
        n = spec.referrals
        # Second referrals need time to happen: only in schemes with a year of intake or more.
        old_enough = max(day(spec.launch_date), day(FIRST_REFERRAL)) <= day(AS_OF) - 365
        n_rep = int(round(n * pr.repeat_share)) if n >= 20 and old_enough else 0
        n_first = n - n_rep
        first_day = _dates(rng, day(spec.launch_date), n_first)
        sex = pick(rng, probs(SEX, categories("referrals", "sex")), n_first)
        age = ages(rng, np.full(n_first, pr.age_min), np.full(n_first, pr.age_mean))
        need = pick(rng, probs(pr.primary_need, categories("referrals", "primary_need")), n_first)
        district = _district(rng, spec, names, n_first)
        person = np.arange(next_person, next_person + n_first, dtype=np.int64)
        next_person += n_first
        # Second referrals: the same person again, at least 90 days after their first.
        can_repeat = np.flatnonzero(first_day <= day(AS_OF) - 120)
        if n_rep and len(can_repeat) == 0:
            raise RuntimeError(f"{spec.scheme_id}: no referral early enough to be repeated")
        again = rng.choice(can_repeat, size=n_rep, replace=n_rep > len(can_repeat)) if n_rep else \
            np.zeros(0, dtype=np.int64)
        gap = 90 + np.floor(rng.random(n_rep) * (day(AS_OF) - first_day[again] - 90))
        repeat_day = (first_day[again] + gap).astype(np.int32)
        m = n_first + n_rep
        parts.append({
            "scheme": np.full(m, s, dtype=np.int32),
            "referral_day": np.concatenate([first_day, repeat_day]),
            "person": np.concatenate([person, person[again]]),
            "district": np.concatenate([district, district[again]]),
            "age": np.concatenate([age, np.minimum(age[again] + (gap // 365).astype(np.int16), 100)]),
            "sex": np.concatenate([sex, sex[again]]),
            "need": np.concatenate([need, need[again]]),
            "is_repeat": np.concatenate([np.zeros(n_first, bool), np.ones(n_rep, bool)]),
            "source": pick(rng, probs(pr.referral_source, categories("referrals", "referral_source")), m),
            "pathway": pick(rng, probs(pr.pathway, categories("referrals", "pathway")), m),
            "ethnicity": _with_blanks(rng, probs(ETHNICITY, categories("referrals", "ethnicity")),
                                      ETHNICITY_BLANK, m),
            "risk": _with_blanks(rng, probs(RISK, categories("referrals", "risk_level")), RISK_BLANK, m),
        })
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    # A repeat must be the same person's later referral: copy ethnicity from the first.
    first_row = np.full(next_person, -1, dtype=np.int64)
    first_row[cols["person"][~cols["is_repeat"]]] = np.flatnonzero(~cols["is_repeat"])
    rep = np.flatnonzero(cols["is_repeat"])
    cols["ethnicity"][rep] = cols["ethnicity"][first_row[cols["person"][rep]]]
    return Referrals(**cols)


def _with_blanks(rng, p: np.ndarray, blank_share: float, n: int) -> np.ndarray:
    codes = pick(rng, p, n)
    codes[rng.random(n) < blank_share] = -1
    return codes


def make_comparison(rng: np.random.Generator, specs: tuple[SchemeSpec, ...], first_person: int,
                    ratio: float, minimum: int) -> Comparison:
    """People eligible for a scheme but not referred, drawn to resemble its referrals."""
    names = district_names(specs)
    needs = categories("comparison", "primary_need")
    parts = []
    next_person = first_person
    for s, spec in enumerate(specs):
        pr = spec.profile
        if spec.referrals == 0:
            continue
        n = max(int(round(spec.referrals * ratio)), minimum)
        pre_launch = day(spec.launch_date) > day("2019-12-31")
        label_p = np.array([0.35, 0.35, 0.3]) if pre_launch else np.array([0.0, 0.5, 0.5])
        label = pick(rng, label_p, n)
        index_day = _dates(rng, day(spec.launch_date), n)
        in_2019 = label == 0
        index_day[in_2019] = day("2019-01-01") + rng.integers(0, 365, size=int(in_2019.sum()))
        district = _district(rng, spec, names, n)
        nb = label == 1
        nb_lookup = np.array([names.index(d) for d in spec.neighbours], dtype=np.int16)
        district[nb] = nb_lookup[rng.integers(0, len(nb_lookup), size=int(nb.sum()))]
        need = pick(rng, probs(pr.primary_need, needs), n)
        need[rng.random(n) < COMPARISON_UNKNOWN_NEED] = needs.index("unknown")
        part = {
            "person": np.arange(next_person, next_person + n, dtype=np.int64),
            "template": np.full(n, s, dtype=np.int32),
            "label": label,
            "index_day": index_day.astype(np.int32),
            "district": district,
            "age": ages(rng, np.full(n, pr.age_min), np.full(n, pr.age_mean)),
            "sex": pick(rng, probs(SEX, categories("comparison", "sex")), n),
            "need": need,
            "is_repeat": np.zeros(n, dtype=bool),
        }
        next_person += n
        # A few people become eligible twice; they count once, on their earliest index_date.
        again = np.flatnonzero((rng.random(n) < 0.02) & (index_day < day(AS_OF) - 400))
        later = part["index_day"][again] + 200 + np.floor(
            rng.random(len(again)) * (day(AS_OF) - part["index_day"][again] - 200)).astype(np.int32)
        repeat = {k: v[again] for k, v in part.items()}
        repeat["index_day"] = later
        repeat["age"] = np.minimum(repeat["age"] + ((later - part["index_day"][again]) // 365), 100)
        repeat["is_repeat"] = np.ones(len(again), dtype=bool)
        parts += [part, repeat]
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return Comparison(**cols)
