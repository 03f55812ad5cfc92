"""Access scope: a district-scoped call never returns a row or a count from another district.

Every public function is run on a three-district warehouse with a North-only scope and
compared with the same function run, unrestricted, on a warehouse that holds only North's
rows. Any leak of South or East data would make them differ.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import metrics
from metrics import ANALYST, AccessScope, Filter
from tests.metrics_fixtures import make_warehouse, open_warehouse, tables_for

AS_OF = "2025-06-30"  # the three-district data: tests/metrics_fixtures.py tables_for
@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scope")
    full = open_warehouse(make_warehouse(folder / "full.duckdb", AS_OF,
                                         **tables_for(("North", "South", "East"))))
    north = open_warehouse(make_warehouse(folder / "north.duckdb", AS_OF, **tables_for(("North",))))
    force_a = open_warehouse(make_warehouse(folder / "force_a.duckdb", AS_OF,
                                            **tables_for(("North", "South"))))
    return full, north, force_a


NORTH = AccessScope("district_commander", forces=frozenset({"Force A"}), districts=frozenset({"North"}))
FORCE_A = AccessScope("commissioner", forces=frozenset({"Force A"}))
NOT_COST = [m for m in metrics.IDS if not m.startswith("cost_")]
FILTERS = [Filter(), Filter(date_from=date(2022, 6, 1)), Filter(sexes=("female",)),
           Filter(schemes=("SF",))]


def same_values(a: dict, b: dict, ids) -> None:
    for metric_id in ids:
        left, right = a[metric_id].to_json(), b[metric_id].to_json()
        assert left.pop("flags", None) == right.pop("flags", None), metric_id
        assert left == pytest.approx(right), metric_id


@pytest.mark.parametrize("flt", FILTERS)
def test_summary_in_a_district_scope_equals_that_district_alone(warehouses, flt):
    full, north, _ = warehouses
    scoped = metrics.summary(full, NORTH, flt, suppress=False)
    alone = metrics.summary(north, ANALYST, flt)
    same_values(scoped, alone, NOT_COST)
    assert scoped["referrals"].value < metrics.summary(full, ANALYST, flt)["referrals"].value


def test_summary_in_a_district_scope_with_disclosure_control_equals_that_district_alone(warehouses):
    full, north, _ = warehouses
    same_values(metrics.summary(full, NORTH), metrics.summary(north, ANALYST, suppress=True), NOT_COST)


def test_shared_person_is_indexed_on_their_referral_inside_the_scope(warehouses):
    full, _, _ = warehouses
    shared_only = Filter(date_from=date(2023, 6, 1), date_to=date(2023, 6, 1))
    scoped = metrics.summary(full, NORTH, shared_only, suppress=False)
    assert scoped["prior_offences_per_person"].numerator == 1
    assert scoped["reoffences_per_person"].numerator == 0


def test_filtering_another_district_inside_a_district_scope_selects_nothing(warehouses):
    full, _, _ = warehouses
    values = metrics.summary(full, NORTH, Filter(districts=("South",)), suppress=False)
    for metric_id in ("referrals", "engaged", "reoffending_eligible", "reoffending_pending",
                      "comparison_eligible", "matched_participants", "unmatched_participants"):
        assert values[metric_id].value == 0, metric_id


def test_empty_scope_sees_nothing(warehouses):
    full, _, _ = warehouses
    nobody = AccessScope("viewer", forces=frozenset())
    values = metrics.summary(full, nobody, suppress=False)
    assert values["referrals"].value == 0
    assert values["comparison_eligible"].value == 0
    assert values["cost_per_referral"].value is None and values["cost_per_referral"].denominator == 0


def test_district_scope_costs_only_its_own_districts_schemes(warehouses):
    full, _, _ = warehouses
    values = metrics.summary(full, NORTH, suppress=False)
    # SN only: SF is force-wide (it also takes South's referrals), SS is South's
    north_referrals_of_sn = sum(1 for r in tables_for(("North",))["referrals"] if r["scheme_id"] == "SN")
    assert values["cost_per_referral"].numerator == pytest.approx(3 * 50_000)
    assert values["cost_per_referral"].denominator == north_referrals_of_sn
    assert "schemes_outside_scope" in values["cost_per_referral"].flags


def test_force_scope_sees_its_forces_referrals_comparison_districts_and_schemes(warehouses):
    full, _, force_a = warehouses
    scoped = metrics.summary(full, FORCE_A, suppress=False)
    alone = metrics.summary(force_a, ANALYST)
    same_values(scoped, alone, NOT_COST)
    # cost: Force A's three schemes; East's scheme and referrals are out
    assert scoped["cost_per_referral"].numerator == pytest.approx(3 * (50_000 + 70_000 + 90_000))
    assert scoped["cost_per_referral"].denominator == alone["referrals"].value


@pytest.mark.parametrize("by", list(metrics.BREAKDOWNS))
def test_breakdown_in_a_district_scope_equals_that_district_alone(warehouses, by):
    full, north, _ = warehouses
    scoped = metrics.breakdown(full, NORTH, Filter(), by, suppress=False)
    alone = metrics.breakdown(north, ANALYST, Filter(), by)
    assert list(scoped["cell"]) == list(alone["cell"])
    pd.testing.assert_frame_equal(scoped.drop(columns="flags"), alone.drop(columns="flags"))
    assert list(scoped["flags"]) == list(alone["flags"])
    if by == "district":
        assert set(scoped["cell"]) == {"North"}


@pytest.mark.parametrize("by", ["scheme", "district", "sex"])
def test_suppressed_breakdown_in_a_district_scope_equals_that_district_alone(warehouses, by):
    full, north, _ = warehouses
    scoped = metrics.breakdown(full, NORTH, Filter(), by)
    alone = metrics.breakdown(north, ANALYST, Filter(), by, suppress=True)
    pd.testing.assert_frame_equal(scoped, alone)


def test_survival_curves_in_a_district_scope_equal_that_district_alone(warehouses):
    full, north, _ = warehouses
    scoped = metrics.survival_curves(full, NORTH, suppress=False)
    alone = metrics.survival_curves(north, ANALYST)
    pd.testing.assert_frame_equal(scoped, alone)
    assert set(scoped["group"]) == {"selected", "participants", "comparison"}


def test_warehouse_level_functions_carry_no_district_data(warehouses):
    full, _, _ = warehouses
    assert metrics.as_of(full) == date(2025, 6, 30)
    info = metrics.warehouse_info(full)
    assert set(info) == {"as_of", "demo", "source", "built_at"}
    assert info["as_of"] == date(2025, 6, 30) and info["demo"] is False


NORTH_ANALYST = AccessScope("analyst", forces=frozenset({"Force A"}), districts=frozenset({"North"}))


@pytest.mark.parametrize("name", ["contacts_by_month", "onward_by_agency", "exit_reasons",
                                  "cohort_review", "cost_by_scheme", "scheme_targets"])
def test_page_views_in_a_district_scope_equal_that_district_alone(warehouses, name):
    from metrics import views

    full, north, _ = warehouses
    scoped = getattr(views, name)(full, NORTH_ANALYST, Filter())
    alone = getattr(views, name)(north, ANALYST, Filter())
    if name == "cost_by_scheme":  # a North scope costs only SN (see the cost test above)
        scoped, alone = (f[f["cell"] == "SN"].reset_index(drop=True) for f in (scoped, alone))
    pd.testing.assert_frame_equal(scoped, alone)


def test_filter_options_and_funnel_in_a_district_scope_equal_that_district_alone(warehouses):
    from metrics import views

    full, north, _ = warehouses
    assert views.filter_options(full, NORTH_ANALYST) == views.filter_options(north, ANALYST)
    scoped = views.completion_funnel_plot(full, NORTH_ANALYST, Filter())
    alone = views.completion_funnel_plot(north, ANALYST, Filter())
    pd.testing.assert_frame_equal(scoped["points"], alone["points"])
