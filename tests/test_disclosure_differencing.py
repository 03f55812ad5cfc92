"""Differencing attacks, replayed against the disclosure control of non-analyst roles.

A security review rebuilt people's records on the demo by subtracting two allowed views: a
date range and the same range a day shorter, a total and its complement over sex or need,
a scope's total and the visible cells of a breakdown, two periods. Each view was suppressed
correctly; the pair was not. With whole-month dates and cell-key perturbation
(metrics/cellkey.py), no count below the threshold can be derived exactly: every attack
below leaves the attacker more than one possible value for the hidden count.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools

import duckdb
import pytest

import metrics
from metrics import ANALYST, AccessScope, Filter, cellkey, disclosure, views
from tests.dashboard_fixtures import build_demo_warehouse, cursor
from tests.metrics_fixtures import contact, make_warehouse, referral, scheme

K = disclosure.DEFAULT_K


def support(n: int) -> set[int]:
    """The adjustments the published table can give a true count n (what an attacker knows)."""
    if n < K:
        return {0}
    row = min(n, max(r.count for r in cellkey.PTABLE))
    return {r.adjustment for r in cellkey.PTABLE if r.count == row}


def true_values(shown: int) -> list[int]:
    """Every true count the published table could have shown as `shown`."""
    return [n for n in range(max(K, int(shown) - 2), int(shown) + 3) if shown - n in support(n)]


def hidden_candidates(total_shown: int, rest_shown: int) -> set[int]:
    """Every hidden count h from 1 to k − 1 that fits a shown total and a shown complement:
    some true complement c has c + its adjustment = rest_shown, and c + h + the total's
    adjustment = total_shown."""
    found = set()
    for h in range(1, K):
        for c in range(max(K, rest_shown - 2), rest_shown + 3):
            if rest_shown - c in support(c) and total_shown - c - h in support(c + h):
                found.add(h)
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return cursor(build_demo_warehouse(tmp_path_factory.mktemp("differencing")))


def places(con) -> list[tuple[str, str]]:
    return con.execute("SELECT DISTINCT force, district FROM referrals ORDER BY ALL").fetchall()


def test_the_published_table_is_the_one_in_use():
    with cellkey.PTABLE_FILE.open() as handle:
        published = list(csv.DictReader(handle))
    assert len(published) == len(cellkey.PTABLE)
    for row, used in zip(published, cellkey.PTABLE):
        assert int(row["count"].rstrip("+")) == used.count
        assert (int(row["adjustment"]), int(row["ckey_from"]), int(row["ckey_to"])) == \
            (used.adjustment, used.ckey_from, used.ckey_to)
    for count in {r.count for r in cellkey.PTABLE}:
        rows = [r for r in cellkey.PTABLE if r.count == count]
        assert sum(r.ckey_to - r.ckey_from + 1 for r in rows) == 256  # every cell key maps somewhere
        assert all(count + r.adjustment >= K for r in rows)  # never moved into the suppressed range
    full = [r for r in cellkey.PTABLE if r.count == K + 2]
    assert sum(r.adjustment * r.probability for r in full) == pytest.approx(0)  # unbiased
    assert sum(r.adjustment ** 2 * r.probability for r in full) == pytest.approx(1, abs=0.02)


def test_zero_and_small_counts_are_not_perturbed():
    assert [cellkey.perturb(n, 200) for n in range(K)] == list(range(K))


@pytest.fixture
def hand_worked(tmp_path):
    """Eight people of scheme S1 in North, five of them engaged, with record keys set by hand."""
    path = make_warehouse(
        tmp_path / "hand.duckdb", "2025-06-30", schemes=[scheme("S1"), scheme("S2")],
        referrals=[referral(f"R{i}", f"P{i}", "2024-03-0" + str(i + 1), scheme_id="S1") for i in range(8)]
        + [referral(f"Q{i}", f"Z{i}", "2024-03-01", scheme_id="S2", district="South") for i in range(12)],
        engagements=[contact(f"R{i}", "2024-03-20") for i in range(5)])
    con = duckdb.connect(str(path))
    keys = {f"P{i}": key for i, key in enumerate((10, 20, 30, 40, 150, 0, 0, 0))}
    for person, key in keys.items():
        con.execute("UPDATE record_keys SET record_key = ? WHERE person_id = ?", [key, person])
    con.close()
    return duckdb.connect(str(path), read_only=True).cursor()


def test_the_perturbation_matches_the_published_table_on_a_hand_worked_example(hand_worked):
    # referrals: 8 people, keys 10+20+30+40+150+0+0+0 = 250 -> cell key 250: row "7+", keys
    # 240-255 -> +2, so 10 are shown. engaged: the first five, keys 250 too, count 5: row 5,
    # keys 240-255 -> +2, so 7. engagement_rate is built from the perturbed counts: 7 / 10.
    values = metrics.summary(hand_worked, AccessScope("viewer"), Filter(schemes=("S1",)), min_people=1)
    assert values["referrals"].value == 10
    assert values["engaged"].value == 7
    rate = values["engagement_rate"]
    assert (rate.numerator, rate.denominator, rate.value) == (7, 10, 0.7)
    exact = metrics.summary(hand_worked, ANALYST, Filter(schemes=("S1",)))
    assert (exact["referrals"].value, exact["engaged"].value) == (8, 5)  # analysts stay exact


def test_the_same_cell_through_three_filter_paths_gives_the_same_figure(hand_worked):
    viewer = AccessScope("viewer")
    by_scheme = metrics.summary(hand_worked, viewer, Filter(schemes=("S1",)), min_people=1)
    by_district = metrics.summary(hand_worked, viewer, Filter(districts=("North",)), min_people=1)
    cells = metrics.breakdown(hand_worked, viewer, Filter(), "scheme", ["referrals"], min_people=1)
    by_cell = cells.loc[cells["cell"] == "S1", "value"].iloc[0]
    assert by_scheme["referrals"].value == by_district["referrals"].value == by_cell == 10


def test_a_selection_of_fewer_than_ten_people_shows_no_figures(hand_worked):
    viewer = AccessScope("viewer")
    eight = metrics.summary(hand_worked, viewer, Filter(schemes=("S1",)))
    assert all(v.suppressed == disclosure.TOO_FEW_MARK and v.value is None for v in eight.values())
    twelve = metrics.summary(hand_worked, viewer, Filter(schemes=("S2",)))
    assert twelve["referrals"].value is not None
    assert metrics.survival_curves(hand_worked, viewer, Filter(schemes=("S1",))).empty
    assert views.exit_reasons(hand_worked, viewer, Filter(schemes=("S1",))).empty


def test_a_date_shifted_by_a_day_gives_exactly_the_same_figures(demo):
    """The review's first attack: to 20 January against to 19 January, as a viewer of a force."""
    for force, _ in places(demo)[:3]:
        viewer = AccessScope("viewer", forces={force})
        longer = metrics.summary(demo, viewer, Filter(date_from=dt.date(2019, 1, 1), date_to=dt.date(2020, 1, 20)))
        shorter = metrics.summary(demo, viewer, Filter(date_from=dt.date(2019, 1, 1), date_to=dt.date(2020, 1, 19)))
        assert longer == shorter, force  # both are January 2019 to January 2020, whole months


def test_two_periods_a_month_apart_do_not_give_back_a_small_month(demo):
    recovered = tried = 0
    for force in sorted({force for force, _ in places(demo)}):
        viewer, analyst = AccessScope("viewer", forces={force}), AccessScope("analyst", forces={force})
        months = demo.execute("""
            SELECT date_trunc('month', referral_date)::DATE AS month, count(*) FROM referrals
            WHERE force = ? GROUP BY 1 HAVING count(*) BETWEEN 1 AND 4 ORDER BY 1 LIMIT 4""", [force]).fetchall()
        for month, true_count in months:
            start = dt.date(month.year - 1, month.month, 1)
            before_end = month - dt.timedelta(days=1)
            month_end = disclosure.period_end(month)
            shown_month = metrics.summary(demo, viewer, Filter(date_from=month, date_to=month_end))["referrals"]
            if shown_month.suppressed == disclosure.TOO_FEW_MARK:
                assert shown_month.value is None
            else:
                assert shown_month.suppressed == "<5"
            with_month = metrics.summary(demo, viewer, Filter(date_from=start, date_to=month_end))["referrals"]
            without = metrics.summary(demo, viewer, Filter(date_from=start, date_to=before_end))["referrals"]
            if with_month.value is None or without.value is None:
                continue
            tried += 1
            recovered += with_month.value - without.value == true_count
            assert len(hidden_candidates(with_month.value, without.value)) >= 2, (force, month)
            exact = metrics.summary(demo, analyst, Filter(date_from=start, date_to=month_end))["referrals"]
            assert exact.value == metrics.summary(demo, analyst, Filter(date_from=start, date_to=before_end))[
                "referrals"].value + true_count  # what the attack got before
    assert tried >= 4
    assert recovered < tried  # the naive difference is no longer the hidden count every time


@pytest.mark.parametrize("dimension, field", [("sex", "sexes"), ("primary_need", "needs")])
def test_a_total_minus_its_complement_does_not_give_back_a_hidden_count(demo, dimension, field):
    """The review's district commander: ?sex=other shows <5, the other three sexes 208, the
    total 211, so 3. Now every such pair leaves at least two possible hidden counts."""
    tried = recovered = 0
    for force, district in places(demo):
        commander = AccessScope("district_commander", forces={force}, districts={district})
        column = {"sex": "sex", "primary_need": "primary_need"}[dimension]
        counts = dict(demo.execute(f"SELECT {column}, count(*) FROM referrals WHERE district = ? GROUP BY 1",
                                   [district]).fetchall())
        total = metrics.summary(demo, commander, Filter())["referrals"]
        for value, true_count in counts.items():
            if not 1 <= true_count < K:
                continue
            alone = metrics.summary(demo, commander, Filter(**{field: (value,)}))["referrals"]
            assert alone.value is None  # "<5" or too few people: never the number
            others = tuple(v for v in counts if v != value)
            rest = metrics.summary(demo, commander, Filter(**{field: others}))["referrals"]
            tried += 1
            recovered += total.value - rest.value == true_count
            assert len(hidden_candidates(total.value, rest.value)) >= 2, (district, value)
    assert tried >= 3
    assert recovered < tried


def test_a_scope_total_minus_the_visible_cells_of_a_breakdown_does_not_give_back_a_hidden_cell(demo):
    tried = recovered = 0
    for force, district in places(demo):
        commander = AccessScope("district_commander", forces={force}, districts={district})
        total = metrics.summary(demo, commander, Filter())["referrals"].value
        cells = metrics.breakdown(demo, commander, Filter(), "sex", ["referrals"])
        exact = metrics.breakdown(demo, ANALYST, Filter(districts=(district,)), "sex", ["referrals"])
        hidden = cells[cells["value"].isna()]
        if len(hidden) != 1 and len(hidden) != 2:
            continue
        tried += 1
        worked_out = total - cells["value"].dropna().sum()
        true_hidden = exact[exact["cell"].isin(hidden["cell"])]["value"].sum()
        recovered += worked_out == true_hidden
        candidates = {total_true - sum(parts) for total_true in true_values(total)
                      for parts in itertools.product(*(true_values(v) for v in cells["value"].dropna()))}
        assert len({h for h in candidates if h >= len(hidden)}) >= 2, district
    assert tried >= 3
    assert recovered < tried


def test_the_cohort_review_ignores_who_people_are_and_controls_its_counts(demo):
    checked = set()
    for force, district in places(demo):
        commander = AccessScope("district_commander", forces={force}, districts={district})
        everyone = views.cohort_review(demo, commander, Filter())
        narrowed = views.cohort_review(demo, commander, Filter(sexes=("other",), needs=("gambling",),
                                                               age_bands=("55+",)))
        assert narrowed.equals(everyone)  # the people filters would tag every pseudonym
        assert "record_key" not in everyone.columns
        counts = views.cohort_review_counts(demo, commander, Filter())
        shown = counts["open_referrals"].iloc[0]
        if 1 <= len(everyone) < K:
            assert shown != shown and disclosure.marks(counts, "open_referrals") == ["<5"]
            checked.add("small")
        elif len(everyone) >= K:
            assert shown >= K and abs(shown - len(everyone)) <= cellkey.MAX_ADJUSTMENT
            checked.add("shown")
    assert checked == {"small", "shown"}
