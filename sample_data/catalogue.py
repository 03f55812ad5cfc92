"""The synthetic schemes: who runs them, where, and how their participants behave.

A `Profile` says how a kind of scheme works (who is referred, how often they are seen,
how they leave, how they reoffend); a `SchemeSpec` places one scheme in a force with a
size. The demo uses eight schemes modelled on published descriptions of real ones; the
national extract reuses the same profiles across every force of England and Wales.
Every person and number here is invented.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

AS_OF = "2025-12-31"
FIRST_REFERRAL = "2019-01-01"


@dataclass(frozen=True)
class Profile:
    referral_source: dict[str, float]
    pathway: dict[str, float]
    primary_need: dict[str, float]
    age_min: int
    age_mean: float
    repeat_share: float  # share of referrals that are a second referral of a person
    engaged_p: float  # chance of ever attending
    first_contact_days: float  # mean wait for the first appointment
    cadence_days: float  # planned gap between contacts
    open_median_days: float  # open-ended schemes: median time on the caseload
    attend_p: float  # chance a later contact is attended
    miss_mix: dict[str, float]  # how the unattended contacts split
    contact_type: dict[str, float]
    staff_role: dict[str, float]
    exit_engaged: dict[str, float]  # exit reasons of people who engaged
    aftercare_p: float  # completers seen again after the planned end
    review_days: int  # 0 = no case reviews
    step_down_p: float  # per review
    escalate_p: float
    onward_mean: float  # onward referrals per engaged referral
    onward_agency: dict[str, float]
    funded_p: float  # employment/education/training referrals that are funded places
    prior_mean: float  # proven offences in the year before
    effect: float  # log-odds change in reoffending when engaged (modest, negative)
    funding_gbp: float  # first-year budget
    funder: str


@dataclass(frozen=True)
class SchemeSpec:
    scheme_id: str
    scheme_name: str
    force: str
    district: str | None  # home district; None = force-wide
    districts: dict[str, float]  # where its referrals are dealt with
    neighbours: tuple[str, ...]  # districts of the 'neighbouring district' comparison cohort
    launch_date: str
    planned_weeks: int | None  # None = open-ended
    target_per_month: float | None
    referrals: int
    profile: Profile


MISS_USUAL = {"did_not_attend": 0.62, "cancelled_by_participant": 0.2, "cancelled_by_service": 0.18}
EXIT_USUAL = {"completed": 0.74, "disengaged": 0.09, "non_compliance": 0.06, "custody": 0.03,
              "transferred": 0.02, "moved_away": 0.03, "deceased": 0.005, "other": 0.025}
PCC = "Office of the Police and Crime Commissioner"

VASS = Profile(
    referral_source={"partner_agency": 0.45, "police": 0.35, "family": 0.1, "self": 0.1},
    pathway={"voluntary": 1.0},
    primary_need={"mental_health": 0.4, "alcohol": 0.25, "housing": 0.15, "drugs": 0.1, "other": 0.1},
    age_min=18, age_mean=46, repeat_share=0.05, engaged_p=0.9, first_contact_days=7,
    cadence_days=14, open_median_days=480, attend_p=0.87, miss_mix=MISS_USUAL,
    contact_type={"home_visit": 0.8, "phone": 0.1, "outreach": 0.05, "appointment": 0.05},
    staff_role={"police": 0.5, "support_worker": 0.4, "health": 0.1},
    exit_engaged={"completed": 0.55, "disengaged": 0.14, "custody": 0.04, "transferred": 0.09,
                  "moved_away": 0.1, "deceased": 0.03, "other": 0.05},
    aftercare_p=0.0, review_days=30, step_down_p=0.035, escalate_p=0.03, onward_mean=1.5,
    onward_agency={"housing": 0.3, "mental_health": 0.35, "alcohol_treatment": 0.15,
                   "family_support": 0.1, "debt_advice": 0.1},
    funded_p=0.0, prior_mean=1.3, effect=-0.3, funding_gbp=88_000, funder=PCC,
)

DRUGLINK = Profile(
    referral_source={"police": 0.6, "custody": 0.3, "court": 0.05, "self": 0.05},
    pathway={"community_resolution": 0.55, "conditional_caution": 0.35, "voluntary": 0.1},
    primary_need={"drugs": 0.85, "alcohol": 0.1, "other": 0.05},
    age_min=18, age_mean=28, repeat_share=0.03, engaged_p=0.96, first_contact_days=10,
    cadence_days=7, open_median_days=0, attend_p=0.9, miss_mix=MISS_USUAL,
    contact_type={"group_session": 0.7, "appointment": 0.2, "phone": 0.1},
    staff_role={"support_worker": 0.7, "peer_mentor": 0.2, "health": 0.1},
    exit_engaged={"completed": 0.955, "disengaged": 0.015, "non_compliance": 0.01, "custody": 0.005,
                  "moved_away": 0.01, "other": 0.005},
    aftercare_p=0.68, review_days=0, step_down_p=0, escalate_p=0, onward_mean=0.4,
    onward_agency={"drug_treatment": 0.55, "alcohol_treatment": 0.1, "mental_health": 0.15,
                   "housing": 0.05, "employment": 0.05, "education": 0.05, "other": 0.05},
    funded_p=0.05, prior_mean=0.6, effect=-0.3, funding_gbp=120_000, funder=PCC,
)

CHECKPOINT = Profile(
    referral_source={"police": 0.85, "custody": 0.15},
    pathway={"deferred_prosecution": 1.0},
    primary_need={"alcohol": 0.3, "drugs": 0.25, "mental_health": 0.2, "housing": 0.1, "other": 0.15},
    age_min=18, age_mean=32, repeat_share=0.04, engaged_p=0.9, first_contact_days=12,
    cadence_days=14, open_median_days=0, attend_p=0.83, miss_mix=MISS_USUAL,
    contact_type={"appointment": 0.6, "phone": 0.25, "home_visit": 0.1, "other": 0.05},
    staff_role={"police": 0.15, "support_worker": 0.75, "peer_mentor": 0.1},
    exit_engaged={"completed": 0.82, "non_compliance": 0.08, "disengaged": 0.04, "custody": 0.02,
                  "transferred": 0.01, "moved_away": 0.02, "other": 0.01},
    aftercare_p=0.15, review_days=28, step_down_p=0.02, escalate_p=0.03, onward_mean=1.0,
    onward_agency={"drug_treatment": 0.2, "alcohol_treatment": 0.25, "mental_health": 0.2,
                   "housing": 0.1, "employment": 0.05, "training": 0.05, "debt_advice": 0.05,
                   "family_support": 0.05, "other": 0.05},
    funded_p=0.1, prior_mean=0.7, effect=-0.3, funding_gbp=420_000, funder=PCC,
)

CITADEL = Profile(
    referral_source={"police": 0.5, "partner_agency": 0.3, "court": 0.1, "self": 0.1},
    pathway={"voluntary": 0.6, "conditional_caution": 0.4},
    primary_need={"drugs": 0.35, "alcohol": 0.2, "mental_health": 0.15, "housing": 0.15, "other": 0.15},
    age_min=18, age_mean=31, repeat_share=0.0, engaged_p=0.86, first_contact_days=9,
    cadence_days=7, open_median_days=0, attend_p=0.8, miss_mix=MISS_USUAL,
    contact_type={"appointment": 0.5, "group_session": 0.35, "phone": 0.15},
    staff_role={"support_worker": 0.6, "peer_mentor": 0.25, "police": 0.15},
    exit_engaged={"completed": 0.7, "disengaged": 0.12, "non_compliance": 0.05, "custody": 0.05,
                  "moved_away": 0.05, "other": 0.03},
    aftercare_p=0.4, review_days=28, step_down_p=0.0, escalate_p=0.0, onward_mean=1.6,
    onward_agency={"employment": 0.3, "education": 0.2, "training": 0.3, "housing": 0.1,
                   "drug_treatment": 0.1},
    funded_p=0.85, prior_mean=1.8, effect=-0.35, funding_gbp=65_000, funder="Home Office",
)

DEP = Profile(
    referral_source={"custody": 0.55, "police": 0.4, "court": 0.02, "other": 0.03},
    pathway={"community_resolution": 0.85, "conditional_caution": 0.1, "other": 0.05},
    primary_need={"drugs": 0.95, "alcohol": 0.03, "other": 0.02},
    age_min=16, age_mean=27, repeat_share=0.03, engaged_p=0.82, first_contact_days=18,
    cadence_days=7, open_median_days=0, attend_p=0.9, miss_mix={"did_not_attend": 0.8,
    "cancelled_by_participant": 0.1, "cancelled_by_service": 0.1},
    contact_type={"group_session": 0.6, "appointment": 0.3, "other": 0.1},
    staff_role={"support_worker": 0.8, "health": 0.1, "police": 0.1},
    exit_engaged={"completed": 0.97, "other": 0.01, "moved_away": 0.01, "transferred": 0.01},
    aftercare_p=0.0, review_days=0, step_down_p=0, escalate_p=0, onward_mean=0.15,
    onward_agency={"drug_treatment": 0.7, "alcohol_treatment": 0.1, "mental_health": 0.1, "other": 0.1},
    funded_p=0.0, prior_mean=0.4, effect=-0.2, funding_gbp=140_000, funder=PCC,
)

HUB = Profile(
    referral_source={"police": 0.7, "custody": 0.25, "court": 0.05},
    pathway={"conditional_caution": 0.95, "other": 0.05},
    primary_need={"drugs": 0.25, "alcohol": 0.25, "mental_health": 0.2, "housing": 0.15, "other": 0.15},
    age_min=18, age_mean=31, repeat_share=0.06, engaged_p=0.87, first_contact_days=7,
    cadence_days=7, open_median_days=0, attend_p=0.8, miss_mix=MISS_USUAL,
    contact_type={"appointment": 0.55, "group_session": 0.2, "phone": 0.2, "outreach": 0.05},
    staff_role={"police": 0.3, "support_worker": 0.55, "health": 0.1, "peer_mentor": 0.05},
    exit_engaged=EXIT_USUAL,
    aftercare_p=0.1, review_days=28, step_down_p=0.03, escalate_p=0.03, onward_mean=0.9,
    onward_agency={"drug_treatment": 0.2, "alcohol_treatment": 0.2, "mental_health": 0.15,
                   "housing": 0.15, "employment": 0.08, "training": 0.07, "debt_advice": 0.1,
                   "other": 0.05},
    funded_p=0.15, prior_mean=1.5, effect=-0.25, funding_gbp=260_000, funder=PCC,
)

DST = Profile(
    referral_source={"police": 0.5, "partner_agency": 0.3, "self": 0.1, "family": 0.1},
    pathway={"voluntary": 0.7, "community_resolution": 0.3},
    primary_need={"mental_health": 0.35, "alcohol": 0.2, "drugs": 0.2, "housing": 0.15, "other": 0.1},
    age_min=18, age_mean=35, repeat_share=0.05, engaged_p=0.75, first_contact_days=10,
    cadence_days=10, open_median_days=0, attend_p=0.78, miss_mix=MISS_USUAL,
    contact_type={"outreach": 0.3, "appointment": 0.35, "phone": 0.25, "home_visit": 0.1},
    staff_role={"support_worker": 0.5, "health": 0.3, "police": 0.2},
    exit_engaged={"completed": 0.7, "disengaged": 0.12, "non_compliance": 0.03, "custody": 0.03,
                  "transferred": 0.04, "moved_away": 0.04, "deceased": 0.01, "other": 0.03},
    aftercare_p=0.35, review_days=42, step_down_p=0.04, escalate_p=0.03, onward_mean=1.4,
    onward_agency={"mental_health": 0.35, "housing": 0.2, "drug_treatment": 0.15,
                   "alcohol_treatment": 0.15, "family_support": 0.05, "employment": 0.05,
                   "training": 0.05},
    funded_p=0.1, prior_mean=1.2, effect=-0.65, funding_gbp=190_000, funder="NHS integrated care board",
)

PGP = Profile(
    referral_source={"police": 0.55, "court": 0.15, "self": 0.15, "family": 0.1, "partner_agency": 0.05},
    pathway={"conditional_caution": 0.5, "voluntary": 0.3, "deferred_prosecution": 0.2},
    primary_need={"gambling": 1.0},
    age_min=18, age_mean=34, repeat_share=0.03, engaged_p=0.8, first_contact_days=14,
    cadence_days=14, open_median_days=0, attend_p=0.82, miss_mix=MISS_USUAL,
    contact_type={"appointment": 0.6, "phone": 0.3, "group_session": 0.1},
    staff_role={"support_worker": 0.6, "health": 0.2, "peer_mentor": 0.2},
    exit_engaged=EXIT_USUAL,
    aftercare_p=0.3, review_days=42, step_down_p=0.02, escalate_p=0.02, onward_mean=1.1,
    onward_agency={"gambling_support": 0.6, "debt_advice": 0.25, "mental_health": 0.1,
                   "family_support": 0.05},
    funded_p=0.0, prior_mean=0.5, effect=-0.3, funding_gbp=85_000, funder=PCC,
)

PROFILES: dict[str, Profile] = {"vass": VASS, "druglink": DRUGLINK, "checkpoint": CHECKPOINT,
                                "citadel": CITADEL, "dep": DEP, "hub": HUB, "dst": DST, "pgp": PGP}

DEMO_SCHEMES: tuple[SchemeSpec, ...] = (
    SchemeSpec("NOT-VASS", "Vulnerable Adult Support Scheme", "Nottinghamshire Police", "Ashfield",
               {"Ashfield": 0.8, "Mansfield": 0.2}, ("Bassetlaw", "Newark and Sherwood"),
               "2021-06-01", None, 2.0, 78, VASS),
    SchemeSpec("TVP-DRUGLINK", "Druglink", "Thames Valley Police", "Oxford",
               {"Oxford": 0.4, "Reading": 0.25, "Milton Keynes": 0.2, "Slough": 0.15},
               ("Aylesbury Vale", "West Berkshire"), "2018-10-01", 6, None, 520, DRUGLINK),
    SchemeSpec("DUR-CHECKPOINT", "Checkpoint", "Durham Constabulary", "County Durham",
               {"County Durham": 0.75, "Darlington": 0.25}, ("Hartlepool", "Stockton-on-Tees"),
               "2016-04-01", 16, None, 700, CHECKPOINT),
    SchemeSpec("NOR-CITADEL", "#Citadel", "Northamptonshire Police", "Kettering",
               {"Kettering": 1.0}, ("Corby", "Wellingborough"), "2023-04-03", 12, None, 44, CITADEL),
    SchemeSpec("ASP-DEP", "Drug Education Programme", "Avon and Somerset Police", "Bristol",
               {"Bristol": 0.5, "North Somerset": 0.15, "South Gloucestershire": 0.15,
                "Bath and North East Somerset": 0.1, "Somerset": 0.1},
               ("Wiltshire", "Gloucester"), "2018-07-01", 1, None, 800, DEP),
    SchemeSpec("CAM-HUB", "Offender Hub", "Cambridgeshire Constabulary", "Peterborough",
               {"Peterborough": 0.45, "Cambridge": 0.25, "Fenland": 0.15, "Huntingdonshire": 0.15},
               ("East Cambridgeshire", "South Holland"), "2018-11-01", 16, None, 480, HUB),
    SchemeSpec("DC-DST", "Diversion and Support Team", "Devon and Cornwall Police", "Plymouth",
               {"Plymouth": 0.45, "Exeter": 0.2, "Torbay": 0.15, "Cornwall": 0.2},
               ("Teignbridge", "North Devon"), "2020-10-01", 12, None, 160, DST),
    SchemeSpec("CHE-PGP", "Problem Gambling Pathway", "Cheshire Constabulary", "Warrington",
               {"Warrington": 0.4, "Cheshire West and Chester": 0.3, "Cheshire East": 0.3},
               ("Halton", "Wirral"), "2022-01-04", 12, None, 150, PGP),
)

NATIONAL_FORCES: tuple[str, ...] = (
    "Avon and Somerset Police", "Bedfordshire Police", "Cambridgeshire Constabulary",
    "Cheshire Constabulary", "City of London Police", "Cleveland Police", "Cumbria Constabulary",
    "Derbyshire Constabulary", "Devon and Cornwall Police", "Dorset Police", "Durham Constabulary",
    "Dyfed-Powys Police", "Essex Police", "Gloucestershire Constabulary", "Greater Manchester Police",
    "Gwent Police", "Hampshire and Isle of Wight Constabulary", "Hertfordshire Constabulary",
    "Humberside Police", "Kent Police", "Lancashire Constabulary", "Leicestershire Police",
    "Lincolnshire Police", "Merseyside Police", "Metropolitan Police Service", "Norfolk Constabulary",
    "North Wales Police", "North Yorkshire Police", "Northamptonshire Police", "Northumbria Police",
    "Nottinghamshire Police", "South Wales Police", "South Yorkshire Police", "Staffordshire Police",
    "Suffolk Constabulary", "Surrey Police", "Sussex Police", "Thames Valley Police",
    "Warwickshire Police", "West Mercia Police", "West Midlands Police", "West Yorkshire Police",
    "Wiltshire Police",
)
SCHEME_NAMES = {"vass": "Vulnerable Adult Support Scheme", "druglink": "Drug Diversion Course",
                "checkpoint": "Deferred Prosecution Scheme", "citadel": "Pathways to Work",
                "dep": "Drug Education Programme", "hub": "Offender Hub",
                "dst": "Diversion and Support Team", "pgp": "Problem Gambling Pathway"}
PLANNED_WEEKS = {"vass": None, "druglink": 6, "checkpoint": 16, "citadel": 12, "dep": 1, "hub": 16,
                 "dst": 12, "pgp": 12}
# Weighted towards the intensive schemes so the national extract has ~20 contacts a referral.
NATIONAL_MIX = {"vass": 0.18, "druglink": 0.1, "checkpoint": 0.16, "citadel": 0.1, "dep": 0.1,
                "hub": 0.2, "dst": 0.08, "pgp": 0.08}
COMPASS = ("North", "South", "East", "West", "Central")


def force_area(force: str) -> str:
    for suffix in (" Police Service", " Police", " Constabulary"):
        if force.endswith(suffix):
            return force[: -len(suffix)]
    return force


def national_schemes(rng: np.random.Generator, referrals: int) -> tuple[SchemeSpec, ...]:
    """Two to five schemes in every force, sized so the referrals add up to `referrals`."""
    kinds = list(NATIONAL_MIX)
    mix = np.array([NATIONAL_MIX[k] for k in kinds])
    plan: list[tuple[str, str, int, tuple[str, ...], str, str]] = []
    for f, force in enumerate(NATIONAL_FORCES):
        area = force_area(force)
        districts = tuple(f"{area} {c}" for c in COMPASS)
        n_schemes = int(rng.integers(2, 6))
        chosen = rng.choice(len(kinds), size=n_schemes, replace=False, p=mix)
        for k in sorted(chosen):
            launch = np.datetime64("2016-04-01") + int(rng.integers(0, 7 * 365))
            plan.append((force, kinds[k], f, districts, str(launch), f"F{f + 1:02d}-{kinds[k].upper()}"))
    weights = rng.lognormal(0.0, 0.6, size=len(plan))
    sizes = np.floor(weights / weights.sum() * referrals).astype(int)
    sizes[: referrals - sizes.sum()] += 1
    specs = []
    for (force, kind, _f, districts, launch, scheme_id), size in zip(plan, sizes, strict=True):
        profile = PROFILES[kind]
        jitter = rng.uniform(0.9, 1.1, size=2)
        # Larger schemes see people more often than the demo's (one-session courses aside).
        cadence = profile.cadence_days * (1.0 if kind == "dep" else rng.uniform(0.4, 0.7))
        profile = replace(profile, engaged_p=min(0.97, profile.engaged_p * jitter[0]),
                          cadence_days=cadence, funding_gbp=float(round(profile.funding_gbp * jitter[1], -3)))
        target = float(round(30.4375 / cadence)) if kind == "vass" else None
        home = districts[int(rng.integers(0, 4))]
        shares = rng.dirichlet(np.ones(4))
        spec = SchemeSpec(
            scheme_id, SCHEME_NAMES[kind], force, home,
            {d: float(s) for d, s in zip(districts[:4], shares, strict=True)}, (districts[4],),
            launch, PLANNED_WEEKS[kind], target, int(size), profile)
        specs.append(spec)
    return tuple(specs)
