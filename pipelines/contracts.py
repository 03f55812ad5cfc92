"""The extract contracts of ../shared/spec/extracts.md, as one declarative table.

This table drives the reader (which columns, read as text), the validation SQL (types,
required values, allowed categories, ranges, keys, references), the warehouse DDL, the
generated docs and the tests. Change a rule here and every one of them follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NEEDS = ("drugs", "alcohol", "gambling", "mental_health", "housing", "other")
SEXES = ("female", "male", "other", "unknown")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text | date | integer | number | boolean | category
    required: bool = True  # a blank value is `missing_value`
    optional_column: bool = False  # may be absent from the header (reads as all blank)
    categories: tuple[str, ...] = ()
    blank_means: str | None = None  # category a blank reads as (e.g. ethnicity -> unknown)
    min: float | None = None  # below: bad_number (or negative_value when min == 0)
    max: float | None = None
    pseudonymise: str | None = None  # identifiers: HMAC-SHA256 at ingest, in this domain ("person", "referral")
    sets_as_of: bool = False  # counts towards the latest-date default for as_of (and is checked against it)
    not_after_as_of: bool = False  # a later date is `date_after_as_of`
    required_if: str | None = None  # a boolean column: required (and read at all) only when it is true
    not_before_referral: bool = False  # an earlier date is `date_before_referral`
    first_of_april: bool = False  # financial_year_start: another day is `bad_date`
    description: str = ""

    @property
    def checked_against_as_of(self) -> bool:
        return self.sets_as_of or self.not_after_as_of

    @property
    def sql_type(self) -> str:
        return {
            "text": "VARCHAR",
            "category": "VARCHAR",
            "date": "DATE",
            "integer": "INTEGER",
            "number": "DOUBLE",
            "boolean": "BOOLEAN",
        }[self.type]


@dataclass(frozen=True)
class Extract:
    name: str
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    references: dict[str, str] = field(default_factory=dict)  # column -> "extract.column"
    description: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


EXTRACTS: tuple[Extract, ...] = (
    Extract(
        "schemes",
        required=True,
        key=("scheme_id",),
        description="One row per diversion or support scheme.",
        columns=(
            Column("scheme_id", "text"),
            Column("scheme_name", "text"),
            Column("force", "text"),
            Column("district", "text", required=False, description="home district; blank = force-wide"),
            Column("launch_date", "date"),
            Column("planned_duration_weeks", "integer", required=False, min=0, max=520,
                   description="blank = open-ended"),
            Column("target_contacts_per_month", "number", required=False, min=0, max=1000,
                   description="blank = no target"),
        ),
    ),
    Extract(
        "funding",
        required=False,
        key=("scheme_id", "financial_year_start"),
        references={"scheme_id": "schemes.scheme_id"},
        description="Funding per scheme and financial year (1 April to 31 March).",
        columns=(
            Column("scheme_id", "text"),
            Column("financial_year_start", "date", first_of_april=True),
            Column("amount_gbp", "number", min=0),
            Column("funder", "text", required=False, optional_column=True),
        ),
    ),
    Extract(
        "referrals",
        required=True,
        key=("referral_id",),
        references={"scheme_id": "schemes.scheme_id"},
        description="One row per referral of a person to a scheme.",
        columns=(
            Column("referral_id", "text", pseudonymise="referral"),
            Column("person_id", "text", pseudonymise="person"),
            Column("scheme_id", "text"),
            Column("referral_date", "date", sets_as_of=True),
            Column("district", "text", description="where the person was dealt with"),
            Column("referral_source", "category",
                   categories=("police", "partner_agency", "family", "self", "custody", "court", "other")),
            Column("pathway", "category",
                   categories=("voluntary", "conditional_caution", "community_resolution",
                               "deferred_prosecution", "other")),
            Column("age_at_referral", "integer", min=10, max=100),
            Column("sex", "category", categories=SEXES),
            Column("ethnicity", "category", required=False, optional_column=True,
                   categories=("asian", "black", "mixed", "white", "other", "unknown"),
                   blank_means="unknown"),
            Column("primary_need", "category", categories=NEEDS),
            Column("risk_level", "category", required=False, optional_column=True,
                   categories=("low", "medium", "high", "unknown"), blank_means="unknown"),
        ),
    ),
    Extract(
        "engagements",
        required=True,
        references={"referral_id": "referrals.referral_id"},
        description="Contacts and appointments.",
        columns=(
            Column("referral_id", "text", pseudonymise="referral"),
            Column("contact_date", "date", sets_as_of=True, not_before_referral=True),
            Column("contact_type", "category",
                   categories=("home_visit", "appointment", "group_session", "phone", "outreach", "other")),
            Column("outcome", "category",
                   categories=("attended", "did_not_attend", "cancelled_by_participant",
                               "cancelled_by_service")),
            Column("duration_minutes", "integer", required=False, optional_column=True, min=0,
                   max=100_000),
            Column("staff_role", "category", required=False, optional_column=True,
                   categories=("police", "support_worker", "health", "peer_mentor", "other"),
                   blank_means="other"),
        ),
    ),
    Extract(
        "onward_referrals",
        required=False,
        references={"referral_id": "referrals.referral_id"},
        description="Referrals on to other agencies and funded pathways.",
        columns=(
            Column("referral_id", "text", pseudonymise="referral"),
            Column("referred_on_date", "date", sets_as_of=True, not_before_referral=True),
            Column("agency_type", "category",
                   categories=("drug_treatment", "alcohol_treatment", "mental_health", "housing",
                               "employment", "education", "training", "debt_advice",
                               "gambling_support", "family_support", "other")),
            Column("outcome", "category", categories=("accepted", "declined", "pending", "not_known")),
            Column("funded_place", "boolean"),
            Column("place_taken_up", "boolean", required=False, optional_column=True,
                   description="blank = not known"),
        ),
    ),
    Extract(
        "exits",
        required=True,
        key=("referral_id",),
        references={"referral_id": "referrals.referral_id"},
        description="Completion extract: at most one row per referral; none = open.",
        columns=(
            Column("referral_id", "text", pseudonymise="referral"),
            Column("exit_date", "date", sets_as_of=True, not_before_referral=True),
            Column("exit_reason", "category",
                   categories=("completed", "disengaged", "non_compliance", "custody", "transferred",
                               "moved_away", "deceased", "other")),
        ),
    ),
    Extract(
        "reviews",
        required=False,
        references={"referral_id": "referrals.referral_id"},
        description="Periodic case reviews.",
        columns=(
            Column("referral_id", "text", pseudonymise="referral"),
            Column("review_date", "date", sets_as_of=True, not_before_referral=True),
            Column("risk_level", "category", categories=("low", "medium", "high")),
            Column("decision", "category", categories=("continue", "step_down", "escalate", "close")),
        ),
    ),
    Extract(
        "offences",
        required=True,
        description="Reoffending extract, for participants and comparison people.",
        columns=(
            Column("person_id", "text", pseudonymise="person"),
            Column("offence_date", "date", sets_as_of=True),
            Column("offence_group", "category",
                   categories=("violence", "sexual", "robbery", "theft", "burglary", "criminal_damage",
                               "drugs", "weapons", "public_order", "fraud", "other")),
            Column("proven", "boolean"),
            # Required when proven; ignored entirely (not parsed, not checked) when not.
            Column("outcome_date", "date", required=False, sets_as_of=True, required_if="proven"),
        ),
    ),
    Extract(
        "comparison",
        required=False,
        key=("person_id", "index_date"),
        description="Comparison cohort: eligible people who were not referred.",
        columns=(
            Column("person_id", "text", pseudonymise="person"),
            Column("cohort_label", "text"),
            Column("index_date", "date", not_after_as_of=True),  # checked, but does not set as_of
            Column("district", "text"),
            Column("age_at_index", "integer", min=10, max=100),
            Column("sex", "category", categories=SEXES),
            Column("primary_need", "category", categories=NEEDS + ("unknown",)),
        ),
    ),
)

BY_NAME: dict[str, Extract] = {e.name: e for e in EXTRACTS}

# Load order: an extract is validated after the ones it references.
LOAD_ORDER: tuple[str, ...] = tuple(e.name for e in EXTRACTS)

FORMATS: tuple[str, ...] = (".csv", ".xlsx", ".parquet")

REASON_CODES: tuple[str, ...] = (
    "missing_value",
    "bad_date",
    "bad_number",
    "bad_category",
    "duplicate_key",
    "unknown_referral",
    "unknown_scheme",
    "date_before_referral",
    "date_after_as_of",
    "negative_value",
)

AGE_BANDS: tuple[str, ...] = ("under 18", "18-24", "25-34", "35-44", "45-54", "55+")
