"""The public measures: every one takes a DuckDB cursor, the access scope and a filter.

The caller owns the cursor (open the warehouse read_only). Outside the analyst role the
results pass through disclosure control before they are returned.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from metrics import cellkey, cost, disclosure, sql
from metrics.catalogue import BY_ID, IDS
from metrics.facts import Facts
from metrics.reoffending import (
    COMPARISON_IDS,
    REOFFENDING_IDS,
    by_cell,
    comparison_values,
    reoffending_values,
    survival_curve,
)
from metrics.result import MetricValue
from metrics.scope import AccessScope, Filter, query_params
from metrics.support import IDS as SUPPORT_IDS
from metrics.support import support_values
from pipelines.contracts import AGE_BANDS

# Breakdown dimension -> column of the selected referral (the only text put into SQL).
BREAKDOWNS: dict[str, str] = {
    "scheme": "r.scheme_id",
    "district": "r.district",
    "intake_quarter": "r.intake_quarter",
    "pathway": "r.pathway",
    "primary_need": "r.primary_need",
    "sex": "r.sex",
    "age_band": "r.age_band",
}

# Breakdown dimension -> the words a reader uses ("Compare by" on the pages, the report).
BREAKDOWN_LABELS: dict[str, str] = {
    "scheme": "Scheme",
    "district": "District",
    "intake_quarter": "Intake quarter",
    "pathway": "Pathway",
    "primary_need": "Primary need",
    "sex": "Sex",
    "age_band": "Age band",
}
BREAKDOWN_IDS = tuple(m.id for m in BY_ID.values() if m.breakdown)


def as_of(con: duckdb.DuckDBPyConnection) -> date:
    """The data cut-off date every metric uses."""
    return con.execute("SELECT as_of FROM warehouse_meta").fetchone()[0]


def warehouse_info(con: duckdb.DuckDBPyConnection) -> dict:
    """as_of, whether the warehouse holds demo (synthetic) data, its source, when built."""
    cur = con.execute("SELECT * FROM warehouse_meta")
    row = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    return {"as_of": row["as_of"], "demo": bool(row.get("demo")), "source": row.get("source"),
            "built_at": row.get("built_at")}


def summary(con: duckdb.DuckDBPyConnection, scope: AccessScope, flt: Filter = Filter(), *,
            k: int = disclosure.DEFAULT_K, suppress: bool | None = None,
            min_people: int = disclosure.MIN_PEOPLE, perturb: bool = True) -> dict[str, MetricValue]:
    """Every metric of the catalogue over the selection, in catalogue order.

    `suppress` defaults to the scope's role (everyone but analysts); pass True for exports.
    Suppressed, the selection is first coarsened (whole months), its counts are cell-key
    perturbed (metrics/cellkey.py) and a selection of fewer than `min_people` people shows
    no figures (disclosure.TOO_FEW_MARK). `k`, `min_people` and `perturb` (off only in tests of
    the suppression rules alone) tune that control; none of them applies to the analyst view.
    """
    suppressing = scope.suppress if suppress is None else suppress
    if suppressing:
        flt = disclosure.coarsen(flt)
    params = parameters(con, scope, flt)
    values: dict[str, MetricValue] = {}
    with Facts(con, params, comparison=True) as facts:
        support_rows = facts.rows("support_by_cell")
        person_rows = facts.rows("person_by_cell")
        survival = facts.rows("survival_times")
        differences = facts.rows("differences")
        strata = facts.rows("strata")
    support_row = support_rows[0] if support_rows else {}
    perturbing = suppressing and perturb
    values.update(support_values(cellkey.perturb_row(support_row, cellkey.SUPPORT_CAPS)
                                 if perturbing else support_row))
    selected = next((r for r in person_rows if r["grp"] == "selected"), None)
    values.update(reoffending_values(selected, differences,
                                     [s for s in survival if s["grp"] == "selected"], perturbed=perturbing))
    values.update(comparison_values(person_rows, strata, survival, perturbed=perturbing))
    values.update(cost.cost_values(con, params, perturbed=perturbing))

    ordered = {metric_id: values[metric_id] for metric_id in IDS}
    if suppressing:
        if disclosure.too_few(selected["people"] if selected else 0, min_people):
            return {metric_id: disclosure.too_few_value(value, k) for metric_id, value in ordered.items()}
        ordered = disclosure.suppress_summary(ordered, k)
    return ordered


def breakdown(con: duckdb.DuckDBPyConnection, scope: AccessScope, flt: Filter = Filter(),
              by: str = "scheme", metric_ids: tuple[str, ...] | list[str] | None = None, *,
              k: int = disclosure.DEFAULT_K, suppress: bool | None = None,
              min_people: int = disclosure.MIN_PEOPLE, perturb: bool = True) -> pd.DataFrame:
    """A row per (cell, metric): each cell is the selection narrowed to that category.

    A person is counted in every cell where they have a selected referral, indexed on their
    earliest selected referral in that cell (as if the cell were a filter), so a cell
    equals summary() with that extra filter. Comparison and cost metrics are not broken down.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"cannot break down by {by!r}; one of {tuple(BREAKDOWNS)}")
    metric_ids = tuple(metric_ids or BREAKDOWN_IDS)
    unknown = [m for m in metric_ids if m not in BREAKDOWN_IDS]
    if unknown:
        raise ValueError(f"not available in a breakdown: {unknown}")

    # Unsuppressed, only what was asked for (and what it travels with) is computed. Suppressed,
    # every breakdown metric is, because secondary suppression looks across metrics that share
    # a count: a page asking for one metric then hides exactly what the full breakdown (the
    # board report) hides.
    suppressing = scope.suppress if suppress is None else suppress
    if suppressing:
        flt = disclosure.coarsen(flt)
    travelling = tuple(s for m in metric_ids for s in disclosure.FOLLOWS.get(m, ()))
    computed = tuple(dict.fromkeys(metric_ids + travelling + (BREAKDOWN_IDS if suppressing else ())))
    wanted_reoffending = tuple(m for m in computed if m in REOFFENDING_IDS)

    perturbing = suppressing and perturb
    params = parameters(con, scope, flt)
    people: dict = {}
    with Facts(con, params, BREAKDOWNS[by], people=bool(wanted_reoffending)) as facts:
        support_rows = facts.rows("support_by_cell")
        if wanted_reoffending:
            people = {r["cell"]: r for r in facts.rows("person_by_cell")}
            differences, survival = {}, {}
            if "pre_post_change" in wanted_reoffending:
                differences = by_cell(facts.rows("differences"))
            if "time_to_reoffence" in wanted_reoffending:
                survival = by_cell(facts.rows("survival_times"))
    cells: dict[object, dict[str, MetricValue]] = {
        row["cell"]: support_values(cellkey.perturb_row(row, cellkey.SUPPORT_CAPS) if perturbing else row)
        for row in support_rows}
    if wanted_reoffending:
        for key in cells:
            cells[key].update(reoffending_values(people.get(key), differences.get(key, []),
                                                 survival.get(key, []), wanted_reoffending,
                                                 perturbed=perturbing))
    # Suppressed, a cell of fewer than min_people people (or a selection of them) shows nothing.
    too_few = {key for key in cells if suppressing and disclosure.too_few(
        (people.get(key) or {}).get("people", 0), min_people)}

    labels = _labels(con, by, list(cells))
    rows = []
    for key in _ordered_cells(by, cells):
        for metric_id in computed:
            value = cells[key][metric_id]
            if key in too_few:
                value = disclosure.too_few_value(value, k)
            rows.append({"by": by, "cell": key, "label": labels.get(key, key), "metric": metric_id,
                         "value": value.value, "numerator": value.numerator,
                         "denominator": value.denominator, "ci_low": value.ci_low,
                         "ci_high": value.ci_high, "p_value": value.p_value,
                         "flags": value.flags, "suppressed": value.suppressed})
    frame = pd.DataFrame(rows, columns=disclosure.BREAKDOWN_COLUMNS)
    if suppressing:
        frame = disclosure.suppress_breakdown(frame, k)
    return frame[frame["metric"].isin(metric_ids)].reset_index(drop=True)


def survival_curves(con: duckdb.DuckDBPyConnection, scope: AccessScope, flt: Filter = Filter(), *,
                    k: int = disclosure.DEFAULT_K, suppress: bool | None = None,
                    min_people: int = disclosure.MIN_PEOPLE, perturb: bool = True) -> pd.DataFrame:
    """Kaplan–Meier curves of time to first proven reoffence (time_to_reoffence).

    Groups: `selected` (every selected person: the time_to_reoffence curve), `participants`
    (those with an engaged referral) and `comparison` (the selected comparison people), the
    last two being what logrank_p_value compares. A row per step, starting at day 0.
    """
    suppressing = scope.suppress if suppress is None else suppress
    if suppressing:
        flt = disclosure.coarsen(flt)
    params = parameters(con, scope, flt)
    with Facts(con, params, comparison=True) as facts:
        survival = facts.rows("survival_times")
    groups = {
        "selected": [s for s in survival if s["grp"] == "selected"],
        "participants": [s for s in survival if s["grp"] == "selected" and s["participant"]],
        "comparison": [s for s in survival if s["grp"] == "comparison"],
    }
    if suppressing and disclosure.too_few(sum(s["people"] for s in groups["selected"]), min_people):
        groups = {}
    frames = []
    for group, rows in groups.items():
        if suppressing and perturb:  # by month of follow-up, from perturbed counts: no one's own day
            rows = cellkey.survival_rows(rows, k)
        curve = survival_curve(rows)
        if curve is None:
            continue
        frame = pd.DataFrame(curve)
        if frame["time_days"].iloc[0] > 0:
            frame = pd.concat([pd.DataFrame({"time_days": [0.0], "survival": [1.0],
                                             "ci_low": [1.0], "ci_high": [1.0]}), frame])
        frame.insert(0, "group", group)
        frame["people"] = sum(r["people"] for r in rows)
        frame["events"] = sum(r["people"] for r in rows if r["km_event"])
        frames.append(frame)
    curves = (pd.concat(frames, ignore_index=True) if frames
              else pd.DataFrame(columns=disclosure.SURVIVAL_COLUMNS))
    if suppressing:
        curves = disclosure.suppress_survival(curves, k)
    return curves


def parameters(con: duckdb.DuckDBPyConnection, scope: AccessScope, flt: Filter) -> dict:
    """Every SQL parameter of a call: the scope, the filter, as_of, the comparison districts."""
    comparison_districts = None
    if scope.districts is not None:
        comparison_districts = sorted(scope.districts)
    elif scope.forces is not None:
        comparison_districts = [row[0] for row in sql.run(
            con, sql.text("scope_comparison_districts"),
            {"scope_forces": sorted(scope.forces)}).fetchall()]
    return query_params(scope, flt, as_of(con), comparison_districts)


def _labels(con: duckdb.DuckDBPyConnection, by: str, keys: list) -> dict:
    if by != "scheme" or not keys:
        return {}
    return dict(con.execute("SELECT scheme_id, scheme_name FROM schemes "
                            "WHERE list_contains($ids::VARCHAR[], scheme_id)",
                            {"ids": [str(k) for k in keys]}).fetchall())


def _ordered_cells(by: str, cells: dict) -> list:
    if by == "age_band":
        order = {band: i for i, band in enumerate(AGE_BANDS)}
        return sorted(cells, key=lambda c: (order.get(c, len(order)), str(c)))
    return sorted(cells, key=str)


__all__ = ["as_of", "warehouse_info", "summary", "breakdown", "survival_curves", "BREAKDOWNS",
           "BREAKDOWN_LABELS", "SUPPORT_IDS", "REOFFENDING_IDS", "COMPARISON_IDS"]
