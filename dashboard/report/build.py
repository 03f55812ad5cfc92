"""Everything a board report shows, collected once for one access scope and filter.

The PDF (pdf.py) and the spreadsheet (xlsx.py) are both drawn from one ReportData, so the
two files carry the same numbers as each other and as the pages. Every call into metrics/
passes suppress=True: disclosure control applies to every export, whatever the role of
the person exporting (metrics.md, "Disclosure control").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

import metrics
from dashboard import narrative
from dashboard import presentation
from dashboard.presentation import Situation
from metrics import AccessScope, Filter, MetricValue, cellkey, disclosure, views
from metrics.scope import ROLE_LABELS, Role

TITLE = "Diversion Outcomes: board report"

# Breakdown dimension -> the words a reader uses (the pages' "Compare by" labels).
DIMENSIONS = metrics.BREAKDOWN_LABELS


# The figures on the first page, and the support measures table (catalogue order).
HEADLINE_IDS = ("referrals", "engagement_rate", "attendance_rate", "completion_rate",
                "onward_referral_rate", "pathway_uptake_rate", "reoffending_rate", "open_referrals")
SUPPORT_IDS = tuple(m.id for m in metrics.CATALOGUE if m.group == "support")
REOFFENDING_IDS = ("reoffending_eligible", "reoffending_pending", "reoffending_rate", "reoffences_per_person",
                   "prior_offences_per_person", "pre_post_change", "time_to_reoffence")
COMPARISON_IDS = ("participant_matched_rate", "matched_comparison_rate", "comparison_reoffending_rate",
                  "rate_difference", "matched_participants", "unmatched_participants", "comparison_eligible",
                  "logrank_p_value", "people_needed")
SCHEME_TABLE_IDS = ("referrals", "engagement_rate", "completion_rate", "onward_referral_rate", "reoffending_rate")

# Data-quality tables a report carries, and their count columns. The quarantined rows
# themselves (raw values) never go into a file.
DATA_QUALITY_TABLES = {
    "extracts": ["rows_read", "rows_loaded", "rows_quarantined"],
    "quarantine": ["rows"],
    "ingest_log": ["rows_read", "rows_loaded", "rows_quarantined"],
}


@dataclass(frozen=True)
class ReportData:
    scope: AccessScope
    filter: Filter
    as_of: dt.date
    demo: bool
    source: str | None
    generated_at: dt.datetime
    generated_by: str  # the role of the person (or job) who made the file, in words
    scheme_names: dict[str, str]
    summary: dict[str, MetricValue]
    breakdowns: dict[str, pd.DataFrame]  # dimension -> metrics.breakdown frame (every breakdown id)
    survival: pd.DataFrame
    exit_reasons: pd.DataFrame
    onward_by_agency: pd.DataFrame
    funnel_plot: dict
    cost_by_scheme: pd.DataFrame
    data_quality: dict[str, pd.DataFrame] | None  # None outside the analyst role
    situation: Situation  # why an empty measure is empty (no target, too early...)
    k: int = metrics.DEFAULT_K
    title: str = TITLE

    # --- words about the selection, shared by both files --------------------------------

    @property
    def scope_text(self) -> str:
        forces = ", ".join(sorted(self.scope.forces)) if self.scope.forces is not None else "All forces"
        if self.scope.districts is None:
            return f"{forces}; all districts"
        return f"{forces}; districts: {', '.join(sorted(self.scope.districts))}"

    @property
    def schemes_text(self) -> str:
        if not self.filter.schemes:
            return "All schemes"
        return ", ".join(self.scheme_names.get(s, s) for s in self.filter.schemes)

    @property
    def districts_text(self) -> str:
        return ", ".join(self.filter.districts) if self.filter.districts else "All districts in scope"

    @property
    def period_text(self) -> str:
        start, end = self.filter.date_from, self.filter.date_to
        if start and end:
            return f"Referred {start:%-d %B %Y} to {end:%-d %B %Y}"
        if start:
            return f"Referred from {start:%-d %B %Y} to the data cut-off"
        if end:
            return f"Referred up to {end:%-d %B %Y}"
        return f"All referrals up to the data cut-off ({self.as_of:%-d %B %Y})"

    @property
    def other_filters(self) -> list[tuple[str, str]]:
        """The pathway and people filters that are set, as (label, values)."""
        out = []
        for label, values in (("Pathway", self.filter.pathways), ("Primary need", self.filter.needs),
                              ("Sex", self.filter.sexes), ("Age band", self.filter.age_bands)):
            if values:
                out.append((label, ", ".join(presentation.label(v) for v in values)))
        return out

    @property
    def suppression_note(self) -> str:
        return ("Disclosure control is applied to every export, whatever the role of the person exporting. "
                + cellkey.rules_text(self.k))

    @property
    def comparison_sentences(self) -> list[str]:
        return narrative.comparison_sentences(self.summary)


def role_words(scope: AccessScope, how: str | None = None) -> str:
    words = ROLE_LABELS.get(scope.role, scope.role)
    return f"{words} ({how})" if how else words


def collect(con: duckdb.DuckDBPyConnection, scope: AccessScope, flt: Filter, *, generated_by: str,
            generated_at: dt.datetime | None = None) -> ReportData:
    """Run every metrics call the report needs, once, with disclosure control on (the
    default threshold k = metrics.DEFAULT_K, as the pages use). A board report covers whole
    quarters: its dates are widened to them, and the report says which it used."""
    k = metrics.DEFAULT_K
    flt = disclosure.coarsen(flt, "quarter")
    info = metrics.warehouse_info(con)
    options = views.filter_options(con, scope)
    breakdowns = {by: metrics.breakdown(con, scope, flt, by, k=k, suppress=True) for by in DIMENSIONS}
    quality = None
    if scope.role == Role.ANALYST:
        tables = views.data_quality(con, scope, flt)
        quality = {name: views.suppress_counts(tables[name], columns, scope, k, suppress=True)
                   for name, columns in DATA_QUALITY_TABLES.items()}
    return ReportData(
        scope=scope, filter=flt, as_of=info["as_of"], demo=info["demo"], source=info["source"],
        generated_at=generated_at or dt.datetime.now().astimezone().replace(microsecond=0),
        generated_by=generated_by, scheme_names=dict(options["schemes"]),
        summary=metrics.summary(con, scope, flt, k=k, suppress=True),
        breakdowns=breakdowns,
        survival=metrics.survival_curves(con, scope, flt, k=k, suppress=True),
        exit_reasons=views.exit_reasons(con, scope, flt, suppress=True),
        onward_by_agency=views.onward_by_agency(con, scope, flt, suppress=True),
        funnel_plot=views.completion_funnel_plot(con, scope, flt, suppress=True),
        cost_by_scheme=views.cost_by_scheme(con, scope, flt, suppress=True),
        data_quality=quality, k=k, situation=Situation(**views.selection_facts(con, scope, flt)),
    )
