"""Page-level views over the same scoped selection as the measures: filter options,
distributions (contacts by month, onward referrals by agency, exit reasons), the scheme
funnel plot, cost by scheme, the cohort review list and the data-quality tables.

Every function takes the cursor, the access scope and the filter, starts from the
`selected_referrals` CTE (scope and filter applied there, as parameters), and applies the
scope's disclosure control to its counts before returning.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd

from metrics import cost, disclosure, sql
from metrics.catalogue import COMPLETION_EXITS
from metrics.measures import breakdown, parameters
from metrics.disclosure import suppress_counts  # noqa: F401 - views' tables go through it
from metrics.scope import AccessScope, Filter, Role
from pipelines.contracts import AGE_BANDS, BY_NAME  # noqa: F401 - AGE_BANDS re-exported for the filters

Z95, Z998 = 1.959964, 3.090232  # two-sided 95% and 99.8% limits


def _frame(con: duckdb.DuckDBPyConnection, scope: AccessScope, flt: Filter, final_sql: str,
           ctes: dict[str, str] | None = None) -> pd.DataFrame:
    """Run `final_sql` after the scoped `selected_referrals` CTE (and any further `ctes`)."""
    ctes = ctes or {}
    query = sql.compose(["selected_referrals", *ctes], "final", bodies={**ctes, "final": final_sql})
    return sql.run(con, query, parameters(con, scope, flt)).df()


def _protected_filter(con, scope: AccessScope, flt: Filter, suppress: bool | None) -> Filter | None:
    """Outside the analyst view (or for an export): the filter coarsened to whole months, or
    None when the selection holds fewer than disclosure.MIN_PEOPLE people (show nothing)."""
    if not (scope.suppress if suppress is None else suppress):
        return flt
    flt = disclosure.coarsen(flt)
    people = _frame(con, scope, flt, "SELECT count(DISTINCT person_id) AS people FROM selected_referrals")
    return None if disclosure.too_few(int(people["people"].iloc[0])) else flt


def filter_options(con: duckdb.DuckDBPyConnection, scope: AccessScope) -> dict:
    """What the filter widgets may offer this viewer: only schemes and districts in scope."""
    found = _frame(con, scope, Filter(), """
        SELECT DISTINCT r.scheme_id, s.scheme_name, r.district
        FROM selected_referrals AS r JOIN schemes AS s USING (scheme_id)
    """)
    referrals = BY_NAME["referrals"]
    return {
        "schemes": sorted(set(zip(found["scheme_id"], found["scheme_name"])), key=lambda s: (s[1], s[0])),
        "districts": sorted(found["district"].unique().tolist()),
        "pathways": list(referrals.column("pathway").categories),
        "sexes": list(referrals.column("sex").categories),
        "needs": list(referrals.column("primary_need").categories),
    }


def places(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every (force, district) with referrals: the local-mode preview's choices (bookkeeping
    for a synthetic sample, not a measure)."""
    return [tuple(row) for row in con.execute(
        "SELECT DISTINCT force, district FROM referrals WHERE force IS NOT NULL AND district IS NOT NULL "
        "ORDER BY ALL").fetchall()]


def filter_warnings(con: duckdb.DuckDBPyConnection, scope: AccessScope, flt: Filter) -> list[str]:
    """A line for each scheme id or district of the filter with no referral in scope at all:
    usually a mistyped name, which would otherwise just give zeros."""
    options = filter_options(con, scope)
    schemes = sorted(scheme_id for scheme_id, _ in options["schemes"])
    districts = options["districts"]
    return ([f"no referrals for scheme {s!r}; scheme ids with referrals: {_listing(schemes)}"
             for s in flt.schemes if s not in schemes]
            + [f"no referrals in district {d!r}; districts with referrals: {_listing(districts)}"
               for d in flt.districts if d not in districts])


def _listing(values: list[str], most: int = 20) -> str:
    if not values:
        return "none"
    shown = ", ".join(values[:most])
    return shown if len(values) <= most else f"{shown} and {len(values) - most} more"


def selection_facts(con, scope: AccessScope, flt: Filter) -> dict:
    """What the pages need to say why a measure is empty: whether any selected scheme has a
    contact target or a planned length, and when the first person still in follow-up will
    have finished it (index date + 365 + 182 days; a month, outside the analyst view)."""
    if scope.suppress:
        flt = disclosure.coarsen(flt)
    row = _frame(con, scope, flt, """
        SELECT bool_or(s.target_contacts_per_month IS NOT NULL) AS has_contact_target,
               bool_or(s.planned_duration_weeks IS NOT NULL) AS has_planned_duration,
               (SELECT min(index_date) + 547 FROM (
                    SELECT person_id, min(referral_date) AS index_date FROM selected_referrals GROUP BY 1)
                WHERE index_date + 547 > $as_of::DATE) AS first_results_due
        FROM selected_referrals AS r JOIN schemes AS s USING (scheme_id)
    """).iloc[0]
    due = row["first_results_due"]
    due = None if pd.isna(due) else pd.Timestamp(due).date()
    if due is not None and scope.suppress:
        due = disclosure.period_start(due)
    return {"has_contact_target": bool(row["has_contact_target"]) if not pd.isna(row["has_contact_target"]) else False,
            "has_planned_duration": bool(row["has_planned_duration"])
            if not pd.isna(row["has_planned_duration"]) else False,
            "first_results_due": due}


def scheme_targets(con, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    """Each selected scheme's monthly contact target (schemes without one are left out)."""
    return _frame(con, scope, flt, """
        SELECT DISTINCT s.scheme_name AS label, s.target_contacts_per_month AS target
        FROM selected_referrals AS r JOIN schemes AS s USING (scheme_id)
        WHERE s.target_contacts_per_month IS NOT NULL
        ORDER BY label
    """)


def contacts_by_month(con, scope: AccessScope, flt: Filter, *, suppress: bool | None = None) -> pd.DataFrame:
    """Contacts per calendar month and scheme: attended and booked (attended + DNA + cancelled by
    the participant)."""
    flt = _protected_filter(con, scope, flt, suppress)
    if flt is None:
        return pd.DataFrame(columns=["month", "scheme", "attended", "booked"])
    frame = _frame(con, scope, flt, """
        SELECT strftime(m.month, '%Y-%m') AS month, s.scheme_name AS scheme,
               sum(m.contacts_attended)::BIGINT AS attended,
               sum(m.contacts_attended + m.contacts_did_not_attend + m.contacts_cancelled_by_participant)::BIGINT
                   AS booked,
               sum(m.contacts_attended * r.record_key) AS attended__key,
               sum((m.contacts_attended + m.contacts_did_not_attend + m.contacts_cancelled_by_participant)
                   * r.record_key) AS booked__key
        FROM selected_referrals AS r
        JOIN referral_contact_months AS m USING (referral_id)
        JOIN schemes AS s USING (scheme_id)
        GROUP BY ALL ORDER BY month, scheme
    """)
    return suppress_counts(frame, ["attended", "booked"], scope, suppress=suppress, caps={"attended": "booked"})


_ONWARD_COUNTS = ("onward_referrals", "accepted", "declined", "pending", "not_known", "funded_places",
                  "places_taken_up")


def onward_by_agency(con, scope: AccessScope, flt: Filter, *, suppress: bool | None = None) -> pd.DataFrame:
    flt = _protected_filter(con, scope, flt, suppress)
    if flt is None:
        return pd.DataFrame(columns=["agency_type", *_ONWARD_COUNTS])
    frame = _frame(con, scope, flt, """
        SELECT o.agency_type,
               count(*) AS onward_referrals,
               count(*) FILTER (WHERE o.outcome = 'accepted') AS accepted,
               count(*) FILTER (WHERE o.outcome = 'declined') AS declined,
               count(*) FILTER (WHERE o.outcome = 'pending') AS pending,
               count(*) FILTER (WHERE o.outcome = 'not_known') AS not_known,
               count(*) FILTER (WHERE o.funded_place) AS funded_places,
               count(*) FILTER (WHERE o.funded_place AND o.place_taken_up) AS places_taken_up,
               sum(r.record_key) AS onward_referrals__key,
               coalesce(sum(r.record_key) FILTER (WHERE o.outcome = 'accepted'), 0) AS accepted__key,
               coalesce(sum(r.record_key) FILTER (WHERE o.outcome = 'declined'), 0) AS declined__key,
               coalesce(sum(r.record_key) FILTER (WHERE o.outcome = 'pending'), 0) AS pending__key,
               coalesce(sum(r.record_key) FILTER (WHERE o.outcome = 'not_known'), 0) AS not_known__key,
               coalesce(sum(r.record_key) FILTER (WHERE o.funded_place), 0) AS funded_places__key,
               coalesce(sum(r.record_key) FILTER (WHERE o.funded_place AND o.place_taken_up), 0)
                   AS places_taken_up__key
        FROM selected_referrals AS r JOIN onward_referrals AS o USING (referral_id)
        GROUP BY ALL ORDER BY onward_referrals DESC
    """)
    # accepted + declined + pending + not_known = onward_referrals, on each row
    return suppress_counts(frame, list(_ONWARD_COUNTS), scope, suppress=suppress,
                           row_totals={"onward_referrals": ["accepted", "declined", "pending", "not_known"]},
                           caps={"places_taken_up": "funded_places"})


def exit_reasons(con, scope: AccessScope, flt: Filter, *, suppress: bool | None = None) -> pd.DataFrame:
    flt = _protected_filter(con, scope, flt, suppress)
    if flt is None:
        return pd.DataFrame(columns=["exit_reason", "exits", "counted_in_completion"])
    frame = _frame(con, scope, flt, """
        SELECT x.exit_reason, count(*) AS exits, sum(r.record_key) AS exits__key
        FROM selected_referrals AS r JOIN exits AS x USING (referral_id)
        GROUP BY ALL ORDER BY exits DESC
    """)
    neutral = ~frame["exit_reason"].isin(COMPLETION_EXITS)  # the one list completion_rate's SQL reads too
    frame["counted_in_completion"] = np.where(neutral, "neutral (left out)", "counted")
    # the counted reasons add up to completion_rate's denominator, shown beside them
    return suppress_counts(frame, ["exits"], scope, suppress=suppress, row_groups=[~neutral, neutral])


def funnel_limits(overall: float, max_denominator: int, points: int = 200) -> pd.DataFrame:
    """95% and 99.8% control limits around the overall rate, by denominator (normal
    approximation to the binomial, clipped to 0–1)."""
    n = np.unique(np.linspace(1, max(max_denominator, 2) * 1.05, points).round().astype(int))
    spread = np.sqrt(overall * (1 - overall) / n)
    return pd.DataFrame({
        "denominator": n,
        "low95": np.clip(overall - Z95 * spread, 0, 1), "high95": np.clip(overall + Z95 * spread, 0, 1),
        "low998": np.clip(overall - Z998 * spread, 0, 1), "high998": np.clip(overall + Z998 * spread, 0, 1),
    })


def completion_funnel_plot(con, scope: AccessScope, flt: Filter, *, suppress: bool | None = None) -> dict:
    """Each scheme's completion rate against its denominator, with control limits."""
    cells = breakdown(con, scope, flt, "scheme", ["completion_rate"], suppress=suppress)
    shown = cells[cells["value"].notna() & cells["denominator"].notna()]
    points = pd.DataFrame({"label": shown["label"], "denominator": shown["denominator"].astype(float),
                           "value": shown["value"].astype(float),
                           "numerator": shown["numerator"].astype(float)})
    if points.empty:
        return {"points": points, "limits": funnel_limits(0.5, 2), "overall": None}
    overall = points["numerator"].sum() / points["denominator"].sum()
    spread = np.sqrt(overall * (1 - overall) / points["denominator"])
    points["outside_95"] = (points["value"] - overall).abs() > Z95 * spread
    return {"points": points, "limits": funnel_limits(overall, int(points["denominator"].max())),
            "overall": overall}


def cost_by_scheme(con, scope: AccessScope, flt: Filter, *, suppress: bool | None = None) -> pd.DataFrame:
    """cost_per_referral and cost_per_completion for each scheme in the selection, as a breakdown
    by scheme. Disclosure control is a breakdown's: a cost's denominator (referrals, completed
    exits) is a count of people that prorated funding / cost would give back, so the next
    smallest scheme goes too when exactly one is suppressed, as in the scheme table beside it."""
    suppressing = scope.suppress if suppress is None else suppress
    if suppressing:
        flt = disclosure.coarsen(flt)
    options = filter_options(con, scope)["schemes"]
    schemes = flt.schemes or tuple(s for s, _ in options)
    names = dict(options)
    rows = []
    by_scheme = cost.cost_values_by_scheme(con, parameters(con, scope, replace(flt, schemes=schemes)),
                                           perturbed=suppressing)
    for scheme_id in schemes:
        for value in by_scheme[scheme_id].values():
            rows.append({"by": "scheme", "cell": scheme_id, "label": names.get(scheme_id, scheme_id),
                         "metric": value.id, "value": value.value, "numerator": value.numerator,
                         "denominator": value.denominator, "ci_low": None, "ci_high": None, "p_value": None,
                         "flags": value.flags, "suppressed": None})
    frame = pd.DataFrame(rows, columns=disclosure.BREAKDOWN_COLUMNS)
    if suppressing and not frame.empty:
        frame = disclosure.suppress_breakdown(frame)
    return frame


# The cohort review's rows are people (by pseudonym): a filter on who they are would tag every
# pseudonym with that attribute, so the review keeps only the scheme, district and date filters.
REVIEW_IGNORES = ("pathways", "sexes", "age_bands", "needs")


def review_filter(flt: Filter) -> Filter:
    """The part of a filter the cohort review applies."""
    return flt.with_(**{name: () for name in REVIEW_IGNORES})


def _review_rows(con, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    if not scope.row_level:
        raise PermissionError(f"the {scope.role} role has no row-level views")
    flt = review_filter(flt)
    ctes = {
        "open_referrals": """
            SELECT r.* FROM selected_referrals AS r
            WHERE NOT EXISTS (SELECT 1 FROM exits AS x WHERE x.referral_id = r.referral_id)
        """,
        "contacts": """
            SELECT e.referral_id,
                   max(e.contact_date) FILTER (WHERE e.outcome = 'attended') AS last_attended,
                   count(*) FILTER (WHERE e.outcome = 'attended'
                                    AND date_trunc('month', e.contact_date) = date_trunc('month', $as_of::DATE))
                       AS contacts_this_month,
                   arg_max(e.outcome, e.contact_date) FILTER (WHERE e.outcome <> 'cancelled_by_service')
                       AS last_booked_outcome
            FROM engagements AS e JOIN open_referrals USING (referral_id)
            GROUP BY 1
        """,
        "latest_review": """
            SELECT v.referral_id, max(v.review_date) AS last_review,
                   arg_max(v.decision, v.review_date) AS latest_decision
            FROM reviews AS v JOIN open_referrals USING (referral_id)
            GROUP BY 1
        """,
    }
    return _frame(con, scope, flt, """
        SELECT left(o.person_id, 12) AS pseudonym, o.record_key, s.scheme_name AS scheme, o.district, o.referral_date,
               c.last_attended AS last_contact,
               $as_of::DATE - c.last_attended AS days_since_last_contact,
               coalesce(c.contacts_this_month, 0) AS contacts_this_month,
               s.target_contacts_per_month AS target_per_month,
               lr.last_review, lr.latest_decision,
               (c.last_attended IS NULL OR $as_of::DATE - c.last_attended > 30
                OR c.last_booked_outcome IN ('did_not_attend', 'cancelled_by_participant'))
                   AS missed_contacts_flag
        FROM open_referrals AS o
        JOIN schemes AS s USING (scheme_id)
        LEFT JOIN contacts AS c USING (referral_id)
        LEFT JOIN latest_review AS lr USING (referral_id)
        ORDER BY missed_contacts_flag DESC, days_since_last_contact DESC NULLS FIRST, pseudonym
    """, ctes)


def cohort_review(con, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    """The open caseload at as_of, one row per referral, by pseudonym (row-level roles only).

    Only the scheme, district and date filters apply (review_filter): a commander's microdata
    is pseudonym, dates, contacts and decisions, nothing more.
    Flagged for missed contacts: no attended contact in the 30 days to as_of, or the most
    recent booked contact was missed (did not attend / cancelled by the participant).
    """
    return _review_rows(con, scope, flt).drop(columns=["record_key"])


def cohort_review_counts(con, scope: AccessScope, flt: Filter) -> pd.DataFrame:
    """The review's headline counts (open, flagged for missed contacts, latest decision step
    down, escalate) as one row, under the same disclosure control as every other page."""
    rows = _review_rows(con, scope, flt)
    flagged = rows["missed_contacts_flag"].astype(bool)
    parts = {"open_referrals": rows.index == rows.index, "flagged": flagged,
             "stepped_down": rows["latest_decision"] == "step_down",
             "escalated": rows["latest_decision"] == "escalate"}
    keys = rows["record_key"].astype("int64")
    frame = pd.DataFrame([{**{name: int(mask.sum()) for name, mask in parts.items()},
                           **{f"{name}__key": int(keys[mask].sum()) for name, mask in parts.items()}}])
    return suppress_counts(frame, list(parts), scope)


def data_quality(con, scope: AccessScope, flt: Filter | None = None) -> dict[str, pd.DataFrame]:
    """Ingest runs and quarantine (analysts only: quarantined rows cannot be placed in a
    district, so no other role may see them or their counts)."""
    if scope.role != Role.ANALYST:
        raise PermissionError("data quality is for analysts")
    log = con.execute("""
        SELECT extract, file, rows_read, rows_loaded, rows_quarantined, loaded_at, left(content_hash, 12) AS hash
        FROM ingest_log ORDER BY loaded_at DESC, seq DESC
    """).df()
    current = con.execute("""
        SELECT extract, file, rows_read, rows_loaded, rows_quarantined FROM ingest_log
        QUALIFY row_number() OVER (PARTITION BY extract ORDER BY loaded_at DESC, seq DESC) = 1
        ORDER BY extract
    """).df()
    quarantine = con.execute("SELECT file, reason, count(*) AS rows FROM quarantine GROUP BY ALL ORDER BY file, reason").df()
    rows = con.execute("SELECT extract, file, line, reason, raw_values FROM quarantine ORDER BY extract, line LIMIT 1000").df()
    return {"ingest_log": log, "extracts": current, "quarantine": quarantine, "quarantine_rows": rows}




def catalogue_frame() -> pd.DataFrame:
    """The metric catalogue as a table, for the Definitions page."""
    from metrics.catalogue import definitions

    return pd.DataFrame(definitions()).drop(columns="group")
