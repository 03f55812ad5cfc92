"""Diversion Outcomes metrics: the definitions of shared/spec/metrics.md, computed in
DuckDB over the warehouse, with their statistics, access scope and disclosure control.

    import duckdb, metrics
    con = duckdb.connect("warehouse.duckdb", read_only=True).cursor()
    values = metrics.summary(con, metrics.ANALYST, metrics.Filter(schemes=("S1",)))
    values["engagement_rate"].to_json()
"""

from metrics.catalogue import BY_ID, CATALOGUE, IDS, Metric
from metrics.disclosure import DEFAULT_K, display, suppress_breakdown, suppress_summary
from metrics.measures import (
    BREAKDOWN_IDS,
    BREAKDOWN_LABELS,
    BREAKDOWNS,
    as_of,
    breakdown,
    summary,
    survival_curves,
    warehouse_info,
)
from metrics.result import MetricValue
from metrics.scope import ANALYST, AccessScope, Filter

__all__ = [
    "ANALYST", "AccessScope", "BREAKDOWNS", "BREAKDOWN_LABELS", "BREAKDOWN_IDS", "BY_ID", "CATALOGUE",
    "DEFAULT_K", "Filter", "IDS", "Metric", "MetricValue", "as_of", "breakdown", "display",
    "suppress_breakdown", "suppress_summary", "summary", "survival_curves", "warehouse_info",
]
