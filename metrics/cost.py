"""Cost metrics for PCC commissioning (metrics.md "Cost")."""

from __future__ import annotations

from dataclasses import replace

import duckdb

from metrics import cellkey, sql
from metrics.result import MetricValue, ratio

IDS = ("cost_per_referral", "cost_per_completion")

# Added to the cost metrics' flags when a district-restricted scope left schemes out.
SCHEMES_OUTSIDE_SCOPE = "schemes_outside_scope"


# The selected schemes together: their per-scheme rows summed (one definition of cost).
_TOTAL = """
SELECT sum(funding_rows) AS funding_rows, sum(prorated_funding_gbp) AS prorated_funding_gbp,
       coalesce(sum(referrals), 0) AS referrals, coalesce(sum(completions), 0) AS completions,
       coalesce(sum(schemes_outside_scope), 0) AS schemes_outside_scope,
       coalesce(sum(referrals__key), 0) AS referrals__key, coalesce(sum(completions__key), 0) AS completions__key
FROM ({per_scheme})
"""


def cost_values(con: duckdb.DuckDBPyConnection, params: dict, perturbed: bool = False) -> dict[str, MetricValue]:
    """perturbed: the referrals and completions divided by are cell-key perturbed counts."""
    cur = sql.run(con, _TOTAL.format(per_scheme=sql.text("cost_by_scheme")), params)
    return _values(dict(zip([d[0] for d in cur.description], cur.fetchone())), perturbed)


def cost_values_by_scheme(con: duckdb.DuckDBPyConnection, params: dict,
                          perturbed: bool = False) -> dict[str, dict[str, MetricValue]]:
    """cost_values of each scheme in params["schemes"] on its own, in one query."""
    cur = sql.run(con, sql.text("cost_by_scheme"), params)
    columns = [d[0] for d in cur.description]
    found = {row[0]: dict(zip(columns, row)) for row in cur.fetchall()}
    return {scheme_id: _values(found.get(scheme_id, _NOTHING), perturbed) for scheme_id in params["schemes"]}


# A scheme the scope cannot see at all: no funding, no referrals.
_NOTHING = {"funding_rows": 0, "prorated_funding_gbp": None, "referrals": 0, "completions": 0,
            "schemes_outside_scope": 0}


def _values(row: dict, perturbed: bool = False) -> dict[str, MetricValue]:
    if perturbed:
        row = cellkey.perturb_row(row, cellkey.COST_CAPS)
    funding = row["prorated_funding_gbp"] if row["funding_rows"] else None
    values = {}
    for metric_id, denominator in (("cost_per_referral", row["referrals"]),
                                   ("cost_per_completion", row["completions"])):
        if funding is None:  # no funding row applies: null, like a zero denominator
            value = MetricValue(metric_id, None, None, denominator, flags=None)
        else:
            value = ratio(metric_id, float(funding), int(denominator))
        if row["schemes_outside_scope"] and value.flags is not None:
            value = replace(value, flags=value.flags + (SCHEMES_OUTSIDE_SCOPE,))
        values[metric_id] = value
    return values
