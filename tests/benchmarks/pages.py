"""Each dashboard page's metric calls, as dashboard/pages/*.py make them, without any cache.

The pages reach metrics/ through dashboard.data, whose st.cache_data wrappers call exactly
these functions (metrics.summary, metrics.breakdown, metrics.survival_curves and
metrics.views.*) with a fresh cursor per call. Keep this list in step with the pages; the
sidebar (warehouse_info, filter_options) runs on every page.
"""

from __future__ import annotations

import time
from contextlib import closing
from typing import Callable

import duckdb

import metrics
from metrics import AccessScope, Filter, views

Call = tuple[str, Callable[[duckdb.DuckDBPyConnection, AccessScope, Filter], object]]


def _breakdown(by: str, ids: list[str]) -> Call:
    return (f"breakdown({by}: {', '.join(ids)})",
            lambda cur, scope, flt: metrics.breakdown(cur, scope, flt, by, ids))


def _detail(name: str) -> Call:
    function = getattr(metrics, name, None) or getattr(views, name)
    return (name, lambda cur, scope, flt: function(cur, scope, flt))


SIDEBAR: list[Call] = [
    ("warehouse_info", lambda cur, scope, flt: metrics.warehouse_info(cur)),
    ("filter_options", lambda cur, scope, flt: views.filter_options(cur, scope)),
]
SUMMARY: Call = ("summary", lambda cur, scope, flt: metrics.summary(cur, scope, flt))

# page url -> its calls, in the order the page makes them ("compare by" defaults to scheme)
PAGES: dict[str, list[Call]] = {
    "/": [SUMMARY, _breakdown("intake_quarter", ["completion_rate"]),
          _breakdown("scheme", ["engagement_rate", "completion_rate"])],
    "/engagement": [SUMMARY, _breakdown("scheme", ["median_contacts_per_month", "contact_target_met_rate"]),
                    _detail("scheme_targets"), _detail("contacts_by_month"),
                    _breakdown("scheme", ["attendance_rate", "median_days_to_first_contact",
                                          "median_contacts_per_month"])],
    "/onward": [SUMMARY, _detail("onward_by_agency"),
                _breakdown("scheme", ["onward_referral_rate", "onward_acceptance_rate", "pathway_uptake_rate"])],
    "/completion": [SUMMARY, _detail("exit_reasons"),
                    _breakdown("scheme", ["completion_rate", "retention_beyond_planned_rate"])],
    "/reoffending": [SUMMARY, _detail("survival_curves"), _breakdown("scheme", ["reoffending_rate"])],
    "/schemes": [_breakdown("scheme", ["referrals", "engagement_rate", "completion_rate", "onward_referral_rate",
                                       "reoffending_rate"]),
                 _detail("cost_by_scheme"), _detail("completion_funnel_plot"),
                 _breakdown("scheme", ["completion_rate", "engagement_rate"])],
    "/cohort-review": [_detail("cohort_review")],
    "/data-quality": [_detail("data_quality")],
    "/definitions": [("catalogue_frame", lambda cur, scope, flt: views.catalogue_frame())],
}
ROLES_ONLY = {"/cohort-review": ("analyst", "district_commander"), "/data-quality": ("analyst",)}


def pages_for(scope: AccessScope) -> dict[str, list[Call]]:
    return {url: calls for url, calls in PAGES.items() if scope.role in ROLES_ONLY.get(url, (scope.role,))}


def time_page(database: duckdb.DuckDBPyConnection, scope: AccessScope, calls: list[Call],
              flt: Filter = Filter()) -> dict[str, float]:
    """Seconds per call (sidebar included), each on a fresh cursor of the open database."""
    seconds = {}
    for label, call in SIDEBAR + calls:
        with closing(database.cursor()) as cursor:
            started = time.perf_counter()
            call(cursor, scope, flt)
            seconds[label] = time.perf_counter() - started
    return seconds
