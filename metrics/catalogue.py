"""The metric catalogue: one entry per id of shared/spec/metrics.md.

Tooltips, the report's methods appendix, METRICS.md (`python -m metrics catalogue
--markdown`) and the CLI all read this table; the definitions themselves are implemented
in `metrics/sql/` and `metrics/stats.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Exits counted in completion_rate's denominator, and the neutral ones it leaves out (the SQL
# reads COMPLETION_EXITS as a parameter; the exit-reasons view marks the neutral ones).
COMPLETION_EXITS = ("completed", "disengaged", "non_compliance", "custody", "other")
NEUTRAL_EXITS = ("transferred", "moved_away", "deceased")

GROUPS = ("support", "reoffending", "comparison", "uncertainty", "cost")
UNITS = ("share", "count", "days", "ratio", "gbp", "p_value")


@dataclass(frozen=True)
class Metric:
    id: str
    title: str
    definition: str  # plain English, for tooltips and the methods appendix
    numerator: str | None
    denominator: str | None
    unit: str  # share | count | days | ratio | gbp | p_value
    group: str  # support | reoffending | comparison | uncertainty | cost
    ci: str | None = None  # "wilson" | "difference" (rate_difference's own interval)
    p_value: bool = False  # carries a p-value in `p_value`
    flags: bool = False  # carries reliability flags (low_n, few_events)
    breakdown: bool = True  # available in breakdown()
    # How disclosure control treats it: count | rate | money_rate | change | median | derived | none
    disclosure: str = "rate"

    @property
    def ratio(self) -> bool:
        """Carries numerator and denominator in the CLI JSON."""
        return self.numerator is not None and self.denominator is not None

    def json_keys(self) -> tuple[str, ...]:
        keys = ["value"]
        if self.ratio:
            keys += ["numerator", "denominator"]
        if self.ci:
            keys += ["ci_low", "ci_high"]
        if self.p_value:
            keys.append("p_value")
        if self.flags:
            keys.append("flags")
        return tuple(keys)


def _share(id, title, definition, numerator, denominator, group, **kw) -> Metric:
    return Metric(id, title, definition, numerator, denominator, "share", group, ci="wilson",
                  flags=True, **kw)


def _count(id, title, definition, group, **kw) -> Metric:
    return Metric(id, title, definition, None, None, "count", group, disclosure="count", **kw)


def _ratio(id, title, definition, numerator, denominator, group, unit="ratio", **kw) -> Metric:
    return Metric(id, title, definition, numerator, denominator, unit, group, flags=True, **kw)


CATALOGUE: tuple[Metric, ...] = (
    # Support and progress (per referral)
    _count("referrals", "Referrals", "Number of selected referrals.", "support"),
    _count("engaged", "Engaged referrals",
           "Selected referrals with at least one attended contact.", "support"),
    _share("engagement_rate", "Engagement rate",
           "Share of selected referrals with at least one attended contact.",
           "engaged referrals", "selected referrals", "support"),
    Metric("median_days_to_first_contact", "Median days to first contact",
           "Median, over engaged referrals, of the days from referral to the first attended contact.",
           None, None, "days", "support", disclosure="median"),
    _share("attendance_rate", "Attendance rate",
           "Share of booked contacts that were attended; contacts cancelled by the service are "
           "left out.",
           "attended contacts", "attended + did not attend + cancelled by participant",
           "support"),
    Metric("median_contacts_per_month", "Median attended contacts per month",
           "Median, over engaged referrals, of attended contacts per month active. Months active = "
           "the larger of 1 and (days from first attended contact to exit, or to as_of when "
           "still open, inclusive) / 30.4375.",
           None, None, "ratio", "support", disclosure="median"),
    _share("contact_target_met_rate", "Contact target met",
           "Among engaged referrals of schemes with a monthly contact target: share whose attended "
           "contacts per month reach the target.",
           "engaged referrals at or above their scheme's target",
           "engaged referrals of schemes with a target", "support"),
    _share("onward_referral_rate", "Onward referral rate",
           "Share of engaged referrals referred on to at least one other agency or pathway.",
           "engaged referrals with an onward referral", "engaged referrals", "support"),
    _ratio("onward_referrals_per_engaged", "Onward referrals per engaged referral",
           "Onward referrals made for engaged referrals, per engaged referral.",
           "onward referrals of engaged referrals", "engaged referrals", "support"),
    _share("onward_acceptance_rate", "Onward acceptance rate",
           "Share of onward referrals with a known decision that were accepted.",
           "accepted onward referrals", "accepted + declined onward referrals", "support"),
    _count("pathway_places_taken", "Funded pathway places taken up",
           "Onward referrals to a funded education, training or employment place that was taken up.",
           "support"),
    _share("pathway_uptake_rate", "Funded place uptake rate",
           "Share of funded education, training or employment places offered that were taken up.",
           "funded places taken up", "onward referrals to a funded place", "support"),
    _share("completion_rate", "Completion rate",
           "Share of closed referrals that completed. Neutral exits (transferred, moved away, "
           "deceased) and open referrals are left out.",
           "completed exits",
           "exits: completed, disengaged, non-compliance, custody, other", "support"),
    _share("retention_beyond_planned_rate", "Retained beyond planned duration",
           "Among engaged referrals of fixed-length schemes whose planned end (first attended "
           "contact + planned weeks) has passed: share still attending after the planned end.",
           "those with an attended contact after the planned end",
           "engaged referrals of fixed-length schemes whose planned end is on or before as_of",
           "support"),
    _count("stepped_down", "Stepped down",
           "Engaged referrals with at least one review decision to step down.", "support"),
    _count("escalated", "Escalated",
           "Engaged referrals with at least one review decision to escalate.", "support"),
    _count("open_referrals", "Open referrals",
           "Selected referrals with no exit recorded (ongoing at as_of).", "support"),
    # Reoffending (per person, indexed on their earliest selected referral)
    _count("reoffending_eligible", "People with a full follow-up",
           "Selected people whose one-year follow-up and six-month waiting period are over "
           "(index date + 547 days on or before as_of).", "reoffending"),
    _share("reoffending_rate", "One-year proven reoffending rate",
           "Share of eligible people with at least one proven offence committed in the year after "
           "their index date and proven within a further six months.",
           "eligible people with a proven reoffence", "eligible people", "reoffending"),
    _ratio("reoffences_per_person", "Proven reoffences per person",
           "Proven reoffences in the one-year follow-up per eligible person.",
           "proven reoffences of eligible people", "eligible people", "reoffending"),
    _ratio("prior_offences_per_person", "Prior proven offences per person",
           "Proven offences in the year before the index date per eligible person.",
           "prior proven offences of eligible people", "eligible people", "reoffending"),
    Metric("pre_post_change", "Change in proven offending, year after vs year before",
           "Relative change from proven offences in the year before the index date to proven "
           "reoffences in the year after, over eligible people; p-value from a two-sided Wilcoxon "
           "signed-rank test of each person's difference.",
           "proven reoffences − prior proven offences", "prior proven offences", "ratio",
           "reoffending", p_value=True, flags=True, disclosure="change"),
    Metric("time_to_reoffence", "Median days to first proven reoffence",
           "Kaplan–Meier estimate over all selected people (eligible or not): time from index date "
           "to the first proven reoffence, censored at one year or at as_of. The median is the "
           "first day on which survival falls to 0.5 or below (none when it never does).",
           None, None, "days", "reoffending", disclosure="median"),
    # Cohort comparison
    _count("comparison_eligible", "Comparison people with a full follow-up",
           "Selected comparison people whose follow-up and waiting period are over.",
           "comparison", breakdown=False),
    _share("comparison_reoffending_rate", "Comparison reoffending rate (raw)",
           "One-year proven reoffending rate of eligible comparison people, before matching.",
           "eligible comparison people with a proven reoffence", "eligible comparison people",
           "comparison", breakdown=False),
    _count("matched_participants", "Matched participants",
           "Eligible participants (people with an engaged referral) in a stratum of sex × age band "
           "× primary need × prior-offence band that has comparison people.", "comparison",
           breakdown=False),
    _count("unmatched_participants", "Unmatched participants",
           "Eligible participants in strata with no comparison people; left out of the matched "
           "comparison.", "comparison", breakdown=False),
    _share("participant_matched_rate", "Participants' reoffending rate (matched)",
           "One-year proven reoffending rate of matched participants.",
           "matched participants with a proven reoffence", "matched participants", "comparison",
           breakdown=False),
    Metric("matched_comparison_rate", "Comparison reoffending rate (matched)",
           "Comparison reoffending rate standardised to the participants' mix of strata: the "
           "stratum rates weighted by each stratum's share of matched participants.",
           None, None, "share", "comparison", flags=True, breakdown=False, disclosure="rate"),
    Metric("rate_difference", "Difference in reoffending rate (participants − matched comparison)",
           "Matched participants' rate minus the standardised comparison rate, with a 95% interval "
           "and a two-sided p-value (normal approximation).",
           None, None, "share", "comparison", ci="difference", p_value=True, flags=True,
           breakdown=False, disclosure="derived"),
    Metric("logrank_p_value", "Log-rank test p-value",
           "Two-sided log-rank test of time to first proven reoffence: all participants against "
           "all selected comparison people (eligible or not).",
           None, None, "p_value", "comparison", breakdown=False, disclosure="none"),
    # Honest uncertainty
    _count("reoffending_pending", "People awaiting full follow-up",
           "Selected people not yet eligible for the reoffending measures (follow-up or waiting "
           "period not over at as_of).", "uncertainty"),
    Metric("people_needed", "People needed per group",
           "People per group needed for 80% power to detect the observed matched difference at "
           "two-sided 5% significance.",
           None, None, "count", "uncertainty", breakdown=False, disclosure="derived"),
    # Cost
    _ratio("cost_per_referral", "Cost per referral",
           "Funding of the selected schemes, prorated by day onto the date range, per referral "
           "to those schemes in the range. Uses only the scheme and date filters.",
           "prorated funding (£)", "referrals of the selected schemes in the range", "cost",
           unit="gbp", disclosure="money_rate", breakdown=False),
    _ratio("cost_per_completion", "Cost per completion",
           "Prorated funding of the selected schemes per completed exit of their referrals in the "
           "range. Uses only the scheme and date filters.",
           "prorated funding (£)", "completed exits of those referrals", "cost", unit="gbp",
           disclosure="money_rate", breakdown=False),
)

BY_ID: dict[str, Metric] = {m.id: m for m in CATALOGUE}
IDS: tuple[str, ...] = tuple(BY_ID)

# Value-only metrics whose disclosure follows another metric's (they are computed from it).
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "matched_comparison_rate": ("participant_matched_rate",),
    "rate_difference": ("participant_matched_rate", "matched_comparison_rate"),
    "people_needed": ("participant_matched_rate", "matched_comparison_rate"),
}

LOW_N = 30  # a denominator under this is `low_n`
FEW_EVENTS = 10  # a numerator (a count of events) under this is `few_events`
# the rule in words, for every outlet (Definitions, METRICS.md, the spreadsheet's notes)
RELIABILITY_RULE = (f"low n: the denominator is under {LOW_N}; few events: the numerator, a count of "
                    f"events, is under {FEW_EVENTS}. Either way, treat the figure with caution.")

# How the definitions are applied where metrics.md leaves a choice; printed in METRICS.md.
METHOD_NOTES: tuple[str, ...] = (
    "A person's index referral is their earliest selected referral; on a tie of dates the lowest "
    "referral_id gives their sex, age band and primary need for matching.",
    "Comparison people are selected by district, index_date within the dates, sex, age band and "
    "primary need; a person with several comparison rows is indexed on the earliest row that "
    "passed, and described by it.",
    "The matched comparison uses eligible people only; a stratum is matched when it has at least "
    "one eligible comparison person.",
    "Medians over an even number of values are the mean of the two middle values. "
    "time_to_reoffence's median allows 1e-12 of floating-point error in S(t) <= 0.5.",
    f"Reliability flags are set on every metric with a numerator and a denominator: `low_n` when "
    f"the denominator is under {LOW_N}, `few_events` when the numerator, a count of events, is under {FEW_EVENTS} "
    "(for costs the numerator is £). `few_events` never applies to a signed numerator: "
    "pre_post_change (reoffences − prior offences) is flagged by its number of eligible people "
    f"(`low_n` under {LOW_N}) only. "
    "matched_comparison_rate is flagged on the eligible comparison people of the matched strata "
    "and their reoffenders; rate_difference carries the flags of both of its rates.",
    "Breakdowns: each cell is the selection narrowed to that category, as if it were one more "
    "filter. A person referred in two cells counts in both, indexed on their earliest selected "
    "referral in each. Comparison and cost metrics are not broken down.",
    "Access scope: referrals by their force and district; comparison people by district (a "
    "force-wide scope sees the districts of its forces' referrals and schemes); offences only "
    "through those people. Cost metrics use the scope's forces' schemes; a district-restricted "
    "scope sees only schemes based in its districts whose referrals in the range are all in its "
    "districts (flag `schemes_outside_scope` when others were left out).",
    "Disclosure control (outside the analyst role and in exports, k = 5 by default): counts 1 to "
    "k − 1 show as `<k`; a share or ratio with a numerator or denominator of 1 to k − 1, a "
    "median over 1 to k − 1 values (or events), and a cost over 1 to k − 1 referrals or "
    "completions show as `*`. pre_post_change follows the per-person rates it is built from; "
    "matched_comparison_rate, rate_difference and people_needed follow participant_matched_rate. "
    "In a breakdown, a metric with exactly one suppressed cell also loses its next smallest "
    "non-zero cell (by count, or by denominator for rates). Kaplan–Meier curves over 1 to k − 1 "
    "people or events are not shown.",
    "Cell-key perturbation (outside the analyst role and in exports) covers every count; rates, "
    "their intervals, costs and the participants' side of the matched comparison (their count, "
    "rate, the difference, its interval and the people needed) are computed from perturbed counts. "
    "Medians, p-values (Wilcoxon, log-rank) and the standardised comparison rate are summaries of "
    "many people and are not perturbed. Outside the analyst view, Kaplan–Meier curves and the "
    "median time to reoffence are computed by month of follow-up from perturbed cumulative counts, "
    "and do not fall until k people have reoffended.",
)

_UNIT_WORDS = {"share": "share (0–1)", "count": "count", "days": "days", "ratio": "ratio",
               "gbp": "£", "p_value": "p-value"}
_INTERVAL_WORDS = {"wilson": "Wilson score 95% interval", "difference": "95% interval of the difference"}


def definitions() -> list[dict[str, str]]:
    """The catalogue as a definitions table: one row per metric, in the words every outlet
    (METRICS.md, the Definitions page, the PDF's methods pages, the spreadsheet) prints."""
    rows = []
    for m in CATALOGUE:
        statistics = [_INTERVAL_WORDS[m.ci]] if m.ci else []
        statistics += ["p-value"] * bool(m.p_value) + ["reliability flags"] * bool(m.flags)
        rows.append({"id": m.id, "measure": m.title, "group": m.group, "definition": m.definition,
                     "numerator": m.numerator or "", "denominator": m.denominator or "",
                     "unit": _UNIT_WORDS[m.unit], "statistics": ", ".join(statistics)})
    return rows


def markdown() -> str:
    """METRICS.md: the catalogue as a methods appendix."""
    lines = [
        "# Metrics",
        "",
        "Generated by `python -m metrics catalogue --markdown` from `metrics/catalogue.py`; do not",
        "edit by hand. The definitions follow `shared/spec/metrics.md`.",
        "",
        "Rates carry a Wilson score 95% interval where marked. Reliability flags: `low_n` when a",
        f"denominator is under {LOW_N}, `few_events` when a numerator is under {FEW_EVENTS}.",
        "",
    ]
    for group in GROUPS:
        lines += [f"## {group.capitalize()}", "",
                  "| id | title | definition | numerator | denominator | unit | statistics |",
                  "|---|---|---|---|---|---|---|"]
        for row in definitions():
            if row["group"] != group:
                continue
            lines.append(
                f"| `{row['id']}` | {row['measure']} | {row['definition']} | {row['numerator'] or '–'} | "
                f"{row['denominator'] or '–'} | {row['unit']} | {row['statistics'] or '–'} |")
        lines.append("")
    lines += ["## How the definitions are applied", ""]
    lines += [f"- {note}" for note in METHOD_NOTES]
    from metrics import cellkey  # it reads the catalogue itself (through metrics.disclosure)

    lines += ["", "## Disclosure control and the perturbation table", "", cellkey.rules_text(), "",
              "The published perturbation table (`metrics/ptable.csv`, written by `python -m metrics.cellkey`):",
              "", "| count | adjustment | probability | cell keys |", "|---|---|---|---|"]
    lines += [f"| {r['count']} | {r['adjustment']:+d} | {r['probability']} | {r['cell keys']} |"
              for r in cellkey.ptable_rows()]
    return "\n".join(lines) + "\n"
